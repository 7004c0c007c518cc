"""The static site's search: a prebuilt index of every resource page, a vendored script and a page.

``kg publish`` writes (kg.web.publish):

    search.html          the form and, with JavaScript, the results (search.html?text=voter)
    search/index.json    the index: {"columns": [...], "rows": [[label, code, type, path, also], ...]}
    search/index.js      the same rows as a script (window.kgSearchIndex): read from the file system too
    search/search.js     kg/web/static/search.js, the search itself (no library, nothing remote)

A row is a resource with a page (kg.web.site.resources): its label as its page names it, its
first code (skos:notation), its type (a CURIE, as the served search shows it), its page's path
relative to the site's root, and its other names and codes (found, not shown). Browsers refuse
fetch() of file: URLs, so the page loads the rows as a script; the JSON file is for other
readers. The served search (kg.web.search) asks the graph through the named query search-labels
instead; both find a label, name or code by any-case substring.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from kg.namespaces import PREFIXES, compact
from kg.web.markup import layout, site_link, written_at
from kg.web.resources import DEFAULT_GRAPH, RDF_TYPE, label
from kg.web.search import search_form
from kg.web.site import document_file, site_path

SCRIPT = Path(__file__).parent / "static" / "search.js"
SKOS, RDFS = PREFIXES["skos"], PREFIXES["rdfs"]
NOTATION = SKOS + "notation"
# what the served search reads too (queries/search-labels.rq): other names and codes are found, not shown
NAMES = (SKOS + "prefLabel", SKOS + "altLabel", RDFS + "label", PREFIXES["dcterms"] + "title",
         PREFIXES["foaf"] + "name", NOTATION)  # fmt: skip
COLUMNS = ["label", "code", "type", "path", "also"]


def _values(memory: ox.Store, iri: str, predicate: str) -> list[str]:
    quads = memory.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(predicate), None, DEFAULT_GRAPH)
    return sorted(q.object.value for q in quads if isinstance(q.object, ox.NamedNode | ox.Literal))


def page_path(iri: str) -> str:
    """The quoted path, from the site's root, of the page of a resource (one of kg.web.site.resources)."""
    path = site_path(iri)
    if path is None:  # a bug: resources() lists only IRIs that have a page
        raise ValueError(f"{iri} has no page in a static site")
    return urllib.parse.quote(document_file(path, "html"))


def index_rows(memory: ox.Store, iris: list[str]) -> list[list[str]]:
    """A row per resource page (``iris``: kg.web.site.resources): label, code, type, path, other names and codes."""
    rows = []
    for iri in iris:
        path = page_path(iri)
        codes, types = _values(memory, iri, NOTATION), _values(memory, iri, RDF_TYPE)
        name = label(memory, ox.NamedNode(iri)) or ""
        code = codes[0] if codes else ""
        also = sorted({value for predicate in NAMES for value in _values(memory, iri, predicate)} - {name, code})
        rows.append([name, code, compact(types[0]) if types else "", path, "\n".join(also)])
    return rows


def search_files(memory: ox.Store, iris: list[str]) -> Iterator[tuple[str, bytes]]:
    """search.html, search/index.json, search/index.js and search/search.js (see the module's docstring)."""
    rows = index_rows(memory, iris)
    data = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    yield "search/index.json", f'{{"columns":{json.dumps(COLUMNS)},"rows":{data}}}\n'.encode()
    script = data.replace("</", "<\\/")  # JSON is JavaScript; no "</script>" inside
    yield "search/index.js", f"window.kgSearchIndex={script};\n".encode()
    yield "search/search.js", SCRIPT.read_bytes()
    with written_at("/search.html"):
        body = (
            "<h1>Search</h1>"
            + search_form(site_link("/search.html"))
            + "<noscript><p>The search needs JavaScript; without it, the "
            f"<a href='{site_link('/index.html')}'>index</a> lists every resource by type.</p></noscript>"
            + "<div id='kg-search-results' aria-live='polite'></div>"
            + f"<script src='{site_link('/search/index.js')}'></script>"
            + f"<script src='{site_link('/search/search.js')}'></script>"
        )
        yield "search.html", layout("Search smartcity-kg", body).encode("utf-8")
