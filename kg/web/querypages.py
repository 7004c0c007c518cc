"""The named queries on the published site: a page per query, its answer with its example parameters.

``kg publish`` runs every named query of the catalogue through the graph's one query path
(``graph.query``), with the parameters its header gives (defaults, and the example of a parameter
without one), and writes ``queries/NAME.html`` (the question, the parameters, the table, the SPARQL
text) beside ``queries/NAME.csv`` and ``queries/NAME.json`` (the SPARQL 1.1 results formats, the
same bytes ``kg query NAME --format csv`` prints), and ``queries/index.html`` listing them. A
query that calls another endpoint (a parameter of type ``service``) is listed without an answer:
a static site must not depend on a third party's server at publish time.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import TYPE_CHECKING

from kg.query.catalog import NamedQuery, list_queries
from kg.query.results import Results, render
from kg.web.markup import esc, layout, site_link, written_at
from kg.web.pages import results_table

if TYPE_CHECKING:
    from kg.graph.embedded import KnowledgeGraph as Graph

FORMATS = ("csv", "json")  # the answer's data files beside its page


def published(query: NamedQuery) -> bool:
    """Whether the site shows the query's answer: not when it calls another endpoint through SERVICE."""
    return all(parameter.type != "service" for parameter in query.parameters.values())


def query_path(name: str, extension: str) -> str:
    """The site path of a named query's page or data file (``queries/NAME.EXT``)."""
    return f"queries/{urllib.parse.quote(name)}.{extension}"


def _page(query: NamedQuery, params: dict[str, str], results: Results) -> str:
    with written_at(f"/{query_path(query.name, 'html')}"):
        table, rows = results_table(results), len(results)
        given = {name: p.sample for name, p in query.parameters.items() if p.sample is not None} | params
        shown = ", ".join(f"<code>{esc(name)}={esc(value)}</code>" for name, value in given.items()) or "none"
        data = " ".join(
            f"<a href='{site_link('/' + query_path(query.name, fmt))}'>{fmt.upper()}</a>" for fmt in FORMATS
        )
        body = (
            f"<h1>{esc(query.title)}</h1><p>{esc(query.question)}</p>"
            f"<p>Named query <code>{esc(query.name)}</code>; parameters: {shown}. {rows} row(s); data: {data}. "
            f"The same answer: <code>kg query {esc(query.name)}"
            + "".join(f" -p {esc(name)}={esc(value)!r}" for name, value in params.items())
            + f"</code>.</p>{table}<h2>SPARQL</h2><pre>{esc(query.text)}</pre>"
            f"<p><a href='{site_link('/queries/index.html')}'>All named queries</a></p>"
        )
        return layout(query.title, body)


def query_files(graph: Graph) -> Iterator[tuple[str, bytes]]:
    """Every named query's page and data files, then the index of them all, as (site path, bytes)."""
    entries = []
    for query in list_queries():
        if not published(query):
            entries.append(f"<li><code>{esc(query.name)}</code>: {esc(query.title)} (calls another endpoint)</li>")
            continue
        params = query.example_parameters()
        results = graph.query(query, **params)
        for fmt in FORMATS:
            yield query_path(query.name, fmt), render(results, fmt).encode("utf-8")
        yield query_path(query.name, "html"), _page(query, params, results).encode()
        with written_at("/queries/index.html"):
            link = site_link("/" + query_path(query.name, "html"))
        entries.append(f"<li><a href='{link}'>{esc(query.title)}</a> (<code>{esc(query.name)}</code>)</li>")
    with written_at("/queries/index.html"):
        body = "<h1>Named queries</h1><p>Each answered over the published graph.</p><ul>" + "".join(entries) + "</ul>"
        yield "queries/index.html", layout("Named queries", body).encode("utf-8")
