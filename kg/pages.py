"""Documents ``kg serve`` answers besides query results: resource pages, VoID, the service description.

The project's IRIs are served at the path that mirrors them (``https://w3id.org/smartcity-kg/id/X``
at ``/id/X``; the ontology and its hash terms at ``/ontology``). Following "Cool URIs for the
Semantic Web", the IRI itself answers 303 See Other to a document chosen by the Accept header
(``/id/X.html``, ``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``); kg.serve does that without the workers.
The documents are built here, in a query worker (kg.workers), under the server's timeout.
Every value from the data is HTML-escaped, links are made only for http(s) IRIs, and pages need
no JavaScript. Links between pages are absolute paths (``/id/X.html``) for ``kg serve``; a static
site (kg.publish) builds each page inside ``written_at(its path)``, which makes them relative.
"""

from __future__ import annotations

import hashlib
import html
import posixpath
import re
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import pyoxigraph as ox

from .describe import ONTOLOGY, Description, describe, label, local_path
from .namespaces import ID, compact
from .negotiate import DOCUMENT, MEDIA, choose, not_acceptable
from .rdfout import EXTENSIONS, serialize_triples

PAGE_EXTENSIONS = {**EXTENSIONS, "html": "html"}
DATA_LINKS = (("ttl", "Turtle"), ("jsonld", "JSON-LD"), ("nt", "N-Triples"), ("rdf", "RDF/XML"))
_PAGE: ContextVar[str | None] = ContextVar("page", default=None)  # the static site's page being built
_LABELS: ContextVar[dict | None] = ContextVar("labels", default=None)  # IRI -> label, while the store is unchanged


@contextmanager
def written_at(page: str, labels: dict | None = None) -> Iterator[None]:
    """Pages built inside link relatively, from ``page`` (its quoted path in a static site, '/id/x.html').

    ``labels``, a dict shared by the pages of one site, keeps the labels found (a site names the
    same few hundred resources thousands of times).
    """
    tokens = _PAGE.set(page), _LABELS.set(labels)
    try:
        yield
    finally:
        _PAGE.reset(tokens[0])
        _LABELS.reset(tokens[1])


def _label(store: ox.Store, iri: str) -> str | None:
    labels = _LABELS.get()
    if labels is None:
        return label(store, ox.NamedNode(iri))
    if iri not in labels:
        labels[iri] = label(store, ox.NamedNode(iri))
    return labels[iri]


def on_site() -> bool:
    """Whether the page being built is a static site's (no endpoint, no named-query pages, no RDF/XML)."""
    return _PAGE.get() is not None


SEGMENT_BYTES = 200  # a longer path segment is shortened in a static site: file names end at 255 bytes


def file_path(path: str) -> str | None:
    """Where a static site holds ``path`` (unquoted, '/id/x.html'): long segments shortened; None if nowhere.

    A segment over SEGMENT_BYTES becomes its start and a SHA-256 prefix of it (the extension kept);
    a path with an empty, '.' or '..' segment could name a folder or a place outside the site.
    """
    segments = path.lstrip("/").split("/")
    if any(s in ("", ".", "..") for s in segments):
        return None
    for i, segment in enumerate(segments):
        if len(segment.encode("utf-8")) > SEGMENT_BYTES:
            stem, dot, extension = segment.rpartition(".") if i == len(segments) - 1 else (segment, "", "")
            digest = hashlib.sha256(stem.encode("utf-8")).hexdigest()[:16]
            segments[i] = f"{stem[:100]}-{digest}{dot}{extension}"
    return "/" + "/".join(segments)


def site_link(path: str) -> str:
    """A link to ``path`` (absolute, quoted, maybe with '#'): as is for kg serve, else relative to the page."""
    page = _PAGE.get()
    if page is None:
        return path
    target, hash_, fragment = path.partition("#")
    target = "/index.html" if target == "/" else urllib.parse.quote(file_path(urllib.parse.unquote(target)) or "/")
    if target == page and hash_:
        return hash_ + fragment
    return posixpath.relpath(target, posixpath.dirname(page)) + hash_ + fragment


def data_links() -> tuple[tuple[str, str], ...]:
    """The data documents every page has beside it (a static site has no RDF/XML: some predicates cannot be)."""
    return DATA_LINKS[:3] if on_site() else DATA_LINKS


def document_path(path: str) -> tuple[str, str | None, str] | None:
    """(IRI, format or None for the IRI itself, raw path) for a request path under /id/ or /ontology."""
    stem, dot, extension = path.rpartition(".")
    fmt = PAGE_EXTENSIONS.get(extension) if dot and "/" not in extension else None
    base = stem if fmt else path
    try:
        decoded = urllib.parse.unquote(base, errors="strict")
    except UnicodeDecodeError:
        return None
    if decoded == "/ontology":
        return ONTOLOGY, fmt, base
    if decoded.startswith("/id/") and len(decoded) > len("/id/"):
        return ID + decoded[len("/id/") :], fmt, base
    return None


_HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def base_url(host_header: str | None, address: tuple) -> str:
    """The server's address for the service description and VoID: as the client named it, if well formed.

    The Host header is the client's, so it is used only when it is a plain host[:port] (it ends up
    inside IRIs); otherwise the address the server listens on.
    """
    if host_header and _HOST.fullmatch(host_header.strip()):
        return f"http://{host_header.strip()}"
    host, port = address[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def see_other(path: str, accept: str | None) -> str | None:
    """Where a project IRI's path sends a client (303): its document in the format ``accept`` prefers; None: 406."""
    chosen = choose(accept, DOCUMENT)
    if chosen is None:
        return None
    extension = {fmt: ext for ext, fmt in PAGE_EXTENSIONS.items()}[chosen[1]]
    return urllib.parse.quote(path, safe="/%:@!$&'()*+,;=-._~") + "." + extension


def answer_document(graph, job: dict) -> dict:
    """A worker's answer to a document job: ``kind`` resource (with ``iri``), void or service."""
    from .void import PREFIXES_HERE, service_triples, void_triples

    kind, base = job["kind"], job["base"]
    fmt = job.get("format")
    if fmt is None:
        chosen = choose(job.get("accept"), DOCUMENT)
        if chosen is None:
            return {"status": 406, "body": not_acceptable(DOCUMENT)}
        fmt = chosen[1]
    if kind == "resource":
        try:
            description = describe(graph.store, job["iri"])
        except ValueError:  # not an IRI pyoxigraph accepts
            description = Description(job["iri"])
        if not description:
            return {"status": 404, "body": f"the graph says nothing about <{job['iri']}>; see / and /void."}
        triples = description.all_triples()
        page = lambda: resource_page(graph.store, description)  # noqa: E731
        if job["iri"] == ONTOLOGY:  # the ontology's page is its documentation (kg.ontodoc)
            from .ontodoc import ontology_page

            page = lambda: ontology_page(graph.store)  # noqa: E731
    else:
        triples = (void_triples if kind == "void" else service_triples)(graph.store, base)
        title = "VoID description of smartcity-kg" if kind == "void" else "SPARQL service description"
        page = lambda: triples_page(graph.store, title, triples, form=kind == "service")  # noqa: E731
    body = page() if fmt == "html" else serialize_triples(triples, fmt, PREFIXES_HERE)
    return {"status": 200, "body": body, "media": MEDIA[fmt]}


# --- HTML -------------------------------------------------------------------------------------

STYLE = (
    "body{font-family:sans-serif;max-width:75em;margin:2em auto;padding:0 1em;line-height:1.4}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;"
    "vertical-align:top}small,.iri{color:#666}code{background:#f4f4f4}ul.nested{margin:0;padding-left:1.2em}"
)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def href(iri: str) -> str | None:
    """Where a link to ``iri`` goes: its local page for a project IRI, the IRI for http(s), else nowhere."""
    local = local_path(iri)
    if local is not None and on_site() and file_path(local.partition("#")[0]) is None:
        local = None  # a static site has no file for it: the IRI itself
    if local is not None:
        path, _, fragment = local.partition("#")
        return site_link(urllib.parse.quote(path) + ".html" + (f"#{urllib.parse.quote(fragment)}" if fragment else ""))
    if urllib.parse.urlsplit(iri).scheme in ("http", "https"):
        return iri
    return None


def link(store: ox.Store, iri: str) -> str:
    name, curie, target = _label(store, iri), compact(iri), href(iri)
    text = f"{_e(name)} <small>{_e(curie)}</small>" if name else _e(curie)
    return f"<a href='{_e(target)}' title='{_e(iri)}'>{text}</a>" if target else text


def value(store: ox.Store, term, nested: dict | None = None, depth: int = 0) -> str:
    """A term as HTML: a linked, labelled IRI, an escaped literal, or a blank node's own properties."""
    if isinstance(term, ox.NamedNode):
        return link(store, term.value)
    if isinstance(term, ox.Literal):
        note = f"@{term.language}" if term.language else ""
        if not term.language and term.datatype.value != PREFIXES_XSD + "string":
            note = compact(term.datatype.value)
        return _e(term.value) + (f" <small>{_e(note)}</small>" if note else "")
    rows = (nested or {}).get(term, [])
    if not rows or depth > 3:
        return "<small>[a blank node]</small>"
    items = "".join(f"<li>{link(store, p.value)}: {value(store, o, nested, depth + 1)}</li>" for p, o in rows)
    return f"<ul class='nested'>{items}</ul>"


PREFIXES_XSD = "http://www.w3.org/2001/XMLSchema#"


def _layout(title: str, body: str) -> str:
    nav = (
        "<p><a href='/'>Named queries</a> · <a href='/sparql'>SPARQL endpoint</a> · "
        "<a href='/ontology.html'>Ontology</a> · <a href='/void'>VoID</a></p>"
    )
    if on_site():
        places = (("/", "Index"), ("/ontology.html", "Ontology"), ("/report/report.html", "Participation report"),
                  ("/void.ttl", "VoID"), ("/#dumps", "Dumps"))  # fmt: skip
        nav = "<p>" + " · ".join(f"<a href='{_e(site_link(p))}'>{n}</a>" for p, n in places) + "</p>"
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>"
        f"<style>{STYLE}</style></head><body>{nav}{body}</body></html>"
    )


def _by_subject(triples: list[ox.Triple]) -> dict:
    grouped: dict = {}
    for t in triples:
        grouped.setdefault(t.subject, []).append((t.predicate, t.object))
    return grouped


def _properties(store: ox.Store, rows: list, nested: dict) -> str:
    rows = sorted(rows, key=lambda row: (row[0].value, str(row[1])))
    cells = "".join(f"<tr><td>{link(store, p.value)}</td><td>{value(store, o, nested)}</td></tr>" for p, o in rows)
    return f"<table><tr><th>Property</th><th>Value</th></tr>{cells}</table>"


def _downloads(path: str) -> str:
    q = urllib.parse.quote(path)
    return " · ".join(f"<a href='{_e(site_link(f'{q}.{ext}'))}'>{name}</a>" for ext, name in data_links())


def resource_page(store: ox.Store, d: Description) -> str:
    """The HTML page of a project IRI (for the ontology: one section per term)."""
    node, nested = ox.NamedNode(d.iri), _by_subject(d.triples + d.context)
    name = label(store, node) or compact(d.iri)
    path = local_path(d.iri) or ""
    types = " ".join(link(store, o.value) for p, o in nested.get(node, []) if p.value == RDF_TYPE_IRI)
    parts = [f"<h1>{_e(name)}</h1><p class='iri'><code>{_e(d.iri)}</code></p><p>Type: {types or 'none'}</p>"]
    parts += [f"<p>Data: {_downloads(path)}</p><h2>Properties</h2>", _properties(store, nested.get(node, []), nested)]
    if d.iri == ONTOLOGY:
        parts.append("<h2>Terms</h2>")
        for term in (s for s in nested if isinstance(s, ox.NamedNode) and s != node):
            anchor = term.value.rpartition("#")[2]
            heading = f"{_e(label(store, term) or compact(term.value))} <small>{_e(compact(term.value))}</small>"
            table = _properties(store, nested[term], nested)
            parts.append(f"<section id='{_e(anchor)}'><h3>{heading}</h3>{table}</section>")
    parts.append(_sources(store, d, nested))
    if d.incoming:
        more = f" (the first {len(d.incoming)} of {d.incoming_total})" if d.incoming_total > len(d.incoming) else ""
        rows = "".join(
            f"<tr><td>{value(store, t.subject)}</td><td>{link(store, t.predicate.value)}</td></tr>" for t in d.incoming
        )
        parts.append(f"<h2>Links to it{more}</h2><table><tr><th>From</th><th>Property</th></tr>{rows}</table>")
    if d.queries:
        items = "".join(f"<li>{_query_link(name)}</li>" for name in d.queries)
        parts.append(f"<h2>Named queries that mention it</h2><ul>{items}</ul>")
    return _layout(name, "".join(parts))


RDF_TYPE_IRI = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _query_link(name: str) -> str:
    if "/" in name or on_site():  # QC and claims queries run with 'kg check' and 'kg claims'; a site has no server
        return f"<code>{_e(name)}</code>"
    return f"<a href='/queries/{_e(urllib.parse.quote(name))}'><code>{_e(name)}</code></a>"


def _statement(fact: ox.BlankNode, nested: dict) -> str:
    """A blank-node statement named by its type (its properties are listed under "Links to it")."""
    types = [compact(o.value) for p, o in nested.get(fact, []) if p.value == RDF_TYPE_IRI]
    return _e(f"a {types[0]} statement" if types else "a statement about it")


def _sources(store: ox.Store, d: Description, nested: dict) -> str:
    if not d.sources:
        return "<h2>Sources</h2><p>No source is recorded for these facts.</p>"
    rows = []
    for s in d.sources:
        fact = (
            "this resource"
            if s.fact == ox.NamedNode(d.iri)
            else value(store, s.fact)
            if isinstance(s.fact, ox.NamedNode)
            else _e(label(store, s.fact) or "a statement about it")
        )
        by = link(store, s.reported_by.value) if isinstance(s.reported_by, ox.NamedNode) else ""
        cells = (fact, value(store, s.source), _e(s.page or ""), by, _e(s.quote or ""))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "<tr><th>Fact</th><th>Source</th><th>Cited page</th><th>Reported by</th><th>Quote</th></tr>"
    return f"<h2>Sources</h2><table>{head}{''.join(rows)}</table>"


def triples_page(store: ox.Store, title: str, triples: list[ox.Triple], *, form: bool = False) -> str:
    """Any small description (VoID, the service description) as HTML, one table per named subject."""
    nested = _by_subject(triples)
    parts = [f"<h1>{_e(title)}</h1>"]
    if form:  # the endpoint's own page: a plain form, so that a query can be run without JavaScript
        parts.append(
            "<form action='/sparql' method='get'><textarea name='query' rows='8' cols='80'>"
            "SELECT * WHERE { ?s ?p ?o } LIMIT 10</textarea><br><button>Run</button></form>"
        )
    for subject, rows in nested.items():
        if isinstance(subject, ox.NamedNode) or not any(o == subject for t in triples for o in (t.object,)):
            parts.append(f"<h2>{value(store, subject) if isinstance(subject, ox.NamedNode) else 'Service'}</h2>")
            parts.append(_properties(store, rows, nested))
    return _layout(title, "".join(parts))
