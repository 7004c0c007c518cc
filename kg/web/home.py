"""The served home page (a SPARQL editor and the named-query forms) and the static files it loads.

The editor is YASGUI (@zazuko/yasgui, vendored in kg/static/yasgui with its licence and a note
of its origin), configured by kg/static/editor.js from a JSON block on the page: the project's
prefixes (kg.namespaces), the endpoint on this server, the named queries. Nothing is fetched
from another host, so the page works offline. The named-query forms are plain HTML forms to
/queries/NAME and work without JavaScript; with it, each also gets an "Open in editor" button
that loads the query, its parameters bound by the server (/queries/NAME?format=sparql), and runs
it on the endpoint its form names: /sparql/inferred for a query whose header says ``inferred:
true`` (it reads the OWL reasoner's inferences), else /sparql.

Static files are read once, from a fixed list (no path from a request reaches the file system),
and served with an ETag and a Cache-Control header so a browser asks again at most hourly.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from kg.namespaces import ID, PREFIXES, SCK
from kg.query.catalog import NamedQuery
from kg.query.params import Parameter
from kg.web.access import ACCESS_STYLE, FAVICON, MAIN_ID, SKIP_LINK, viewport_and_icon
from kg.web.markup import esc, footer, site_nav
from kg.web.resources import ONTOLOGY
from kg.web.search import search_form
from kg.web.void import ENDPOINT, INFERRED_ENDPOINT

STATIC = Path(__file__).parent / "static"
YASGUI_VERSION = "4.6.2"  # kg/static/yasgui/VENDORED.md says where it came from
CACHE_CONTROL = "public, max-age=3600"
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".svg": "image/svg+xml",
    "": "text/plain; charset=utf-8",  # LICENSE
}

HOME_STYLE = (
    "body{font-family:sans-serif;max-width:80em;margin:2em auto;padding:0 1em;line-height:1.4}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}"
    "code{background:#f4f4f4}ul.queries{padding-left:1.2em}ul.queries form{margin:.3em 0 1em}"
    "ul.queries label{margin-right:.8em}#kg-status{color:#a00}"
)


def _query_form(query: NamedQuery) -> str:
    fields = "".join(
        f"<label>{esc(p.name)} <input name='{esc(p.name)}' value='{esc(p.default or '')}' "
        f"placeholder='{esc(p.type)}' title='{esc(getattr(p, 'description', '') or '')}'></label> "
        if p.type != "service"
        else _service_field(p)
        for p in query.parameters.values()
    )
    name, endpoint = esc(query.name), INFERRED_ENDPOINT if query.inferred else ENDPOINT
    return (
        f"<li id='q-{name}'><h3>{esc(query.title)}</h3><p>{esc(query.question)}</p>"
        f"<form action='/queries/{name}' data-query='{name}' data-endpoint='{endpoint}'>{fields}"
        f"<button>Run {name}</button> "
        f"<button type='button' class='kg-open' hidden>Open in editor</button></form></li>"
    )


def _service_field(parameter: Parameter) -> str:
    """A SERVICE endpoint's field: asked for, never prefilled (a default names another server, e.g. Oxigraph's
    /query, which kg serve does not have; kg serve calls it only when started with --allow-service)."""
    name = esc(parameter.name)
    return (
        f"<label>{name} <input name='{name}' type='url' required placeholder='https://.../sparql' "
        f"title='{esc(parameter.description)}'></label> <small>{esc(parameter.description)}; this server calls "
        "another endpoint only when started with <code>--allow-service HOST</code></small> "
    )


def config(queries: list[NamedQuery]) -> dict[str, Any]:
    """What kg/web/static/editor.js needs: endpoints, prefixes, the namespaces whose IRIs have local pages, queries."""
    return {
        "endpoint": ENDPOINT,
        "inferredEndpoint": INFERRED_ENDPOINT,
        "prefixes": PREFIXES,
        "local": {"id": ID, "ontology": ONTOLOGY, "terms": SCK},
        "queries": [query.name for query in queries],
    }


def home_page(queries: list[NamedQuery], extra_head: str = "") -> str:
    """The home page: the editor (with JavaScript), then a form for each named query (without too).

    ``extra_head`` goes into the page's head (the schema.org Dataset, kg.web.dataset).
    """
    data = json.dumps(config(queries), sort_keys=True).replace("<", "\\u003c")  # no "</script>" inside
    version = YASGUI_VERSION
    head = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"{viewport_and_icon('/' + FAVICON)}<title>smartcity-kg</title>"
        + extra_head
        + f"<link rel='stylesheet' href='/static/yasgui/yasgui.min.css?v={version}'>"
        f"<link rel='stylesheet' href='/static/editor.css?v={_etag('editor.css')[:8]}'>"
        f"<style>{HOME_STYLE}{ACCESS_STYLE}</style></head><body>{SKIP_LINK}<header>{site_nav()}</header>"
        f"<main id='{MAIN_ID}'>"
    )
    intro = (
        "<h1>smartcity-kg</h1><p>A read-only SPARQL 1.1 endpoint is at <code>/sparql</code> (and over the graph "
        "with the OWL reasoner's inferences at <code>/sparql/inferred</code>); the dataset's "
        "<a href='/void'>VoID description</a>, the <a href='/ontology'>ontology</a>. The project's prefixes "
        "(<code>sck:</code>, <code>u4ssc:</code>, <code>fw:</code>, ...) may be used without PREFIX lines.</p>"
    )
    editor = (
        "<h2 id='editor'>Query editor</h2>"
        "<noscript><p>The editor needs JavaScript; the named queries below work without it, and "
        "<code>/sparql?query=...</code> answers any query.</p></noscript>"
        "<p id='kg-status' role='status'></p><div id='kg-editor'></div>"
    )
    items = "".join(_query_form(query) for query in queries)
    scripts = (
        f"<script type='application/json' id='kg-config'>{data}</script>"
        f"<script src='/static/yasgui/yasgui.min.js?v={version}'></script>"
        f"<script src='/static/editor.js?v={_etag('editor.js')[:8]}'></script>"
        f"<script src='/static/editor-a11y.js?v={_etag('editor-a11y.js')[:8]}'></script>"
    )
    forms = f"<h2>Named queries</h2><ul class='queries'>{items}</ul>"
    return head + intro + search_form() + editor + forms + "</main>" + footer() + scripts + "</body></html>"


@cache
def _files() -> dict[str, Path]:
    """The static files by their path under /static/, found once (source maps and notes left out)."""
    found = {}
    for path in sorted(STATIC.rglob("*")):
        if path.is_file() and path.suffix in _TYPES and not path.name.startswith("."):
            found[path.relative_to(STATIC).as_posix()] = path
    return found


@cache
def _read_static(name: str) -> bytes:
    return _files()[name].read_bytes()


@cache
def _etag(name: str) -> str:
    return hashlib.sha256(_read_static(name)).hexdigest()[:32]


def static_file(path: str) -> tuple[bytes, str, str] | None:
    """(content, media type, ETag) of ``/static/NAME``, or None when there is no such file."""
    name = path.removeprefix("/static/")
    if name not in _files():
        return None
    return _read_static(name), _TYPES[_files()[name].suffix], f'"{_etag(name)}"'
