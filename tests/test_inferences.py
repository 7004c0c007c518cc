"""The reasoner's inferences as a derived source of the workspace (kg.graph.inferences), and the marker
``kg push --inferred`` writes beside them.

One workspace is reasoned once for the module; each test works on a copy of it (the file's name
depends only on the manifest, so a copy holds a current file). A run that must not reason gets
a Java that does not exist (KG_JAVA pointing nowhere): it can only succeed by reading the file.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from rdflib import RDF, URIRef

from kg import KnowledgeGraph
from kg.cache import entry_bytes, read_entry
from kg.graph.embedded import WorkspaceGraph
from kg.graph.inferences import inferred_path, sources_hash
from kg.graph.remote.client import remote_sparql
from kg.graph.workspace import open_workspace
from kg.namespaces import ID, SCK
from kg.query.catalog import get_query
from kg.reasoning.reasoner import decode_inferences
from tests.conftest import run_kg, workspace_copy
from tests.servers import oxigraph_server

pytestmark = pytest.mark.java

QUERY = "core-participation-kpis-inferred"
NO_JAVA = {"KG_JAVA": "/nonexistent/java"}  # the only Java kg may use, and it does not run
REAL_JAVA = {"KG_JAVA": ""}  # the usual search, whatever the caller's environment says
REBUILT = re.compile(r"kg: the workspace's inferred triples \(\S+\) were damaged \(.+\); rebuilt them")


def kg_in(folder: Path, *args: str, java: dict[str, str] | None = None):
    return run_kg(*args, env={"KG_WORKSPACE": str(folder), **(java or REAL_JAVA)})


@dataclass(frozen=True)
class Reasoned:
    folder: Path  # a workspace whose inferences were built by its first inferred query
    path: Path  # its inferred-hermit-<hash>.nt
    data: bytes
    answer: str  # the first query's CSV


@pytest.fixture(scope="module")
def reasoned(tmp_path_factory, pristine_workspace) -> Reasoned:
    folder = tmp_path_factory.mktemp("reasoned") / "ws"
    workspace_copy(pristine_workspace, folder)
    assert not list(folder.glob("inferred-*.nt"))
    run = kg_in(folder, "query", QUERY, "--format", "csv")
    assert run.returncode == 0 and run.stderr == "", run.stderr
    [path] = folder.glob("inferred-hermit-*.nt")
    assert path == inferred_path(open_workspace(folder), "hermit")
    return Reasoned(folder, path, path.read_bytes(), run.stdout)


def copy_of(reasoned: Reasoned, folder: Path) -> Path:
    shutil.copytree(reasoned.folder, folder, symlinks=True)
    return folder


def test_the_derived_source_holds_the_inferences_every_graph_gets(reasoned):
    """The workspace's file verifies and holds exactly what the reasoner infers for the same documents
    loaded in memory (whose inferences come from the user's cache instead)."""
    key = sources_hash(open_workspace(reasoned.folder))
    assert reasoned.path.name == f"inferred-hermit-{key}.nt"
    payload, triples = read_entry(reasoned.path, key)
    stored, counted = decode_inferences(payload)
    assert counted == triples > 0
    in_memory = KnowledgeGraph.load().with_inferences()
    [document] = [d for d in in_memory.documents if str(d.path) == "(inferred triples)"]
    assert {(str(q.subject.value), str(q.object.value)) for q in document.quads} == {
        (str(s), str(o)) for s, o in stored.subject_objects(RDF.type)
    }
    assert (URIRef(ID + "u4ssc/SC-SH-SI-4C"), RDF.type, URIRef(SCK + "CoreParticipationIndicator")) in stored
    assert reasoned.answer.splitlines()[1].startswith(ID + "u4ssc/SC-SH-SI-4C,")


def test_a_second_use_reads_the_file_and_runs_no_reasoner(reasoned, tmp_path):
    folder = copy_of(reasoned, tmp_path / "ws")
    path = folder / reasoned.path.name
    before = path.stat().st_mtime_ns
    for args in (["query", QUERY, "--format", "csv"], ["query", QUERY, "--inferred", "--format", "csv"]):
        run = kg_in(folder, *args, java=NO_JAVA)
        assert run.returncode == 0 and run.stderr == "", run.stderr
        assert run.stdout == reasoned.answer
    assert path.stat().st_mtime_ns == before and path.read_bytes() == reasoned.data
    listed = kg_in(folder, "sources", "--format", "csv", java=NO_JAVA)
    [derived] = [line for line in listed.stdout.splitlines() if ",derived," in line]
    triples = int(re.search(rb"triples=(\d+)", reasoned.data).group(1))
    assert derived.startswith(f"inferred-hermit,derived,{triples},") and derived.endswith(f",verified,{path.name}")


def test_with_inferences_is_made_once_per_graph_and_reasoner(reasoned, tmp_path, monkeypatch):
    folder = copy_of(reasoned, tmp_path / "ws")
    monkeypatch.setenv("KG_JAVA", NO_JAVA["KG_JAVA"])
    graph = KnowledgeGraph.open(workspace=folder)
    assert isinstance(graph, WorkspaceGraph)
    inferred = graph.with_inferences()
    assert graph.with_inferences() is inferred and inferred.with_inferences() is inferred
    assert inferred.inferred and len(inferred) == len(graph) + len(
        decode_inferences(reasoned.data.partition(b"\n")[2])[0]
    )
    # A named query that needs the inferences goes through the same graph: no second one is made.
    assert [row["kpi"] for row in graph.query(QUERY).dicts()] == [ID + "u4ssc/SC-SH-SI-4C"]
    assert graph.with_inferences() is inferred


def test_kg_add_changes_the_hash_so_the_inferences_are_reasoned_again(reasoned, tmp_path):
    folder = copy_of(reasoned, tmp_path / "ws")
    extra = tmp_path / "note.ttl"
    extra.write_text('<https://example.org/note> <http://www.w3.org/2000/01/rdf-schema#label> "a note" .\n')
    added = kg_in(folder, "add", str(extra))
    assert added.returncode == 0, added.stderr
    new_path = inferred_path(open_workspace(folder), "hermit")
    assert new_path != folder / reasoned.path.name
    # The old file no longer answers: without a Java the query cannot run, never a stale answer.
    stale = kg_in(folder, "query", QUERY, "--format", "csv", java=NO_JAVA)
    assert stale.returncode == 2 and stale.stdout == ""
    assert "hermit needs a Java" in stale.stderr and "Traceback" not in stale.stderr
    fresh = kg_in(folder, "query", QUERY, "--format", "csv")
    assert fresh.returncode == 0 and fresh.stderr == "", fresh.stderr
    assert fresh.stdout == reasoned.answer
    assert list(folder.glob("inferred-hermit-*.nt")) == [new_path], "the out-of-date file is removed"
    assert read_entry(new_path, sources_hash(open_workspace(folder))) is not None


def _voter_line(data: bytes) -> bytes:
    [line] = [
        line
        for line in data.splitlines(keepends=True)
        if b"SC-SH-SI-4C> " in line and b"#CoreParticipationIndicator>" in line
    ]
    return line


FAULTS = {
    # Without this line the answer would be empty: wrong, with exit 0, if it were trusted.
    "one triple removed": lambda data: data.replace(_voter_line(data), b""),
    "garbage in the middle": lambda data: data[: len(data) // 2] + b"\x00\xff<<garbage>>" + data[len(data) // 2 + 13 :],
    "forged: a triple that is no membership": lambda data: entry_bytes(
        re.search(rb"key=([0-9a-f]+)", data).group(1).decode(),
        data.partition(b"\n")[2] + b"<urn:x:s> <urn:x:p> <urn:x:o> .\n",
        int(re.search(rb"triples=(\d+)", data).group(1)) + 1,
    ),
    "a folder in its place": None,
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_damaged_file_is_rebuilt_with_one_line_and_the_right_answer(reasoned, tmp_path, fault):
    folder = copy_of(reasoned, tmp_path / "ws")
    path = folder / reasoned.path.name
    if FAULTS[fault] is None:
        path.unlink()
        (path / "inside").mkdir(parents=True)
    else:
        damaged = FAULTS[fault](reasoned.data)
        assert damaged != reasoned.data
        path.write_bytes(damaged)
    run = kg_in(folder, "query", QUERY, "--format", "csv")
    assert run.returncode == 0, run.stderr
    assert run.stdout == reasoned.answer
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and REBUILT.fullmatch(lines[0]), run.stderr
    assert path.is_file() and path.read_bytes() == reasoned.data  # sorted N-Triples: the same bytes again


# ------------------------------------------------------------------ kg push --inferred


MARKER = "ASK { ?set a sck:InferenceSet }"


@pytest.mark.network
def test_push_inferred_writes_the_marker_and_the_endpoint_answers_as_the_workspace(reasoned, tmp_path):
    folder = copy_of(reasoned, tmp_path / "ws")
    (tmp_path / "inferred").mkdir()
    (tmp_path / "plain").mkdir()
    with oxigraph_server(tmp_path / "inferred") as inferred, oxigraph_server(tmp_path / "plain") as plain:
        # No Java: the inferences pushed are the workspace's file, as every other door reads them.
        run = kg_in(folder, "push", "--inferred", "--endpoint", f"{inferred}/store", java=NO_JAVA)
        assert run.returncode == 0, run.stderr
        run = kg_in(folder, "push", "--endpoint", f"{plain}/store")
        assert run.returncode == 0, run.stderr
        prologue = f"PREFIX sck: <{SCK}>\n"
        assert remote_sparql(f"{inferred}/query", prologue + MARKER).boolean is True
        assert remote_sparql(f"{plain}/query", prologue + MARKER).boolean is False

        stored, triples = decode_inferences(reasoned.data.partition(b"\n")[2])
        [row] = remote_sparql(
            f"{inferred}/query",
            prologue + "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/> "
            "PREFIX void: <http://rdfs.org/ns/void#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "SELECT ?set ?created ?triples ?label WHERE { ?set a sck:InferenceSet ; dcterms:created ?created ; "
            "void:triples ?triples ; prov:wasGeneratedBy ?run . ?run a prov:Activity ; rdfs:label ?label }",
        ).dicts()
        assert row["set"] == ID + "inferences" and int(row["triples"]) == triples == len(stored)
        assert "hermit" in row["label"] and isinstance(row["created"], datetime)
        every = remote_sparql(f"{inferred}/query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]
        marker = remote_sparql(
            f"{inferred}/query",
            f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '{ID}inferences')) }}",
        ).rows[0][0]
        graph = KnowledgeGraph.open(workspace=folder)
        assert int(every) == len(graph) + triples + int(marker)

        local = kg_in(folder, "query", QUERY, "--format", "csv", java=NO_JAVA)
        remote = kg_in(folder, "query", QUERY, "--endpoint", f"{inferred}/query", "--format", "csv")
        assert local.returncode == remote.returncode == 0, local.stderr + remote.stderr
        assert remote.stdout == local.stdout == reasoned.answer
        assert len(reasoned.answer.splitlines()) == 2
        assert get_query(QUERY).inferred
