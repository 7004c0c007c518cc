"""SPARQL servers for tests: started on 127.0.0.1 on a free port, stopped by process id."""

from __future__ import annotations

import os
import re
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
from dataclasses import dataclass
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
def _running(command: list[str], probe: str, port: int, cwd: Path | None = None, env: dict[str, str] | None = None
             ) -> Iterator[str]:  # fmt: skip
    """Start a server process, wait until ``probe`` answers, yield its base address, stop it.

    The server's stderr goes to a file, not a pipe: a server that logs every request would
    block once a pipe nobody reads is full.
    """
    with tempfile.TemporaryDirectory(prefix="kg-server-") as folder:
        log = Path(folder) / "stderr.log"
        with log.open("wb") as stderr:
            process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr,
                                       env={**os.environ, **(env or {})})  # fmt: skip
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


def kg_server(*args: str, env: dict[str, str] | None = None):
    """``kg serve`` on a free port (``env`` added to its environment); yields its base address."""
    port = free_port()
    return _running([sys.executable, "-m", "kg.cli", "serve", "--port", str(port), *args], "/", port, env=env)


# ------------------------------------------------------------------ Virtuoso Open Source 7

VIRTUOSO_GRAPH = "urn:smartcity-kg:bundled"  # the graph the data is loaded into and /sparql reads by default
VIRTUOSO_START_S = 60  # a fresh database is created on first start: ~2 s here
VIRTUOSO_LOAD_S = 120

_VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
; file_to_string_output reads only below these folders
DirsAllowed = ., {db}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
CheckpointInterval = 0

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}
ServerThreads = 4
MaxClientConnections = 4

[SPARQL]
; Virtuoso cuts every answer at ResultSetMaxRows (10,000 by default) without saying so
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


def virtuoso_executable() -> str:
    """``virtuoso-t``, or a skip (a failure under CI=true, where .ci/run installs it)."""
    import pytest

    executable = shutil.which("virtuoso-t")
    if executable and shutil.which("isql-vt"):
        return executable
    reason = "virtuoso-t or isql-vt is not installed (Debian package virtuoso-opensource; .ci/run installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + ", and CI must run the Virtuoso tests.")
    pytest.skip(reason)


def _free_ports(count: int) -> list[int]:
    """Distinct free ports: the probes are held open together so that no two are the same."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def _isql(port: int, statement: str, log: Path, seconds: float) -> None:
    """Run one SQL statement as dba; isql-vt exits 0 even when the statement fails, so its output is read."""
    run = subprocess.run(
        ["isql-vt", f"127.0.0.1:{port}", "dba", "dba", f"exec={statement}"],
        capture_output=True,
        text=True,
        timeout=seconds,
        stdin=subprocess.DEVNULL,
    )
    if run.returncode != 0 or "*** Error" in run.stdout + run.stderr:
        said = run.stderr.strip() or run.stdout.strip()
        raise RuntimeError(f"isql-vt failed on {statement[:80]!r}: {said} (server log: {log})")


def write_ntriples(documents, path: Path) -> Path:
    """The documents' triples as one N-Triples file, written by pyoxigraph (the form Virtuoso's loader reads)."""
    import pyoxigraph as ox

    triples = (ox.Triple(q.subject, q.predicate, q.object) for d in documents for q in d.quads)
    path.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
    return path


@dataclass(frozen=True)
class Virtuoso:
    """A running virtuoso-t: its SPARQL address (no default graph), SQL port, log file and process."""

    sparql: str
    sql_port: int
    log: Path
    process: subprocess.Popen


@contextmanager
def virtuoso_process(workdir: Path, settings: dict[str, str] | None = None, start_s: float = VIRTUOSO_START_S
                     ) -> Iterator[Virtuoso]:  # fmt: skip
    """virtuoso-t on 127.0.0.1 on free ports with its database in ``workdir``, once /sparql answers.

    ``settings`` replace lines of the ini by key (e.g. {"NumberOfBuffers": "680000"}).
    Stopped by process id: SIGTERM, SIGKILL after 10 s.
    """
    executable = virtuoso_executable()
    workdir = Path(workdir).resolve()
    sql_port, http_port = _free_ports(2)
    text = _VIRTUOSO_INI.format(db=workdir, sql_port=sql_port, http_port=http_port)
    for key, value in (settings or {}).items():
        text, count = re.subn(rf"(?m)^{re.escape(key)} = .*$", f"{key} = {value}", text)
        if count != 1:
            raise ValueError(f"the ini has no setting {key}")
    ini = workdir / "virtuoso.ini"
    ini.write_text(text, encoding="utf-8")
    log = workdir / "virtuoso.out"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [executable, "-f", "-c", str(ini)], cwd=workdir, stdin=subprocess.DEVNULL, stdout=output, stderr=output
        )
    base = f"http://127.0.0.1:{http_port}/sparql"
    try:
        deadline = time.monotonic() + start_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {process.returncode}; see {log}")
            try:
                with urllib.request.urlopen(base + "?query=ASK%7B%7D", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Virtuoso did not answer at {base} within {start_s} s; see {log}") from None
                time.sleep(0.1)
        yield Virtuoso(base, sql_port, log, process)
    finally:
        stop(process)


@contextmanager
def virtuoso_server(workdir: Path, ntriples: tuple[Path, ...] = (), graphs: dict[str, tuple[Path, ...]] | None = None
                    ) -> Iterator[str]:  # fmt: skip
    """Virtuoso 7 on 127.0.0.1 with its database in ``workdir``, the ``ntriples`` files loaded into
    VIRTUOSO_GRAPH (and ``graphs``' files into the graphs they name); yields its SPARQL endpoint,
    ``/sparql?default-graph-uri=...`` (add a default-graph-uri parameter to read another graph too).

    Without FROM, Virtuoso's /sparql reads the union of all its graphs, its own system graphs
    included (2,500 triples of virtrdf: and others); the protocol's default-graph-uri parameter
    in the endpoint's address makes the loaded graph the default one, so ``kg query --endpoint``
    needs nothing Virtuoso-specific.
    """
    import urllib.parse

    with virtuoso_process(workdir) as virtuoso:
        for graph, files in {VIRTUOSO_GRAPH: ntriples, **(graphs or {})}.items():
            for path in files:
                source = str(Path(path).resolve()).replace("'", "''")
                _isql(virtuoso.sql_port, f"DB.DBA.TTLP_MT(file_to_string_output('{source}'), '', '{graph}', 0)",
                      virtuoso.log, VIRTUOSO_LOAD_S)  # fmt: skip
        yield virtuoso.sparql + "?" + urllib.parse.urlencode({"default-graph-uri": VIRTUOSO_GRAPH})
