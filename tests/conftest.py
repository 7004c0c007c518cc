"""The suite's machinery: the session's own cache and workspace, the shared graph, and ``run_kg``.

``run_kg`` runs the ``kg`` command in this process by default (click's CliRunner streams around
``kg.cli.main``, the installed program's entry point, so the error boundary and exit codes are
the real ones), or in a fresh process with ``subprocess=True`` (or ``run_kg_process``): for what
only a process can show (``--timeout`` ending a process, signals, ``python -m kg.cli`` itself). In this
process ``--timeout`` ends the command (``_end_the_command``), with the same exit code and message.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import os
import shutil
import signal
import subprocess as _subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kg import KnowledgeGraph

pytest_plugins = ["tests.components"]  # the session's shared servers and site

ROOT = Path(__file__).resolve().parent.parent
U4SSC_TABLE = ROOT / "data" / "u4ssc" / "source" / "u4ssc_kpis.tsv"

# Module-level state a command sets for the rest of its process (kg.cli.boundary's deadline and
# debug flag, kg.graph.remote.client's limits, kg.graph.workspace's --workspace choice). A process ends with its
# command; in this process each run puts it back as it found it.
PROCESS_STATE = (
    ("kg.cli.boundary", "_state"),
    ("kg.graph.remote.call", "_limits"),
    ("kg.graph.remote.call", "_set_by"),
    ("kg.graph.workspace", "_chosen"),
)
# What only a process can do: serve until stopped. (--timeout ends only the command here: _end_the_command.)
NEEDS_A_PROCESS = ("serve",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts Java, a server or a browser is slow as well: `-m "not slow"` leaves it out, but for
    the smoke tests (tests/test_components.py), one cheap check of each real component."""
    for item in items:
        if item.get_closest_marker("smoke"):
            continue
        if any(item.get_closest_marker(name) for name in ("java", "network", "browser")):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def own_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache of the test run's own, for every process it starts: no test sees another run's entries."""
    folder = tmp_path_factory.mktemp("cache")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    return folder


@pytest.fixture(scope="session", autouse=True)
def short_retry_pauses() -> None:
    """Retries against a server that is down pause 0.05 s, not 0.5 s then 1 s (KG_REMOTE_BACKOFF), in every
    process: what is tested is that a failure is one sentence after the retries, not the production pause (the
    tests of the pauses themselves pass theirs, tests/test_remote_hostile.py)."""
    os.environ.setdefault("KG_REMOTE_BACKOFF", "0.05")


@pytest.fixture(scope="session", autouse=True)
def own_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace of the test run's own, for every process it starts: no test touches the user's."""
    from kg.graph.workspace import init

    folder = tmp_path_factory.mktemp("workspace")
    os.environ["KG_WORKSPACE"] = str(folder)
    if _made_by_init(tmp_path_factory, folder):
        return folder
    init(folder)  # now, so that no test's stderr holds the line that says the bundled data is loaded
    return folder


def _made_by_init(tmp_path_factory: pytest.TempPathFactory, folder: Path) -> bool:
    """Under xdist, ``folder`` (new or empty) becomes a copy of the workspace one worker's init made for all,
    in the session's common temporary folder (as warm_inference), and the worker's cache gets its bundled
    entry: True. Without xdist, False: the caller runs init."""
    from kg.graph.workspace import init
    from kg.sources.documents import bundled_documents

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return False
    shared = tmp_path_factory.getbasetemp().parent / "init-workspace"
    _once_per_session(shared, lambda made: init(made / "ws"))
    if folder.exists():
        folder.rmdir()
    shutil.copytree(shared / "ws", folder, symlinks=True)
    bundled_documents()
    return True


@pytest.fixture(scope="session")
def pristine_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace as kg.graph.workspace.init makes it, made once for the session: copy it with workspace_copy."""
    from kg.graph.workspace import init

    folder = tmp_path_factory.mktemp("pristine") / "ws"
    if not _made_by_init(tmp_path_factory, folder):
        init(folder)
    return folder


def workspace_copy(pristine: Path, folder: Path) -> Any:
    """A new workspace at ``folder`` as init would make it, copied from ``pristine`` (init loads the bundled
    data, seconds each time); its kg.graph.workspace.Workspace. No process may have the pristine store open."""
    from kg.graph.workspace import open_workspace

    shutil.copytree(pristine, folder, symlinks=True)
    return open_workspace(folder)


@pytest.fixture(scope="session")
def graph(own_workspace: Path) -> KnowledgeGraph:
    """The graph every kg command reads: the session's workspace, holding the real ontology and data.

    tests/test_workspace.py checks that it answers every named query as the in-memory graph does.
    """
    return KnowledgeGraph.open()


# ------------------------------------------------------------------ reasoning once for the session (issue 20)


@dataclass(frozen=True)
class WarmInference:
    """The session's one HermiT run (``kg reason --out``, over the session's workspace, into a cache of its own) and
    the two places a ``kg`` looks for inferences: only tests about reasoning itself need to run a reasoner again.

    Reasoned with the Java the usual search finds (KG_JAVA empty), as the tests' REAL_JAVA runs use.
    """

    inference: Any  # kg.reasoning.reasoner.Inference: the memberships, as read back from the cache entry
    payload: bytes  # the cache entry's payload: sorted N-Triples (kg.reasoning.reasoner.encode_inferences)
    triples: int
    run: _subprocess.CompletedProcess[str]  # what ``kg reason --out`` printed
    out: Path  # the Turtle it wrote
    entry: Path  # the cache entry it wrote

    def into_cache(self, cache_home: Path, documents: Sequence[Any]) -> Path:
        """The user-cache entry cached_inference(documents, "hermit") reads under XDG_CACHE_HOME=cache_home."""
        from kg.reasoning.reasoner import inputs_hash, store_in_cache

        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("XDG_CACHE_HOME", str(cache_home))
            store_in_cache(documents, self.inference)
        key = inputs_hash(documents, "hermit", self.inference.java)
        return Path(cache_home) / "smartcity-kg" / f"inferred-hermit-{key}.nt"

    def into_workspace(self, folder: Path) -> Path:
        """The workspace's derived source (kg.graph.inferences) for its current sources."""
        from kg.cache import entry_bytes
        from kg.graph.inferences import inferred_path, sources_hash
        from kg.graph.workspace import open_workspace

        workspace = open_workspace(folder)
        path = inferred_path(workspace, "hermit")
        path.write_bytes(entry_bytes(sources_hash(workspace), self.payload, self.triples))
        return path


def _once_per_session(folder: Path, make: Any, wait: float = 900) -> None:
    """``make(folder)`` in exactly one of the session's xdist workers: the first to create ``folder``'s claim
    (os.O_EXCL) makes it, the others wait for its "done" marker (or fail with the maker's error)."""
    claim, failed = folder.with_suffix(".claimed"), folder.with_suffix(".failed")
    try:
        os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        deadline = time.monotonic() + wait
        while not (folder / "done").exists():
            if failed.exists():
                pytest.fail(f"another worker could not make {folder}:\n{failed.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"another worker did not make {folder} in {wait} s")
            time.sleep(0.1)
        return
    folder.mkdir()
    try:
        make(folder)
    except BaseException as error:
        failed.write_text(f"{type(error).__name__}: {error}")
        raise
    (folder / "done").write_text("")


def _reason_warm(folder: Path) -> None:
    """The session's one ``kg reason --out``, its cache entry in ``folder`` and its output in files beside it."""
    run = run_kg("reason", "--out", str(folder / "inferred.ttl"), env={"XDG_CACHE_HOME": str(folder), "KG_JAVA": ""})
    assert run.returncode == 0, run.stderr
    (folder / "stdout").write_text(run.stdout)
    (folder / "stderr").write_text(run.stderr)


@pytest.fixture(scope="session")
def warm_inference(own_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> WarmInference:
    """One real HermiT run, shared by every test that only reads inferences (tests/test_reason.py checks it).

    Under xdist the workers share it: one reasons into the session's common temporary folder (the parent of
    each worker's), the others read what it wrote. Every workspace init makes holds the same bundled data.
    """
    from kg.cache import read_entry
    from kg.reasoning.java import find_java
    from kg.reasoning.reasoner import Inference, decode_inferences, memberships_of

    if os.environ.get("PYTEST_XDIST_WORKER"):
        folder = tmp_path_factory.getbasetemp().parent / "warm-inference"
        _once_per_session(folder, _reason_warm)
    else:
        folder = tmp_path_factory.mktemp("warm-inference")
        _reason_warm(folder)
    run = _subprocess.CompletedProcess(
        ["kg", "reason", "--out", str(folder / "inferred.ttl")], 0, (folder / "stdout").read_text(),
        (folder / "stderr").read_text(),
    )  # fmt: skip
    [entry] = (folder / "smartcity-kg").glob("inferred-hermit-*.nt")
    payload, triples = read_entry(entry, entry.stem.rpartition("-")[2]) or (b"", 0)
    graph = decode_inferences(payload)[0]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KG_JAVA", "")
        inference = Inference("hermit", find_java("hermit"), memberships_of(graph), graph)
    return WarmInference(inference, payload, triples, run, folder / "inferred.ttl", entry)


@pytest.fixture(scope="session")
def default_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, _subprocess.CompletedProcess[str]]:
    """``kg report --out FOLDER`` with the defaults (--framework u4ssc, the session's workspace), run once for
    the session (its charts take seconds): the folder and the run, for tests that only read them. FOLDER held
    a stale report.md and a file of the user's (notes.txt) before (tests/test_report.py checks what became of them).
    Under xdist one worker writes it for all, into the session's common temporary folder (as warm_inference).
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return _report_default(tmp_path_factory.mktemp("default-report"))
    folder = tmp_path_factory.getbasetemp().parent / "default-report"  # shared by the workers, as warm_inference
    _once_per_session(folder, _report_default)
    out, (code, stdout, stderr) = folder / "made" / "report", json.loads((folder / "run.json").read_text())
    return out, _subprocess.CompletedProcess(["kg", "report", "--out", str(out)], code, stdout, stderr)


def _report_default(folder: Path) -> tuple[Path, _subprocess.CompletedProcess[str]]:
    """default_report's run, into ``folder``/made/report; its exit code and output also in ``folder``/run.json."""
    out = folder / "made" / "report"
    out.mkdir(parents=True)
    (out / "report.md").write_text("stale", encoding="utf-8")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    run = run_kg("report", "--out", str(out))
    (folder / "run.json").write_text(json.dumps([run.returncode, run.stdout, run.stderr]))
    return out, run


def u4ssc_table() -> list[dict[str, str]]:
    """The rows of U4SSC's source table (data/u4ssc/source/u4ssc_kpis.tsv): the totals tests expect come from here."""
    with U4SSC_TABLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture(scope="session")
def u4ssc_rows() -> list[dict[str, str]]:
    """u4ssc_table(), read once for the session."""
    return u4ssc_table()


def run_kg(
    *args: str,
    env: dict[str, str | None] | None = None,
    timeout: float = 300,
    cwd: Path | str | None = None,
    input: str | bytes | None = None,
    subprocess: bool = False,
) -> _subprocess.CompletedProcess[str]:
    """Run ``kg ARGS`` and return its exit code, stdout and stderr, as a user would see them.

    In this process unless ``subprocess`` is true or the command needs a process of its own
    (NEEDS_A_PROCESS); ``env`` adds variables for the run (None removes one), ``cwd`` is the folder it runs in,
    ``input`` its stdin, ``timeout`` bounds a process (a run in this process cannot be stopped).
    In this process, an internal error (exit 3, a traceback with --debug) fails the test with
    its traceback, as it is a bug whatever the test expected.
    """
    if subprocess or any(arg in NEEDS_A_PROCESS for arg in args):
        return run_kg_process(*args, env=env, timeout=timeout, cwd=cwd, input=input)
    return _run_in_process(list(args), env or {}, cwd, input)


def run_kg_process(
    *args: str,
    env: dict[str, str | None] | None = None,
    timeout: float = 300,
    cwd: Path | str | None = None,
    input: str | bytes | None = None,
) -> _subprocess.CompletedProcess[str]:
    """Run the real ``kg`` command in a fresh process (``python -m kg.cli``).

    Output is decoded by hand so that CSV's CRLF line ends survive; ``env`` adds variables (None removes one).
    """
    environment = {**os.environ, **(env or {})}
    run = _subprocess.run(
        [sys.executable, "-m", "kg.cli", *args],
        input=input.encode("utf-8") if isinstance(input, str) else input,
        stdin=None if input is not None else _subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
        cwd=cwd,
        env={name: value for name, value in environment.items() if value is not None},
    )
    stdout, stderr = run.stdout.decode("utf-8"), run.stderr.decode("utf-8")
    return _subprocess.CompletedProcess(run.args, run.returncode, stdout, stderr)


def _end_the_command(code: int) -> None:
    """kg.cli.boundary.end_process in this process: what a deadline (or Ctrl-C) ends is the command, not pytest.

    The boundary has killed the command's children, removed its temporary files and said why, as in a
    process of its own; here its thread is stopped (SystemExit raised in it, again until it ends: rdflib's
    SPARQL swallows one in its bare ``except:``) and the run gives the exit code. A thread stuck in code that
    never returns to Python (a pyoxigraph query) cannot be stopped: such a test needs ``subprocess=True``; nor
    should a deadline land inside a first import (the test imports the module first).
    """
    import ctypes
    import time

    for thread in threading.enumerate():
        if thread.name == "kg" and thread.ident is not None and thread is not threading.current_thread():
            given_up = time.monotonic() + 10
            while thread.is_alive() and time.monotonic() < given_up:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(SystemExit))
                thread.join(0.02)
            assert not thread.is_alive(), "the command went on after its deadline: run it with subprocess=True"
    raise SystemExit(code)


class InternalError(AssertionError):
    """kg ended with an internal error (exit 3): what a user would report as a bug."""


# Python's own warning filters in a fresh process (python -W default is not set): what a user sees.
_PYTHON_WARNING_FILTERS = [
    ("default", None, DeprecationWarning, "__main__", 0),
    ("ignore", None, DeprecationWarning, None, 0),
    ("ignore", None, PendingDeprecationWarning, None, 0),
    ("ignore", None, ImportWarning, None, 0),
    ("ignore", None, ResourceWarning, None, 0),
]


def _show_warning(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
    """A warning on the run's stderr when it happens, as Python shows it (pytest would collect it instead)."""
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


@contextlib.contextmanager
def _as_in_a_fresh_process(env: dict[str, str | None], cwd: Path | str | None) -> Iterator[list[BaseException]]:
    """What differs between a fresh process and this one, made the same for one run, then put back.

    The environment (a command may set variables for the processes it starts), the folder, the
    modules' process state, SIGTERM's handler (kg.cli.boundary sets one), logging as a process
    without pytest prints it (on stderr); yields the list into which an internal error's
    exception is recorded.
    """
    from kg.cli import boundary

    environment, folder = dict(os.environ), os.getcwd()
    saved = {}
    for module, name in PROCESS_STATE:
        value = getattr(sys.modules.get(module), name, None)
        if value is not None:  # a dict, a list, or an object whose attributes are the state
            saved[module, name] = (value, value.copy() if isinstance(value, dict | list) else dict(vars(value)))
    on_sigterm = signal.getsignal(signal.SIGTERM) if threading.current_thread() is threading.main_thread() else None
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    bugs: list[BaseException] = []
    report_bug = getattr(boundary, "_bug", None)

    def recording(error: BaseException) -> int:
        bugs.append(error)
        return report_bug(error)

    if report_bug is not None:
        boundary._bug = recording
    end_process, boundary.end_process = boundary.end_process, _end_the_command
    try:
        for name, value in env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if cwd is not None:
            os.chdir(cwd)
        root.handlers, root.level = [], logging.WARNING  # as without pytest: logging's last resort prints to stderr
        yield bugs
    finally:
        boundary.end_process = end_process
        if report_bug is not None:
            boundary._bug = report_bug
        root.handlers, root.level = handlers, level
        os.chdir(folder)
        os.environ.clear()
        os.environ.update(environment)
        for (_module, _name), (value, copy) in saved.items():
            if isinstance(value, dict):
                value.clear()
                value.update(copy)
            elif isinstance(value, list):
                value[:] = copy
            else:
                vars(value).clear()
                vars(value).update(copy)
        if on_sigterm is not None:
            signal.signal(signal.SIGTERM, on_sigterm)


def _run_in_process(args: list[str], env: dict[str, str | None], cwd: Path | str | None, input: Any) -> Any:
    """``kg ARGS`` through ``kg.cli.main`` in this process, its streams captured by click's CliRunner."""
    from click.testing import CliRunner

    import kg.cli as cli

    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        runner = CliRunner()  # click >= 8.2 keeps stderr apart always
    with (
        _as_in_a_fresh_process(env, cwd) as bugs,
        runner.isolation(input=input) as streams,
        warnings.catch_warnings(),
    ):
        warnings.filters[:] = list(_PYTHON_WARNING_FILTERS)
        warnings.showwarning = _show_warning
        try:
            cli.main(args)
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        sys.stdout.flush()
        sys.stderr.flush()
        stdout, stderr = streams[0].getvalue(), streams[1].getvalue()
    run = _subprocess.CompletedProcess(["kg", *args], code, stdout.decode("utf-8"), stderr.decode("utf-8"))
    if bugs or code == 3:
        raise InternalError(f"kg {' '.join(args)} ended with an internal error:\n{run.stderr}") from (
            bugs[0] if bugs else None
        )
    return run


@pytest.fixture(scope="session")
def hostile() -> Any:
    """The session's hostile HTTP server (tests/hostile_servers.py): the request's path picks its misbehaviour."""
    from tests.hostile_servers import shared

    return shared()
