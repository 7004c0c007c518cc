"""One hostile HTTP server per test process: its misbehaviour is picked by the request's path.

``shared()`` starts it once (a threading server on 127.0.0.1, a free port, in this process; the
``hostile`` fixture in tests/conftest.py hands it to tests) and ``hostile_server(MODE, ARG)`` yields
an address on it, ``http://127.0.0.1:PORT/MODE=ARG/N``, N new each time so that no two tests share
a path (``flaky`` counts requests by path). The first segment of the path picks the mode:

- ``slow``: a valid SPARQL JSON answer, one byte every ARG seconds (default 0.3), headers included;
- ``slow-body``: the same, but the status line and headers at once;
- ``silent``: reads the request's head, never answers, never reads the body;
- ``file``: answers 200 with the bytes of the file ARG (re-read on every request) as SPARQL JSON;
- ``html``: answers 200 with an HTML error page;
- ``huge``: an endless SPARQL JSON answer, as fast as the client reads;
- ``huge-declared``: announces a 10 GB Content-Length, then sends nothing more;
- ``status``: answers HTTP ARG (e.g. 404, 500) with a short text;
- ``flaky``: answers 503 to the first ARG requests on its path, then a valid answer;
- ``redirect-loop``: answers every request with a 302 to itself;
- ``refuse``: answers 404 at once without reading the body, then closes (a read-only store);
- ``refuse-open``: the same, but keeps the connection open and never reads;
- ``ok-early``: answers 204 (success) at once without reading the body, keeps the connection open;
- ``hangup``: reads a little of the body, then closes without a word.

A connection it keeps open is held until the client leaves or HOLD_S pass. ``one_sentence`` checks
that a ``kg`` run failed as a user should see it: exit 2, one "kg: " line.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import itertools
import socket
import socketserver
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ANSWER = b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "slow"}}]}}'
HOLD_S = 120  # the longest a connection is held open for a client that does not leave


def _headers(status: str = "200 OK", media: str = "application/sparql-results+json", extra: str = "") -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Type: {media}\r\nConnection: close\r\n{extra}\r\n".encode("ascii")


class Handler(socketserver.StreamRequestHandler):
    """Reads the request line and headers (never the body, unless the mode says so), then misbehaves."""

    server: HostileServer
    arg = ""
    seen = 0  # the requests on this path so far, this one included

    def handle(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # the client gave up: that is what these modes are for
            self.path = self.rfile.readline(65537).decode("latin-1").split(" ")[1]
            while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                pass
            self.seen = self.server.count(self.path)
            mode, _, arg = self.path.split("/")[1].partition("=")
            self.arg = urllib.parse.unquote(arg)
            getattr(self, "serve_" + mode.replace("-", "_"), self.serve_unknown)()

    def _hold(self) -> None:
        """Keep the connection open, unread, until the client closes it or HOLD_S pass."""
        ends = time.monotonic() + HOLD_S
        while time.monotonic() < ends and not self.server.stopping.is_set():
            try:  # peek: the body stays unread, so a client that keeps sending stalls
                if self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
                    return
            except BlockingIOError:
                pass
            time.sleep(0.1)

    def _drip(self, data: bytes) -> None:
        for byte in data:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(float(self.arg or 0.3))

    def serve_unknown(self) -> None:
        self.arg = "500"
        self.serve_status()

    def serve_slow(self) -> None:
        self._drip(_headers(extra=f"Content-Length: {len(ANSWER)}\r\n") + ANSWER)

    def serve_slow_body(self) -> None:
        self.wfile.write(_headers(extra=f"Content-Length: {len(ANSWER)}\r\n"))
        self._drip(ANSWER)

    def serve_silent(self) -> None:
        self._hold()

    def serve_file(self) -> None:
        body = Path(self.arg).read_bytes()
        self.wfile.write(_headers(extra=f"Content-Length: {len(body)}\r\n") + body)

    def serve_html(self) -> None:
        body = b"<!DOCTYPE html><html><body><h1>Service unavailable</h1><p>Try later.</p></body></html>"
        self.wfile.write(_headers(media="text/html", extra=f"Content-Length: {len(body)}\r\n") + body)

    def serve_huge(self) -> None:
        self.wfile.write(_headers() + b'{"head": {"vars": ["x"]}, "results": {"bindings": [')
        block = (b'{"x": {"type": "literal", "value": "' + b"a" * 200 + b'"}},') * 300
        for _ in itertools.count():
            self.wfile.write(block)

    def serve_huge_declared(self) -> None:
        self.wfile.write(_headers(extra="Content-Length: 10000000000\r\n"))
        self.wfile.flush()
        self._hold()

    def serve_status(self) -> None:
        body = b"something went wrong\n"
        code = int(self.arg or 500)
        self.wfile.write(_headers(f"{code} Whatever", "text/plain", f"Content-Length: {len(body)}\r\n") + body)

    def serve_flaky(self) -> None:
        if self.seen <= int(self.arg or 1):
            self.arg = "503"
            self.serve_status()
        else:
            self.wfile.write(_headers(extra=f"Content-Length: {len(ANSWER)}\r\n") + ANSWER)

    def serve_redirect_loop(self) -> None:
        self.wfile.write(_headers("302 Found", "text/plain", f"Location: {self.path}\r\nContent-Length: 0\r\n"))

    def serve_refuse(self) -> None:
        self._refuse()  # then close with the client's body unread: the client's next send meets a reset

    def serve_refuse_open(self) -> None:
        self._refuse()
        self._hold()

    def serve_ok_early(self) -> None:
        self.wfile.write(_headers("204 No Content", "text/plain", "Content-Length: 0\r\n"))
        self.wfile.flush()
        self._hold()

    def _refuse(self) -> None:
        body = b"this store is read-only\n"
        self.wfile.write(_headers("404 Not Found", "text/plain", f"Content-Length: {len(body)}\r\n") + body)
        self.wfile.flush()

    def serve_hangup(self) -> None:
        self.rfile.read(1000)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


class HostileServer(socketserver.ThreadingTCPServer):
    """The threading server; ``root`` is its address, ``count(path)`` how many requests a path has had."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.root = f"http://127.0.0.1:{self.server_address[1]}"
        self.stopping = threading.Event()
        self._counts: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)

    def count(self, path: str) -> int:
        """Count one more request on ``path``; the count so far, this one included."""
        with self._lock:
            self._counts[path] += 1
            return self._counts[path]

    def requests(self, base: str) -> int:
        """How many requests the paths below ``base`` (an address hostile_server yielded) have had."""
        prefix = urllib.parse.urlsplit(base).path + "/"
        with self._lock:
            return sum(n for path, n in self._counts.items() if path.startswith(prefix))

    def address(self, mode: str, arg: str = "") -> str:
        """A new address on which the server misbehaves as ``mode`` says (with ``arg``)."""
        return f"{self.root}/{mode}={urllib.parse.quote(arg, safe='')}/{next(self._numbers)}"

    def stop(self) -> None:
        """Stop serving and let held connections go."""
        self.stopping.set()
        self.shutdown()
        self.server_close()


_shared: list[HostileServer] = []
_start = threading.Lock()


def shared() -> HostileServer:
    """The process's hostile server, started on first use and stopped when the process ends."""
    with _start:
        if not _shared:
            server = HostileServer()
            threading.Thread(target=server.serve_forever, daemon=True, name="hostile-server").start()
            atexit.register(server.stop)
            _shared.append(server)
        return _shared[0]


@contextmanager
def hostile_server(mode: str, arg: str = "") -> Iterator[str]:
    """An address on the shared hostile server that misbehaves as ``mode`` (with ``arg``); a context for
    the tests written when each mode had a process of its own."""
    yield shared().address(mode, arg)


def one_sentence(run: subprocess.CompletedProcess[str], started: float, bound: float) -> str:
    """The single error line of a run that failed as it should, within ``bound`` seconds."""
    assert time.monotonic() - started < bound, f"took {time.monotonic() - started:.1f} s"
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr, run.stderr
    assert len(run.stderr.splitlines()) == 1 and run.stderr.startswith("kg: "), run.stderr
    return run.stderr.splitlines()[0]


def query(
    base: str, *args: str, env: dict[str, str] | None = None, process: bool = False
) -> subprocess.CompletedProcess[str]:
    """``kg query frameworks`` against the endpoint at ``base``/query (in a process of its own if ``process``)."""
    from tests.conftest import run_kg

    return run_kg("query", "frameworks", "--endpoint", f"{base}/query", *args, env=env, timeout=60, subprocess=process)
