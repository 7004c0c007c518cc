"""The U4SSC graph agrees with the checked fact table, row for row."""

from __future__ import annotations

import importlib.util
import re
from collections import Counter

from rdflib import Graph
from rdflib.compare import isomorphic

from .conftest import ROOT

U4SSC_KPI_ROWS = """
PREFIX sck:     <https://w3id.org/smartcity-kg/ontology#>
PREFIX skos:    <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs:    <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?code ?name ?dimension ?sub_dimension ?category ?tier ?measure ?status
       (GROUP_CONCAT(DISTINCT ?sdg; separator=";") AS ?sdgs)
       (GROUP_CONCAT(DISTINCT STR(?source); separator=" ") AS ?sources)
       (GROUP_CONCAT(DISTINCT STR(?seen); separator=" ") AS ?seen_in)
WHERE {
  ?kpi a sck:Indicator ; skos:inScheme <https://w3id.org/smartcity-kg/id/framework/u4ssc> ;
       skos:notation ?code ; skos:prefLabel ?name ; sck:tier/rdfs:label ?tier ; sck:measure ?measure ;
       sck:dimension/skos:prefLabel ?dimension ; sck:subDimension/skos:prefLabel ?sub_dimension ;
       sck:category/skos:prefLabel ?category ; sck:verificationStatus ?status .
  OPTIONAL { ?kpi sck:sdgReference ?sdg }
  OPTIONAL { ?kpi dcterms:source ?source }
  OPTIONAL { ?kpi rdfs:seeAlso ?seen }
}
GROUP BY ?code ?name ?dimension ?sub_dimension ?category ?tier ?measure ?status
"""

SCK = "https://w3id.org/smartcity-kg/ontology#"
METHODOLOGY = "https://w3id.org/smartcity-kg/id/document/2017-u4ssc-collection-methodology"


def _split(value: str | None, separator: str | None = None) -> set[str]:
    """GROUP_CONCAT over only unbound values leaves the aggregate unbound, hence None."""
    return set(filter(None, (value or "").split(separator)))


def _urls(text: str) -> set[str]:
    return set(re.findall(r"https?://[^\s;]+", text))


def test_graph_and_table_agree_row_for_row(graph, u4ssc_rows):
    rows = {row["code"]: row for row in graph.sparql(U4SSC_KPI_ROWS).dicts()}
    assert len(u4ssc_rows) == 91
    assert set(rows) == {row["code"] for row in u4ssc_rows}
    for expected in u4ssc_rows:
        got = rows[expected["code"]]
        assert got["name"] == expected["name"]
        assert got["dimension"] == expected["dimension"]
        assert got["sub_dimension"] == expected["sub_dimension"]
        assert got["category"] == expected["category"]
        assert got["tier"] == expected["tier"]
        assert got["measure"] == expected["unit_or_measure"]
        assert _split(got["sdgs"], ";") == _split(expected["sdg_targets"], ";")
        if expected["source_url"].startswith("unconfirmed"):
            assert got["status"] == SCK + "Unverified"
            assert got["sources"] == METHODOLOGY
            assert _split(got["seen_in"]) == _urls(expected["source_url"])
        else:
            assert got["status"] == SCK + "Verified"
            assert _split(got["sources"]) == _urls(expected["source_url"])
            assert _split(got["seen_in"]) == set()


def test_structure_matches_the_published_counts(graph):
    counts = graph.sparql(
        """
        PREFIX sck: <https://w3id.org/smartcity-kg/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?type (COUNT(DISTINCT ?c) AS ?n) WHERE {
          VALUES ?type { sck:Dimension sck:SubDimension sck:Category sck:Indicator }
          ?c a ?type ; skos:inScheme <https://w3id.org/smartcity-kg/id/framework/u4ssc> .
        } GROUP BY ?type
        """
    ).dicts()
    by_type = {row["type"].removeprefix(SCK): row["n"] for row in counts}
    # VM p15: 3 dimensions, 7 sub-dimensions, 22 categories; 91 KPIs.
    assert by_type == {"Dimension": 3, "SubDimension": 7, "Category": 22, "Indicator": 91}


def test_verified_and_unverified_counts(u4ssc_rows, graph):
    statuses = Counter(graph.sparql(U4SSC_KPI_ROWS).column("status"))
    assert statuses == {SCK + "Verified": 39, SCK + "Unverified": 52}


def _build_module():
    spec = importlib.util.spec_from_file_location("build_u4ssc", ROOT / "scripts" / "build_u4ssc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_turtle_is_what_the_generator_builds():
    build = _build_module()
    generated = build.build_graph(build.read_table())
    committed = Graph().parse(ROOT / "data" / "u4ssc" / "kpis.ttl", format="turtle")
    assert isomorphic(generated, committed)


def test_generator_refuses_a_tier_that_contradicts_the_code():
    build = _build_module()
    row = dict(build.read_table()[0], tier="advanced")  # EC: ICT: ICT: 1C is core
    try:
        build.build_graph([row])
    except build.TableError as error:
        assert "does not match code" in str(error)
    else:
        raise AssertionError("a C-coded KPI marked advanced must be refused")
