"""Hostile input through the real ``kg`` command: one sentence, a documented exit code, no traceback, no hang.

The corpus lives in tests/hostile/; what each file must give is listed here. Property-based tests
(Hypothesis) generate damaged RDF and odd parameter values and check the same contract on the
Python API, where it is cheap to try many.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kg
from kg.errors import KgError
from kg.query.catalog import list_queries
from kg.sources.files import MAX_NESTING, read_rdf

from .conftest import ROOT, run_kg
from .servers import free_port

HOSTILE = Path(__file__).parent / "hostile"
DOCUMENTED = {0, 1, 2}

# file -> (exit code, words the one-line message must contain)
CORPUS = {
    "bad-header.rq": (2, "malformed '#+' header"),
    "billion-laughs.rdf": (2, "DTD entities"),
    "external-dtd.rdf": (2, "external DTD"),
    "bom-only.ttl": (0, ""),
    "empty.ttl": (0, ""),
    "data.xyz": (2, "unknown RDF file type"),
    "deep.jsonld": (2, f"more than {MAX_NESTING} levels"),
    "deep.rdf": (2, f"more than {MAX_NESTING} levels"),
    "deep.ttl": (2, f"more than {MAX_NESTING} levels"),
    "deep-list.ttl": (2, f"more than {MAX_NESTING} levels"),
    "delete-where.rq": (2, "SPARQL UPDATE"),
    "update.rq": (2, "SPARQL UPDATE"),
    "garbage.ttl": (2, "not UTF-8"),
    "latin1.ttl": (2, "not UTF-8"),
    "nul-bytes.ttl": (2, "syntax error"),
    "relative-iri.nt": (2, "syntax error"),
    "service-down.rq": (2, "the SERVICE call at http://127.0.0.1:9/sparql failed"),
    "syntax-error.rq": (2, "SPARQL syntax error at line 1"),
    "syntax-error.ttl": (2, "syntax-error.ttl:2:"),
    "triple-term.ttl": (2, "triple terms"),
    "truncated.jsonld": (2, "JSON-LD syntax error"),
    "unknown-function.rq": (2, "the query failed"),
    "unknown-prefix.ttl": (2, "zz:"),
}


def assert_one_sentence(run: subprocess.CompletedProcess[str], code: int, words: str = "") -> None:
    """The contract: the documented exit code and, on failure, one line starting 'kg: ' with the words."""
    assert run.returncode == code, run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run.stderr
    if code:
        assert run.stderr.startswith("kg: ") and len(run.stderr.strip().splitlines()) == 1, run.stderr
        assert words in run.stderr, run.stderr


def test_the_corpus_is_listed_whole():
    assert {p.name for p in HOSTILE.iterdir() if p.suffix != ".md"} - {"cross-join.rq"} == set(CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_hostile_file_gives_one_sentence_and_its_exit_code(name):
    path = HOSTILE / name
    command = ("query", "--file", str(path)) if path.suffix == ".rq" else ("validate", str(path))
    started = time.monotonic()
    run = run_kg(*command, "--timeout", "20", timeout=60)
    assert time.monotonic() - started < 20
    code, words = CORPUS[name]
    assert_one_sentence(run, code, words)


@pytest.mark.parametrize("depth", [MAX_NESTING, MAX_NESTING + 1, 5_000, 50_000])
def test_nesting_is_refused_above_the_limit_before_any_parser_sees_it(tmp_path, depth):
    """5,000 levels of JSON-LD crashed the process; 50,000 of RDF/XML took 79 s."""
    jsonld = tmp_path / "deep.jsonld"
    jsonld.write_text('{"@id": "http://example.org/a", "http://example.org/p": ' * depth + '"x"' + "}" * depth)
    rdfxml = tmp_path / "deep.rdf"
    rdfxml.write_text(
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://example.org/">'
        '<rdf:Description rdf:about="http://example.org/a">'
        + '<e:p rdf:parseType="Resource">' * (depth - 3)
        + "<e:q>x</e:q>"
        + "</e:p>" * (depth - 3)
        + "</rdf:Description></rdf:RDF>"
    )
    for path in (jsonld, rdfxml):
        started = time.monotonic()
        if depth <= MAX_NESTING:
            assert read_rdf(path).quads
        else:
            with pytest.raises(kg.InputError, match=f"more than {MAX_NESTING} levels"):
                read_rdf(path)
        assert time.monotonic() - started < 5


def test_devices_pipes_and_folders_are_refused_before_reading(tmp_path):
    zero = tmp_path / "zero.ttl"
    zero.symlink_to("/dev/zero")  # read whole, it ate all memory
    fifo = tmp_path / "pipe.ttl"
    os.mkfifo(fifo)  # read whole, it waits for a writer forever
    folder = tmp_path / "folder.ttl"
    folder.mkdir()
    for path, words in ((zero, "not a regular file"), (fifo, "not a regular file"), (folder, "is a folder")):
        assert_one_sentence(run_kg("validate", str(path), timeout=30), 2, words)
    assert_one_sentence(run_kg("query", "--file", str(zero), timeout=30), 2, "not a regular file")


@pytest.mark.slow
def test_timeout_really_stops_a_runaway_query():
    started = time.monotonic()
    run = run_kg("query", "--file", str(HOSTILE / "cross-join.rq"), "--timeout", "1", timeout=60, subprocess=True)
    assert time.monotonic() - started < 6
    assert_one_sentence(run, 2, "stopped after 1 s (--timeout)")
    assert run.stdout == ""


@pytest.mark.slow
def cpu_seconds(pid: int) -> float:
    """The CPU a process has used so far (Linux /proc): it grows only while the process really runs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def killed_at_the_end(process: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    """The process, killed if the test ends with it still running: a failed test leaves no runaway behind."""
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@contextlib.contextmanager
def as_a_foreground_job() -> Iterator[None]:
    """Processes started inside take Ctrl-C as a terminal's foreground job does. A shell starts a background job
    (``pytest ... &``) with SIGINT ignored, and an ignored signal stays ignored across exec: kg would never see the
    test's Ctrl-C. Any handler here is reset to the default in the child, so one is set while it starts."""
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def tasks_children(pid: int) -> list[str]:
    """The process ids of ``pid``'s children (Linux /proc), read per thread; a thread may end as it is read."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            found += task.read_text().split()
    return found


@pytest.mark.slow
def test_ctrl_c_ends_a_long_query_within_a_second():
    command = [sys.executable, "-m", "kg.cli", "query", "--file", str(HOSTILE / "cross-join.rq")]
    with as_a_foreground_job():
        started_process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with killed_at_the_end(started_process) as process:
        deadline = time.monotonic() + 60
        # Well inside the query: kg starts in about 0.3 s of CPU, so 2 s of it is the cross join, however loaded
        # the machine (a fixed sleep could interrupt a slow start instead).
        while cpu_seconds(process.pid) < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert process.poll() is None
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        stdout, stderr = process.communicate(timeout=10)
        assert time.monotonic() - started < 1
        assert process.returncode == 130 and stdout == ""
        assert stderr == "kg: interrupted; nothing was written.\n"


def test_a_bug_is_named_as_one_and_debug_shows_where():
    script = (
        "import kg.graph.embedded\n"
        "def broken(*args, **kwargs):\n"
        "    raise ZeroDivisionError('division by zero')\n"
        "kg.graph.embedded.KnowledgeGraph.query = broken\n"
        "from kg.cli import main\n"
        "main(['query', 'frameworks'])\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 3
    assert run.stderr.startswith("kg: internal error, a bug in smartcity-kg") and "ZeroDivisionError" in run.stderr
    assert len(run.stderr.splitlines()) == 1 and "--debug" in run.stderr
    debug = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env={**os.environ, "KG_DEBUG": "1"}
    )
    assert debug.returncode == 3 and "Traceback" in debug.stderr and "in broken" in debug.stderr


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("fw:nosuch", "framework=fw:nosuch is not in the graph; did you mean fw:u4ssc?"),
        ("fw:iso3712", "did you mean fw:iso37120?"),
        ("zz:u4ssc", "'zz' is not a known prefix"),
        ("fx:u4ssc", "did you mean fw:u4ssc?"),
        ("https://example.org/no-such-framework", "is not in the graph"),
    ],
)
def test_unknown_framework_or_prefix_is_an_error_not_an_empty_answer(value, words):
    assert_one_sentence(run_kg("query", "participation-kpis", "-p", f"framework={value}"), 2, words)


def test_federated_query_with_its_endpoint_down_is_one_sentence():
    endpoint = f"http://127.0.0.1:{free_port()}/query"  # nothing listens there
    started = time.monotonic()
    run = run_kg("query", "sdg-labels-federated", "-p", f"sdg_endpoint={endpoint}", timeout=60)
    assert time.monotonic() - started < 10
    assert_one_sentence(run, 2, f"the SERVICE call at {endpoint} failed")


def frameworks(graph: kg.KnowledgeGraph) -> list[str]:
    return [kg.namespaces.compact(str(iri)) for iri in graph.query("frameworks").column("framework")]


REPORT_FILES = [
    "frameworks-compared.png",
    "helix-coverage.png",
    "kpis-by-dimension.png",
    "participation-levels.png",
    "report.html",
    "report.md",
]


@pytest.mark.slow
def test_a_report_is_written_for_every_framework_in_the_graph(tmp_path):
    """Each framework's report through the Python API; U4SSC's by ``kg report`` into a symlinked folder on another
    filesystem (/dev/shm): the temporary folder is made inside --out, so the final renames never cross filesystems.
    """
    from kg.analysis.report import build_report

    graph = kg.KnowledgeGraph.load()
    names = frameworks(graph)
    imported = [p for p in (ROOT / "data" / "frameworks").iterdir() if p.is_dir()]  # a folder each (README aside)
    assert len(names) == len(imported) + 1 and "fw:u4ssc" in names  # the imported ones and U4SSC
    elsewhere = Path("/dev/shm") if Path("/dev/shm").is_dir() else tmp_path
    target = Path(os.path.realpath(elsewhere)) / f"kg-report-{os.getpid()}"
    target.mkdir()
    link = tmp_path / "fw-u4ssc"
    link.symlink_to(target)
    try:
        for framework in names:
            out = tmp_path / framework.replace(":", "-")
            if framework == "fw:u4ssc":
                assert_one_sentence(run_kg("report", "--out", str(link), "--framework", framework), 0)
                assert sorted(p.name for p in target.iterdir()) == REPORT_FILES
            else:
                written = build_report(graph, out, framework=framework)
                assert sorted(p.name for p in written) == sorted(p.name for p in out.iterdir()) == REPORT_FILES
            assert f"({framework})" in (out / "report.md").read_text(encoding="utf-8")
    finally:
        for path in target.iterdir():
            path.unlink()
        target.rmdir()


@pytest.mark.parametrize(
    "command",
    [
        ("import", str(ROOT / "data/frameworks/iso37120/iso37120.csv"), "--framework", "iso37120"),
        ("import-observations", str(ROOT / "data/observations/u4ssc-verification-reports.csv")),
        pytest.param(("reason",), marks=pytest.mark.java),
    ],
)
def test_out_where_nothing_can_be_written_is_one_sentence(tmp_path, command):
    blocker = tmp_path / "a-file"
    blocker.write_text("keep")
    run = run_kg(*command, "--out", str(blocker / "out.ttl"))
    assert_one_sentence(run, 2, f"cannot write {blocker / 'out.ttl'}")
    assert blocker.read_text() == "keep"


def test_out_is_checked_before_the_work_it_would_hold(tmp_path):
    """kg reason checks --out before its reasoner runs (kg.cli.options.out_file -> kg.output.file_target)."""
    from kg.output import file_target

    (tmp_path / "a-file").write_text("keep")
    file_target(tmp_path / "new" / "folders" / "out.ttl")  # folders write_atomically would make
    with pytest.raises(kg.OutputError, match=f"^cannot write {tmp_path}: it is a folder; give a file name.$"):
        file_target(tmp_path)
    with pytest.raises(kg.OutputError, match="a part of the path is a file, not a folder"):
        file_target(tmp_path / "a-file" / "deeper" / "out.ttl")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_outputs_follow_the_users_umask(tmp_path, umask, mode):
    out = tmp_path / "observations.ttl"
    sheet = ROOT / "data/observations/u4ssc-verification-reports.csv"
    run = subprocess.run(
        [sys.executable, "-m", "kg.cli", "import-observations", str(sheet), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(umask),
    )
    assert run.returncode == 0, run.stderr
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["observations.ttl"]


# ---------------------------------------------------------------- property-based

VALID = {
    ".ttl": '@prefix e: <http://example.org/> .\ne:a e:p "x" ; e:q [ e:r ( 1 2 ) ] .\n',
    ".jsonld": '{"@context": {"e": "http://example.org/"}, "@id": "e:a", "e:p": [{"@id": "e:b"}, "x"]}\n',
    ".rdf": '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://example.org/">'
    '<rdf:Description rdf:about="http://example.org/a"><e:p>x</e:p></rdf:Description></rdf:RDF>\n',
    ".nt": '<http://example.org/a> <http://example.org/p> "x" .\n',
}
DAMAGE = st.tuples(st.integers(0, 200), st.integers(0, 40), st.binary(max_size=12))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(suffix=st.sampled_from(sorted(VALID)), damage=DAMAGE)
def test_damaged_rdf_parses_or_is_one_input_error(tmp_path, suffix, damage):
    """Cut, overwritten or spliced bytes: either RDF or an InputError; never another exception."""
    start, cut, inserted = damage
    data = VALID[suffix].encode()
    start = min(start, len(data))
    path = tmp_path / f"damaged{suffix}"
    path.write_bytes(data[:start] + inserted + data[start + cut :])
    try:
        document = read_rdf(path)
    except kg.InputError as error:
        assert str(error).startswith(str(path)) and "\n" not in str(error)
    else:
        assert all(q.graph_name == kg.sources.documents.ox.DefaultGraph() for q in document.quads)


PARAMETER_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["fw:u4ssc", "fw:", ":", "<>", "<fw:u4ssc>", "urn:x", "http://", "1e9", "-0", " 2020 "]),
)


@pytest.fixture(scope="module")
def parameterised() -> list:
    return [q for q in list_queries() if q.parameters and not q.inferred]


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_parameter_value_gives_an_answer_or_one_query_error(graph, parameterised, data):
    query = data.draw(st.sampled_from(parameterised))
    name = data.draw(st.sampled_from(sorted(query.parameters)))
    if query.parameters[name].type == "service":
        return  # a service value is an address to call: covered by the federated tests
    value = data.draw(PARAMETER_TEXT)
    try:
        results = graph.query(query, **{name: value})
    except KgError as error:
        assert isinstance(error, kg.QueryError) and "\n" not in str(error)
    else:
        assert results.variables


@pytest.mark.java
def test_ctrl_c_during_reasoning_also_ends_the_reasoners_java(tmp_path):
    """The reasoner runs in a Java child process: interrupting kg must not leave it running."""
    command = [sys.executable, "-m", "kg.cli", "reason"]
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}  # no cached inferences: the reasoner runs
    with as_a_foreground_job():
        started_process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
        )
    with killed_at_the_end(started_process) as process:
        deadline = time.monotonic() + 60
        children: list[str] = []
        while not children and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
            children = tasks_children(process.pid)
        assert children, "the reasoner's Java never started"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 130 and stderr == "kg: interrupted; nothing was written.\n"
    time.sleep(0.5)
    for pid in children:  # gone, or dead and waiting to be reaped (state Z)
        stat_file = Path(f"/proc/{pid}/stat")
        assert not stat_file.exists() or stat_file.read_text().split()[2] in ("Z", "X")
    assert not list(tmp_path.rglob("inferred-*"))
