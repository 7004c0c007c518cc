"""Publishing the graph: RDF out of ``kg query`` and ``kg serve``, content negotiation, resource pages, VoID.

The server tests run the real ``kg serve`` on 127.0.0.1 and talk to it with urllib and
SPARQLWrapper, as a linked-data client would; expected facts come from the U4SSC source table.
"""

from __future__ import annotations

import csv
import html
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import warnings

import pyoxigraph as ox
import pytest

from tests.conftest import U4SSC_TABLE
from tests.conftest import run_kg as kg
from tests.servers import kg_server

ID = "https://w3id.org/smartcity-kg/id/"
VOTER = ID + "u4ssc/SC-SH-SI-4C"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CONSTRUCT = f"CONSTRUCT {{ <{VOTER}> ?p ?o }} WHERE {{ <{VOTER}> ?p ?o }}"


def voter_row() -> dict[str, str]:
    with U4SSC_TABLE.open(encoding="utf-8", newline="") as handle:
        return next(row for row in csv.DictReader(handle, delimiter="\t") if row["code"] == "SC: SH: SI: 4C")


def parse(data: bytes | str, fmt: ox.RdfFormat) -> list[ox.Triple]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return [quad.triple for quad in ox.parse(raw, format=fmt)]


def label_of(triples: list[ox.Triple], iri: str) -> set[str]:
    return {t.object.value for t in triples if t.subject == ox.NamedNode(iri) and t.predicate.value == SKOS_PREF}


# --- kg query ------------------------------------------------------------------------------------


def query(tmp_path, text: str, *args: str) -> str:
    path = tmp_path / "c.rq"
    path.write_text(text, encoding="utf-8")
    result = kg("query", "--file", str(path), *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_construct_writes_turtle_by_default_with_the_project_prefixes(tmp_path):
    out = query(tmp_path, CONSTRUCT)
    assert "@prefix u4ssc: <https://w3id.org/smartcity-kg/id/u4ssc/> ." in out
    assert "@prefix iso37120:" not in out  # only prefixes the triples use, and only the declared ones
    triples = parse(out, ox.RdfFormat.TURTLE)
    assert label_of(triples, VOTER) == {voter_row()["name"]}


@pytest.mark.parametrize(
    ("fmt", "rdf_format"), [("ntriples", ox.RdfFormat.N_TRIPLES), ("rdfxml", ox.RdfFormat.RDF_XML)]
)
def test_construct_in_every_rdf_format_gives_the_same_triples(tmp_path, fmt, rdf_format):
    turtle = set(parse(query(tmp_path, CONSTRUCT), ox.RdfFormat.TURTLE))
    assert set(parse(query(tmp_path, CONSTRUCT, "--format", fmt), rdf_format)) == turtle


def test_construct_as_jsonld_parses_with_rdflib(tmp_path):
    from rdflib import Graph, Literal, URIRef

    out = query(tmp_path, CONSTRUCT, "--format", "jsonld")
    graph = Graph().parse(data=out, format="json-ld")
    turtle = parse(query(tmp_path, CONSTRUCT), ox.RdfFormat.TURTLE)
    assert len(graph) == len(turtle)
    assert (URIRef(VOTER), URIRef(SKOS_PREF), Literal(voter_row()["name"], lang="en")) in graph


def test_describe_is_a_graph_too(tmp_path):
    triples = parse(query(tmp_path, f"DESCRIBE <{VOTER}>", "--format", "ntriples"), ox.RdfFormat.N_TRIPLES)
    assert label_of(triples, VOTER) == {voter_row()["name"]}


def test_select_as_sparql_xml_has_the_json_answers_rows(tmp_path):
    text = f"SELECT ?p ?o WHERE {{ <{VOTER}> ?p ?o }} ORDER BY ?p ?o"
    rows = json.loads(query(tmp_path, text, "--format", "json"))["results"]["bindings"]
    xml = query(tmp_path, text, "--format", "xml")
    parsed = ox.parse_query_results(xml.encode("utf-8"), format=ox.QueryResultsFormat.XML)
    assert [(s["p"].value, s["o"].value) for s in parsed] == [(r["p"]["value"], r["o"]["value"]) for r in rows]
    ask = query(tmp_path, f"ASK {{ <{VOTER}> ?p ?o }}", "--format", "xml")
    assert bool(ox.parse_query_results(ask.encode("utf-8"), format=ox.QueryResultsFormat.XML)) is True


def test_an_rdf_format_for_a_select_is_one_sentence_and_exit_2(tmp_path):
    path = tmp_path / "s.rq"
    path.write_text("SELECT * WHERE { ?s ?p ?o } LIMIT 1", encoding="utf-8")
    run = kg("query", "--file", str(path), "--format", "turtle")
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1 and "only a CONSTRUCT or DESCRIBE query returns" in run.stderr


# --- kg serve ------------------------------------------------------------------------------------


@pytest.fixture
def base(served):
    """The session's kg serve (tests/components.py)."""
    return served


def get(url: str, accept: str | None = None, method: str = "GET", follow: bool = True):
    """(status, headers, body) of a request; 3xx are followed only when ``follow``."""
    request = urllib.request.Request(url, method=method, headers={"Accept": accept} if accept else {})
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sparql_url(base: str, text: str) -> str:
    return f"{base}/sparql?{urllib.parse.urlencode({'query': text})}"


@pytest.mark.network
def test_the_iri_answers_303_to_turtle_that_describes_voter_participation(base):
    status, headers, _ = get(f"{base}/id/u4ssc/SC-SH-SI-4C", "text/turtle", follow=False)
    assert (status, headers["Location"]) == (303, "/id/u4ssc/SC-SH-SI-4C.ttl")
    status, headers, body = get(f"{base}/id/u4ssc/SC-SH-SI-4C", "text/turtle")  # as curl -L would
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    triples = parse(body, ox.RdfFormat.TURTLE)
    assert label_of(triples, VOTER) == {voter_row()["name"]}
    # the statements about it (its classification, its mappings) travel with it
    assert any(t.object == ox.NamedNode(VOTER) and t.predicate.value.endswith("#indicator") for t in triples)


@pytest.mark.network
@pytest.mark.parametrize(
    ("extension", "rdf_format"), [("jsonld", ox.RdfFormat.JSON_LD), ("nt", ox.RdfFormat.N_TRIPLES)]
)
def test_the_data_by_extension(base, extension, rdf_format):
    status, _, body = get(f"{base}/id/u4ssc/SC-SH-SI-4C.{extension}")
    assert status == 200
    assert label_of(parse(body, rdf_format), VOTER) == {voter_row()["name"]}


@pytest.mark.network
def test_a_browser_gets_a_page_with_the_sources_as_links(base):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    status, headers, _ = get(f"{base}/id/u4ssc/SC-SH-SI-4C", accept, follow=False)
    assert (status, headers["Location"]) == (303, "/id/u4ssc/SC-SH-SI-4C.html")
    status, headers, body = get(f"{base}/id/u4ssc/SC-SH-SI-4C", accept)
    page = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert f"<h1>{voter_row()['name']}</h1>" in page
    sources = page[page.index("<h2>Sources</h2>") :]
    for url in re.findall(r"https://[^\s;]+", voter_row()["source_url"]):  # the pages the table cites
        assert f"href='{url}'" in sources
    assert "href='/id/document/2017-u4ssc-collection-methodology.html'" in sources  # a project IRI: its local page
    assert "href='/queries/kpi-details?code=SC%3A+SH%3A+SI%3A+4C'" in page  # a named query that names it (by its code)
    assert "<script" not in page


@pytest.mark.network
def test_a_page_lists_the_named_queries_that_name_it(base):
    page = get(f"{base}/id/framework/u4ssc.html")[2].decode("utf-8")
    listed = page[page.index("<h2>Named queries that mention it</h2>") :]
    assert "href='/queries/core-participation-kpis'" in listed  # its CURIE fw:u4ssc is the parameter's default
    assert "href='/queries/frameworks'" not in listed


@pytest.mark.network
def test_the_ontology_is_one_document_of_hash_terms(base):
    status, _, body = get(f"{base}/ontology", "text/turtle")
    triples = parse(body, ox.RdfFormat.TURTLE)
    assert status == 200
    assert ox.NamedNode("https://w3id.org/smartcity-kg/ontology#Indicator") in {t.subject for t in triples}
    page = get(f"{base}/ontology", "text/html")[2].decode("utf-8")
    assert "<section id='Indicator'>" in page


@pytest.mark.network
def test_the_ontology_page_documents_every_term_and_shape_from_the_files(base):
    from kg.sources.files import ontology_path, shapes_path

    owl, sh, rdf_type = "http://www.w3.org/2002/07/owl#", "http://www.w3.org/ns/shacl#", ox.NamedNode(RDF_TYPE)
    ontology = [q.triple for q in ox.parse(path=str(ontology_path()))]
    shapes = [q.triple for q in ox.parse(path=str(shapes_path()))]
    sck = "https://w3id.org/smartcity-kg/ontology#"

    def typed(triples, kind):
        return {t.subject.value for t in triples if t.predicate == rdf_type and t.object == ox.NamedNode(kind)}

    classes = {c for c in typed(ontology, owl + "Class") if c.startswith(sck)}
    properties = {p for p in typed(ontology, owl + "ObjectProperty") | typed(ontology, owl + "DatatypeProperty")
                  if p.startswith(sck)}  # fmt: skip
    defined = {t.subject.value for t in ontology if t.predicate.value == owl + "equivalentClass"}
    node_shapes = typed(shapes, sh + "NodeShape")
    page = get(f"{base}/ontology", "text/html")[2].decode("utf-8")
    sections = set(re.findall(r"<section id='([^']+)'>", page))
    assert {iri.removeprefix(sck) for iri in classes | properties} <= sections
    assert {iri.rpartition("#")[2] for iri in node_shapes} <= sections
    assert f"Defined classes</a> ({len(defined)})" in page and f"Classes</a> ({len(classes - defined)})" in page
    # a definition in Manchester syntax, read from owl:equivalentClass
    tokenistic = page[page.index("<section id='TokenisticParticipationIndicator'>") :]
    tokenistic = tokenistic[: tokenistic.index("</section>")]
    assert "<b>some</b>" in tokenistic and "<b>value</b>" in tokenistic and "arnstein/tokenism" in tokenistic
    # every shape message reaches the page, escaped
    messages = {t.object.value for t in shapes if t.predicate.value == sh + "message"}
    assert all(html.escape(message, quote=True) in page for message in messages)


@pytest.mark.network
def test_a_construct_through_sparql_returns_turtle_and_a_select_xml(base):
    status, headers, body = get(sparql_url(base, CONSTRUCT), "text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert label_of(parse(body, ox.RdfFormat.TURTLE), VOTER) == {voter_row()["name"]}
    status, headers, body = get(sparql_url(base, "ASK { ?s ?p ?o }"), "application/sparql-results+xml")
    assert headers["Content-Type"] == "application/sparql-results+xml"
    assert bool(ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)) is True


@pytest.mark.network
def test_q_values_decide(base):
    accept = "application/sparql-results+json;q=0.5, text/csv;q=0.9, */*;q=0.1"
    assert get(sparql_url(base, "SELECT * { ?s ?p ?o } LIMIT 1"), accept)[1]["Content-Type"].startswith("text/csv")
    accept = "text/turtle;q=0.2, application/n-triples"
    assert get(sparql_url(base, CONSTRUCT), accept)[1]["Content-Type"] == "application/n-triples"


@pytest.mark.network
def test_sparqlwrapper_gets_the_format_it_asks_for(base):
    from SPARQLWrapper import JSONLD, TURTLE, XML, SPARQLWrapper

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # "Format requested was TURTLE, but JSON was returned"
        warnings.simplefilter("ignore", DeprecationWarning)  # SPARQLWrapper's own use of rdflib's ConjunctiveGraph
        for fmt, expected in ((TURTLE, "text/turtle"), (XML, "application/rdf+xml"), (JSONLD, "application/ld+json")):
            client = SPARQLWrapper(f"{base}/sparql")
            client.setQuery(CONSTRUCT)
            client.setReturnFormat(fmt)
            answer = client.query()
            assert answer.response.headers["Content-Type"].startswith(expected)
            converted = answer.convert()
            if fmt == TURTLE:
                assert label_of(parse(converted, ox.RdfFormat.TURTLE), VOTER) == {voter_row()["name"]}
            else:
                assert len(converted) == len(
                    parse(get(sparql_url(base, CONSTRUCT), "text/turtle")[2], ox.RdfFormat.TURTLE)
                )
        client = SPARQLWrapper(f"{base}/sparql")
        client.setQuery(f"SELECT ?name WHERE {{ <{VOTER}> <{SKOS_PREF}> ?name }}")
        client.setReturnFormat(XML)
        document = client.query().convert()
        assert [n.firstChild.data for n in document.getElementsByTagName("literal")] == [voter_row()["name"]]


@pytest.mark.network
def test_406_says_what_it_can_give(base):
    status, _, body = get(sparql_url(base, "SELECT * { ?s ?p ?o } LIMIT 1"), "image/png")
    assert status == 406 and "application/sparql-results+json" in body.decode()
    status, _, body = get(sparql_url(base, CONSTRUCT), "application/sparql-results+json")
    assert status == 406 and "text/turtle" in body.decode()
    assert get(f"{base}/id/u4ssc/SC-SH-SI-4C", "text/turtle;q=0, image/png", follow=False)[0] == 406


@pytest.mark.network
def test_head_and_options(base):
    status, headers, body = get(f"{base}/id/u4ssc/SC-SH-SI-4C.ttl", method="HEAD")
    full = get(f"{base}/id/u4ssc/SC-SH-SI-4C.ttl")[2]
    assert (status, body, int(headers["Content-Length"])) == (200, b"", len(full))
    status, headers, _ = get(sparql_url(base, CONSTRUCT), "text/turtle", method="HEAD")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    status, headers, _ = get(f"{base}/sparql", method="OPTIONS")
    assert status == 204 and set(headers["Allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}


@pytest.mark.network
def test_a_303_varies_by_accept_and_answers_head(base):
    status, headers, body = get(f"{base}/id/u4ssc/SC-SH-SI-4C", "application/ld+json", method="HEAD", follow=False)
    assert (status, headers["Location"], headers["Vary"], body) == (303, "/id/u4ssc/SC-SH-SI-4C.jsonld", "Accept", b"")


def test_a_hostile_host_header_never_reaches_the_descriptions():
    from kg.web.negotiate import base_url

    assert base_url("127.0.0.1:8080", ("127.0.0.1", 7878)) == "http://127.0.0.1:8080"
    for hostile in ("x> <http://evil/", "a b", "evil.org/path", 'x"y', ""):
        assert base_url(hostile, ("127.0.0.1", 7878)) == "http://127.0.0.1:7878"


@pytest.mark.network
def test_void_and_the_service_description(base, graph):
    triples = parse(get(f"{base}/.well-known/void", "text/turtle")[2], ox.RdfFormat.TURTLE)
    void = "http://rdfs.org/ns/void#"
    values = {
        t.predicate.value.removeprefix(void): t.object.value for t in triples if t.predicate.value.startswith(void)
    }
    assert int(values["triples"]) == len(graph.sparql("SELECT * WHERE { ?s ?p ?o }"))
    assert values["sparqlEndpoint"] == f"{base}/sparql"
    triples = parse(get(f"{base}/sparql", "text/turtle")[2], ox.RdfFormat.TURTLE)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert ox.NamedNode(f"{base}/sparql") in {t.object for t in triples if t.predicate.value == sd + "endpoint"}
    page = get(f"{base}/sparql", "text/html")[2].decode()
    assert "<textarea name='query'" in page  # a query can be run from the page without JavaScript


@pytest.mark.network
def test_unknown_iris_and_paths(base):
    assert get(f"{base}/id/u4ssc/NO-SUCH-KPI.ttl")[0] == 404
    assert get(f"{base}/id/%ff.ttl")[0] == 404


# --- hostile data --------------------------------------------------------------------------------

HOSTILE = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/smartcity-kg/id/test/hostile> rdfs:label "<script>alert(1)</script>" ;
    rdfs:comment "' onmouseover='alert(2)" ;
    rdfs:seeAlso <javascript:alert(3)> ;
    dcterms:source <https://example.org/a'onclick='alert(4)> .
<https://w3id.org/smartcity-kg/id/test/neighbour> rdfs:seeAlso <https://w3id.org/smartcity-kg/id/test/hostile> .
"""


@pytest.mark.network
def test_values_from_the_data_are_escaped(tmp_path):
    data = tmp_path / "hostile.ttl"
    data.write_text(HOSTILE, encoding="utf-8")
    with kg_server("--workers", "1", "--data", str(data)) as address:
        pages = [get(f"{address}/id/test/{name}.html")[2].decode("utf-8") for name in ("hostile", "neighbour")]
    for page in pages:
        assert "<script" not in page and "alert(1)</" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the label, shown as text (on its neighbour's too)
        assert "href='javascript" not in page.lower()
    assert "onmouseover='" not in pages[0] and "&#x27; onmouseover=&#x27;alert(2)" in pages[0]
    assert "href='https://example.org/a&#x27;onclick=&#x27;alert(4)'" in pages[0]
