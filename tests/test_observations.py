"""City observations: import with row-level checks, Data Cube output, queries, and the store cache."""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg import KnowledgeGraph
from kg.sources.documents import bundled_documents
from tests.conftest import ROOT, run_kg

OBSERVATIONS = ROOT / "data" / "observations" / "u4ssc-verification-reports.csv"
HEADER = "city,framework,indicator,year,value,unit,source,wikidata,note\n"


def test_bundled_observations_are_what_their_sheet_imports_to(tmp_path):
    out = tmp_path / "obs.ttl"
    run = run_kg("import-observations", str(OBSERVATIONS), "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert isomorphic(Graph().parse(out), Graph().parse(OBSERVATIONS.with_suffix(".ttl")))


def test_participation_observations_and_coverage(graph):
    assert graph.query("participation-observations").dicts() == [
        {"city": "Asker", "year": "2020", "code": "SC: SH: SI: 4C", "indicator": "Voter Participation",
         "value": Decimal("67.94"), "unit": "%"}
    ]  # fmt: skip
    [asker] = graph.query("coverage-by-city").dicts()
    assert (asker["city"], asker["reported"], asker["core_reported"], asker["advanced_reported"]) == ("Asker", 1, 1, 0)


def test_problem_rows_are_all_listed_and_nothing_is_written(tmp_path):
    sheet = tmp_path / "obs.csv"
    sheet.write_text(
        HEADER
        + "Oslo,u4ssc,SC: SH: SI: 4C,2021,61.2,%,https://example.org/oslo,,\n"
        + "Oslo,u4ssc,XX: 1C,2021,3,%,https://example.org/oslo,,\n"
        + "Oslo,nonesuch,SC: SH: SI: 4C,2021,3,%,https://example.org/oslo,,\n"
        + "Oslo,u4ssc,SC: SH: SI: 4C,21,three,%,https://example.org/oslo,Oslo,\n"
        + "oslo,u4ssc,SC: SH: SI: 4C,2021,62,%,https://example.org/oslo,,\n"
    )
    out = tmp_path / "obs.ttl"
    run = run_kg("import-observations", str(sheet), "--out", str(out))
    assert run.returncode == 1
    assert run.stderr.splitlines()[1:] == [
        "  row 3, column indicator: 'XX: 1C' is not an indicator code of u4ssc",
        "  row 4, column framework: 'nonesuch' is not a framework of the graph; 'kg query frameworks' lists them",
        "  row 5, column value: 'three' is not a number (use a dot for decimals)",
        "  row 5, column wikidata: 'Oslo' is not a Wikidata item id such as Q1065",
        "  row 5, column year: '21' is not a four-digit year",
        "  row 6, column value: row 2 already gives oslo's SC: SH: SI: 4C for 2021",
    ]
    assert not out.exists()


def test_observations_are_left_out_of_reasoning(tmp_path):
    from kg.reasoning.reasoner import _has_observations
    from kg.sources.documents import read_documents

    flagged = [d.path.name for d in read_documents() if _has_observations(d)]
    assert flagged == ["u4ssc-verification-reports.ttl"]


def canonical(documents) -> ox.Dataset:
    """The documents' quads, blank nodes named canonically: pyoxigraph's isomorphism, a minute faster than rdflib's."""
    dataset = ox.Dataset(quad for document in documents for quad in document.quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


@pytest.mark.slow
def test_the_bundled_graph_is_cached_and_rebuilt_when_a_file_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = bundled_documents()
    [cache] = list((tmp_path / "smartcity-kg").glob("bundled-*.nq"))
    second = bundled_documents()  # read back from the cache
    assert [(d.path, len(d.quads)) for d in first] == [(d.path, len(d.quads)) for d in second]
    assert canonical(first) == canonical(second)  # isomorphic: the same graph up to blank node names
    cache.write_bytes(b"not n-quads")  # a damaged cache is rebuilt, never an error
    assert len(KnowledgeGraph.load()) == len(KnowledgeGraph(first))
