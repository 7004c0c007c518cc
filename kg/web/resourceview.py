"""The body of a resource's page, read like LodView or a Wikidata entity: header, grouped facts, links to it.

A header gives the label, the description (skos:definition, dcterms:description or rdfs:comment),
the types and an identifiers box (codes, the IRI, external IRIs such as the UN SDG KOS, Wikidata
or ISO, linked). The facts follow in groups (GROUPS): what it is, where it sits in its framework,
its participation coding (with the coding rule and the evidence of each classification), its
mappings as a table (the SSSOM rows: predicate, target, confidence, justification), its sources,
then the rest. Blank nodes are shown inline as nested tables; the links to it are grouped by
property with counts, each group bounded (INCOMING_SHOWN). kg.web.pages puts the page together;
kg.web.frameworkview adds a framework's indicators.
"""

from __future__ import annotations

import urllib.parse

import pyoxigraph as ox

from kg.namespaces import ID, PREFIXES, SCK, compact
from kg.web.markup import Nested, ObjectTerm, esc, iri_link, term_html
from kg.web.resources import RDF_TYPE, Description, closure

SKOS, DCT, RDFS, OWL = PREFIXES["skos"], PREFIXES["dcterms"], PREFIXES["rdfs"], PREFIXES["owl"]
SSSOM, PROV = PREFIXES["sssom"], PREFIXES["prov"]
INCOMING_SHOWN = 20  # links to it listed per property; the rest are counted ("and N more")
NESTED_DEPTH = 3  # blank nodes inside blank nodes shown inline down to this depth
DESCRIPTIONS = [SKOS + "definition", DCT + "description", RDFS + "comment"]
CODES = [SKOS + "notation", DCT + "identifier"]
MATCHES = [OWL + "sameAs", SKOS + "exactMatch", SKOS + "closeMatch", SKOS + "broadMatch", SKOS + "narrowMatch",
           SKOS + "relatedMatch"]  # fmt: skip
EXTERNAL = {"metadata.un.org": "UN SDG KOS", "www.wikidata.org": "Wikidata", "wikidata.org": "Wikidata",
            "www.iso.org": "ISO", "iso.org": "ISO"}  # fmt: skip
# (id, heading, predicates in the order shown); what no group names goes under "Other properties"
GROUPS = [
    ("about", "What it is", [RDF_TYPE, SKOS + "prefLabel", SKOS + "altLabel", RDFS + "label", DCT + "title",
                             PREFIXES["foaf"] + "name", *CODES, *DESCRIPTIONS, SCK + "measure", SKOS + "scopeNote",
                             SKOS + "example"]),
    ("framework", "Where it sits in its framework", [SKOS + "inScheme", SCK + "dimension", SCK + "subDimension",
                                                     SCK + "category", SKOS + "broader", SCK + "tier",
                                                     SCK + "listPosition", SKOS + "topConceptOf", DCT + "isPartOf",
                                                     SKOS + "hasTopConcept", SKOS + "narrower", SCK + "sdgReference"]),
    ("participation", "Participation coding", [SCK + "addresses", SCK + "codingRule", SCK + "aspect", SCK + "indicator",
                                               SCK + "about", SCK + "assigns", SCK + "assignsAspect",
                                               SCK + "confirmationLevel", SCK + "verificationStatus"]),
]  # fmt: skip
SOURCE_PREDICATES = [DCT + "source", SCK + "evidence", RDFS + "seeAlso", PROV + "wasDerivedFrom"]
CODINGS = [SCK + "indicator", SCK + "about"]  # a classification or level assignment names its indicator so
MAPPING_ENDS = [SSSOM + "subject_id", SSSOM + "object_id"]
MAPPING_COLUMNS = [("Confidence", SSSOM + "confidence"), ("Justification", SSSOM + "mapping_justification"),
                   ("Comment", RDFS + "comment"), ("Mapping set", DCT + "source")]  # fmt: skip

# the order of properties in every table: a coding's rule and aspect first, then what it is, where, its sources
ORDER = {p: i for i, p in enumerate(dict.fromkeys([SCK + "codingRule", SCK + "aspect", SCK + "assigns",
                                                    SCK + "assignsAspect", *GROUPS[0][2], *GROUPS[1][2],
                                                    *GROUPS[2][2], SCK + "quote", SCK + "page", SCK + "reportedBy",
                                                    *SOURCE_PREDICATES]))}  # fmt: skip
Rows = list[tuple[ox.NamedNode, ObjectTerm]]


def value_html(store: ox.Store, term: ObjectTerm, nested: Nested, depth: int = 0) -> str:
    """A term as HTML; a blank node as a nested table of its properties (down to NESTED_DEPTH)."""
    if isinstance(term, ox.BlankNode) and nested.get(term) and depth < NESTED_DEPTH:
        return node_table(store, nested[term], nested, depth + 1, "bnode")
    return term_html(store, term)


def _rank(predicate: str) -> tuple[int, str]:
    """Where a property goes in a table: in the order of ORDER, then by its local name."""
    return (ORDER.get(predicate, len(ORDER)), predicate.rpartition("#")[2].rpartition("/")[2].lower())


def node_table(store: ox.Store, rows: Rows, nested: Nested, depth: int = 0, css: str = "") -> str:
    """Rows of (predicate, value) as a table, a property's name a row header, in the order of ORDER."""
    cells = "".join(
        f"<tr><th scope='row'>{iri_link(store, p.value)}</th><td>{value_html(store, o, nested, depth)}</td></tr>"
        for p, o in sorted(rows, key=lambda row: (_rank(row[0].value), str(row[1])))
    )
    return f"<table{f' class={css!r}' if css else ''}>{cells}</table>"


def _values(rows: Rows, predicates: list[str]) -> list[ObjectTerm]:
    return [o for name in predicates for p, o in rows if p.value == name]


def _text(rows: Rows, predicates: list[str]) -> str | None:
    """The first value of the first predicate that has one, English (or plain) first."""
    for name in predicates:
        found = [o for p, o in rows if p.value == name and isinstance(o, ox.Literal)]
        if found:
            found.sort(key=lambda lit: (lit.language not in ("en", None), lit.value))
            return found[0].value
    return None


def header(store: ox.Store, d: Description, name: str, rows: Rows, downloads: str) -> str:
    """The h1, the description, the types and the identifiers box."""
    description = _text(rows, DESCRIPTIONS)
    types = ", ".join(iri_link(store, t.value) for t in _values(rows, [RDF_TYPE]) if isinstance(t, ox.NamedNode))
    parts = [f"<h1>{esc(name)}</h1>"]
    if description:
        parts.append(f"<p>{esc(description)}</p>")
    parts.append(f"<p>{'Types' if types.count('<a ') > 1 else 'Type'}: {types or 'none'}</p>")
    ids = [("IRI", f"<code>{esc(d.iri)}</code>")]
    ids += [("Code", f"<code>{esc(o.value)}</code>") for o in _values(rows, CODES) if isinstance(o, ox.Literal)]
    for match in _values(rows, MATCHES):
        if isinstance(match, ox.NamedNode) and not match.value.startswith(ID):
            host = urllib.parse.urlsplit(match.value).hostname or ""
            if host in EXTERNAL:
                ids.append((EXTERNAL[host], f"<a href='{esc(match.value)}'>{esc(compact(match.value))}</a>"))
    items = "".join(f"<dt>{esc(key)}</dt><dd>{value}</dd>" for key, value in ids)
    parts.append(f"<dl class='ids' aria-label='Identifiers'>{items}</dl><p>Data: {downloads}</p>")
    return "".join(parts)


def _section(key: str, heading: str, body: str) -> str:
    return f"<section id='{key}'><h2>{esc(heading)}</h2>{body}</section>"


def grouped(store: ox.Store, rows: Rows, nested: Nested) -> tuple[list[str], Rows]:
    """The groups' sections (those with a value), and the rows that are left for the sources and the rest."""
    sections, left = [], list(rows)
    for key, heading, predicates in GROUPS:
        mine = [(p, o) for p, o in left if p.value in predicates]
        if key == "participation" or not mine:
            continue  # the participation group is written by participation(), with the codings that name it
        mine.sort(key=lambda row: predicates.index(row[0].value))
        sections.append(_section(key, heading, node_table(store, mine, nested)))
        left = [row for row in left if row[0].value not in predicates]
    return sections, left


def participation(store: ox.Store, node: ox.NamedNode, rows: Rows, d: Description, nested: Nested) -> tuple[str, Rows]:
    """Its own coding properties, then each classification or level assignment of it (rule and evidence inline);
    and the rows left."""
    predicates = GROUPS[2][2]
    mine = sorted(((p, o) for p, o in rows if p.value in predicates), key=lambda row: predicates.index(row[0].value))
    left = [row for row in rows if row[0].value not in predicates]
    codings = [t.subject for t in d.incoming if t.predicate.value in CODINGS and isinstance(t.subject, ox.NamedNode)]
    if not mine and not codings:
        return "", left
    body = node_table(store, mine, nested) if mine else ""
    for coding in dict.fromkeys(codings):
        triples = closure(store, coding, 500)
        inner: Nested = {}
        for t in triples:
            inner.setdefault(t.subject, []).append((t.predicate, t.object))
        own = [(p, o) for p, o in inner.get(coding, []) if p.value not in CODINGS]
        body += f"<h3>{iri_link(store, coding.value)}</h3>{node_table(store, own, inner)}"
    return _section("participation", "Participation coding", body), left


def mappings(store: ox.Store, node: ox.NamedNode, rows: Rows, nested: Nested) -> tuple[str, Rows]:
    """The SSSOM rows naming it, as a table, and its own match triples that no row gives; and the rows left."""
    found: list[tuple[ObjectTerm, str, ObjectTerm, list[str]]] = []
    covered: set[tuple[str, str]] = set()
    for subject, props in nested.items():
        ends = {p.value: o for p, o in props if p.value in MAPPING_ENDS or p.value == SSSOM + "predicate_id"}
        if not isinstance(subject, ox.BlankNode | ox.NamedNode) or node not in (ends.get(e) for e in MAPPING_ENDS):
            continue
        predicate = ends.get(SSSOM + "predicate_id")
        source, target = ends.get(MAPPING_ENDS[0]), ends.get(MAPPING_ENDS[1])
        if source is None or target is None or not isinstance(predicate, ox.NamedNode):
            continue
        cells = [", ".join(value_html(store, o, nested, NESTED_DEPTH) for p, o in props if p.value == c)
                 for _, c in MAPPING_COLUMNS]  # fmt: skip
        found.append((source, predicate.value, target, cells))
        covered.add((predicate.value, str(target if source == node else source)))
    for p, o in rows:
        if p.value in MATCHES and (p.value, str(o)) not in covered:
            found.append((node, p.value, o, ["", "", "", ""]))
    left = [(p, o) for p, o in rows if p.value not in MATCHES]
    if not found:
        return "", left

    def side(term: ObjectTerm) -> str:
        return "<em>this</em>" if term == node else value_html(store, term, nested, NESTED_DEPTH)

    head = "".join(f"<th scope='col'>{name}</th>" for name in ["Subject", "Predicate", "Object"] +
                   [c for c, _ in MAPPING_COLUMNS])  # fmt: skip
    body = "".join(
        f"<tr><td>{side(s)}</td><td>{iri_link(store, p)}</td><td>{side(o)}</td>"
        + "".join(f"<td>{c}</td>" for c in cells)
        + "</tr>"
        for s, p, o, cells in sorted(found, key=lambda f: (f[1], str(f[0]), str(f[2])))
    )
    table = f"<table><tr>{head}</tr>{body}</table>"
    return _section("mappings", f"Mappings ({len(found)})", table), left


def evidence(store: ox.Store, rows: Rows, nested: Nested) -> tuple[str, Rows]:
    """Its own source properties (evidence items inline) under the sources table; and the rows left."""
    mine = [(p, o) for p, o in rows if p.value in SOURCE_PREDICATES]
    left = [row for row in rows if row[0].value not in SOURCE_PREDICATES]
    mine.sort(key=lambda row: SOURCE_PREDICATES.index(row[0].value))
    return (f"<h3>Source properties and evidence</h3>{node_table(store, mine, nested)}" if mine else ""), left


def rest(store: ox.Store, rows: Rows, nested: Nested) -> str:
    """What no group shows, by property name."""
    if not rows:
        return ""
    ordered = sorted(rows, key=lambda row: (row[0].value.rpartition("#")[2].rpartition("/")[2].lower(), str(row[1])))
    return _section("other", "Other properties", node_table(store, ordered, nested))


def incoming(store: ox.Store, d: Description, nested: Nested) -> str:
    """The links to it, one list per property with its count; at most INCOMING_SHOWN each ("and N more")."""
    by_property: dict[str, list[ox.Triple]] = {}
    for t in d.incoming:
        if t.predicate.value not in MAPPING_ENDS:  # the mapping rows are in the mappings table
            by_property.setdefault(t.predicate.value, []).append(t)
    counts = d.incoming_counts or {p: len(ts) for p, ts in by_property.items()}
    if not by_property:
        return ""
    parts = []
    for predicate in sorted(by_property, key=lambda p: (-counts.get(p, 0), p)):
        triples, total = by_property[predicate], max(counts.get(predicate, 0), len(by_property[predicate]))
        items = "".join(f"<li>{value_html(store, t.subject, nested)}</li>" for t in triples[:INCOMING_SHOWN])
        more = f"<li>and {total - min(len(triples), INCOMING_SHOWN):,} more</li>" if total > INCOMING_SHOWN else ""
        parts.append(f"<h3>{iri_link(store, predicate)} ({total:,})</h3><ul>{items}{more}</ul>")
    shown = sum(max(counts.get(p, 0), len(ts)) for p, ts in by_property.items())
    return _section("incoming", f"Links to it ({shown:,})", "".join(parts))
