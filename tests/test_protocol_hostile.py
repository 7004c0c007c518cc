"""The SPARQL 1.1 Protocol's rules for a read-only endpoint, against ``kg serve`` (issue 21).

The cases are those of the W3C protocol tests (w3c/rdf-tests, sparql/sparql11/protocol/manifest.ttl)
that apply to a server that only answers queries: query via GET, POST form and POST direct; the
answer's media type by query form; the dataset given by default-graph-uri and named-graph-uri (it
replaces the query's FROM and FROM NAMED: ignoring it was a silent wrong answer); and the refusals
(4xx): another method, a parameter given twice, a body of another media type or none, not UTF-8, a
syntax error, no query, an update, a query and an update. The graph's default graph is the union of its
sources and it has no named graphs, so a dataset naming a graph gives what FROM <that graph> gives.
They only read the session's ``served`` server. The command line's twin: ``kg query -p`` given twice.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse

import pytest

from tests.conftest import run_kg

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
GRAPH = "http://kasei.us/2009/09/sparql/data/data0.rdf"  # the manifest's graph: not one the server holds
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}
TWICE = "the parameter {!r} is given twice; give it once."
MEDIA = (
    "send a POST's body as application/x-www-form-urlencoded, application/sparql-query, "
    "application/sparql-update (its Content-Type)."
)
READ_ONLY = "this endpoint is read-only: updates are refused"
ANY_METHOD = "this server answers GET, HEAD, POST, OPTIONS only; see / for what it answers."
IN_URL = "a POST sends its query in the body; this one has 'query' or 'update' in its URL too."
UTF16 = {"Content-Type": "application/sparql-query; charset=UTF-16"}
LATIN1 = {"Content-Type": "application/sparql-query; charset=ISO-8859-1"}


def _ask(served: str, method: str, path: str, body: bytes | str | None = None, **headers: str) -> tuple[int, str, str]:
    """(status, media type, body) of one request to the served endpoint."""
    parts = urllib.parse.urlsplit(served)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        data = body.encode("utf-8") if isinstance(body, str) else body
        headers.setdefault("Accept", "application/sparql-results+json")
        connection.request(method, path, body=data, headers={k.replace("_", "-"): v for k, v in headers.items()})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read().decode("utf-8")
    finally:
        connection.close()


def _q(**params: str | list[str]) -> str:
    return "/sparql?" + urllib.parse.urlencode(params, doseq=True)


def _count(body: str) -> int:
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize(
    ("method", "path", "body", "headers"),
    [
        ("GET", _q(query="ASK {}", **{"default-graph-uri": GRAPH}), None, {}),
        ("POST", _q(**{"default-graph-uri": GRAPH}), "query=ASK%20%7B%7D", FORM),
        ("POST", "/sparql", "ASK {}", {"Content-Type": "application/sparql-query; charset=UTF-8"}),
    ],
    ids=["query_get", "query_post_form", "query_post_direct"],
)
def test_a_query_by_get_form_or_direct_post(served, method, path, body, headers):
    status, media, answer = _ask(served, method, path, body, **headers)
    assert (status, media, json.loads(answer)) == (
        200,
        "application/sparql-results+json",
        {"head": {}, "boolean": True},
    )


@pytest.mark.parametrize(
    ("query", "accept", "media"),
    [
        ("SELECT (1 AS ?value) {}", "text/csv", "text/csv; charset=utf-8"),
        ("DESCRIBE <http://example.org/>", "text/turtle", "text/turtle; charset=utf-8"),
        ("CONSTRUCT { <s> <p> 1 } WHERE {}", "application/n-triples", "application/n-triples"),
    ],
    ids=["select", "describe", "construct"],
)
def test_the_answer_has_the_media_type_of_its_form(served, query, accept, media):
    status, given, body = _ask(served, "POST", _q(**{"default-graph-uri": GRAPH}), query, **DIRECT, Accept=accept)
    assert (status, given) == (200, media), body
    if query.startswith("CONSTRUCT"):  # relative IRIs resolve against the endpoint's address
        assert body == f'<{served}/s> <{served}/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'


def test_a_parameter_the_endpoint_does_not_read_may_repeat(served):
    """SPARQLWrapper sends its format hints twice (format=json-ld&format=application/ld+json, output=...): /sparql
    answers by the Accept header and reads no 'format', so the repetition refuses nothing."""
    hints = "&".join(f"{key}=json-ld&{key}=application/ld%2Bjson" for key in ("format", "output", "results"))
    status, media, answer = _ask(served, "GET", _q(query="ASK {}") + "&" + hints)
    assert (status, media) == (200, "application/sparql-results+json")
    assert json.loads(answer) == {"head": {}, "boolean": True}


def test_the_protocol_dataset_is_honoured_as_from_and_replaces_the_querys(served):
    """default-graph-uri gives what FROM gives (the graph named holds nothing here), named-graph-uri alone
    leaves the default graph empty, as FROM NAMED alone does, and both replace a FROM in the text."""
    whole = _count(_ask(served, "GET", _q(query=COUNT))[2])
    assert whole > 18000
    from_text = _count(_ask(served, "GET", _q(query=COUNT.replace("WHERE", f"FROM <{GRAPH}> WHERE")))[2])
    by_protocol = _count(_ask(served, "GET", _q(query=COUNT, **{"default-graph-uri": GRAPH}))[2])
    named_only = _count(_ask(served, "POST", _q(**{"named-graph-uri": [GRAPH, GRAPH + "2"]}), COUNT, **DIRECT)[2])
    both = _count(
        _ask(served, "POST", "/sparql", f"query={urllib.parse.quote(COUNT)}&default-graph-uri=x:y", **FORM)[2]
    )
    assert (from_text, by_protocol, named_only, both) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status", "sentence"),
    [
        ("PUT", _q(query="ASK {}"), "", FORM, 405, ANY_METHOD),
        ("GET", "/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D", None, {}, 400, TWICE.format("query")),
        ("GET", "/sparql/inferred?query=ASK%7B%7D&query=ASK%7B%7D", None, {}, 400, TWICE.format("query")),
        ("POST", "/sparql", "query=ASK%7B%7D&query=SELECT%20*%20%7B%7D", FORM, 400, TWICE.format("query")),
        ("GET", "/queries/kpi-details?code=A&code=B", None, {}, 400, TWICE.format("code")),
        ("GET", "/queries/actors?format=json&format=csv", None, {}, 400, TWICE.format("format")),
        ("POST", "/sparql", "ASK {}", {"Content-Type": "text/plain"}, 415, MEDIA),
        ("POST", "/sparql", "query=ASK%20%7B%7D", {}, 415, MEDIA),
        ("POST", "/sparql", "ASK {}".encode("utf-16"), UTF16, 400, "the request body is not UTF-8."),
        ("POST", "/sparql", "ASK {}", LATIN1, 400, "the body must be UTF-8 (the SPARQL protocol's encoding), not ISO-8859-1."),  # noqa: E501
        ("GET", _q(query="ASK {"), None, {}, 400, "query: SPARQL syntax error at line 1, column 6: unexpected end of text; fix the query."),  # noqa: E501
        ("POST", "/sparql", "", FORM, 400, "give a SPARQL query in the 'query' parameter"),
        ("GET", "/sparql?update=CLEAR%20ALL", None, {}, 403, READ_ONLY),
        ("POST", "/sparql", "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", FORM, 400, TWICE.format("update")),
        ("POST", "/sparql", "CLEAR NAMED", {"Content-Type": "application/sparql-update"}, 403, READ_ONLY),
        ("POST", "/sparql", "query=ASK%7B%7D&update=CLEAR%20ALL", FORM, 400, "give a query or an update, not both (updates are refused here)"),  # noqa: E501
        ("POST", _q(query="ASK {}"), "SELECT * {}", DIRECT, 400, IN_URL),
        ("GET", _q(query="ASK {}", **{"default-graph-uri": "not an IRI"}), None, {}, 400, "default-graph-uri 'not an IRI' is not an absolute IRI."),  # noqa: E501
        ("GET", "/sparql/inferred?query=ASK%7B%7D&named-graph-uri=x", None, {}, 400, "named-graph-uri 'x' is not an absolute IRI."),  # noqa: E501
        ("GET", f"/queries/frameworks?default-graph-uri={GRAPH}", None, {}, 400, "default-graph-uri and named-graph-uri apply to /sparql only, not to a named query."),  # noqa: E501
    ],
    ids=[
        "bad_query_method", "bad_multiple_queries", "bad_multiple_queries_inferred", "bad_multiple_queries_form",
        "named_query_parameter_twice", "named_query_format_twice", "bad_query_wrong_media_type", "bad_query_missing_form_type", "bad_query_non_utf8",  # noqa: E501
        "bad_query_charset",
        "bad_query_syntax", "missing_query", "bad_update_get", "bad_multiple_updates", "update_refused",
        "query_and_update", "query_in_url_and_body", "dataset_not_an_iri", "dataset_not_an_iri_inferred",
        "dataset_on_a_named_query",
    ],
)  # fmt: skip
def test_what_the_protocol_refuses_is_refused_in_one_sentence(served, method, path, body, headers, status, sentence):
    assert _ask(served, method, path, body, **headers)[::2] == (status, sentence + "\n")


def test_a_param_given_twice_on_the_command_line_is_exit_2():
    run = run_kg("query", "kpi-details", "-p", "code=A", "-p", "code=SC: SH: SI: 4C")
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == "kg: --param code is given twice ('A' and 'SC: SH: SI: 4C'); give it once.\n"
