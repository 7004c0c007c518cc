"""Search by label or code on ``kg serve``: the form, the /search route and its results page.

The search is the named query ``search-labels`` (queries/search-labels.rq), run like every other
named query: the route sends a query worker its name and the text as its ``text`` parameter (bound
as an RDF literal by kg.query.binding, never pasted into the query), and the worker renders the
rows with :func:`search_page`. The form is a plain HTML form (GET /search?text=...): it needs no
JavaScript. The static site's search (kg.web.sitesearch) reads a prebuilt index instead.
"""

from __future__ import annotations

import re
import urllib.parse
from http import HTTPStatus
from typing import Any, Protocol

from kg.namespaces import compact
from kg.query.results import Results
from kg.web.markup import esc, href, layout

QUERY = "search-labels"  # the named query behind the search (queries/search-labels.rq)
PARAMETER = "text"
MAX_TEXT = 200  # characters of search text: a label is shorter


class Exchange(Protocol):
    """What the route uses of kg.web.routes.Exchange (not imported: routes imports this module)."""

    def params(self) -> Any:
        """The query string's parameters."""
        ...

    def send(self, status: int, body: str | bytes, media: str, headers: dict[str, str] | None = None) -> None:
        """Send the answer."""
        ...

    def error(self, status: HTTPStatus, message: str) -> None:
        """Send an error: its status and one plain sentence."""
        ...

    def run(self, job: Any) -> None:
        """Send the job to a query worker; send its answer."""
        ...


def search_form(action: str = "/search", value: str = "", *, field: str = PARAMETER) -> str:
    """The search form: one labelled field, a button; GET to ``action``, so it works without JavaScript."""
    return (
        f"<form role='search' class='kg-search' action='{esc(action)}' method='get'>"
        f"<label for='kg-search-text'>Search labels and codes</label> "
        f"<input type='search' id='kg-search-text' name='{esc(field)}' value='{esc(value)}' required "
        "placeholder='e.g. voter, SC: SH: SI: 4C'> <button>Search</button></form>"
    )


def search(exchange: Exchange, match: re.Match[str]) -> None:
    """GET /search?text=...: the rows of the named query search-labels as a page; without text, the form."""
    params = exchange.params()
    text = " ".join(str(params.get(PARAMETER, "")).split())
    if len(text) > MAX_TEXT:
        exchange.error(HTTPStatus.BAD_REQUEST, f"the search text is over {MAX_TEXT} characters; give a shorter part.")
        return
    if not text:
        body = "<h1>Search</h1>" + search_form() + "<p>Give a part of a label or a code.</p>"
        exchange.send(HTTPStatus.OK, layout("Search", body), "text/html; charset=utf-8")
        return
    exchange.run({"named": QUERY, "params": {PARAMETER: text}, "format": "html", "page": "search", "where": QUERY})


def search_page(text: str, results: Results) -> str:
    """The results of a search: label (linked to the resource's page), code, type and IRI of each resource found."""
    rows = []
    for resource, name, code, kind in results.rows:
        iri = str(resource)
        target = href(iri) or iri
        shown = str(name) if name is not None else compact(iri)
        type_cell = ""
        if kind is not None:
            type_target = href(str(kind))
            type_text = esc(compact(str(kind)))
            type_cell = f"<a href='{esc(type_target)}'>{type_text}</a>" if type_target else type_text
        rows.append(
            f"<tr><td><a href='{esc(target)}'>{esc(shown)}</a></td><td>{esc(str(code or ''))}</td>"
            f"<td>{type_cell}</td><td><code>{esc(iri)}</code></td></tr>"
        )
    found = len(results.rows)
    more = " (the first 100; give more of the text to narrow it)" if found >= 100 else ""
    data = "/queries/" + QUERY + "?" + urllib.parse.urlencode({PARAMETER: text, "format": "json"})
    summary = f"<p>{found} found for <q>{esc(text)}</q>{more}. <a href='{esc(data)}'>As JSON</a>.</p>"
    table = (
        "<table id='search-results'><tr><th>Label</th><th>Code</th><th>Type</th><th>IRI</th></tr>"
        + "".join(rows)
        + "</table>"
        if rows
        else "<p>Nothing found: try a shorter part of the label, or the code as the framework writes it.</p>"
    )
    return layout(f"Search: {text}", "<h1>Search</h1>" + search_form(value=text) + summary + table)
