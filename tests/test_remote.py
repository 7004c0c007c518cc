"""Remote endpoints, tested against a real Oxigraph server on 127.0.0.1."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request

import pytest

from kg import KnowledgeGraph, list_queries
from kg.errors import RemoteError
from kg.graph.named import bind_named
from kg.graph.remote.call import shown_address
from kg.graph.remote.client import remote_sparql
from tests.components import EMPTY, SDG_SNAPSHOT
from tests.conftest import ROOT, run_kg

pytestmark = pytest.mark.network

SNAPSHOT = ROOT / "data" / "links" / "snapshot.ttl"


@pytest.fixture
def server(oxigraph):
    """The session's Oxigraph server (tests/components.py): its default graph is what kg push uploaded."""
    return oxigraph.base


def parameters_for(query):
    return query.example_parameters()


def comparable(results):
    """Rows as sorted tuples of strings: blank node labels differ between stores, so they are masked."""
    return sorted(
        tuple("_:b" if t is not None and t.n3().startswith("_:") else str(t) for t in row) for row in results.rows
    )


def test_push_reports_what_it_uploaded(server):
    count = remote_sparql(f"{server}/query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]
    assert int(count) == len(KnowledgeGraph.load())


def test_push_bulk_uses_the_servers_bulk_loader_and_sends_the_same_graph(oxigraph):
    """Pushed with --bulk into a named graph of its own: the same triples as kg push put in the default graph."""
    mine = "urn:smartcity-kg:test-bulk"
    run = run_kg("push", "--bulk", "--endpoint", oxigraph.store, "--graph", mine)
    assert run.returncode == 0, run.stderr
    assert f"uploaded {len(KnowledgeGraph.open())} triples" in run.stderr
    every = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(!isBlank(?s) && !isBlank(?o)) }"
    assert comparable(remote_sparql(oxigraph.graph(mine), every)) == comparable(remote_sparql(oxigraph.query, every))


def test_core_participation_kpis_on_the_endpoint(server):
    run = run_kg("query", "core-participation-kpis", "--endpoint", f"{server}/query", "--format", "json")
    assert run.returncode == 0, run.stderr
    [binding] = json.loads(run.stdout)["results"]["bindings"]
    assert binding["code"]["value"] == "SC: SH: SI: 4C"


@pytest.mark.parametrize("query", [q for q in list_queries() if not q.inferred], ids=lambda q: q.name)
def test_every_named_query_gives_the_same_rows_remotely(server, graph, query):
    params = parameters_for(query)
    if any(p.type == "service" for p in query.parameters.values()):
        params["sdg_endpoint"] = f"{server}/query"
    local = graph.query(query, **params)
    remote = remote_sparql(f"{server}/query", bind_named(query, params))
    assert remote.variables == local.variables
    assert comparable(remote) == comparable(local)


def test_federated_query_joins_the_graph_with_a_second_server(oxigraph, graph):
    """The embedded graph asks a server's endpoint that holds only the SDG snapshot (pushed there) for labels."""
    rows = graph.query("sdg-labels-federated", sdg_endpoint=oxigraph.graph(SDG_SNAPSHOT)).dicts()
    open_data = {(r["sdg_code"], r["sdg_label"]) for r in rows if r["code"] == "EC: ICT: PS: 1A"}
    assert open_data == {
        ("16.6", "Develop effective, accountable and transparent institutions at all levels"),
        ("16.7", "Ensure responsive, inclusive, participatory and representative decision-making at all levels"),
    }


def test_federation_between_two_endpoints(oxigraph):
    """The same question sent to the server's endpoint of the whole graph, which calls, through SERVICE and
    over HTTP, its endpoint holding only the SDG snapshot (kg push of SNAPSHOT to a graph of its own)."""
    second = oxigraph.graph(SDG_SNAPSHOT)
    run = run_kg("query", "sdg-labels-federated", "-p", f"sdg_endpoint={second}",
                 "--endpoint", oxigraph.query, "--format", "csv")  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert (
        "EC: ICT: PS: 1A,http://www.w3.org/2004/02/skos/core#relatedMatch,http://metadata.un.org/sdg/16.7,16.7,"
        in run.stdout
    )


def test_unreachable_endpoint_is_one_sentence_and_exit_2():
    start = time.monotonic()
    run = run_kg("query", "core-participation-kpis", "--endpoint", "http://127.0.0.1:9/sparql")
    assert time.monotonic() - start < 30
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        "kg: the query at http://127.0.0.1:9/sparql failed: [Errno 111] Connection refused; "
        "check the address and the server."
    ]


def test_http_errors_are_one_sentence(server):
    with pytest.raises(
        RemoteError, match=r"the query at .*/nothing-here failed: HTTP 404: no SPARQL endpoint at this address"
    ):
        remote_sparql(f"{server}/nothing-here", "SELECT * WHERE { ?s ?p ?o } LIMIT 1")


def test_credentials_never_show(monkeypatch, server):
    monkeypatch.setenv("KG_ENDPOINT_USER", "analyst")
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "s3cret-word")
    run = run_kg("query", "frameworks", "--endpoint", "http://analyst:s3cret-word@127.0.0.1:9/sparql")
    assert run.returncode == 2
    assert "s3cret-word" not in run.stderr and "analyst" not in run.stderr
    assert shown_address("http://u:p@example.org:8080/sparql") == "http://example.org:8080/sparql"
    # Against a server that ignores authentication the query still runs with the credentials set.
    assert remote_sparql(f"{server}/query", "ASK { ?s ?p ?o }").boolean is True


def test_links_check_against_an_endpoint(oxigraph):
    run = run_kg("links", "check", "--endpoint", oxigraph.query)
    assert (run.returncode, run.stdout) == (0, "")
    run = run_kg("links", "check", "--endpoint", oxigraph.graph(EMPTY))  # an endpoint holding nothing
    assert run.returncode == 1
    assert "object http://www.wikidata.org/entity/Q376150 does not exist on" in run.stdout


def test_kg_serve_answers_the_sparql_protocol_and_lists_named_queries(served):
    base = served
    query = urllib.parse.quote(
        "SELECT ?code WHERE { ?k <https://w3id.org/smartcity-kg/ontology#addresses> [] ;"
        " <http://www.w3.org/2004/02/skos/core#notation> ?code } ORDER BY ?code LIMIT 2"
    )
    request = urllib.request.Request(
        f"{base}/sparql?query={query}", headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Type"] == "application/sparql-results+json"
        body = json.load(response)
    assert [b["code"]["value"] for b in body["results"]["bindings"]] == ["1", "10"]
    with urllib.request.urlopen(f"{base}/", timeout=10) as response:
        page = response.read().decode("utf-8")
    for query in list_queries():
        assert f"action='/queries/{query.name}'" in page
    with urllib.request.urlopen(f"{base}/queries/core-participation-kpis?format=csv", timeout=10) as response:
        assert (
            response.read()
            .decode("utf-8")
            .splitlines()[1]
            .endswith("SC: SH: SI: 4C,Voter Participation,Society and Culture,voting")
        )
    update = urllib.request.Request(
        f"{base}/sparql", data=b"update=INSERT+DATA+%7B%3Ca%3A1%3E+%3Ca%3A2%3E+%3Ca%3A3%3E%7D", method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(update, timeout=10)
    assert refused.value.code == 403


def test_unknown_framework_on_an_endpoint_is_the_same_error_as_on_the_embedded_graph(server):
    """One query path (kg.graph.named.run_named): the same sentence, with the nearest names, at both doors."""
    remote = run_kg("query", "participation-kpis", "-p", "framework=fw:nosuch", "--endpoint", f"{server}/query")
    local = run_kg("query", "participation-kpis", "-p", "framework=fw:nosuch")
    assert (remote.returncode, remote.stdout, remote.stderr) == (local.returncode, local.stdout, local.stderr)
    assert remote.returncode == 2 and remote.stderr == (
        "kg: query 'participation-kpis': framework=fw:nosuch is not in the graph; did you mean fw:u4ssc?\n"
    )


def test_the_remote_graph_implements_the_graph_protocol(server):
    """Size, dump and holds_inferences, as kg.graph.protocol.Graph has them, on the endpoint pushed to."""
    from kg.graph.remote.endpoint import RemoteGraph

    remote, local = RemoteGraph(f"{server}/query"), KnowledgeGraph.load()
    assert len(remote) == len(local) == sum(len(document.quads) for document in remote.dump())
    assert remote.holds_inferences() is False and local.holds_inferences() is False
    assert bool(remote.sparql("ASK { ?s ?p ?o }")) is True


def test_unknown_framework_raises_bad_framework_id_through_every_graph(server, graph):
    from kg.errors import BadFrameworkId
    from kg.graph.remote.endpoint import RemoteGraph

    said = []
    for door in (graph, KnowledgeGraph.open(), RemoteGraph(f"{server}/query")):
        with pytest.raises(BadFrameworkId, match=r"did you mean fw:iso37120\?$") as error:
            door.query("participation-kpis", framework="fw:iso3712")
        said.append(str(error.value))
    assert len(set(said)) == 1


def test_an_inferred_query_on_an_endpoint_without_inferences_is_an_error_not_zero_rows(oxigraph, tmp_path, graph):
    """Without the marker kg push --inferred writes, one sentence; with it, the query runs on the endpoint.

    The endpoint kg push (without --inferred) loaded, then a graph of this test's own, kg push's upload and the marker.
    """
    import pyoxigraph as ox

    from kg.errors import QueryError
    from kg.graph.named import bind_named
    from kg.graph.remote.endpoint import RemoteGraph
    from kg.graph.remote.push import push
    from kg.query.catalog import get_query
    from kg.sources.files import RdfDocument

    named = get_query("core-participation-kpis-inferred")
    remote = RemoteGraph(oxigraph.query)
    assert remote.holds_inferences() is False
    with pytest.raises(QueryError) as error:
        remote.query(named)
    assert str(error.value) == (
        "query 'core-participation-kpis-inferred' reads the OWL reasoner's inferences, but the endpoint "
        "holds no OWL inferences; push them with kg push --inferred."
    )
    run = run_kg("query", named.name, "--endpoint", oxigraph.query)
    assert (run.returncode, run.stdout) == (2, "") and run.stderr == f"kg: {error.value}\n"

    mine = "urn:smartcity-kg:test-marker"  # this test's own graph: kg push's upload, then the marker alone
    assert run_kg("push", "--endpoint", oxigraph.store, "--graph", mine).returncode == 0
    before = RemoteGraph(oxigraph.graph(mine))
    assert before.holds_inferences() is False
    sck, kg_id = "https://w3id.org/smartcity-kg/ontology#", "https://w3id.org/smartcity-kg/id/"
    marker = ox.Quad(ox.NamedNode(kg_id + "inferences"), ox.NamedNode(RDF_TYPE), ox.NamedNode(sck + "InferenceSet"))
    assert push(oxigraph.store, [RdfDocument(tmp_path / "marker.nt", [marker])], mine) == 1
    assert before.holds_inferences() is False  # asked once per RemoteGraph
    marked = RemoteGraph(oxigraph.graph(mine))
    assert marked.holds_inferences() is True
    # It runs: the rows are what the endpoint holds (here no inferences, only the marker).
    answer, asserted = marked.query(named), graph.sparql(bind_named(named, {}))
    assert answer.variables == asserted.variables and "kpi" in answer.variables
    assert answer.dicts() == asserted.dicts() == []


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def test_timeout_bounds_remote_requests_and_names_itself():
    from tests.hostile_servers import hostile_server, one_sentence, query

    with hostile_server("silent") as base:
        started = time.monotonic()
        # A process of its own: the remote call's deadline and --timeout's are the same 2 s, and only a process
        # ends at once when --timeout's comes first (in this process the command's thread is ended, and may
        # still say its own sentence as it goes: two lines where a user sees one).
        line = one_sentence(query(base, "--timeout", "2", process=True), started, 8)
    assert "2 s" in line and "--timeout" in line
