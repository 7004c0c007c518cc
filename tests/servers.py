"""SPARQL servers for tests: started on 127.0.0.1 on a free port, stopped by process id."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = log.read_text(errors="replace") if log else ""
            raise RuntimeError(f"the server exited with {process.returncode}: {said}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no server answered at {url} within {seconds} s")


def stop(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def _running(command: list[str], probe: str, port: int, cwd: Path | None = None) -> Iterator[str]:
    """Start a server process, wait until ``probe`` answers, yield its base address, stop it.

    The server's stderr goes to a file, not a pipe: a server that logs every request would
    block once a pipe nobody reads is full.
    """
    with tempfile.TemporaryDirectory(prefix="kg-server-") as folder:
        log = Path(folder) / "stderr.log"
        with log.open("wb") as stderr:
            process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base + probe, process, log=log)
            yield base
        finally:
            stop(process)


def oxigraph_server(workdir: Path):
    """An empty in-memory Oxigraph server; yields its base address."""
    executable = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = free_port()
    return _running([executable, "serve", "--bind", f"127.0.0.1:{port}"], "/query?query=ASK%7B%7D", port, workdir)


def kg_server(*args: str):
    """``kg serve`` on a free port; yields its base address."""
    port = free_port()
    return _running([sys.executable, "-m", "kg.cli", "serve", "--port", str(port), *args], "/", port)
