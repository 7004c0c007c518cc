"""The one query path: bool() of an answer, named queries refused SPARQL text, kg serve's named jobs, canonical numbers.

The remote doors of the same path (RemoteGraph on an Oxigraph server: unknown framework, inferred
queries without inferences) are tested in tests/test_remote.py; the numbers Virtuoso writes in
tests/test_backends.py.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.errors import BadFrameworkId, QueryError
from kg.query.results import Results, render
from kg.query.tables import XSD, canonical_number, cell
from kg.web.answers import answer_job

SCK = "https://w3id.org/smartcity-kg/ontology#"


def test_bool_of_an_ask_answer_is_its_answer(graph):
    yes = graph.sparql(f"ASK {{ ?s a <{SCK}Framework> }}")
    no = graph.sparql(f"ASK {{ ?s a <{SCK}NoSuchClass> }}")
    assert (yes.boolean, no.boolean) == (True, False)
    assert bool(yes) is True and bool(no) is False
    assert len(yes) == len(no) == 0  # an ASK answer has no rows, whatever its answer


def test_bool_of_a_select_or_construct_answer_is_whether_it_has_a_row(graph):
    frameworks = graph.query("frameworks")
    assert len(frameworks) > 0 and bool(frameworks) is True
    assert bool(graph.sparql(f"SELECT ?s WHERE {{ ?s a <{SCK}NoSuchClass> }}")) is False
    assert bool(graph.sparql(f"CONSTRUCT WHERE {{ ?s a <{SCK}Framework> }}")) is True


def test_sparql_text_given_to_query_says_to_use_sparql(graph):
    with pytest.raises(QueryError, match=r"run SPARQL text with graph\.sparql\(text\)") as error:
        graph.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")
    assert str(error.value).startswith("'SELECT ?s WHERE { ?s ?p ?o } LIMIT 1' is SPARQL text, not the name of a query")
    with pytest.raises(QueryError, match=r"^no named query 'frameworkz'; "):
        graph.query("frameworkz")  # a name that is no query is still told apart from text


def test_a_served_named_job_runs_the_library_path(graph):
    """A worker's named job answers what graph.query answers, rendered in the format asked for."""
    job = {"named": "participation-kpis", "params": {"framework": "fw:iso37120"}, "format": "csv"}
    answer = answer_job(graph, job)
    assert answer == {
        "status": 200,
        "body": render(graph.query("participation-kpis", framework="fw:iso37120"), "csv"),
        "media": answer["media"],
    }
    assert answer["body"].count("\r\n") > 1 and answer["media"].startswith("text/csv")


def test_a_served_named_job_with_an_unknown_framework_is_a_400_with_the_sentence(graph):
    with pytest.raises(BadFrameworkId) as error:
        graph.query("participation-kpis", framework="fw:nosuch")
    answer = answer_job(graph, {"named": "participation-kpis", "params": {"framework": "fw:nosuch"}, "format": "csv"})
    assert answer == {"status": 400, "body": str(error.value)}
    assert (
        answer["body"] == "query 'participation-kpis': framework=fw:nosuch is not in the graph; did you mean fw:u4ssc?"
    )


def test_a_served_query_with_a_syntax_error_is_a_400_with_its_line(graph):
    answer = answer_job(graph, {"query": "SELECT ?s WHERE {\n  ?s ?p \n", "format": "csv", "where": "query"})
    assert answer["status"] == 400 and answer["body"].startswith("query: SPARQL syntax error at line ")


def test_a_served_answer_over_the_row_limit_is_refused(graph, monkeypatch):
    import kg.web.answers

    monkeypatch.setattr(kg.web.answers, "MAX_ROWS", 5)
    answer = answer_job(graph, {"query": "SELECT * WHERE { ?s ?p ?o }", "format": "csv"})
    assert answer == {"status": 400, "body": "query: the answer has more than 5 rows; add a LIMIT."}


def literal(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


@pytest.mark.parametrize(
    ("datatype", "forms", "canonical"),
    [
        ("decimal", ["1.0", "1", "+1.000", "01"], "1"),  # Virtuoso writes "1.0" where Oxigraph writes "1"
        ("decimal", ["53.30", "53.3", "+053.3"], "53.3"),
        ("decimal", ["-0.0", "0", "0.000"], "0"),
        ("integer", ["+7", "007", "7"], "7"),
        ("nonNegativeInteger", ["0010"], "10"),
        ("double", ["1", "1.0", "1.0E0", "1e0", "10E-1"], "1"),
        ("double", ["0.7", "7E-1", "7.0e-1", ".7"], "0.7"),
        ("double", ["1E21", "1.0e21"], "1e+21"),
        ("double", ["0.0000001", "1E-7"], "1e-7"),
        ("double", ["INF", "+INF"], "INF"),
        ("float", ["0.1", "1.0E-1"], "0.1"),
    ],
)
def test_the_same_number_is_written_the_same_in_table_csv_and_tsv(datatype, forms, canonical):
    for form in forms:
        term = literal(form, datatype)
        assert canonical_number(term).value == canonical and cell(term) == canonical, form
        answer = Results(["n"], raw=[(term,)])
        assert render(answer, "csv") == f"n\r\n{canonical}\r\n"
        assert render(answer, "tsv") == f'?n\n"{canonical}"^^<{XSD}{datatype}>\n'
        assert render(answer, "table").splitlines()[2].strip() == canonical
        assert f'"value": "{form}"' in render(answer, "json")  # JSON keeps the lexical form the store wrote
        assert answer.terms() == [(term,)]  # the terms keep the store's own lexical form


@pytest.mark.parametrize(("value", "datatype"), [("12abc", "integer"), ("1e3", "decimal"), ("nan", "double")])
def test_a_lexical_form_invalid_for_its_datatype_is_written_as_it_is(value, datatype):
    assert canonical_number(literal(value, datatype)).value == value
