"""Result formats follow the SPARQL 1.1 results specifications; the table stays plain."""

from __future__ import annotations

import json

from rdflib import BNode, Literal, URIRef

from kg.query.results import Results, render

# A plain IRI: pytest trips over rdflib namespace objects kept as module attributes.
INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")

RESULTS = Results(
    ["kpi", "name", "n", "empty"],
    [
        (
            URIRef("https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C"),
            Literal('Voter, "P"', lang="en"),
            Literal(3, datatype=INTEGER),
            None,
        ),
        (BNode("b0"), Literal("tab\there"), Literal(12, datatype=INTEGER), None),
    ],
)


def test_json_is_sparql_results_json():
    data = json.loads(render(RESULTS, "json"))
    assert data["head"] == {"vars": ["kpi", "name", "n", "empty"]}
    first, second = data["results"]["bindings"]
    assert first == {
        "kpi": {"type": "uri", "value": "https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C"},
        "name": {"type": "literal", "value": 'Voter, "P"', "xml:lang": "en"},
        "n": {"type": "literal", "value": "3", "datatype": str(INTEGER)},
    }
    assert second["kpi"] == {"type": "bnode", "value": "b0"}


def test_csv_quotes_and_uses_crlf():
    assert render(RESULTS, "csv") == (
        "kpi,name,n,empty\r\n"
        'https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C,"Voter, ""P""",3,\r\n'
        "_:b0,tab\there,12,\r\n"
    )


def test_tsv_writes_terms_in_turtle_syntax():
    lines = render(RESULTS, "tsv").splitlines()
    assert lines[0] == "?kpi\t?name\t?n\t?empty"
    assert lines[1].split("\t")[:2] == ["<https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C>", '"Voter, \\"P\\""@en']
    assert lines[2].split("\t")[1] == '"tab\\there"'


def test_table_compacts_iris_and_right_aligns_numbers():
    assert render(RESULTS, "table").splitlines() == [
        "kpi                name         n  empty",
        "-----------------  ----------  --  -----",
        'u4ssc:SC-SH-SI-4C  Voter, "P"   3',
        "_:b0               tab here    12",
    ]


def test_ask_results():
    assert json.loads(render(Results([], [], boolean=True), "json")) == {"head": {}, "boolean": True}
    assert render(Results([], [], boolean=False), "csv") == "false\r\n"
