"""One question, one answer: every named query gives the same rows through every door.

The reference is the Python API (``graph.query(name, **example parameters)``) rendered as the
SPARQL 1.1 results formats. Each door must give the same bytes in the same format:

- ``cli-csv``, ``cli-tsv``, ``cli-json``, ``cli-table``: ``kg query NAME -p ... --format F``;
- ``served-form``: ``kg serve``'s ``/queries/NAME?...&format=csv``;
- ``sparql-text``: the text the served form binds (``format=sparql``) posted to ``/sparql`` (and to
  ``/sparql/inferred`` for a query whose header says ``inferred: true``), answered as CSV;
- ``published``: the ``queries/NAME.csv`` that ``kg publish`` writes;
- ``oxigraph``, ``virtuoso``: ``kg query NAME --endpoint URL --format csv`` on an Oxigraph server
  and on Virtuoso 7, each loaded by ``kg push --inferred`` (the graph, its inferences and the
  marker that says they are there), as a user would.

Numbers are written in one canonical form per datatype whatever store answered, so CSV is compared
byte for byte. Under CI=true none of the servers may be missing (tests/servers.py).
"""

from __future__ import annotations

import shutil
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg import KnowledgeGraph, list_queries
from kg.query.catalog import NamedQuery
from kg.query.results import render
from kg.web.querypages import published, query_path
from tests.components import GROUPS
from tests.conftest import run_kg

pytestmark = [pytest.mark.network, pytest.mark.slow]

QUERIES = [q for q in list_queries() if published(q)]  # not the one that calls a second endpoint
CLI_FORMATS = ("csv", "tsv", "json", "table")
HTTP_S = 60


def _params(query: NamedQuery) -> list[str]:
    return [arg for name, value in query.example_parameters().items() for arg in ("-p", f"{name}={value}")]


def _get(url: str, accept: str | None = None, data: bytes | None = None) -> str:
    headers = {"Accept": accept} if accept else {}
    if data is not None:
        headers["Content-Type"] = "application/sparql-query"
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=HTTP_S) as answer:
        return answer.read().decode("utf-8")


@pytest.fixture(scope="module")
def workspace(pristine_workspace, warm_inference, tmp_path_factory) -> Path:
    """The workspace the reference and the CLI read: a copy of the pristine one (as kg serve's, as kg publish's)
    holding the session's warm inference, so that no door here reasons again (tests/test_reason.py tests the
    reasoner)."""
    folder = tmp_path_factory.mktemp("conformance") / "ws"
    shutil.copytree(pristine_workspace, folder, symlinks=True)
    warm_inference.into_workspace(folder)
    return folder


@pytest.fixture(scope="module")
def reference(workspace) -> dict[str, dict[str, str]]:
    """Each query's answer from the Python API, rendered in every CLI format."""
    graph = KnowledgeGraph.open(workspace=workspace)
    answers = {}
    for query in QUERIES:
        results = graph.query(query, **query.example_parameters())
        answers[query.name] = {fmt: render(results, fmt) for fmt in CLI_FORMATS}
    return answers


@pytest.fixture
def site(published_site) -> Path:
    """The session's kg publish output (tests/components.py)."""
    return published_site


@pytest.fixture
def oxigraph(oxigraph_server) -> str:
    """The session's Oxigraph server: the endpoint of what kg push --inferred uploaded (tests/components.py)."""
    return oxigraph_server.inferred


@pytest.fixture
def virtuoso(virtuoso_server) -> str:
    """The session's Virtuoso: the endpoint of what kg push --inferred uploaded to its writable Graph Store
    (``/sparql-graph-crud``)."""
    return virtuoso_server.pushed


def _stores(*names: str) -> list:
    """Parameters naming a store fixture, each in the xdist group of its component (tests/components.py)."""
    return [pytest.param(name, marks=pytest.mark.xdist_group(GROUPS[name])) for name in names]


def _cli(query: NamedQuery, fmt: str, *extra: str, workspace: Path | None = None) -> str:
    env = {"KG_WORKSPACE": str(workspace)} if workspace else None
    run = run_kg("query", query.name, *_params(query), "--format", fmt, *extra, env=env)
    assert run.returncode == 0, f"{query.name} ({fmt}): {run.stderr}"
    return run.stdout


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_the_cli_prints_what_the_python_api_answers(reference, workspace, query):
    for fmt in CLI_FORMATS:
        assert _cli(query, fmt, workspace=workspace) == reference[query.name][fmt], fmt


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_the_served_form_and_its_text_give_the_same_rows(reference, served, query):
    form = {**query.example_parameters()}
    url = f"{served}/queries/{urllib.parse.quote(query.name)}?"
    assert _get(url + urllib.parse.urlencode({**form, "format": "csv"})) == reference[query.name]["csv"]
    text = _get(url + urllib.parse.urlencode({**form, "format": "sparql"}))
    endpoint = f"{served}/sparql/inferred" if query.inferred else f"{served}/sparql"
    assert _get(endpoint, "text/csv", text.encode("utf-8")) == reference[query.name]["csv"]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_the_published_page_gives_the_same_rows(reference, site, query):
    assert (site / query_path(query.name, "csv")).read_bytes().decode("utf-8") == reference[query.name]["csv"]
    assert (site / query_path(query.name, "html")).is_file()


@pytest.mark.parametrize("store", _stores("oxigraph", "virtuoso"))
def test_every_named_query_gives_the_same_rows_on_a_pushed_store(reference, store, request):
    endpoint = request.getfixturevalue(store)
    differ = [q.name for q in QUERIES if _cli(q, "csv", "--endpoint", endpoint) != reference[q.name]["csv"]]
    assert differ == []


@pytest.mark.parametrize("store", _stores("served", "oxigraph", "virtuoso"))
def test_validate_on_an_endpoint_conforms_like_the_local_graph(store, request):
    endpoint = request.getfixturevalue(store)
    if store == "served":
        endpoint += "/sparql"
    local, remote = run_kg("validate"), run_kg("validate", "--endpoint", endpoint)
    assert local.returncode == 0, local.stdout
    assert remote.returncode == 0, remote.stdout[:2000]
    # the same verdict; the counts on its first line differ where the store also holds the inferences
    assert remote.stdout.startswith("Conforms: ") and local.stdout.startswith("Conforms: ")
    assert "satisfies every shape" in remote.stdout


def test_an_inferred_query_on_an_endpoint_without_inferences_says_so(oxigraph_server):
    """The session's Oxigraph server's default graph: what kg push (without --inferred) uploaded."""
    run = run_kg("query", "core-participation-kpis-inferred", "--endpoint", oxigraph_server.query)
    assert run.returncode == 2 and run.stdout == ""
    assert "kg push --inferred" in run.stderr and run.stderr.count("\n") == 1
