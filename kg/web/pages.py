"""The HTML pages of the graph's resources and answers: a resource's page, a small description, a results table.

The project's IRIs are served at the path that mirrors them (``https://w3id.org/smartcity-kg/id/X``
at ``/id/X.html``; the ontology and its hash terms at ``/ontology.html``, documented by
kg.web.ontodoc) and written the same way by a static site (kg.web.site). A resource page groups the
resource's facts (kg.web.resourceview), the sources of its facts, the links to it and the named
queries that mention it; VoID and the service description (kg.web.void) are shown one table per subject; a
query's answer is a table whose IRIs link to their pages. Built in a query worker
(kg.web.answers) or by kg.web.site, with the blocks of kg.web.markup.
"""

from __future__ import annotations

import html
import urllib.parse

import pyoxigraph as ox

from kg.namespaces import compact
from kg.query.catalog import get_query
from kg.query.results import Results
from kg.web.discovery import forms
from kg.web.frameworkview import indicators_section
from kg.web.markup import (
    Nested,
    esc,
    href,
    iri_link,
    layout,
    on_site,
    term_html,
)
from kg.web.resources import Description, label, local_path
from kg.web.resourceview import evidence, grouped, header, incoming, mappings, participation, rest
from kg.web.voidpage import sections


def _by_subject(triples: list[ox.Triple]) -> Nested:
    grouped: Nested = {}
    for t in triples:
        grouped.setdefault(t.subject, []).append((t.predicate, t.object))
    return grouped


def _downloads(path: str) -> str:
    """Links to the resource's RDF forms, the same the page's head names (kg.web.discovery.forms)."""
    return " · ".join(f"<a href='{esc(link)}'>{name}</a>" for link, _media, name in forms(path))


def resource_page(store: ox.Store, d: Description) -> str:
    """The HTML page of a project IRI under id/, in the order of kg.web.resourceview: header, groups, indicators,
    participation coding, mappings, sources, the rest, links to it, the named queries that mention it. (The
    ontology's page is its documentation, kg.web.ontodoc.)"""
    node, nested = ox.NamedNode(d.iri), _by_subject(d.triples + d.context)
    name = label(store, node) or compact(d.iri)
    rows = nested.get(node, [])
    sections, left = grouped(store, rows, nested)
    parts = [header(store, d, name, rows, _downloads(local_path(d.iri) or "")), *sections]
    parts.append(indicators_section(store, d.iri))
    coding, left = participation(store, node, left, d, nested)
    table, left = mappings(store, node, left, nested)
    own_sources, left = evidence(store, left, nested)
    parts += [coding, table, "<section id='sources'>", _sources(store, d), own_sources, "</section>"]
    parts.append(rest(store, left, nested))
    parts.append(incoming(store, d, nested))
    if d.queries:
        items = "".join(f"<li>{_query_link(name)}</li>" for name in d.queries)
        parts.append(f"<section id='queries'><h2>Named queries that mention it</h2><ul>{items}</ul></section>")
    return layout(name, "".join(parts))


def _query_link(name: str) -> str:
    if "/" in name or on_site():  # QC and claims queries run with 'kg check' and 'kg claims'; a site has no server
        return f"<code>{esc(name)}</code>"
    given = get_query(name).example_parameters()  # the values it mentions the resource by (kg.web.resources)
    target = f"/queries/{urllib.parse.quote(name)}" + (f"?{urllib.parse.urlencode(given)}" if given else "")
    return f"<a href='{esc(target)}'><code>{esc(name)}</code></a>"


def _sources(store: ox.Store, d: Description) -> str:
    if not d.citations:
        return "<h2>Sources</h2><p>No source is recorded for these facts.</p>"
    rows = []
    for s in d.citations:
        fact = (
            "this resource"
            if s.fact == ox.NamedNode(d.iri)
            else term_html(store, s.fact)
            if isinstance(s.fact, ox.NamedNode)
            else esc(label(store, s.fact) or "a statement about it")
        )
        by = iri_link(store, s.reported_by.value) if isinstance(s.reported_by, ox.NamedNode) else ""
        cells = (fact, term_html(store, s.source), esc(s.page or ""), by, esc(s.quote or ""))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "<tr><th>Fact</th><th>Source</th><th>Cited page</th><th>Reported by</th><th>Quote</th></tr>"
    return f"<h2>Sources</h2><table>{head}{''.join(rows)}</table>"


def triples_page(store: ox.Store, title: str, triples: list[ox.Triple], *, form: bool = False) -> str:
    """Any small description (VoID, the service description) as HTML, one table per named subject.

    ``form`` adds a plain query form (the endpoint's own page, usable without JavaScript).
    """
    nested = _by_subject(triples)
    parts = [f"<h1>{esc(title)}</h1>"]
    if form:
        parts.append(
            "<form action='/sparql' method='get'><textarea name='query' rows='8' cols='80'>"
            "SELECT * WHERE { ?s ?p ?o } LIMIT 10</textarea><br><button>Run</button></form>"
        )
    parts.append(sections(store, triples, nested))  # kg.web.voidpage: names and links, not raw IRIs
    return layout(title, "".join(parts))


def results_table(results: Results) -> str:
    """A SELECT answer as an HTML table, IRIs linked to their pages (on a published site, relatively)."""
    from rdflib import URIRef  # Results.rows is the rdflib edge: its text is what this page has always shown

    def cell(term: object) -> str:  # an IRI links to its page here (project IRIs) or to itself (http)
        text = html.escape("" if term is None else compact(str(term)))
        target = href(str(term)) if isinstance(term, URIRef) else None
        return f"<a href='{html.escape(target)}' title='{html.escape(str(term))}'>{text}</a>" if target else text

    head = "".join(f"<th>{html.escape(v)}</th>" for v in results.variables)
    rows = "".join("<tr>" + "".join(f"<td>{cell(t)}</td>" for t in row) + "</tr>" for row in results.rows)
    return f"<table><tr>{head}</tr>{rows}</table>"


def results_page(title: str, results: Results) -> str:
    """A query's answer as an HTML table (an ASK's as true or false), IRIs linked to their pages."""
    if results.boolean is not None:
        return layout(title, f"<h1>{html.escape(title)}</h1><p>{str(results.boolean).lower()}</p>")
    body = f"<h1>{html.escape(title)}</h1><p>{len(results)} rows. <a href='/'>All queries</a></p>"
    return layout(title, body + results_table(results))
