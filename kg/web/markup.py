"""The HTML building blocks every page shares: escaping, the layout, and links to the project's resources.

A page of ``kg serve`` links with absolute paths (``/id/X.html``); a page of a static site
(kg.web.publish) is built inside :func:`written_at` its own path, which makes every link relative, so
the site works from any folder, any host or the file system. Every value from the data is
HTML-escaped, links are made only for http(s) IRIs, and pages need no JavaScript. The pages
themselves are built in kg.web.pages (resources, descriptions, query results) and kg.web.ontodoc.
"""

from __future__ import annotations

import hashlib
import html
import posixpath
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

import pyoxigraph as ox

from kg.namespaces import compact
from kg.terms import XSD_STRING
from kg.version import CODE_LICENSE, DATA_LICENSE, DATA_LICENSE_NAME, __version__
from kg.web.access import ACCESS_STYLE, FAVICON, MAIN_ID, SKIP_LINK, viewport_and_icon
from kg.web.resources import label, local_path

SubjectTerm = ox.NamedNode | ox.BlankNode | ox.Triple
ObjectTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Nested = dict[SubjectTerm, list[tuple[ox.NamedNode, ObjectTerm]]]  # a subject's (predicate, object) pairs
Labels = dict[str, str | None]  # IRI -> label (None: it has none)

DATA_LINKS = (("ttl", "Turtle"), ("jsonld", "JSON-LD"), ("nt", "N-Triples"), ("rdf", "RDF/XML"))
SEGMENT_BYTES = 200  # a longer path segment is shortened in a static site: file names end at 255 bytes
PAGE_STYLE = (
    "body{font-family:sans-serif;max-width:75em;margin:2em auto;padding:0 1em;line-height:1.4}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;"
    "vertical-align:top}small,.iri{color:#666}code{background:#f4f4f4}ul.nested{margin:0;padding-left:1.2em}"
)
# resource pages (kg.web.resourceview): the identifiers box, and a blank node's table nested in a cell
PAGE_STYLE += (
    "dl.ids{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;border:1px solid #ccc;padding:.5em;"
    "margin:1em 0}dl.ids dt{font-weight:bold}dl.ids dd{margin:0;overflow-wrap:anywhere}"
    "table.bnode{margin:0;font-size:.95em}table.bnode th{font-weight:normal}"
)
_PAGE: ContextVar[str | None] = ContextVar("page", default=None)  # the static site's page being built
_LABELS: ContextVar[Labels | None] = ContextVar("labels", default=None)  # while the store is unchanged
_HEAD: ContextVar[str] = ContextVar("head", default="")  # what head_links adds to the head of the pages built


@contextmanager
def written_at(page: str, labels: Labels | None = None) -> Iterator[None]:
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


@contextmanager
def head_links(html_text: str) -> Iterator[None]:
    """Pages built inside carry ``html_text`` (``<link>`` and ``<script>`` elements, kg.web.discovery) in their head."""
    token = _HEAD.set(_HEAD.get() + html_text)
    try:
        yield
    finally:
        _HEAD.reset(token)


def on_site() -> bool:
    """Whether the page being built is a static site's (no endpoint, no named-query pages)."""
    return _PAGE.get() is not None


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
    target = _site_file(target)
    if target == page and hash_:
        return hash_ + fragment
    return _relative(target, posixpath.dirname(page)) + hash_ + fragment


# kg publish links the same few thousand paths from the pages of a few folders: each is worked out once
@lru_cache(maxsize=1 << 16)
def _site_file(target: str) -> str:
    """The quoted file of the site that the absolute path ``target`` (no '#') names."""
    return "/index.html" if target == "/" else urllib.parse.quote(file_path(urllib.parse.unquote(target)) or "/")


@lru_cache(maxsize=1 << 16)
def _relative(target: str, folder: str) -> str:
    return posixpath.relpath(target, folder)


def data_links() -> tuple[tuple[str, str], ...]:
    """The data documents every page has beside it (kg serve's and a static site's alike)."""
    return DATA_LINKS


def esc(text: str) -> str:
    """``text`` escaped for HTML, quotes included (it goes into attributes too)."""
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


def iri_link(store: ox.Store, iri: str) -> str:
    """``iri`` as HTML: its label and CURIE, linked to its page (or itself) where :func:`href` finds one."""
    name, curie, target = _label(store, iri), compact(iri), href(iri)
    text = f"{esc(name)} <small>{esc(curie)}</small>" if name else esc(curie)
    return f"<a href='{esc(target)}' title='{esc(iri)}'>{text}</a>" if target else text


def term_html(store: ox.Store, term: ObjectTerm, nested: Nested | None = None, depth: int = 0) -> str:
    """A term as HTML: a linked, labelled IRI, an escaped literal, or a blank node's own properties.

    ``nested`` gives the blank nodes' properties (shown up to ``depth`` 3); without it a blank
    node is shown as such.
    """
    if isinstance(term, ox.NamedNode):
        return iri_link(store, term.value)
    if isinstance(term, ox.Literal):
        note = f"@{term.language}" if term.language else ""
        if not term.language and term.datatype.value != XSD_STRING:
            note = compact(term.datatype.value)
        return esc(term.value) + (f" <small>{esc(note)}</small>" if note else "")
    rows = (nested or {}).get(term, [])
    if not rows or depth > 3:
        return "<small>[a blank node]</small>"
    items = "".join(f"<li>{iri_link(store, p.value)}: {term_html(store, o, nested, depth + 1)}</li>" for p, o in rows)
    return f"<ul class='nested'>{items}</ul>"


def layout(title: str, body: str) -> str:
    """A whole page: ``title``, the navigation (kg serve's, or the static site's) and ``body``.

    What :func:`head_links` gives goes into the page's head (links for machines). Landmarks
    (kg.web.access): a skip link, ``header`` with the ``nav``, ``main`` (``body``), ``footer``.
    """
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>"
        f"{viewport_and_icon(esc(site_link('/' + FAVICON)))}{_HEAD.get()}"
        f"<style>{PAGE_STYLE}{ACCESS_STYLE}</style></head>"
        f"<body>{SKIP_LINK}<header>{site_nav()}</header><main id='{MAIN_ID}'>{body}</main>{footer()}</body></html>"
    )


def site_nav() -> str:
    """The navigation between the site's main places: kg serve's, or the static site's (linked relatively)."""
    nav = (
        "<p><a href='/'>Named queries</a> · <a href='/sparql'>SPARQL endpoint</a> · "
        "<a href='/ontology.html'>Ontology</a> · <a href='/void'>VoID</a></p>"
    )
    if on_site():
        places = (("/", "Index"), ("/ontology.html", "Ontology"), ("/report/report.html", "Participation report"),
                  ("/void.ttl", "VoID"), ("/#dumps", "Dumps"))  # fmt: skip
        nav = "<p>" + " · ".join(f"<a href='{esc(site_link(p))}'>{n}</a>" for p, n in places) + "</p>"
    return f"<nav aria-label='Site'>{nav}</nav>"


def footer() -> str:
    """Every page's last line: the release's version and licences (kg.version), the same on kg serve and a site."""
    return (
        f"<footer><p>smartcity-kg {esc(__version__)} · data and ontology: "
        f"<a rel='license' href='{esc(DATA_LICENSE)}'>{esc(DATA_LICENSE_NAME)}</a> · code: "
        f"<a href='{esc(CODE_LICENSE)}'>MIT</a> · the frameworks' indicator names and texts keep their owners' "
        "terms (each framework's dcterms:rights)</p></footer>"
    )
