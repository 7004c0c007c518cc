"""U4SSC confirmation levels: the source tables, the guide's table and the graph give the same counts."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from .conftest import ROOT
from .conftest import run_kg as kg
from .test_u4ssc_data import _build_module

GUIDE = ROOT / "docs" / "guide" / "u4ssc-confirmations.md"
SCK = "https://w3id.org/smartcity-kg/ontology#"
# The guide's wording of each level, and the level's local name in the ontology.
LEVELS = {
    "confirmed on an ITU page": "ConfirmedOnITUPage",
    "city verification report": "ConfirmedInCityReport",
    "secondary list only": "SecondaryListOnly",
    "unconfirmed": "NotConfirmed",
}
PREFIXES = """
PREFIX sck:     <https://w3id.org/smartcity-kg/ontology#>
PREFIX skos:    <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs:    <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX foaf:    <http://xmlns.com/foaf/0.1/>
"""
U4SSC = "<https://w3id.org/smartcity-kg/id/framework/u4ssc>"


@pytest.fixture(scope="module")
def evidence():
    """The generator's evidence tables (scripts/build_u4ssc.py, loaded as tests/test_u4ssc_data.py loads it)."""
    return _build_module().read_evidence()


def _guide_counts() -> dict[str, int]:
    """The counts table of the guide, by the level's local name."""
    rows = re.findall(r"^\| ([a-zA-Z ]+) \| (\d+) \|", GUIDE.read_text(encoding="utf-8"), re.MULTILINE)
    return {LEVELS[level]: int(count) for level, count in rows if level in LEVELS}


def _table_levels(u4ssc_rows, evidence) -> dict[str, str]:
    """Each KPI's level, from the tables alone: the reference table, the confirmations, the evidence rows."""
    confirmed = {row["code"] for row in evidence["confirmations"]}
    ranks = ["city-report", "secondary-list"]
    levels = {}
    for row in u4ssc_rows:
        if not row["source_url"].startswith("unconfirmed") or row["code"] in confirmed:
            levels[row["code"]] = "ConfirmedOnITUPage"
            continue
        found = sorted((e["level"] for e in evidence["evidence"] if e["code"] == row["code"]), key=ranks.index)
        levels[row["code"]] = {"city-report": "ConfirmedInCityReport", "secondary-list": "SecondaryListOnly"}.get(
            (found or ["none"])[0], "NotConfirmed"
        )
    return levels


def test_counts_per_level_agree_in_the_tables_the_guide_and_the_graph(graph, u4ssc_rows, evidence):
    from_tables = _table_levels(u4ssc_rows, evidence)
    expected = Counter(from_tables.values())
    guide = _guide_counts()
    assert {level: count for level, count in guide.items() if count} == dict(expected)
    assert set(guide) == set(LEVELS.values()) and sum(guide.values()) == len(u4ssc_rows)
    rows = graph.sparql(
        PREFIXES + f"SELECT ?code ?level WHERE {{ ?kpi skos:inScheme {U4SSC} ; skos:notation ?code ; "
        "sck:confirmationLevel ?level }"
    ).dicts()
    assert {str(row["code"]): str(row["level"]).removeprefix(SCK) for row in rows} == from_tables


def test_every_confirmation_cites_its_address_and_page(graph, evidence):
    """A page-level item names an https page with its number; a secondary-list item, its file's line."""
    items = graph.sparql(
        PREFIXES
        + f"""
        SELECT DISTINCT ?item ?code ?level ?source ?number ?line ?file WHERE {{
          ?kpi skos:inScheme {U4SSC} ; skos:notation ?code ; sck:evidence ?item .
          ?item sck:confirmationLevel ?level ; dcterms:source ?source ; sck:quote ?quote .
          FILTER EXISTS {{ ?item sck:confirms ?fact }}
          OPTIONAL {{ ?source sck:pageNumber ?number }}
          OPTIONAL {{ ?item rdfs:seeAlso ?line . ?source foaf:page ?file }}
        }}"""
    ).dicts()
    by_level = Counter(str(row["level"]).removeprefix(SCK) for row in items)
    table = Counter(row["level"] for row in evidence["evidence"])
    assert by_level == {"ConfirmedInCityReport": table["city-report"], "SecondaryListOnly": table["secondary-list"]}
    for row in items:
        if str(row["level"]).endswith("ConfirmedInCityReport"):
            page = re.search(r"/page(\d+)\.html$", str(row["source"]))
            assert str(row["source"]).startswith("https://") and page and int(row["number"]) == int(page[1]), row
        else:
            assert re.fullmatch(re.escape(str(row["file"])) + r"#L\d+", str(row["line"])), row
    # A KPI confirmed on an ITU page cites at least one page with its number.
    unpaged = graph.sparql(
        PREFIXES
        + f"""
        SELECT ?kpi WHERE {{
          ?kpi skos:inScheme {U4SSC} ; sck:confirmationLevel sck:ConfirmedOnITUPage .
          FILTER NOT EXISTS {{ ?kpi dcterms:source/sck:pageNumber ?number }}
        }}"""
    ).dicts()
    assert unpaged == []


def test_the_secondary_list_agrees_on_every_code_and_its_name_variants_stay_variants(graph, u4ssc_rows, evidence):
    """Every code is in the secondary list once; where it spells a name otherwise, the KPI keeps the table's name."""
    secondary = [row for row in evidence["evidence"] if row["level"] == "secondary-list"]
    assert Counter(row["code"] for row in secondary) == Counter(row["code"] for row in u4ssc_rows)
    names = {row["code"]: row["name"] for row in u4ssc_rows}
    variants = {row["code"]: row["name_on_page"] for row in secondary if row["name_on_page"] != names[row["code"]]}
    assert variants, "the list spells some names otherwise (u4ssc_notes.md, variants)"
    for row in secondary:
        assert ("same name" in row["note"]) == (row["code"] not in variants), row
    labels = graph.sparql(
        PREFIXES
        + f"SELECT ?code ?name WHERE {{\n?kpi skos:inScheme {U4SSC} ; skos:notation ?code ; skos:prefLabel ?name }}"
    ).dicts()
    assert {str(row["code"]): str(row["name"]) for row in labels if str(row["code"]) in variants} == {
        code: names[code] for code in variants
    }


BAD = """
@prefix sck: <https://w3id.org/smartcity-kg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://example.org/item> a sck:Evidence ; sck:confirmationLevel sck:ConfirmedInCityReport ;
    dcterms:source <https://w3id.org/smartcity-kg/id/document/2017-u4ssc-collection-methodology> ;
    sck:confirms "colour" .
<https://w3id.org/smartcity-kg/id/u4ssc/EC-ICT-ICT-3C> sck:confirmationLevel sck:ConfirmedOnITUPage .
"""


def test_shapes_refuse_an_unpaged_confirmation_an_unknown_fact_and_a_level_against_the_status(tmp_path):
    path = tmp_path / "bad-confirmation.ttl"
    path.write_text(BAD, encoding="utf-8")
    run = kg("validate", "--engine", "oxigraph", str(path))
    assert run.returncode == 1
    assert "Does not conform: 4 violation(s) on 2 node(s)." in run.stdout
    assert "cites the page it was read on" in run.stdout
    assert "sck:confirms names one fact" in run.stdout
    assert "disagrees with its verification status" in run.stdout
    assert "A resource has one confirmation level" in run.stdout
