"""The published site behind a real Apache httpd (kg.web.deploy's rules): every resource in every format, VoID,
the ontology, content negotiation as kg serve does it, HTML 404 pages, and replaced IRIs redirected (301)."""

from __future__ import annotations

import http.client
import io
import re
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from kg.namespaces import ID
from kg.web.deploy import REPLACED_BY, htaccess, replaced, shortened
from kg.web.markup import file_path
from kg.web.negotiate import see_other
from kg.web.resources import local_path
from kg.web.site import resource_files, resources, snapshot
from tests.components import Apache
from tests.conftest import run_kg

pytestmark = [pytest.mark.slow, pytest.mark.network]
NAME_MAX = 255  # bytes in a file name (Linux)

FORMATS = {  # what a client asks for -> the extension of the file it is sent to, and that file's media type
    "text/html": ("html", "text/html; charset=utf-8"),
    "text/turtle": ("ttl", "text/turtle; charset=utf-8"),
    "application/ld+json": ("jsonld", "application/ld+json"),
    "application/n-triples": ("nt", "application/n-triples"),
    "application/rdf+xml": ("rdf", "application/rdf+xml"),
}
PARSERS = {"ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD, "nt": ox.RdfFormat.N_TRIPLES,
           "rdf": ox.RdfFormat.RDF_XML}  # fmt: skip
# Accept headers whose answer kg serve (kg.web.negotiate) and the Apache rules must agree on
ACCEPTS = [
    None, "", "*/*", "text/html", "text/turtle", "text/html;q=0, text/turtle", "text/html;q=0, */*",
    "text/html;q=0.0, text/turtle;q=0.000", "application/rdf+xml, text/html;q=0.9",
    "text/html;q=0.5, application/ld+json;q=0.9", "text/plain, application/ld+json", "application/json",
    "text/n3", "text/*;q=0.5, application/rdf+xml;q=0.4", "text/*, text/html;q=0", "image/png",
    "image/png;q=0.1, */*;q=0",
    "TEXT/TURTLE", "text/turtle; charset=utf-8; q=0.2, application/n-triples;q=0.3",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",  # a browser
    "application/rdf+xml, text/rdf+n3, application/x-turtle;q=0.9, text/turtle;q=0.8",
    "application/*;q=0.3, text/*;q=0.2", "*/*;q=0.1, application/n-triples;q=0.05",
]  # fmt: skip


class Client:
    """One keep-alive HTTP connection to the server (http.client), requests without following redirects."""

    def __init__(self, base: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.base, self.connection = base, http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

    def __call__(self, method: str, path: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
        headers = {} if accept is None else {"Accept": accept}
        self.connection.request(method, path, headers=headers)
        answer = self.connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()

    def close(self) -> None:
        self.connection.close()


@pytest.fixture(scope="module")
def client(apache: Apache):
    with_pool = Client(apache.base)
    yield with_pool
    with_pool.close()


@pytest.fixture(scope="module")
def memory(graph) -> ox.Store:
    """The published graph, as kg publish read it."""
    return snapshot(graph.store)


def _too_long(path: str) -> bool:
    """Whether a segment of ``path`` is longer than a file name can be: Apache refuses it (403) before any rule."""
    return any(len(segment.encode("utf-8")) > NAME_MAX for segment in path.split("/"))


def _quoted(path: str) -> str:
    return urllib.parse.quote(path, safe="/%:@!$&'()*+,;=-._~")


def test_every_resource_answers_in_every_format_behind_apache(apache: Apache, client: Client, memory: ox.Store):
    """Each project IRI of the site: 303 (with Vary: Accept) to its file in each of five formats, which the site
    holds and Apache serves with its media type (one format per IRI, each format in turn); an IRI replaced by
    another: 301 to it.

    An IRI with a path segment longer than a file name can be (NAME_MAX, 255 bytes) is refused by an Apache
    serving the folder (403, before any rule runs): it is asked at the w3id.org rules (w3id.htaccess, generated
    from the same graph for this server), as its IRI is."""
    iris, moved = resources(memory), replaced(memory)
    w3id = apache.scratch / "w3id-site" / "smartcity-kg"
    w3id.mkdir(parents=True)
    (w3id / ".htaccess").write_text(htaccess(memory, shortened(iris), apache.base + "/", w3id=True), encoding="utf-8")
    began, requests, too_long = time.monotonic(), 0, 0
    for index, iri in enumerate(iris):
        path = local_path(iri) or ""
        asked = _quoted(path)
        if _too_long(path):
            asked, too_long = "/scratch/w3id-site/smartcity-kg" + asked, too_long + 1
        if iri in moved:
            status, headers, _ = client("HEAD", asked)
            new = (
                moved[iri]
                if too_long and asked.startswith("/scratch")
                else apache.base + _quoted(local_path(moved[iri]) or "")
            )
            assert (status, headers.get("location")) == (301, new), iri
            requests += 1
            continue
        for accept, (extension, _) in FORMATS.items():
            status, headers, _ = client("HEAD", asked, accept)
            target = apache.base + urllib.parse.quote(file_path(f"{path}.{extension}") or "")
            assert (status, headers.get("location"), headers.get("vary")) == (303, target, "Accept"), (iri, accept)
            assert (apache.site / urllib.parse.unquote(target.removeprefix(apache.base + "/"))).is_file(), target
            requests += 1
        accept, (extension, media) = list(FORMATS.items())[index % len(FORMATS)]  # each format, every fifth IRI
        target = urllib.parse.quote(file_path(f"{path}.{extension}") or "")
        status, headers, _ = client("HEAD", target)
        assert (status, headers.get("content-type")) == (200, media), (iri, target)
        if extension == "html" and re.fullmatch(r"[A-Za-z0-9._~-]+", stem := target.rpartition("/")[2][:-5]):
            assert f'<{stem}.ttl>; rel="alternate"; type="text/turtle"' in headers["link"], target  # its data
        requests += 1
    seconds = time.monotonic() - began
    print(f"\n{requests} requests for {len(iris)} resources ({too_long} through the w3id rules) in {seconds:.1f} s")
    assert len(iris) > 1000 and moved  # the bundled graph; it has replaced IRIs (SDG editions)


def test_a_sample_of_each_format_parses(apache: Apache, client: Client, memory: ox.Store):
    """Every tenth resource, in each RDF format, parses (pyoxigraph) and says something about the resource itself;
    one in RDF/XML through rdflib too."""
    moved = replaced(memory)
    sample = [iri for iri in resources(memory) if iri not in moved and not _too_long(local_path(iri) or "")][::10]
    for iri in sample:
        for accept, (extension, _) in list(FORMATS.items())[1:]:
            status, headers, _ = client("GET", _quoted(local_path(iri) or ""), accept)
            status, _, body = client("GET", headers["location"].removeprefix(apache.base))
            triples = list(ox.parse(body, format=PARSERS[extension], base_iri=iri))
            assert status == 200 and ox.NamedNode(iri) in {t.subject for t in triples} | {t.object for t in triples}
    status, _, body = client("GET", _quoted(file_path((local_path(sample[0]) or "") + ".rdf") or ""))
    assert rdflib.URIRef(sample[0]) in set(rdflib.Graph().parse(io.BytesIO(body), format="xml").all_nodes())


@pytest.mark.parametrize("accept", ACCEPTS, ids=[repr(a) for a in ACCEPTS])
def test_apache_negotiates_as_kg_serve(client: Client, apache: Apache, accept: str | None):
    """The same document for the same Accept header (kg.web.negotiate.see_other), or 406 from both; Vary: Accept."""
    path = "/id/u4ssc/SC-SH-SI-4C"
    expected = see_other(path, accept)
    status, headers, _ = client("GET", path, accept)
    assert headers.get("vary") == "Accept"
    if expected is None:
        assert status == 406
    else:
        assert (status, headers.get("location")) == (303, apache.base + expected)


def test_void_and_the_ontology_resolve(apache: Apache, client: Client):
    """/void and /ontology: 303 to their documents in each format, which parse."""
    for name in ("void", "ontology"):
        for accept, (extension, media) in FORMATS.items():
            status, headers, _ = client("GET", f"/{name}", accept)
            assert (status, headers.get("location"), headers.get("vary")) == (
                303, f"{apache.base}/{name}.{extension}", "Accept"), (name, accept)  # fmt: skip
            status, headers, body = client("GET", f"/{name}.{extension}")
            assert (status, headers["content-type"]) == (200, media)
            assert (extension == "html") == (f'<{name}.rdf>; rel="alternate"; type="application/rdf+xml"' in
                                             headers.get("link", ""))  # fmt: skip
            if extension in PARSERS:
                assert list(ox.parse(body, format=PARSERS[extension], base_iri=f"{apache.base}/{name}"))
    status, _, body = client("GET", "/void.ttl")
    dataset = ox.NamedNode("https://w3id.org/smartcity-kg/void#dataset")
    assert any(t.subject == dataset for t in ox.parse(body, format=ox.RdfFormat.TURTLE, base_iri=apache.base + "/"))


def test_unknown_addresses_get_the_html_404_page(client: Client, published_site: Path):
    """An unknown IRI: 303 to its page, which is the site's 404.html (ErrorDocument); any other missing file too."""
    status, headers, _ = client("GET", "/id/u4ssc/NO-SUCH-KPI", "text/html")
    assert (status, headers["location"].rpartition("/")[2]) == (303, "NO-SUCH-KPI.html")
    page = (published_site / "404.html").read_bytes()
    for path in ("/id/u4ssc/NO-SUCH-KPI.html", "/no/such/file.ttl"):
        status, headers, body = client("GET", path)
        assert (status, headers["content-type"], body) == (404, "text/html; charset=utf-8", page)
    assert b"<base " not in page and b"<h1>Not found</h1>" in page  # published without --base-url
    assert (published_site / ".nojekyll").read_bytes() == b""


PLANTED = f"""\
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{ID}test/old-long-slug> dcterms:isReplacedBy <{ID}test/new> ; owl:sameAs <{ID}test/new> .
<{ID}test/new> rdfs:label "planted" .
<{ID}test/{"x" * 210}> rdfs:label "a name too long for a file" .
<{ID}test/kept> dcterms:isReplacedBy <https://example.org/elsewhere> .
<{ID}test/edition-2019> a <https://w3id.org/smartcity-kg/ontology#Indicator> ; rdfs:label "an earlier edition's" ;
    dcterms:isReplacedBy <{ID}test/new> .
"""


def test_replaced_iris_redirect_in_both_rule_files(apache: Apache, client: Client):
    """A planted graph's old IRI (dcterms:isReplacedBy a project IRI): 301 to the new one, by the site's own rules
    (read as a .htaccess) and by the w3id.org rules; an IRI replaced by a non-project IRI is not redirected, nor
    one that is replaced but still typed (an earlier edition's indicator keeps its page)."""
    memory = ox.Store()
    memory.load(PLANTED.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    assert replaced(memory) == {f"{ID}test/old-long-slug": f"{ID}test/new"} and REPLACED_BY.startswith("http")
    site, w3id = apache.scratch / "static", apache.scratch / "w3id" / "smartcity-kg"
    iris = resources(memory)
    for iri in iris:
        for path, data in resource_files(memory, iri):
            (site / path).parent.mkdir(parents=True, exist_ok=True)
            (site / path).write_bytes(data)
    base = f"{apache.base}/scratch/static/"
    (site / ".htaccess").write_text(htaccess(memory, shortened(iris), base), encoding="utf-8")
    w3id.mkdir(parents=True)
    (w3id / ".htaccess").write_text(htaccess(memory, shortened(iris), base, w3id=True), encoding="utf-8")

    status, headers, _ = client("GET", "/scratch/static/id/test/old-long-slug", "text/turtle")
    assert (status, headers["location"]) == (301, base + "id/test/new")
    status, headers, _ = client("GET", "/scratch/static/id/test/new", "text/html;q=0, text/turtle")
    assert (status, headers["location"], headers["vary"]) == (303, base + "id/test/new.ttl", "Accept")
    assert client("GET", "/scratch/static/id/test/new.ttl")[0] == 200
    status, headers, _ = client("GET", "/scratch/w3id/smartcity-kg/id/test/old-long-slug")
    assert (status, headers["location"]) == (301, f"{ID}test/new")
    status, headers, _ = client("GET", "/scratch/w3id/smartcity-kg/id/test/new", "application/rdf+xml")
    assert (status, headers["location"], headers["vary"]) == (303, base + "id/test/new.rdf", "Accept")
    status, headers, _ = client("GET", "/scratch/w3id/smartcity-kg/id/test/kept", "application/n-triples")
    assert (status, headers["location"]) == (303, base + "id/test/kept.nt")
    status, headers, _ = client("GET", "/scratch/static/id/test/edition-2019", "text/turtle")
    assert (status, headers["location"]) == (303, base + "id/test/edition-2019.ttl")
    # a name too long for a file: both rule files send it to the shortened file, which the site holds
    long = "id/test/" + "x" * 210
    short = (file_path(f"/{long}.jsonld") or "")[1:]
    for rules in ("static", "w3id/smartcity-kg"):
        status, headers, _ = client("GET", f"/scratch/{rules}/{long}", "application/ld+json")
        assert (status, headers["location"]) == (303, base + short), rules
    assert client("GET", f"/scratch/static/{long}.jsonld")[0] == 200  # the IRI's own document name, rewritten
    assert client("GET", f"/scratch/static/{short}")[0] == 200
    status, headers, _ = client("GET", "/scratch/w3id/smartcity-kg/")
    assert (status, headers["location"]) == (302, base)


def test_kg_serve_answers_an_unknown_iri_with_an_html_404(served: str):
    """kg serve: the page of an IRI the graph says nothing about is an HTML 404 for a browser, plain text else."""
    client = Client(served)
    try:
        status, headers, _ = client("GET", "/id/u4ssc/NO-SUCH-KPI", "text/html")
        assert (status, headers["location"], headers["vary"]) == (303, "/id/u4ssc/NO-SUCH-KPI.html", "Accept")
        status, headers, body = client("GET", "/id/u4ssc/NO-SUCH-KPI.html", "text/html")
        assert (status, headers["content-type"]) == (404, "text/html; charset=utf-8") and b"<h1>Not found</h1>" in body
        status, headers, _ = client("GET", "/id/u4ssc/NO-SUCH-KPI.ttl")
        assert (status, headers["content-type"]) == (404, "text/plain; charset=utf-8")
    finally:
        client.close()


def test_publish_refuses_a_base_url_that_is_not_an_address(tmp_path: Path):
    """kg publish --base-url takes an http(s) address: anything else is exit 2, one sentence, nothing written."""
    result = run_kg("publish", "--out", str(tmp_path / "site"), "--base-url", "example.org/x y")
    assert result.returncode == 2 and "--base-url" in result.stderr and "http or https address" in result.stderr
    assert not (tmp_path / "site").exists()
