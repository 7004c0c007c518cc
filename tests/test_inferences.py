"""The reasoner's inferences as a derived source of the workspace (kg.graph.inferences), and the marker
``kg push --inferred`` writes beside them.

One workspace gets the session's inferences (tests/conftest.py ``warm_inference``, HermiT run once)
as its derived source; each test works on a copy of it (the file's name depends only on the
manifest, so a copy holds a current file). A run that must not reason gets a Java that does not
exist (KG_JAVA pointing nowhere): it can only succeed by reading the file. The damaged files are
tested on kg.graph.inferences with a cheap builder, in tests/test_cache_hostile.py, with its real
HermiT and Pellet rebuilds.
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
from kg.cache import read_entry
from kg.graph.embedded import WorkspaceGraph
from kg.graph.inferences import inferred_path, sources_hash, stored_inferences
from kg.graph.remote.client import remote_sparql
from kg.graph.workspace import open_workspace
from kg.namespaces import ID, SCK
from kg.query.catalog import get_query
from kg.reasoning.reasoner import decode_inferences
from tests.conftest import WarmInference, run_kg, workspace_copy
from tests.servers import oxigraph_server

pytestmark = pytest.mark.java

QUERY = "core-participation-kpis-inferred"
NO_JAVA = {"KG_JAVA": "/nonexistent/java"}  # the only Java kg may use, and it does not run
REAL_JAVA = {"KG_JAVA": ""}  # the usual search, whatever the caller's environment says


def kg_in(folder: Path, *args: str, java: dict[str, str] | None = None):
    return run_kg(*args, env={"KG_WORKSPACE": str(folder), **(java or REAL_JAVA)})


@dataclass(frozen=True)
class Reasoned:
    folder: Path  # a workspace whose inferences were built by its first inferred query
    path: Path  # its inferred-hermit-<hash>.nt
    data: bytes
    answer: str  # the first query's CSV


@pytest.fixture(scope="module")
def reasoned(tmp_path_factory, pristine_workspace, warm_inference: WarmInference) -> Reasoned:
    folder = tmp_path_factory.mktemp("reasoned") / "ws"
    workspace_copy(pristine_workspace, folder)
    assert not list(folder.glob("inferred-*.nt"))
    path = warm_inference.into_workspace(folder)
    run = kg_in(folder, "query", QUERY, "--format", "csv", java=NO_JAVA)  # read, not reasoned
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert list(folder.glob("inferred-hermit-*.nt")) == [path]
    assert path == inferred_path(open_workspace(folder), "hermit")
    return Reasoned(folder, path, path.read_bytes(), run.stdout)


def copy_of(reasoned: Reasoned, folder: Path) -> Path:
    shutil.copytree(reasoned.folder, folder, symlinks=True)
    return folder


def test_the_derived_source_holds_the_inferences_every_graph_gets(reasoned, warm_inference, tmp_path, monkeypatch):
    """The workspace's file verifies and holds what the documents loaded in memory get from the user's cache.
    (That HermiT over the workspace and over files loaded in memory writes the same bytes: test_cache_hostile.)"""
    key = sources_hash(open_workspace(reasoned.folder))
    assert reasoned.path.name == f"inferred-hermit-{key}.nt"
    payload, triples = read_entry(reasoned.path, key)
    stored, counted = decode_inferences(payload)
    assert counted == triples > 0
    monkeypatch.setenv("KG_JAVA", "")
    loaded = KnowledgeGraph.load()
    entry = warm_inference.into_cache(tmp_path, loaded.documents)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    in_memory = loaded.with_inferences()
    assert entry.is_file()  # its key is the in-memory graph's: no other entry was made
    assert [p.name for p in entry.parent.iterdir() if p.name.startswith("inferred-")] == [entry.name]
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


def test_kg_add_changes_the_hash_so_the_inferences_are_reasoned_again(reasoned, warm_inference, tmp_path):
    folder = copy_of(reasoned, tmp_path / "ws")
    extra = tmp_path / "note.ttl"
    extra.write_text('<https://example.org/note> <http://www.w3.org/2000/01/rdf-schema#label> "a note" .\n')
    added = kg_in(folder, "add", str(extra))
    assert added.returncode == 0, added.stderr
    new_path = inferred_path(open_workspace(folder), "hermit")
    assert new_path != folder / reasoned.path.name
    # The old file no longer answers: the query goes to the reasoner (here a Java that does not run), never
    # a stale answer.
    stale = kg_in(folder, "query", QUERY, "--format", "csv", java=NO_JAVA)
    assert stale.returncode == 2 and stale.stdout == ""
    assert "hermit needs a Java" in stale.stderr and "Traceback" not in stale.stderr
    # Reasoned again: the session's inferences stand in for HermiT's run (a label adds no membership; a
    # real HermiT rebuild is tests/test_cache_hostile.py's), made once and kept under the new hash.
    runs = []
    workspace = open_workspace(folder)
    stored_inferences(workspace, list, "hermit", build=lambda: runs.append(1) or warm_inference.inference.graph)
    assert runs == [1]
    assert list(folder.glob("inferred-hermit-*.nt")) == [new_path], "the out-of-date file is removed"
    assert read_entry(new_path, sources_hash(workspace)) == (warm_inference.payload, warm_inference.triples)
    fresh = kg_in(folder, "query", QUERY, "--format", "csv", java=NO_JAVA)
    assert fresh.returncode == 0 and fresh.stderr == "", fresh.stderr
    assert fresh.stdout == reasoned.answer


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
