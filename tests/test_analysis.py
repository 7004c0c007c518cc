"""The study's explanations as data: actors, helix sectors, ideology, framings, levels, claims."""

from __future__ import annotations

import json

import pytest

from kg.analysis.claims import AGREES, DISAGREES, NOT_TESTABLE, check_claims
from tests.conftest import run_kg as kg
from tests.conftest import u4ssc_table

HELIX = "https://w3id.org/smartcity-kg/id/helix/"


def test_helix_coverage_lists_every_sector_with_civil_society_at_zero():
    run = kg("query", "helix-coverage", "--format", "json")
    assert run.returncode == 0, run.stderr
    rows = {
        b["sector"]["value"].removeprefix(HELIX): int(b["stakeholder_types"]["value"])
        for b in json.loads(run.stdout)["results"]["bindings"]
    }
    assert rows == {"government": 2, "industry": 2, "academia": 1, "civil-society": 0, "natural-environment": 0}


def test_helix_coverage_names_the_stakeholders(graph):
    rows = {row["label"]: row for row in graph.query("helix-coverage").dicts()}
    assert rows["industry"]["stakeholders"] in ("start-ups, multinationals", "multinationals, start-ups")
    assert rows["government"]["partner_organisations"] == 21
    assert [r["label"] for r in graph.query("helix-coverage").dicts() if r["triple_helix"]] == [
        "government",
        "industry",
        "academia",
    ]


# What the data says, counted from U4SSC's source table (the claims' own statements keep the study's words).
KPIS = len(u4ssc_table())
ECONOMY = sum(row["dimension"] == "Economy" for row in u4ssc_table())
EXPECTED_VERDICTS = {
    "U4SSC has 91 KPIs.": (str(KPIS), AGREES),
    "The economic KPIs make up more than half of all indicators.": (
        f"{ECONOMY} of {KPIS} ({100 * ECONOMY / KPIS:.1f} %) are Economy",
        DISAGREES,
    ),
    "There are 15 environmental KPIs.": ("17 Environment KPIs", DISAGREES),
    "There are 27 socio-cultural KPIs.": ("29 Society and Culture KPIs", DISAGREES),
    "The economic KPIs are presented first, before the environmental and socio-cultural ones.": (
        "Economy KPIs at positions 1-45; the others from 46",
        AGREES,
    ),
    "Only three of the 91 KPIs directly measure the civic dimension of the smart city.": (None, AGREES),
    "Open data and e-government are both advanced KPIs categorised as economic.": (None, AGREES),
    "Voter participation is the only one of the civic KPIs that is core.": ("1: Voter Participation", AGREES),
    "The stakeholder network around U4SSC (business, government, knowledge institutes) is a triple helix "
    "without civil society.": ("0 civil society stakeholders", AGREES),
    "U4SSC follows a neo-liberal ideology in assessing the performance of smart cities.": (
        "9 evidence items from 4 documents",
        AGREES,
    ),
    "U4SSC's definition of a smart sustainable city contains the term competitiveness.": (None, AGREES),
    "U4SSC's definition uses no terms like public or civic.": (None, AGREES),
    "The U4SSC initiative incorporates 17 partners, various UN agencies.": (None, DISAGREES),
    "U4SSC was launched in 2016.": ("2016", AGREES),
    "The staff who developed the KPIs hold business and technology degrees.": (None, NOT_TESTABLE),
    "Only one U4SSC report (2017b, p. 15) recommends citizen participation, through participatory budgeting.": (
        None,
        NOT_TESTABLE,
    ),
}


def test_claims_get_the_verdicts_the_data_supports(graph):
    verdicts = {v.claim.text: v for v in check_claims(graph) if not v.claim.by_project}  # the study's (test_compare)
    assert set(verdicts) == set(EXPECTED_VERDICTS)
    for text, (data_says, verdict) in EXPECTED_VERDICTS.items():
        assert verdicts[text].verdict == verdict, text
        if data_says is not None:
            assert verdicts[text].data_says == data_says, text
    partners = verdicts["The U4SSC initiative incorporates 17 partners, various UN agencies."].data_says
    assert sorted(part.split(" ")[0] for part in partners.split("; ")) == ["16", "16", "18"]


def test_kg_claims_prints_both_numbers_and_exits_0():
    run = kg("claims", "--format", "csv")
    assert run.returncode == 0, run.stderr
    row = "There are 15 environmental KPIs.,https://w3id.org/smartcity-kg/id/document/safranova-2021,"
    row += "Analysis 1: economic focus,15,17 Environment KPIs,disagrees,dimension-count"
    assert row in run.stdout


def test_a_claim_whose_query_fails_exits_2(tmp_path):
    claims = tmp_path / "claims.ttl"
    claims.write_text(
        "@prefix sck: <https://w3id.org/smartcity-kg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<https://example.org/c> a sck:Claim ; rdfs:comment "x" ; sck:statedValue "1" ; '
        'sck:testedBy "no-such-query" .\n'
    )
    run = kg("claims", "--data", str(claims))
    assert run.returncode == 2
    assert "claim https://example.org/c: no named query 'no-such-query'" in run.stderr
    assert "Traceback" not in run.stderr


def test_ideology_evidence_has_at_least_six_items_with_document_and_page(graph):
    rows = graph.query("ideology-evidence").dicts()
    assert {row["model"] for row in rows} == {"market (neo-liberal) model"}
    with_page = [row for row in rows if row["document"] and (row["printed_pages"] or row["flipbook_pages"])]
    assert len(with_page) >= 6
    assert {row["citation"] for row in with_page} == {"U4SSC 2017a", "U4SSC 2020a", "U4SSC 2020b"}
    absent = [row for row in rows if row["absent_terms"]]
    assert [row["absent_terms"] for row in absent] in (["civic, public"], ["public, civic"])


def test_citizen_framings_follow_the_study(graph):
    framings = {
        (row["citation"], row["role"], row["printed_page"], row["quote"])
        for row in graph.query("citizen-framings").dicts()
    }
    assert ("U4SSC 2017c", "consumer", "108", "as consumers of solutions") in framings
    assert ("U4SSC 2017c", "stakeholder", "5", "catalyse and foster innovation capacity") in framings
    assert (
        "U4SSC 2017b",
        "participant",
        "15",
        "fostering community, individual participation and inclusiveness",
    ) in framings
    assert ("U4SSC 2020b", "consumer", "1", "harness the power of frontier technologies") in framings


def test_participation_levels_are_the_projects_own_coding(graph):
    rows = graph.query("participation-levels").dicts()
    placed = {(row["code"], row["rung"], row["rank"]) for row in rows}
    assert placed == {
        ("EC: ICT: PS: 1A", "informing", 3),
        ("EC: ICT: PS: 1A", "information", 4),
        ("EC: ICT: PS: 2A", "informing", 3),
        ("EC: ICT: PS: 2A", "choice", 3),
        ("SC: SH: SI: 4C", "consultation", 4),
        ("SC: SH: SI: 4C", "consultation", 5),
    }
    assert {row["placed_by"] for row in rows} == {"smartcity-kg"}


def test_actors_include_partners_team_hub_and_stakeholder_types(graph):
    rows = graph.query("actors").dicts()
    kinds = {}
    for row in rows:
        kinds.setdefault(row["kind"], []).append(row)
    assert len(kinds["partner organisation"]) == 21
    assert len(kinds["stakeholder type"]) == 5
    [team] = kinds["authoring team"]
    assert set(team["details"].split("; ")) == {"background: business", "background: technology"}
    [hub] = kinds["hub"]
    assert "national economic centre" in hub["details"]
    coordinators = {r["name"] for r in kinds["partner organisation"] if "coordinator" in r["details"]}
    assert coordinators == {"International Telecommunication Union", "UNECE", "UN-Habitat"}


@pytest.mark.parametrize(
    ("scheme", "concepts"),
    [
        ("helix-sectors", 5),
        ("smart-city-ideologies", 3),
        ("arnstein-ladder", 11),
        ("cardullo-kitchin-scaffold", 13),
        ("citizen-roles", 18),
        ("participation-aspects", 10),
    ],
)
def test_schemes_hold_their_concepts(graph, scheme, concepts):
    count = graph.sparql(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT (COUNT(?c) AS ?n) WHERE { ?c skos:inScheme "
        f"<https://w3id.org/smartcity-kg/id/scheme/{scheme}> }}"
    ).column("n")
    assert count == [concepts]


def test_arnstein_rungs_are_ordered(graph):
    rungs = graph.sparql(
        """PREFIX sck: <https://w3id.org/smartcity-kg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?label WHERE { ?r skos:inScheme <https://w3id.org/smartcity-kg/id/scheme/arnstein-ladder> ;
          sck:rank ?rank ; skos:prefLabel ?label } ORDER BY ?rank"""
    ).column("label")
    assert rungs == [
        "manipulation",
        "therapy",
        "informing",
        "consultation",
        "placation",
        "partnership",
        "delegated power",
        "citizen control",
    ]


BAD_ANALYSIS = """
@prefix sck:      <https://w3id.org/smartcity-kg/ontology#> .
@prefix rdfs:     <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms:  <http://purl.org/dc/terms/> .
@prefix ex:       <https://example.org/> .
ex:finding a sck:IdeologyAlignment ; sck:about <https://w3id.org/smartcity-kg/id/framework/u4ssc> ;
    sck:assigns <https://w3id.org/smartcity-kg/id/ideology/state-led> ;
    dcterms:source <https://w3id.org/smartcity-kg/id/document/safranova-2021> ;
    sck:evidence [ a sck:Evidence ; sck:quote "efficiency" ; dcterms:source ex:not-a-document ] .
ex:claim a sck:Claim ; rdfs:comment "A claim with no test." ; sck:statedValue "1" ;
    sck:locationInStudy "nowhere" ; dcterms:source <https://w3id.org/smartcity-kg/id/document/safranova-2021> .
ex:ngo sck:stakeholderOf <https://w3id.org/smartcity-kg/id/agent/u4ssc> .
"""


def test_evidence_without_document_claim_without_query_stakeholder_without_sector(tmp_path):
    path = tmp_path / "bad-analysis.ttl"
    path.write_text(BAD_ANALYSIS)
    run = kg("validate", str(path))
    assert run.returncode == 1
    assert "Does not conform: 3 violation(s) on 3 node(s)." in run.stdout
    assert "the sck:evidence of https://example.org/finding" in run.stdout
    assert "is a described document" in run.stdout
    assert "https://example.org/claim" in run.stdout and "(sck:testedBy)" in run.stdout
    assert "https://example.org/ngo" in run.stdout and "helix sector" in run.stdout
