"""`kg serve`'s doors give the answers of the one query path: named-query forms and /sparql/inferred.

The session's real `kg serve` (one worker; tests/components.py). A named query's form runs through
KnowledgeGraph.query, as `kg query` does: the same rows, and the same sentence with "did you
mean" for an unknown framework (a 400 here, exit 2 there). /sparql/inferred answers over the
graph with the OWL reasoner's inferences: an inferred named query's text gives there the rows the
library gives. The route table answers every method and path the old router did.
"""

from __future__ import annotations

import csv
import io
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.web.routes import GET, POST, ROUTES, route
from tests.conftest import run_kg

pytestmark = [pytest.mark.network]

WAIT = 20  # seconds an answer may take (the served workspace holds the inferences: nothing reasons)
SD = "http://www.w3.org/ns/sparql-service-description#"


@pytest.fixture
def base(served):
    return served


def get(url: str, accept: str | None = None, data: bytes | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def served_rows(base: str, name: str, **params: str) -> tuple[int, str]:
    return get(f"{base}/queries/{name}?{urllib.parse.urlencode({**params, 'format': 'csv'})}")


def test_an_unknown_framework_is_a_400_with_the_clis_sentence(base):
    status, body = served_rows(base, "participation-kpis", framework="fw:u4scc")
    cli = run_kg("query", "participation-kpis", "-p", "framework=fw:u4scc")
    assert cli.returncode == 2 and "did you mean fw:u4ssc" in cli.stderr
    assert status == 400, body
    assert body.count("\n") == 1 and "did you mean fw:u4ssc" in body
    assert body.strip() in cli.stderr  # the same sentence at both doors


def test_the_editors_text_of_a_query_with_an_unknown_framework_is_the_same_400(base):
    url = f"{base}/queries/participation-kpis?" + urllib.parse.urlencode({"framework": "fw:u4scc", "format": "sparql"})
    status, body = get(url)
    assert status == 400 and "did you mean fw:u4ssc" in body and body.count("\n") == 1
    status, text = get(url.replace("u4scc", "u4ssc"))
    assert status == 200 and "VALUES" in text and "<https://w3id.org/smartcity-kg/id/framework/u4ssc>" in text


@pytest.mark.parametrize("name, params", [("participation-kpis", {"framework": "fw:u4ssc"}), ("frameworks", {})])
def test_a_served_named_query_gives_the_clis_rows(base, name, params):
    status, body = served_rows(base, name, **params)
    assert status == 200, body
    cli = run_kg("query", name, *[f"-p{key}={value}" for key, value in params.items()], "--format", "csv")
    assert cli.returncode == 0, cli.stderr
    served, expected = list(csv.reader(io.StringIO(body))), list(csv.reader(io.StringIO(cli.stdout)))
    assert len(expected) > 1  # a header and rows: the comparison means something
    assert served == expected


def test_an_empty_field_takes_the_parameters_default(base):
    assert served_rows(base, "participation-kpis", framework="") == served_rows(base, "participation-kpis")


def inferred_rows(workspace: Path) -> tuple[str, list[list[str]]]:
    """core-participation-kpis-inferred and its rows as `kg query` gives them on ``workspace`` (CSV, header first)."""
    name = "core-participation-kpis-inferred"
    cli = run_kg("query", name, "--format", "csv", env={"KG_WORKSPACE": str(workspace)})
    assert cli.returncode == 0, cli.stderr
    return name, list(csv.reader(io.StringIO(cli.stdout)))


def test_sparql_inferred_answers_an_inferred_querys_text_with_the_librarys_rows(base, served_workspace):
    name, expected = inferred_rows(served_workspace)
    assert len(expected) > 1  # the reasoner classifies at least one indicator (the data asserts none)
    status, text = get(f"{base}/queries/{name}?format=sparql")
    assert status == 200 and "/sparql/inferred" in text.splitlines()[1]  # the editor's text says where to run it
    for method in ("GET", "POST"):
        form = urllib.parse.urlencode({"query": text})
        url, data = (f"{base}/sparql/inferred?{form}", None) if method == "GET" else (f"{base}/sparql/inferred", form)
        status, body = get(url, "text/csv", data.encode() if data else None)
        assert status == 200, body
        assert list(csv.reader(io.StringIO(body))) == expected, method


def test_sparql_inferred_keeps_the_protocols_rules(base):
    status, body = get(f"{base}/sparql/inferred?{urllib.parse.urlencode({'update': 'CLEAR ALL'})}")
    assert (status, body) == (403, "this endpoint is read-only: updates are refused\n")
    service = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/q> { ?s ?p ?o } }"
    status, body = get(f"{base}/sparql/inferred?{urllib.parse.urlencode({'query': service})}")
    assert status == 403 and "--allow-service 127.0.0.1" in body
    status, body = get(f"{base}/sparql/inferred?query=ASK%ZZ")
    assert status == 400


def test_each_endpoint_describes_itself(base):
    for path in ("/sparql", "/sparql/inferred"):
        status, body = get(base + path, "text/turtle")
        assert status == 200, body
        store = ox.Store()
        store.load(body.encode(), format=ox.RdfFormat.TURTLE)
        endpoints = {q.object for q in store.quads_for_pattern(None, ox.NamedNode(SD + "endpoint"), None)}
        assert endpoints == {ox.NamedNode(base + path)}
    status, page = get(base + "/sparql/inferred", "text/html")
    assert status == 200 and "<textarea" not in page  # the plain form posts to /sparql: not offered here
    status, void = get(base + "/void", "text/turtle")
    assert f"<{base}/sparql/inferred>" in void


def test_the_route_table_sends_each_method_and_path_where_the_old_router_did():
    expected = {
        ("GET", "/"): "home",
        ("HEAD", "/"): "home",
        ("GET", "/static/editor.js"): "static",
        ("GET", "/static/"): "static",
        ("GET", "/sparql"): "sparql_get",
        ("GET", "/sparql/inferred"): "sparql_get",
        ("POST", "/sparql"): "sparql_post",
        ("POST", "/sparql/inferred"): "sparql_post",
        ("POST", "/queries/frameworks"): "post_elsewhere",
        ("GET", "/queries/frameworks"): "named",
        ("GET", "/void"): "void",
        ("GET", "/.well-known/void"): "void",
        ("GET", "/id/u4ssc/SC-SH-SI-4C.ttl"): "resource",
        ("GET", "/sparql/other"): "resource",  # which answers 404 for what is no project IRI
    }
    assert {key: route(*key)[0].__name__ for key in expected} == expected
    assert all(methods in (GET, POST) for methods, _, _ in ROUTES)
