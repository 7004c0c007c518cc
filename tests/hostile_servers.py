"""Hostile HTTP servers for tests: slow, silent, garbage, huge, erring and read-only endpoints.

Run as ``python -m tests.hostile_servers MODE PORT [ARG]``; ``hostile_server(MODE, ARG)`` starts one
on 127.0.0.1 on a free port in its own process, yields its base address and stops it by process id.
``one_sentence`` checks that a ``kg`` run failed as a user should see it: exit 2, one "kg: " line.
Each mode misbehaves in one way a real server (or an attacker) can:

- ``slow``: a valid SPARQL JSON answer, one byte every ARG seconds (default 2);
- ``slow-body``: the same, but the status line and headers at once;
- ``silent``: reads the request, never answers;
- ``file``: answers 200 with the bytes of the file ARG (re-read on every request) as SPARQL JSON;
- ``html``: answers 200 with an HTML error page;
- ``huge``: an endless SPARQL JSON answer, as fast as the client reads;
- ``huge-declared``: announces a 10 GB Content-Length, then sends nothing more;
- ``status``: answers HTTP ARG (e.g. 404, 500) with a short text;
- ``refuse``: answers 404 at once without reading the body, then closes (a read-only store);
- ``refuse-open``: the same, but keeps the connection open and never reads;
- ``ok-early``: answers 204 (success) at once without reading the body, keeps the connection open;
- ``hangup``: reads a little of the body, then closes without a word.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import socketserver
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.servers import free_port, stop

ANSWER = b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "slow"}}]}}'


def _headers(status: str = "200 OK", media: str = "application/sparql-results+json", extra: str = "") -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Type: {media}\r\nConnection: close\r\n{extra}\r\n".encode("ascii")


def _read_head(stream) -> None:
    """Read the request line and headers (not the body)."""
    while stream.readline() not in (b"\r\n", b"\n", b""):
        pass


class Handler(socketserver.StreamRequestHandler):
    mode = "status"
    arg = ""

    def handle(self) -> None:
        with contextlib.suppress(OSError):  # the client gave up: that is what most of these servers are for
            getattr(self, "serve_" + self.mode.replace("-", "_"))()

    def serve_slow(self) -> None:
        _read_head(self.rfile)
        pause = float(self.arg or 2)
        for byte in _headers(extra=f"Content-Length: {len(ANSWER)}\r\n") + ANSWER:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(pause)

    def serve_slow_body(self) -> None:
        _read_head(self.rfile)
        self.wfile.write(_headers(extra=f"Content-Length: {len(ANSWER)}\r\n"))
        for byte in ANSWER:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(float(self.arg or 2))

    def serve_silent(self) -> None:
        _read_head(self.rfile)
        time.sleep(3600)

    def serve_file(self) -> None:
        _read_head(self.rfile)
        body = Path(self.arg).read_bytes()
        self.wfile.write(_headers(extra=f"Content-Length: {len(body)}\r\n") + body)

    def serve_html(self) -> None:
        _read_head(self.rfile)
        body = b"<!DOCTYPE html><html><body><h1>Service unavailable</h1><p>Try later.</p></body></html>"
        self.wfile.write(_headers(media="text/html", extra=f"Content-Length: {len(body)}\r\n") + body)

    def serve_huge(self) -> None:
        _read_head(self.rfile)
        self.wfile.write(_headers() + b'{"head": {"vars": ["x"]}, "results": {"bindings": [')
        row = b'{"x": {"type": "literal", "value": "' + b"a" * 200 + b'"}},'
        block = row * 300
        for _ in itertools.count():
            self.wfile.write(block)

    def serve_huge_declared(self) -> None:
        _read_head(self.rfile)
        self.wfile.write(_headers(extra="Content-Length: 10000000000\r\n"))
        time.sleep(3600)

    def serve_status(self) -> None:
        _read_head(self.rfile)
        body = b"something went wrong\n"
        code = int(self.arg or 500)
        self.wfile.write(_headers(f"{code} Whatever", "text/plain", f"Content-Length: {len(body)}\r\n") + body)

    def serve_refuse(self) -> None:
        self._refuse()  # then close with the client's body unread: the client's next send meets a reset

    def serve_refuse_open(self) -> None:
        self._refuse()
        time.sleep(3600)

    def serve_ok_early(self) -> None:
        _read_head(self.rfile)
        self.wfile.write(_headers("204 No Content", "text/plain", "Content-Length: 0\r\n"))
        self.wfile.flush()
        time.sleep(3600)

    def _refuse(self) -> None:
        _read_head(self.rfile)
        body = b"this store is read-only\n"
        self.wfile.write(_headers("404 Not Found", "text/plain", f"Content-Length: {len(body)}\r\n") + body)
        self.wfile.flush()

    def serve_hangup(self) -> None:
        _read_head(self.rfile)
        self.rfile.read(1000)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def main(mode: str, port: int, arg: str = "") -> None:
    handler = type("ModeHandler", (Handler,), {"mode": mode, "arg": arg})
    with Server(("127.0.0.1", port), handler) as server:
        server.serve_forever()


def one_sentence(run: subprocess.CompletedProcess[str], started: float, bound: float) -> str:
    """The single error line of a run that failed as it should, within ``bound`` seconds."""
    assert time.monotonic() - started < bound, f"took {time.monotonic() - started:.1f} s"
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr, run.stderr
    assert len(run.stderr.splitlines()) == 1 and run.stderr.startswith("kg: "), run.stderr
    return run.stderr.splitlines()[0]


def query(base: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``kg query frameworks`` against the endpoint at ``base``/query."""
    from tests.conftest import run_kg  # not at the top: the servers run this module without pytest

    return run_kg("query", "frameworks", "--endpoint", f"{base}/query", *args, env=env, timeout=60)


def _wait_for_port(port: int, process: subprocess.Popen, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the hostile server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the hostile server did not listen on port {port} within {seconds} s")


@contextmanager
def hostile_server(mode: str, arg: str = "") -> Iterator[str]:
    """A hostile server in its own process on a free port; yields ``http://127.0.0.1:PORT``."""
    port = free_port()
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.hostile_servers", mode, str(port), arg], cwd=root, stderr=subprocess.DEVNULL
    )
    try:
        _wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "")
