"""Who said what, on which page: the attribution errors of issue 12 stay gone.

The QC queries in queries/qc/ must return no rows on the bundled graph (tests/test_queries.py runs
them all); here each is shown to catch the error it was written for, planted in a small file, and
the outputs that show pages are checked to say which numbering they use.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from kg import KnowledgeGraph, list_queries

PLANTED = """
@prefix sck:     <https://w3id.org/smartcity-kg/ontology#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf:    <http://xmlns.com/foaf/0.1/> .
@prefix org:     <http://www.w3.org/ns/org#> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix doc:     <https://w3id.org/smartcity-kg/id/document/> .
@prefix role:    <https://w3id.org/smartcity-kg/id/citizen-role/> .
@prefix agent:   <https://w3id.org/smartcity-kg/id/agent/> .
@prefix u4ssc:   <https://w3id.org/smartcity-kg/id/u4ssc/> .
@prefix ex:      <https://w3id.org/smartcity-kg/id/planted/> .
@prefix sheet: <https://www.itu.int/en/publications/Documents/tsb/2017-U4SSC-Collection-Methodology/files/basic-html/> .

# The voter framing credited to the study, as it was before issue 12.
ex:voter-framing a sck:CitizenFraming ; sck:about doc:2017-u4ssc-collection-methodology ;
    sck:assigns role:voter ; dcterms:source doc:safranova-2021 ;
    rdfs:comment "People are counted as voters."@en ;
    sck:evidence [ a sck:Evidence ; dcterms:source doc:2017-u4ssc-collection-methodology ] .
# A rationale that argues another role than the one coded (the 2020a framing before issue 12).
ex:recipient-framing a sck:CitizenFraming ; sck:about doc:u4ssc-2020a ; sck:assigns role:consumer ;
    dcterms:source doc:safranova-2021 ; rdfs:comment "People are recipients whose needs are met."@en ;
    sck:evidence [ a sck:Evidence ; dcterms:source doc:u4ssc-2020a ; sck:reportedBy doc:safranova-2021 ] .
# The terms of reference cited directly, though the project knows them only through the study.
ex:stakeholder a sck:StakeholderType ; dcterms:source doc:u4ssc-2019a .
# An organisation with no source, and a partner with neither a Wikidata item nor a note.
ex:body a foaf:Organization ; foaf:name "Planted body" .
[] org:member ex:body ; org:organization agent:u4ssc .
# A membership of a sourced member and a classification of a sourced KPI, as blank nodes, unsourced.
[] a org:Membership ; org:member agent:itu ; org:organization ex:planted-collaboration .
[] a sck:Classification ; sck:indicator u4ssc:EC-ICT-PS-2A ; sck:aspect ex:planted-aspect .
# A project addition without its date.
ex:addition dcterms:source agent:smartcity-kg ; prov:wasAttributedTo agent:smartcity-kg .
# A printed page number stored as the flipbook number, and a citation that disagrees.
sheet:page38.html
    sck:pageNumber "30"^^xsd:positiveInteger ; sck:printedPage "31"^^xsd:positiveInteger .
ex:evidence sck:page "30" ;
    dcterms:source sheet:page38.html .
"""

PLANTED_NODES = {
    "study-credited-with-project-concepts": "planted/voter-framing",
    "framing-rationale-names-another-role": "planted/recipient-framing",
    "secondhand-sources-cited-directly": "planted/stakeholder",
    "entities-without-source": "planted/body",
    "partners-without-wikidata-or-note": "planted/body",
    "project-additions-unattributed": "planted/addition",
    "evidence-without-reporter": "planted/voter-framing",
    "page-number-not-in-address": "page38.html",
    "cited-page-disagrees-with-printed-page": "planted/evidence",
}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    path = tmp_path_factory.mktemp("planted") / "planted.ttl"
    path.write_text(PLANTED, encoding="utf-8")
    return KnowledgeGraph.load([path])


@pytest.mark.parametrize(("name", "node"), sorted(PLANTED_NODES.items()))
def test_each_qc_query_catches_its_planted_error(planted, name, node):
    [query] = [q for q in list_queries("qc") if q.name == name]
    cells = {str(term) for row in planted.query(query).rows for term in row if term is not None}
    assert any(cell.endswith(node) for cell in cells), (name, cells)


def test_entities_without_source_names_unsourced_blank_memberships_and_classifications(planted):
    """A blank node shows as the resource it is about and its kind, so rows agree across stores."""
    [query] = [q for q in list_queries("qc") if q.name == "entities-without-source"]
    rows = {tuple(str(term) for term in row) for row in planted.query(query).rows}
    agent, u4ssc = "https://w3id.org/smartcity-kg/id/agent/", "https://w3id.org/smartcity-kg/id/u4ssc/"
    assert (agent + "itu", "a membership (blank node)") in rows
    assert (u4ssc + "EC-ICT-PS-2A", "a classification (blank node)") in rows
    assert ("https://w3id.org/smartcity-kg/id/planted/body", "itself") in rows


def test_every_output_that_shows_a_page_says_which_numbering():
    page_columns = Counter()
    for query in list_queries():
        select = query.text[query.text.index("SELECT") : query.text.index("WHERE")]
        columns = re.findall(r"AS \?(\w+)\)", select)  # computed columns, then plain ones
        while "(" in select:
            select = re.sub(r"\([^()]*\)", "", select)
        columns += re.findall(r"\?(\w+)", select)
        for column in [c for c in columns if "page" in c.lower()]:
            page_columns[column] += 1
            assert column.startswith(("printed_page", "flipbook_page")), (query.name, column)
    assert page_columns["printed_page"] >= 2 and page_columns["flipbook_pages"] == 1


def test_ideology_evidence_keeps_printed_and_flipbook_pages_apart(graph):
    rows = graph.query("ideology-evidence").dicts()
    pages = {(row["quotes"], row["printed_pages"], row["flipbook_pages"]) for row in rows}
    # The Open Data sheet: printed page 29, flipbook page 37 (read at the foot of that page).
    assert ("enable economic growth through technological innovation by the private sector", "29", "37") in pages
    assert ("Fixed Broadband Subscriptions | Household Internet Access", "", "23, 24") in pages
    # The finding is the study's; the flipbook pages behind two of its items are the project's.
    assert {row["concluded_by"] for row in rows} == {"Safranova 2021"}
    assert {row["evidence_by"] for row in rows if row["flipbook_pages"] in ("23", "23, 24")} == {"smartcity-kg"}


def test_citizen_framings_say_who_framed(graph):
    by = {(row["citation"], row["role"]): row["framed_by"] for row in graph.query("citizen-framings").dicts()}
    assert by.pop(("U4SSC 2017a", "voter")) == "smartcity-kg"  # the study names no voter role
    assert set(by.values()) == {"Safranova 2021"}


def test_participation_evidence_names_who_put_each_item_forward(graph):
    rows = graph.query("participation-evidence").dicts()
    sheets = [row for row in rows if row["flipbook_page"] and not row["quote"]]
    assert sheets and {row["reported_by"] for row in sheets} == {"smartcity-kg"}
    assert {row["reported_by"] for row in rows if row["quote"]} == {"Safranova 2021"}


DIMENSION = r"(Economy|Environment|Society and Culture)"


def test_dimension_counts_in_notes_pair_each_label_with_its_own_count(graph, u4ssc_rows):
    """A note (or the README) that gives a dimension a number gives it the number the KPI table has."""
    counts = Counter(row["dimension"] for row in u4ssc_rows)
    texts = graph.sparql(
        """SELECT DISTINCT ?text WHERE { ?s ?p ?text FILTER(isLiteral(?text) && REGEX(STR(?text), "[0-9]")) }"""
    ).column("text")
    root = Path(__file__).resolve().parent.parent
    documents = [root / "README.md", *sorted((root / "docs").rglob("*.md"))]
    readme = "\n".join(document.read_text(encoding="utf-8") for document in documents)
    paired = []
    for text in [*map(str, texts), readme]:
        paired += [(label, int(n)) for label, n in re.findall(DIMENSION + r" \(?(\d+)\b", text)]
        paired += [(label, int(n)) for n, label in re.findall(r"\b(\d+) in " + DIMENSION, text)]
    assert paired, "no note pairs a dimension with a count"
    assert {(label, n) for label, n in paired} <= set(counts.items())


def test_actors_say_the_terms_of_reference_are_known_through_the_study(graph):
    rows = {row["name"]: row for row in graph.query("actors").dicts()}
    for name in ("cities", "start-ups", "multinationals", "universities"):
        assert rows[name]["according_to"] == "Safranova 2021; U4SSC 2019a as reported by Safranova 2021", name
    assert "u4ssc.itu.int/faqs/" in rows["UNEP"]["according_to"]
