"""Machine discovery: rel=alternate links and Link headers, sitemaps and robots.txt, the schema.org Dataset, CORS.

Read from the session's one ``kg publish`` (``published_site``) and its one ``kg serve`` (``served``,
started with ``--cors '*'``); CORS off by default and a named origin are checked on a server built
in-process (kg.web.app's Handler, no query workers: the routes used need none).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from kg.errors import KgError
from kg.query.rdfout import EXTENSIONS
from kg.version import DATA_LICENSE, __version__
from kg.web.app import Handler
from kg.web.connections import Server
from kg.web.discovery import parse_cors
from kg.web.markup import DATA_LINKS
from kg.web.negotiate import MEDIA_TYPES
from kg.web.site import DUMP_STEM
from kg.web.sitemap import DEFAULT_BASE_URL, NS, check_base_url, sitemaps
from tests.test_publish import get

VOTER = "/id/u4ssc/SC-SH-SI-4C"
SCHEMA = rdflib.Namespace("https://schema.org/")
DCT = "http://purl.org/dc/terms/"
LINK = re.compile(r"<link rel='alternate' type='([^']+)' href='([^']+)'")
LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)
MEDIA = {ext: MEDIA_TYPES[fmt].partition(";")[0] for ext, fmt in EXTENSIONS.items()}


def _head(page: Path) -> str:
    with page.open(encoding="utf-8") as text:
        return text.read(8192).partition("</head>")[0]


def _dataset(page: str) -> rdflib.Graph:
    """The page's schema.org JSON-LD, parsed (its context is inline: nothing is fetched)."""
    found = LD.findall(page)
    assert len(found) == 1, "one schema.org Dataset per home page"
    return rdflib.Graph().parse(data=found[0], format="json-ld")


# --- kg publish -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_page_of_the_site_names_its_rdf_forms_which_exist(published_site: Path):
    pages = [*published_site.glob("id/**/*.html"), published_site / "ontology.html"]
    offered = [ext for ext, _ in DATA_LINKS if any(published_site.glob(f"id/**/*.{ext}"))]  # RDF/XML if published
    for page in pages:
        links = LINK.findall(_head(page))
        assert sorted(media for media, _ in links) == sorted(MEDIA[ext] for ext in offered), page
        for media, href in links:
            target = (page.parent / urllib.parse.unquote(href)).resolve()
            assert target.is_file() and target.stem[:100] == page.stem[:100], (page, href)  # long names: shortened
            assert MEDIA[target.suffix[1:]] == media


@pytest.mark.slow
def test_the_sitemap_lists_every_page_and_robots_txt_points_to_it(published_site: Path):
    base = json.loads((published_site / "kg-publish.json").read_text())["base_url"]
    assert base == DEFAULT_BASE_URL  # the session publishes without --base-url
    assert (published_site / "robots.txt").read_text().splitlines()[-1] == f"Sitemap: {base}sitemap.xml"
    root = ET.parse(published_site / "sitemap.xml").getroot()
    if root.tag == f"{{{NS}}}sitemapindex":  # over 50,000 pages: the parts it lists
        parts = [loc.text or "" for loc in root.iter(f"{{{NS}}}loc")]
        urls = [loc.text for part in parts for loc in ET.parse(published_site / part[len(base) :]).iter(f"{{{NS}}}loc")]
    else:
        urls = [loc.text for loc in root.iter(f"{{{NS}}}loc")]
    assert len(urls) <= 50_000 or root.tag == f"{{{NS}}}sitemapindex"
    pages = {p.relative_to(published_site).as_posix() for p in published_site.rglob("*.html")} - {"404.html"}
    listed = {urllib.parse.unquote((url or "")[len(base) :]) or "index.html" for url in urls}
    assert listed == pages


def test_a_sitemap_over_its_limit_is_split_under_an_index():
    files = sitemaps("https://example.org/site/", ["a b.html", "b&c.html", "c.html"], per_file=2)
    assert sorted(files) == ["sitemap-1.xml", "sitemap-2.xml", "sitemap.xml"]
    index = ET.fromstring(files["sitemap.xml"])
    assert index.tag == f"{{{NS}}}sitemapindex"
    assert [loc.text for loc in index.iter(f"{{{NS}}}loc")] == [
        "https://example.org/site/sitemap-1.xml",
        "https://example.org/site/sitemap-2.xml",
    ]
    first = [loc.text for loc in ET.fromstring(files["sitemap-1.xml"]).iter(f"{{{NS}}}loc")]
    assert first == ["https://example.org/site/a%20b.html", "https://example.org/site/b&c.html"]


@pytest.mark.parametrize("bad", ["example.org", "ftp://example.org/", "https://example.org/?a=1", "https://"])
def test_a_base_url_that_is_not_a_site_address_is_one_sentence(bad):
    with pytest.raises(KgError, match=r"--base-url .* is not the address of a site"):
        check_base_url(bad)
    assert check_base_url("https://example.org/kg") == "https://example.org/kg/"


@pytest.mark.slow
def test_the_index_describes_the_dataset_with_the_dumps_and_their_checksums(published_site: Path):
    graph = _dataset((published_site / "index.html").read_text(encoding="utf-8"))
    base = json.loads((published_site / "kg-publish.json").read_text())["base_url"]
    (dataset,) = graph.subjects(rdflib.RDF.type, SCHEMA.Dataset)
    assert graph.value(dataset, SCHEMA.license) == rdflib.URIRef(DATA_LICENSE)
    assert str(graph.value(dataset, SCHEMA.version)) == __version__
    assert graph.value(graph.value(dataset, SCHEMA.creator), SCHEMA.name) is not None
    dumps = sorted((published_site / "dumps").glob(f"{DUMP_STEM}.*"))
    found = {}
    for download in graph.objects(dataset, SCHEMA.distribution):
        url = str(graph.value(download, SCHEMA.contentUrl))
        found[url] = (str(graph.value(download, SCHEMA.sha256)), str(graph.value(download, SCHEMA.encodingFormat)))
        size = (published_site / url[len(base) :]).stat().st_size
        assert str(graph.value(download, SCHEMA.contentSize)) == f"{size} B"
    assert found == {
        f"{base}dumps/{dump.name}": (hashlib.sha256(dump.read_bytes()).hexdigest(), MEDIA[dump.suffix[1:]])
        for dump in dumps
    }
    # dateModified: the latest dcterms:modified or dcterms:created date of the published graph itself
    store = ox.Store()
    store.load(path=str(published_site / "dumps" / f"{DUMP_STEM}.nt"), format=ox.RdfFormat.N_TRIPLES)
    dates = [
        q.object.value
        for p in ("modified", "created")
        for q in store.quads_for_pattern(None, ox.NamedNode(DCT + p), None)
        if isinstance(q.object, ox.Literal) and q.object.datatype.value.endswith("#date")
    ]
    assert str(graph.value(dataset, SCHEMA.dateModified)) == max(dates)


# --- kg serve (the session's, with --cors '*') ----------------------------------------------------


def _links(header: str) -> set[tuple[str, str, str]]:
    """(target, rel, type) of each link of a Link header."""
    found = set()
    for part in header.split(", <"):
        target, _, params = part.lstrip("<").partition(">")
        rel = re.search(r'rel="([^"]+)"', params)
        kind = re.search(r'type="([^"]+)"', params)
        found.add((target, rel.group(1) if rel else "", kind.group(1) if kind else ""))
    return found


def test_served_resources_link_to_each_form_in_headers_and_head(served: str):
    forms = {(f"{VOTER}.{ext}", MEDIA[ext]) for ext, _ in DATA_LINKS}
    status, headers, _ = get(served + VOTER, "text/turtle", follow=False)
    assert status == 303
    described = {(t, k) for t, rel, k in _links(headers["Link"]) if rel == "describedby"}
    assert described == forms | {(f"{VOTER}.html", "text/html")}
    status, headers, body = get(f"{served}{VOTER}.html")
    assert status == 200
    links = _links(headers["Link"])
    assert {(t, k) for t, rel, k in links if rel == "alternate"} == forms
    assert (f"{VOTER}.html", "canonical", "") in links
    assert set(LINK.findall(body.decode().partition("</head>")[0])) == {(k, t) for t, k in forms}
    status, headers, _ = get(f"{served}{VOTER}.ttl")
    alternates = {(t, k) for t, rel, k in _links(headers["Link"]) if rel == "alternate"}
    assert alternates == (forms - {(f"{VOTER}.ttl", "text/turtle")}) | {(f"{VOTER}.html", "text/html")}


def test_the_served_home_page_points_to_void_and_describes_the_dataset(served: str):
    status, headers, body = get(served + "/")
    assert status == 200
    assert ("/.well-known/void", "describedby", "text/turtle") in _links(headers["Link"])
    graph = _dataset(body.decode())
    (dataset,) = graph.subjects(rdflib.RDF.type, SCHEMA.Dataset)
    assert graph.value(dataset, SCHEMA.url) == rdflib.URIRef(served + "/")
    assert graph.value(dataset, SCHEMA.license) == rdflib.URIRef(DATA_LICENSE)
    assert get(served + "/.well-known/void", "text/turtle")[0] == 200


@pytest.mark.slow
def test_the_served_sitemap_lists_every_resource_page(served: str):
    assert get(served + "/robots.txt")[2].decode().endswith(f"Sitemap: {served}/sitemap.xml\n")
    status, headers, body = get(served + "/sitemap.xml")
    assert status == 200 and headers["Content-Type"].startswith("application/xml")
    urls = [loc.text or "" for loc in ET.fromstring(body).iter(f"{{{NS}}}loc")]
    resources = {u for u in urls if u.startswith(served + "/id/")}
    query = (
        "SELECT (COUNT(DISTINCT ?r) AS ?n) { { ?r ?p ?o } UNION { ?s ?p ?r } "
        "FILTER(isIRI(?r) && STRSTARTS(STR(?r), 'https://w3id.org/smartcity-kg/id/') && !CONTAINS(STR(?r), '#')) }"
    )
    answer = get(f"{served}/sparql?{urllib.parse.urlencode({'query': query})}", "application/sparql-results+json")
    assert len(resources) == int(json.loads(answer[2])["results"]["bindings"][0]["n"]["value"])
    assert served + VOTER + ".html" in resources and f"{served}/" in urls
    assert get(served + "/sitemap-7.xml")[0] == 404


def test_cors_on_the_endpoint_resources_and_the_post_preflight(served: str):
    origin = {"Origin": "https://elsewhere.example"}
    query = urllib.parse.urlencode({"query": "ASK {}"})
    for path in (f"/sparql?{query}", f"{VOTER}.ttl", VOTER + ".jsonld"):
        with urllib.request.urlopen(urllib.request.Request(served + path, headers=origin)) as answer:
            assert answer.headers["Access-Control-Allow-Origin"] == "*"
    preflight = {**origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    with urllib.request.urlopen(urllib.request.Request(served + "/sparql", method="OPTIONS", headers=preflight)) as ok:
        assert ok.status == 204
        assert ok.headers["Access-Control-Allow-Origin"] == "*"
        assert "POST" in ok.headers["Access-Control-Allow-Methods"].split(", ")
        assert "content-type" in ok.headers["Access-Control-Allow-Headers"].lower()
    post = urllib.request.Request(
        served + "/sparql", data=b"ASK {}", method="POST",
        headers={**origin, "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )  # fmt: skip
    with urllib.request.urlopen(post) as answer:
        assert answer.headers["Access-Control-Allow-Origin"] == "*" and json.load(answer)["boolean"] is True


# --- CORS off by default, and a named origin (the server app in-process) ---------------------------


@pytest.fixture
def app_server() -> Iterator[Server]:
    """kg serve's server and handler in this process, without query workers (home, OPTIONS, robots need none)."""
    server = Server(("127.0.0.1", 0), Handler, None, 5, frozenset(), 8)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _ask(server: Server, path: str, method: str = "GET", **headers: str):
    url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    with urllib.request.urlopen(urllib.request.Request(url, method=method, headers=headers)) as answer:
        return answer.headers


def test_cors_is_off_by_default_and_a_named_origin_is_the_only_one_let_in(app_server: Server):
    preflight = {"Origin": "https://a.example", "Access-Control-Request-Method": "POST"}
    for path, method in (("/", "GET"), ("/sparql", "OPTIONS"), ("/robots.txt", "GET")):
        headers = _ask(app_server, path, method, **preflight)
        assert "Access-Control-Allow-Origin" not in headers and headers["Vary"] == "Accept"
    app_server.cors = parse_cors(["https://a.example", "http://localhost:8080"])
    headers = _ask(app_server, "/sparql", "OPTIONS", **preflight)
    assert headers["Access-Control-Allow-Origin"] == "https://a.example" and headers["Vary"] == "Accept, Origin"
    assert headers["Access-Control-Max-Age"]
    other = _ask(app_server, "/", Origin="https://b.example")
    assert "Access-Control-Allow-Origin" not in other and other["Vary"] == "Accept, Origin"


@pytest.mark.parametrize("bad", ["https://a.example/", "a.example", "https://a.example/path", "null"])
def test_a_cors_origin_that_is_not_one_is_one_sentence(bad):
    with pytest.raises(KgError, match=r"--cors .* is not an origin"):
        parse_cors([bad])
    with pytest.raises(KgError, match="give it alone"):
        parse_cors(["*", "https://a.example"])
