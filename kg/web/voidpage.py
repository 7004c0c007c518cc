"""The HTML of the machine descriptions (VoID, the SPARQL service descriptions, kg.web.void): names, not raw IRIs.

One section per described thing (the dataset, the service), headed by its title; each property by
its compact name (void:triples, sd:endpoint: the VoID and service-description prefixes added to
the project's), linked to its definition; IRIs by their label or compact name, linked; the class
partitions as one table (class, entities) and other blank nodes as nested tables. kg.web.pages
calls it for /void, /.well-known/void and the endpoints' own pages.
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.namespaces import PREFIXES, compact
from kg.web.markup import Nested, ObjectTerm, esc, href, iri_link, term_html
from kg.web.void import PREFIXES_HERE, SD, VOID

TITLES = [PREFIXES["dcterms"] + "title", PREFIXES["rdfs"] + "label"]
KINDS = {
    VOID + "Dataset": "Dataset",
    SD + "Service": "SPARQL service",
    SD + "Dataset": "Dataset",
    SD + "Graph": "Graph",
}
PARTITION = VOID + "classPartition"


SHOWN_PREFIXES = {**PREFIXES_HERE, "qb": "http://purl.org/linked-data/cube#"}  # for reading only
NAMESPACES = {namespace: prefix for prefix, namespace in {**PREFIXES, **SHOWN_PREFIXES}.items()}


def short(iri: str) -> str:
    """A compact name: with the VoID and service-description prefixes first, then the project's (kg.namespaces).

    A vocabulary's namespace (a void:vocabulary) is shown as its prefix, ``skos:``.
    """
    if iri in NAMESPACES:
        return f"{NAMESPACES[iri]}:"
    for prefix, namespace in SHOWN_PREFIXES.items():
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and local and "/" not in local and "#" not in local:
            return f"{prefix}:{local}"
    return compact(iri)


def _link(store: ox.Store, iri: str) -> str:
    """An IRI: the project's through kg.web.markup (label, its page); another as its compact name, linked."""
    if short(iri) == compact(iri):
        return iri_link(store, iri)
    target = href(iri)
    text = esc(short(iri))
    return f"<a href='{esc(target)}' title='{esc(iri)}'>{text}</a>" if target else text


def _value(store: ox.Store, term: ObjectTerm, nested: Nested, depth: int) -> str:
    if isinstance(term, ox.NamedNode):
        return _link(store, term.value)
    if isinstance(term, ox.BlankNode) and nested.get(term) and depth < 3:
        return _table(store, nested[term], nested, depth + 1, "bnode")
    return term_html(store, term)


def _table(store: ox.Store, rows: list[tuple[ox.NamedNode, ObjectTerm]], nested: Nested, depth: int,
           css: str = "") -> str:  # fmt: skip
    cells = "".join(
        f"<tr><th scope='row'>{_link(store, p.value)}</th><td>{_value(store, o, nested, depth)}</td></tr>"
        for p, o in rows
        if p.value != PARTITION
    )
    return f"<table{f' class={css!r}' if css else ''}>{cells}</table>"


def _partitions(store: ox.Store, rows: list[tuple[ox.NamedNode, ObjectTerm]], nested: Nested) -> str:
    found = []
    for p, o in rows:
        if p.value == PARTITION:
            props = {q.value: v for q, v in nested.get(o, [])} if isinstance(o, ox.BlankNode) else {}
            cls, n = props.get(VOID + "class"), props.get(VOID + "entities")
            if isinstance(cls, ox.NamedNode):
                found.append((_link(store, cls.value), esc(n.value) if isinstance(n, ox.Literal) else ""))
    if not found:
        return ""
    body = "".join(f"<tr><td>{c}</td><td>{n}</td></tr>" for c, n in found)
    return (f"<h3>Classes ({len(found)}, void:classPartition)</h3>"
            f"<table><tr><th scope='col'>Class</th><th scope='col'>Entities</th></tr>{body}</table>")  # fmt: skip


def heading(subject: ox.NamedNode | ox.BlankNode | ox.Triple, rows: list[tuple[ox.NamedNode, ObjectTerm]]) -> str:
    """A described thing's name: its title, else its kind (rdf:type), with its IRI's compact name."""
    titles = [o.value for p, o in rows if p.value in TITLES and isinstance(o, ox.Literal)]
    kinds = [
        KINDS.get(o.value, short(o.value))
        for p, o in rows
        if p.value == PREFIXES["rdf"] + "type" and isinstance(o, ox.NamedNode)
    ]
    name = titles[0] if titles else (kinds[0] if kinds else "Description")
    if isinstance(subject, ox.NamedNode):
        return f"{esc(name)} <small title='{esc(subject.value)}'>{esc(short(subject.value))}</small>"
    return esc(name)


def sections(store: ox.Store, triples: list[ox.Triple], nested: Nested) -> str:
    """One section per thing described at the top (an IRI, or a blank node nothing else points to)."""
    objects = {t.object for t in triples}
    parts = []
    for subject, rows in nested.items():
        if isinstance(subject, ox.NamedNode) or subject not in objects:
            parts.append(f"<section><h2>{heading(subject, rows)}</h2>{_table(store, rows, nested, 0)}")
            parts.append(f"{_partitions(store, rows, nested)}</section>")
    return "".join(parts)
