"""The workspace (kg.graph.workspace, kg.graph.generations, kg.ingest.add), through the real ``kg`` command.

Each test that changes a workspace makes its own in tmp_path; the session's (conftest) is only read.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import KnowledgeGraph, list_queries
from tests.conftest import ROOT, run_kg

TEMPLATE = ROOT / "data" / "templates" / "framework.csv"
CORE = ["u4ssc:SC-SH-SI-4C"]


def kg_in(workspace: Path, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, process=False):
    """``kg --workspace WORKSPACE ARGS``."""
    return run_in(cwd, "--workspace", str(workspace), *args, env=env, process=process)


def run_in(
    cwd: Path | None, *args: str, env: dict[str, str] | None = None, process: bool = False
) -> subprocess.CompletedProcess[str]:
    """``kg ARGS`` run in ``cwd`` with ``env`` as the whole environment (default: this one), in a
    process of its own if ``process``."""
    whole = None if env is None else {**dict.fromkeys(os.environ), **env}  # None: not in ``env``, so unset
    return run_kg(*args, cwd=cwd, env=whole, subprocess=process)


def manifest(workspace: Path) -> dict:
    return json.loads((workspace / "kg-workspace.json").read_text())


def generations(workspace: Path) -> list[str]:
    return sorted(p.name for p in (workspace / "store").iterdir() if p.is_dir())


def first_column(table: str) -> list[str]:
    return [line.split()[0] for line in table.splitlines()[2:] if line.strip()]


@pytest.fixture
def workspace(pristine_workspace: Path, tmp_path: Path) -> Path:
    """A fresh copy of the session's pristine workspace (conftest) for each test: loading the bundled data
    takes seconds; test_which_workspace runs ``kg init`` itself."""
    return Path(shutil.copytree(pristine_workspace, tmp_path / "ws", symlinks=True))


@pytest.fixture
def demo_ttl(tmp_path: Path) -> Path:
    out = tmp_path / "demo.ttl"
    assert run_kg("import", str(TEMPLATE), "--framework", "demo", "--out", str(out)).returncode == 0
    return out


def new_triples(path: Path) -> int:
    """How many of the file's triples the bundled graph does not state: what adding it adds."""
    bundled = KnowledgeGraph.load().store
    quads = {ox.Quad(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path))}
    return sum(1 for q in quads if q not in bundled)


@pytest.mark.slow
def test_init_add_sources_remove(workspace: Path, demo_ttl: Path) -> None:
    added = kg_in(workspace, "add", str(demo_ttl))
    assert added.returncode == 0, added.stderr
    new = new_triples(demo_ttl)
    assert 0 < new < sum(1 for _ in ox.parse(path=str(demo_ttl)))  # it restates some bundled terms
    assert f"added {demo_ttl} as demo: {new} new triples" in added.stderr
    entry = manifest(workspace)["sources"][0]
    stored = workspace / entry["stored"]
    assert stored.read_bytes() == demo_ttl.read_bytes()
    assert (entry["id"], entry["kind"], entry["original"], entry["triples"]) == ("demo", "rdf", str(demo_ttl), new)
    assert entry["checked"] == "SHACL: conforms (oxigraph engine)"
    listed = kg_in(workspace, "sources", "--format", "csv")
    assert listed.stdout.splitlines()[2].startswith(f"demo,rdf,{new},"), listed.stdout
    assert "fw:demo" in first_column(kg_in(workspace, "query", "frameworks").stdout)
    removed = kg_in(workspace, "remove", str(demo_ttl))  # by its original path
    assert removed.returncode == 0, removed.stderr
    assert not stored.exists() and manifest(workspace)["sources"] == []
    assert "fw:demo" not in first_column(kg_in(workspace, "query", "frameworks").stdout)
    unknown = kg_in(workspace, "remove", "nosuch")
    assert unknown.returncode == 2 and "nosuch: no such source in the workspace" in unknown.stderr
    assert len(generations(workspace)) == 1  # old generations are removed once no reader holds them


@pytest.mark.slow
def test_import_adds_a_framework_that_queries_and_reports_see(workspace: Path, tmp_path: Path) -> None:
    imported = kg_in(workspace, "import", str(TEMPLATE), "--framework", "demo")
    assert imported.returncode == 0, imported.stderr
    assert not (Path.cwd() / "demo.ttl").exists()  # the Turtle goes into the workspace, not here
    assert "fw:demo" in first_column(kg_in(workspace, "query", "participation-by-framework").stdout)
    assert "fw:demo" in first_column(kg_in(workspace, "query", "frameworks").stdout)
    report = kg_in(workspace, "report", "--framework", "fw:demo", "--out", str(tmp_path / "report"))
    assert report.returncode == 0, report.stderr
    assert (
        "(fw:demo) has 6 KPIs in 1 dimension; 5 address citizen participation"
        in (tmp_path / "report" / "report.md").read_text()
    )
    again = kg_in(workspace, "import", str(TEMPLATE), "--framework", "demo")  # replaces, never doubles
    assert again.returncode == 0 and "replacing the earlier import" in again.stderr, again.stderr
    assert [s["id"] for s in manifest(workspace)["sources"]] == ["demo"]
    rows = kg_in(workspace, "query", "participation-by-framework", "--format", "csv").stdout.splitlines()
    assert next(r for r in rows if "/demo," in r).split(",")[2] == "6"  # 6 indicators, not 12
    bundled = kg_in(workspace, "import", str(TEMPLATE), "--framework", "u4ssc")
    assert bundled.returncode == 2 and "bundled data cannot be replaced in a workspace" in bundled.stderr


@pytest.mark.slow
def test_a_source_that_does_not_conform_is_refused(workspace: Path, demo_ttl: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(demo_ttl.read_text().replace("sck:tier sck:Core", "sck:tier sck:Gold"))
    before = (workspace / "kg-workspace.json").read_bytes()
    refused = kg_in(workspace, "add", str(bad))
    assert refused.returncode == 1, refused.stderr
    assert refused.stdout.startswith("Does not conform:") and "[value: sck:Gold]" in refused.stdout
    assert "nothing was added" in refused.stderr
    assert (workspace / "kg-workspace.json").read_bytes() == before
    assert list((workspace / "sources").iterdir()) == []
    unreadable = kg_in(workspace, "add", str(tmp_path / "nosuch.ttl"))
    assert unreadable.returncode == 2 and "no such file" in unreadable.stderr


@pytest.mark.slow
def test_an_add_killed_while_loading_leaves_the_graph_as_it_was(workspace: Path, tmp_path: Path) -> None:
    big = tmp_path / "obs.nt"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generate_observations.py"), "--triples", "300000", "--out", big],
        check=True,
        capture_output=True,
    )
    before = manifest(workspace)
    answer = kg_in(workspace, "query", "coverage-by-city", "--format", "csv").stdout
    adding = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "--workspace", str(workspace), "add", str(big)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    new_generation = workspace / "store" / str(before["generation"] + 1)
    deadline = time.monotonic() + 120
    while not new_generation.exists() and adding.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # well inside the load of 300,000 triples into the new generation
    adding.send_signal(signal.SIGKILL)
    assert adding.wait(30) == -signal.SIGKILL, "the add finished before it could be killed; give it a larger file"
    assert manifest(workspace) == before
    assert kg_in(workspace, "query", "coverage-by-city", "--format", "csv").stdout == answer
    assert new_generation.exists()  # the unfinished copy, never named by the manifest
    small = tmp_path / "small.ttl"
    small.write_text("<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> 'a'@en .\n")
    assert kg_in(workspace, "add", str(small)).returncode == 0
    assert generations(workspace) == [str(before["generation"] + 1)]  # the next writer replaced the orphan


@pytest.mark.slow
def test_readers_run_at_once_and_while_a_writer_works(workspace: Path, demo_ttl: Path) -> None:
    command = [sys.executable, "-m", "kg.cli", "--workspace", str(workspace), "query", "core-participation-kpis"]
    readers = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    writer = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "--workspace", str(workspace), "add", str(demo_ttl)],
        stderr=subprocess.PIPE,
    )
    for reader in readers:
        out, err = reader.communicate(timeout=120)
        assert reader.returncode == 0, err
        assert first_column(out.decode()) == CORE
    assert writer.wait(120) == 0, writer.stderr.read() if writer.stderr else ""


@pytest.mark.slow
def test_bundled_data_is_reloaded_when_its_hash_changes(workspace: Path) -> None:
    data = manifest(workspace)
    data["bundled"]["hash"] = "0" * 64
    data["bundled"]["version"] = "0.0.1"
    (workspace / "kg-workspace.json").write_text(json.dumps(data))
    run = kg_in(workspace, "query", "core-participation-kpis")
    assert run.returncode == 0, run.stderr
    assert "refreshing (it was from smartcity-kg 0.0.1) the bundled data" in run.stderr
    assert first_column(run.stdout) == CORE
    assert manifest(workspace)["bundled"]["hash"] != "0" * 64
    assert manifest(workspace)["triples"] == data["triples"]
    quiet = kg_in(workspace, "query", "core-participation-kpis")
    assert quiet.stderr == ""


def test_a_cold_query_parses_nothing(workspace: Path, tmp_path: Path) -> None:
    cache = tmp_path / "empty-cache"
    run = kg_in(workspace, "query", "core-participation-kpis", env={**os.environ, "XDG_CACHE_HOME": str(cache)})
    assert first_column(run.stdout) == CORE
    assert not cache.exists()  # the bundled files were neither parsed nor read from the cache


@pytest.mark.slow
def test_which_workspace(tmp_path: Path, pristine_workspace: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "KG_WORKSPACE"}
    env["XDG_DATA_HOME"] = str(tmp_path / "data-home")
    project = tmp_path / "project"
    made = run_in(tmp_path, "init", str(project), env=env)
    assert made.returncode == 0 and f"{project} is now a workspace" in made.stderr, made.stderr
    shutil.copytree(pristine_workspace, tmp_path / "env-ws", symlinks=True)  # a workspace init made (seconds)
    (project / "deeper").mkdir()
    found = run_in(project / "deeper", "sources", env=env)  # the nearest upward
    assert f"workspace {project}:" in found.stderr, found.stderr
    default = run_in(tmp_path, "sources", env=env)  # none upward: the user's own, made on first use
    assert f"workspace {tmp_path / 'data-home' / 'smartcity-kg' / 'workspace'}:" in default.stderr, default.stderr
    chosen = run_in(project / "deeper", "sources", env={**env, "KG_WORKSPACE": str(tmp_path / "env-ws")})
    assert f"workspace {tmp_path / 'env-ws'}:" in chosen.stderr, chosen.stderr
    not_one = tmp_path / "not-a-workspace"
    not_one.mkdir()
    (not_one / "notes.txt").write_text("mine")
    refused = run_in(tmp_path, "--workspace", str(not_one), "sources", env=env)
    assert refused.returncode == 2 and "not a workspace" in refused.stderr, refused.stderr


def _comparable(rows: list[tuple], concatenates: bool) -> list[tuple]:
    """Rows sorted; in a query that concatenates, each cell as its sorted words: SPARQL 1.1 leaves the
    order of GROUP_CONCAT undefined, and the on-disk store reads solutions in another order than the
    in-memory one (the named queries fix an order on branch t11-virtuoso)."""

    def cell(term: object) -> str:
        if term is None:
            return ""
        if not concatenates:
            return str(term)
        kind = f"{type(term).__name__} {getattr(term, 'language', '')} {getattr(term, 'datatype', '')}"
        return kind + " ".join(sorted(re.split(r"[\s,;|]+", term.value)))

    return sorted(tuple(cell(term) for term in row) for row in rows)


RUNNABLE = [  # the reasoner's queries need Java; a SERVICE query, another server; kpi-details, a code
    q
    for q in [*list_queries(), *list_queries("qc"), *list_queries("claims")]
    if not q.inferred and all(p.default is not None and p.type != "service" for p in q.parameters.values())
]


@pytest.mark.parametrize("named", RUNNABLE, ids=lambda q: q.name)
def test_every_named_query_answers_on_the_workspace_as_in_memory(graph: KnowledgeGraph, named) -> None:
    """The union of the workspace's graphs (a triple two files state counts once) is the in-memory graph."""
    in_memory = _in_memory()
    assert graph.query(named).variables == in_memory.query(named).variables
    concatenates = "GROUP_CONCAT" in named.text
    on_disk, expected = graph.query(named).terms(), in_memory.query(named).terms()
    assert _comparable(on_disk, concatenates) == _comparable(expected, concatenates)
    assert len(graph) == len(in_memory)


_loaded: list[KnowledgeGraph] = []


def _in_memory() -> KnowledgeGraph:
    if not _loaded:
        _loaded.append(KnowledgeGraph.load())
    return _loaded[0]


@pytest.mark.slow
def test_a_second_writer_waits_then_says_who_holds_the_workspace(workspace: Path, demo_ttl: Path) -> None:
    import fcntl

    with (workspace / "store" / "writer.lock").open("ab") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # as a writer in another process would
        waited = kg_in(workspace, "add", str(demo_ttl), env={**os.environ, "KG_WORKSPACE_WAIT": "0.5"})
        reading = kg_in(workspace, "query", "core-participation-kpis")  # readers never wait for writers
    assert waited.returncode == 2, waited.stderr
    said = f"kg: another kg command is changing the workspace at {workspace} (waited 0.5 s); "
    assert waited.stderr == said + "let it finish and try again.\n"
    assert first_column(reading.stdout) == CORE
    assert manifest(workspace)["sources"] == []


def test_a_wait_that_is_not_a_number_is_one_sentence(workspace: Path, demo_ttl: Path) -> None:
    done = kg_in(workspace, "add", str(demo_ttl), env={**os.environ, "KG_WORKSPACE_WAIT": "soon"})
    assert done.returncode == 2
    assert done.stderr == "kg: KG_WORKSPACE_WAIT='soon' is not a number of seconds; give e.g. 60 or unset it.\n"
    assert manifest(workspace)["sources"] == []


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda m: "{", "cannot be read"),
        (lambda m: json.dumps({**m, "sources": None}), "the manifest is damaged"),
        (lambda m: json.dumps({**m, "generation": 99}), "is damaged (its store generation 99 is missing); run"),
    ],
    ids=["not-json", "no-sources", "no-store"],
)
def test_a_damaged_workspace_is_one_sentence(workspace: Path, damage, message: str) -> None:
    (workspace / "kg-workspace.json").write_text(damage(manifest(workspace)))
    run = kg_in(workspace, "query", "frameworks")
    assert run.returncode == 2 and message in run.stderr and len(run.stderr.splitlines()) == 1, run.stderr


def test_queries_see_one_graph_as_in_memory(graph: KnowledgeGraph) -> None:
    """The sources' named graphs are the workspace's bookkeeping: a query sees the union only."""
    assert graph.sparql("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1").rows == []
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert graph.sparql(count).rows == _in_memory().sparql(count).rows  # a triple two files state counts once
