"""The files of a static linked-data site (kg.web.publish writes them): pages, data, dumps, VoID, index.

Everything is rendered from one in-memory copy of the graph (``snapshot``) with direct index
lookups (kg.web.resources), not a SPARQL query per page. Each file is yielded as (site path, bytes),
the path mirroring the IRI as ``kg serve`` answers it (``id/u4ssc/X.html``, ``.ttl``, ``.jsonld``,
``.nt``, ``.rdf``); pages are built inside ``kg.web.markup.written_at`` so that every link between them is
relative and the site works from any folder, any host, or the file system.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from collections.abc import Iterator

import pyoxigraph as ox

from kg.errors import QueryError
from kg.namespaces import ID
from kg.query.rdfout import serialize_triples, sorted_prefixes, used_prefixes
from kg.query.results import Results
from kg.version import __version__
from kg.web.browse import Browse
from kg.web.discovery import alternates
from kg.web.markup import Labels, esc, file_path, head_links, iri_link, layout, site_link, written_at
from kg.web.ontodoc import ontology_page
from kg.web.pages import resource_page
from kg.web.resources import DEFAULT_GRAPH, ONTOLOGY, describe, local_path
from kg.web.search import search_form
from kg.web.void import PREFIXES_HERE, void_triples

DATA = {"ttl": "turtle", "jsonld": "jsonld", "nt": "ntriples", "rdf": "rdfxml"}  # a resource's data beside its page
DUMPS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}
DUMP_NAMES = {"ttl": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD"}
DUMP_STEM = "smartcity-kg"
VOID_BASE = "https://kg-publish.invalid/"  # written out of void.ttl: its dump IRIs are relative to the file


def snapshot(store: ox.Store) -> ox.Store:
    """An in-memory copy of the graph's default graph (the union of its sources): pages read only this."""
    memory = ox.Store()
    memory.extend(store.quads_for_pattern(None, None, None, DEFAULT_GRAPH))
    return memory


def site_path(iri: str) -> str | None:
    """The site path (no extension, no leading '/') of a project IRI under id/; None if it cannot be a file.

    An IRI whose path has an empty, '.' or '..' segment could name a folder or a place outside
    the site, so it gets no page (kg.web.markup links to the IRI itself instead).
    """
    local = local_path(iri)
    if local is None or not local.startswith("/id/") or file_path(local) is None:
        return None
    return local[1:]


def document_file(path: str, extension: str) -> str:
    """The file (relative to the site's root) of a resource's document: the IRI's path, long names shortened."""
    found = file_path(f"/{path}.{extension}")
    if found is None:  # a bug: site_path gives only paths that can be files
        raise ValueError(f"/{path}.{extension} cannot be a file of the site")
    return found.lstrip("/")


def resources(memory: ox.Store) -> list[str]:
    """Every IRI under the id/ namespace that the graph mentions (as subject, predicate or object), sorted."""
    found = set()
    for quad in memory.quads_for_pattern(None, None, None, DEFAULT_GRAPH):
        for term in (quad.subject, quad.predicate, quad.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(ID):
                found.add(term.value)
    return sorted(iri for iri in found if site_path(iri) is not None)


def _page_at(path: str) -> str:
    return "/" + urllib.parse.quote(path)


def resource_files(memory: ox.Store, iri: str, labels: Labels | None = None) -> Iterator[tuple[str, bytes]]:
    """A resource's page and its data documents (its triples, its blank nodes, the links to it).

    ``iri`` is one of :func:`resources`; ``labels`` is shared by every page of the site
    (kg.web.markup.written_at).
    """
    path = site_path(iri)
    if path is None:  # a bug: resources() lists only IRIs that have a place in the site
        raise ValueError(f"{iri} has no place in a static site")
    description = describe(memory, iri)
    with written_at(_page_at(document_file(path, "html")), labels), head_links(alternates("/" + path)):
        yield document_file(path, "html"), resource_page(memory, description).encode("utf-8")
    triples = description.all_triples()
    for extension, fmt in DATA.items():
        try:
            yield document_file(path, extension), serialize_triples(triples, fmt).encode("utf-8")
        except QueryError:  # RDF/XML cannot write a predicate IRI ending in '/' or '#': that resource has no .rdf
            if extension != "rdf":
                raise


def ontology_files(memory: ox.Store) -> Iterator[tuple[str, bytes]]:
    """The ontology's documentation (kg.web.ontodoc) and its triples, as ``kg serve`` answers /ontology."""
    with written_at("/ontology.html"), head_links(alternates("/ontology")):
        yield "ontology.html", ontology_page(memory).encode("utf-8")
    triples = describe(memory, ONTOLOGY).all_triples()
    for extension, fmt in DATA.items():
        yield f"ontology.{extension}", serialize_triples(triples, fmt).encode("utf-8")


def dump(memory: ox.Store, extension: str) -> bytes:
    """The whole graph in one format; Turtle with the project's prefixes (those it uses), in name order."""
    if extension != "ttl":
        return memory.dump(format=DUMPS[extension], from_graph=DEFAULT_GRAPH) or b""  # bytes: no output given
    triples = [q.triple for q in memory.quads_for_pattern(None, None, None, DEFAULT_GRAPH)]
    data = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=used_prefixes(triples))
    return sorted_prefixes((data or b"").decode("utf-8")).encode("utf-8")


def dump_files(memory: ox.Store) -> Iterator[tuple[str, bytes]]:
    """dumps/smartcity-kg.{ttl,nt,jsonld} and dumps/SHA256SUMS (the format ``sha256sum -c`` reads)."""
    sums = []
    for extension in DUMPS:
        data = dump(memory, extension)
        sums.append(f"{hashlib.sha256(data).hexdigest()}  {DUMP_STEM}.{extension}\n")
        yield f"dumps/{DUMP_STEM}.{extension}", data
    yield "dumps/SHA256SUMS", "".join(sums).encode("utf-8")


def void_file(memory: ox.Store) -> bytes:
    """void.ttl: the VoID description, with the dumps as void:dataDump IRIs relative to the file itself."""
    dumps = tuple(f"{VOID_BASE}dumps/{DUMP_STEM}.{extension}" for extension in DUMPS)
    turtle = serialize_triples(void_triples(memory, None, dumps), "turtle", PREFIXES_HERE)
    return turtle.replace(f"<{VOID_BASE}", "<").encode("utf-8")


def site_index(
    memory: ox.Store, frameworks: Results, sizes: dict[str, tuple[int, str]], triples: int, browse: Browse
) -> bytes:
    """index.html: the frameworks, the entry points, the dumps with their checksums, the browse pages' tables.

    ``frameworks`` is the answer of the named query 'frameworks'; ``sizes`` maps a dump's file name
    to its size in bytes and SHA-256; ``browse`` (kg.web.browse) counts the pages by framework and by type.
    """
    with written_at("/index.html"):
        rows = "".join(
            f"<tr><td>{iri_link(memory, str(row[0]))}</td><td>{esc(str(row[1] or ''))}</td>"
            f"<td>{esc(str(row[3]))}</td><td>{esc(str(row[4]))}</td></tr>"
            for row in frameworks.rows
        )
        parts = [
            "<h1>smartcity-kg</h1>",
            f"<p>Smart-city indicator frameworks as a linked-data knowledge graph: {triples:,} triples, "
            f"written by <code>kg publish</code> (smartcity-kg {esc(__version__)}). Every resource has a page "
            "and its data in Turtle, JSON-LD, N-Triples and RDF/XML beside it.</p>",
            search_form(site_link("/search.html")),  # kg.web.sitesearch
            "<h2>Frameworks</h2><table><tr><th>Framework</th><th>Id</th><th>Indicators</th>"
            f"<th>Addressing participation</th></tr>{rows}</table>",
            "<h2>Entry points</h2><ul>",
            f"<li><a href='{site_link('/ontology.html')}'>The ontology</a>: classes, properties, shapes</li>",
            f"<li><a href='{site_link('/report/report.html')}'>The participation report</a> "
            f"(<a href='{site_link('/report/report.md')}'>Markdown</a>)</li>",
            f"<li><a href='{site_link('/queries/index.html')}'>The named queries</a>, each with its answer</li>",
            f"<li><a href='{site_link('/void.ttl')}'>VoID description</a> of the dataset</li>",
            f"<li>Example: {iri_link(memory, ID + 'u4ssc/SC-SH-SI-4C')}</li></ul>",
            _dumps(sizes),
            browse.section(),
        ]
        return layout("smartcity-kg", "".join(parts)).encode("utf-8")


def _dumps(sizes: dict[str, tuple[int, str]]) -> str:
    rows = "".join(
        f"<tr><td><a href='{site_link('/dumps/' + name)}'>{esc(name)}</a></td>"
        f"<td>{DUMP_NAMES[name.rpartition('.')[2]]}</td><td>{size:,}</td><td><code>{digest}</code></td></tr>"
        for name, (size, digest) in sizes.items()
    )
    sums = f"<a href='{site_link('/dumps/SHA256SUMS')}'>SHA256SUMS</a>"
    return (
        f"<h2 id='dumps'>Dumps of the whole graph</h2><p>Checksums: {sums} (<code>sha256sum -c SHA256SUMS</code>)."
        f"</p><table><tr><th>File</th><th>Format</th><th>Bytes</th><th>SHA-256</th></tr>{rows}</table>"
    )
