"""Named-query headers: every bundled query is well formed, and a malformed header is an error."""

from __future__ import annotations

import pytest
from rdflib import URIRef

from kg import QueryError, get_query, list_queries
from kg.query.binding import bind
from kg.query.catalog import parse_named_query

BODY = "SELECT ?x WHERE { ?x ?p ?framework }\n"


def test_bundled_queries_have_title_question_and_documented_parameters():
    queries = list_queries()
    assert {q.name for q in queries} >= {
        "core-participation-kpis",
        "participation-kpis",
        "kpis-by-dimension",
        "unconfirmed-kpis",
    }
    for query in queries:
        assert query.title and query.question.endswith("?"), query.name
        for parameter in query.parameters.values():
            assert parameter.description, f"{query.name}: {parameter.name}"
    assert get_query("core-participation-kpis").parameters["framework"].default == "fw:u4ssc"


def test_header_is_parsed():
    query = parse_named_query(
        "#+ title: T\n#+ question: Q?\n#+ parameters:\n#+   framework:\n#+     type: iri\n#+     default: fw:u4ssc\n"
        + BODY,
        name="t",
    )
    assert (query.title, query.question, list(query.parameters)) == ("T", "Q?", ["framework"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BODY, r"t\.rq:1: no '#\+' header"),
        ("#+ title: T\n" + BODY, "needs a 'question:' line"),
        ("#+ title: T\n#+ question: a: b: c\n" + BODY, r"t\.rq:2: malformed '#\+' header"),
        ("#+ title: T\n#+ question: Q\n#+ colour: red\n" + BODY, "unknown header key"),
        (
            "#+ title: T\n#+ question: Q\n#+ parameters:\n#+   framework:\n#+     type: colour\n" + BODY,
            "has type 'colour'",
        ),
        (
            "#+ title: T\n#+ question: Q\n#+ parameters:\n#+   other:\n#+     type: string\n" + BODY,
            r"\?other is not used",
        ),
        (
            "#+ title: T\n#+ question: Q\n#+ parameters:\n#+   framework:\n#+     type: iri\n#+     default: no iri\n"
            + BODY,
            "not a valid iri",
        ),
    ],
)
def test_malformed_headers_are_errors(text, message):
    with pytest.raises(QueryError, match=message):
        parse_named_query(text, name="t", path="t.rq")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT * WHERE { VALUES (?o) { (<urn:x>) }  ?s ?p ?o }"),
        ("SELECT * { ?s ?p ?o }", "SELECT * { VALUES (?o) { (<urn:x>) }  ?s ?p ?o }"),
        (
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
            "CONSTRUCT { ?s ?p ?o } WHERE { VALUES (?o) { (<urn:x>) }  ?s ?p ?o }",
        ),
        (
            '# WHERE {\nPREFIX ex: <http://ex/WHERE#>\nSELECT * WHERE { ?s ex:where "WHERE {" }',
            "# WHERE {\nPREFIX ex: <http://ex/WHERE#>\nSELECT * WHERE { VALUES (?o) { (<urn:x>) }  "
            '?s ex:where "WHERE {" }',
        ),
    ],
)
def test_values_block_goes_into_the_outermost_where_group(query, expected):
    assert bind(query, {"o": URIRef("urn:x")}) == expected
