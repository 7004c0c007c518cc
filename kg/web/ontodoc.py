"""The ontology's documentation: one HTML page generated from ontology/smartcity.ttl and shapes.ttl.

Classes (their superclasses, subclasses, the properties whose domain or range they are, the
SHACL shapes that check them and example instances from the served graph), defined classes
with their OWL definitions written in Manchester syntax, object and datatype properties,
individuals, and every shape summarised (targets, per-path constraints, SPARQL checks, the
message a user sees). Each term has a section whose id is its local name, so the hash IRI
``ontology#Indicator`` lands on it. Built in a query worker (kg.web.answers) or by kg.web.site, from
the served store (the ontology as loaded) and the bundled shapes file.
"""

from __future__ import annotations

from functools import cache

import pyoxigraph as ox

from kg.namespaces import PREFIXES, SCK, compact
from kg.sources.files import read_rdf, shapes_path
from kg.terms import Term
from kg.web.markup import data_links, esc, iri_link, layout, site_link, term_html
from kg.web.resources import DEFAULT_GRAPH, ONTOLOGY, closure, label

RDF, RDFS, OWL, SH = PREFIXES["rdf"], PREFIXES["rdfs"], PREFIXES["owl"], PREFIXES["sh"]
EXAMPLES_PER_CLASS = 5  # instances shown per class


def _objects(store: ox.Store, node: Term | None, predicate: str) -> list[Term]:
    if isinstance(node, ox.Literal):
        return []  # a literal is no subject
    quads = store.quads_for_pattern(node, ox.NamedNode(predicate), None, None)
    return [q.object for q in quads if not isinstance(q.object, ox.Triple)]  # kg.sources.files refuses triple terms


def _subjects(store: ox.Store, predicate: str, obj: Term | None) -> list[ox.NamedNode | ox.BlankNode]:
    quads = store.quads_for_pattern(None, ox.NamedNode(predicate), obj, None)
    return [q.subject for q in quads if not isinstance(q.subject, ox.Triple)]


def _list(store: ox.Store, node: Term | None) -> list[Term]:
    """The members of an RDF list."""
    items: list[Term] = []
    seen: set[ox.BlankNode] = set()
    while isinstance(node, ox.BlankNode) and node not in seen:
        seen.add(node)
        items += _objects(store, node, RDF + "first")[:1]
        node = next(iter(_objects(store, node, RDF + "rest")), None)
    return items


@cache
def _shapes() -> ox.Store:
    store = ox.Store()
    store.extend(read_rdf(shapes_path()).quads)
    return store


def _ontology(served: ox.Store) -> ox.Store:
    """The ontology's own triples (its header and every sck: term, blank nodes included) plus the shapes."""
    store = ox.Store()
    subjects = {q.subject for q in served.quads_for_pattern(None, None, None, DEFAULT_GRAPH)}
    terms = [t for t in subjects if isinstance(t, ox.NamedNode) and (t.value.startswith(SCK) or t.value == ONTOLOGY)]
    for term in terms:
        store.extend(ox.Quad(*triple) for triple in closure(served, term))
    store.extend(_shapes())
    return store


def manchester(store: ox.Store, served: ox.Store, node: Term, depth: int = 0) -> str:
    """An OWL class expression in Manchester syntax, as HTML with linked names.

    ``store`` holds the ontology (kg.web.ontodoc's copy), ``served`` the graph whose labels name things.
    """
    if isinstance(node, ox.NamedNode):
        return iri_link(served, node.value)
    if not isinstance(node, ox.BlankNode) or depth > 6:
        return term_html(served, node)

    def nested(n: Term) -> str:
        return manchester(store, served, n, depth + 1)

    for key, word in (("intersectionOf", " and "), ("unionOf", " or ")):
        members = _list(store, next(iter(_objects(store, node, OWL + key)), None))
        if members:
            return "(" + f"<b>{word}</b>".join(nested(m) for m in members) + ")"
    if members := _list(store, next(iter(_objects(store, node, OWL + "oneOf")), None)):
        return "{" + ", ".join(nested(m) for m in members) + "}"
    if inverse := _objects(store, node, OWL + "inverseOf"):
        return f"<b>inverse</b> {nested(inverse[0])}"
    on = _objects(store, node, OWL + "onProperty")
    if on:
        for key, word in (("someValuesFrom", "some"), ("allValuesFrom", "only"), ("hasValue", "value")):
            if found := _objects(store, node, OWL + key):
                return f"({nested(on[0])} <b>{word}</b> {nested(found[0])})"
        for key, word in (("minCardinality", "min"), ("maxCardinality", "max"), ("cardinality", "exactly")):
            for prefix in ("", "Qualified"):
                name = key.replace("Cardinality", f"{prefix}Cardinality") if prefix else key
                if found := _objects(store, node, OWL + name):
                    target = _objects(store, node, OWL + "onClass")
                    rest = f" {nested(target[0])}" if target else ""
                    return f"({nested(on[0])} <b>{word}</b> {esc(found[0].value)}{rest})"
    return "<small>[an anonymous expression]</small>"


def _typed(store: ox.Store, *types: str) -> list[ox.NamedNode]:
    found = {s for t in types for s in _subjects(store, RDF + "type", ox.NamedNode(OWL + t))}
    return sorted((s for s in found if isinstance(s, ox.NamedNode) and s.value.startswith(SCK)), key=lambda n: n.value)


def _row(name: str, cells: list[str]) -> str:
    return f"<tr><th>{esc(name)}</th><td>{', '.join(cells)}</td></tr>" if cells else ""


def _comment(store: ox.Store, node: Term) -> str:
    texts = [o.value for p in (RDFS + "comment", PREFIXES["skos"] + "definition") for o in _objects(store, node, p)]
    return "".join(f"<p>{esc(text)}</p>" for text in texts)


def _section(served: ox.Store, node: ox.NamedNode, kind: str, rows: list[str], store: ox.Store) -> str:
    anchor = node.value[len(SCK) :]
    title = f"{esc(label(served, node) or anchor)} <small>{esc(compact(node.value))} · {esc(kind)}</small>"
    table = f"<table>{''.join(rows)}</table>" if any(rows) else ""
    return (
        f"<section id='{esc(anchor)}'><h3>{title}</h3><p class='iri'><code>{esc(node.value)}</code></p>"
        f"{_comment(store, node)}{table}</section>"
    )


def _instances(served: ox.Store, cls: ox.NamedNode) -> list[str]:
    members = sorted({s for s in _subjects(served, RDF + "type", cls) if isinstance(s, ox.NamedNode)}, key=str)
    if not members:
        return []
    shown = [iri_link(served, m.value) for m in members[:EXAMPLES_PER_CLASS]]
    return shown + ([f"… {len(members)} in all"] if len(members) > EXAMPLES_PER_CLASS else [])


def _class(store: ox.Store, served: ox.Store, cls: ox.NamedNode) -> str:
    def names(nodes: list[Term]) -> list[str]:
        return [manchester(store, served, n) for n in nodes]

    def properties(p: str) -> list[str]:
        return sorted(iri_link(served, s.value) for s in _subjects(store, RDFS + p, cls))

    shapes = [s for s in _subjects(store, SH + "targetClass", cls) if isinstance(s, ox.NamedNode)]
    rows = [
        _row("Definition", names(_objects(store, cls, OWL + "equivalentClass"))),
        _row("Subclass of", names(_objects(store, cls, RDFS + "subClassOf"))),
        _row("Subclasses", names(sorted(_subjects(store, RDFS + "subClassOf", cls), key=str))),
        _row("Properties of it (domain)", properties("domain")),
        _row("Values of (range)", properties("range")),
        _row(
            "Checked by",
            [f"<a href='#{esc(s.value.rpartition('#')[2])}'>{esc(s.value.rpartition('#')[2])}</a>" for s in shapes],
        ),
        _row("Examples", _instances(served, cls)),
    ]
    kind = "defined class" if _objects(store, cls, OWL + "equivalentClass") else "class"
    return _section(served, cls, kind, rows, store)


def _property(store: ox.Store, served: ox.Store, prop: ox.NamedNode) -> str:
    def names(nodes: list[Term]) -> list[str]:
        return [manchester(store, served, n) for n in nodes]

    types = [compact(t.value) for t in _objects(store, prop, RDF + "type")]
    chain = [
        " ∘ ".join(manchester(store, served, m) for m in _list(store, c))
        for c in _objects(store, prop, OWL + "propertyChainAxiom")
    ]
    uses = sum(1 for _ in served.quads_for_pattern(None, prop, None, DEFAULT_GRAPH))
    rows = [
        _row("Characteristics", [esc(t) for t in sorted(types)]),
        _row("Domain", names(_objects(store, prop, RDFS + "domain"))),
        _row("Range", names(_objects(store, prop, RDFS + "range"))),
        _row("Subproperty of", names(_objects(store, prop, RDFS + "subPropertyOf"))),
        _row("Inverse of", names(_objects(store, prop, OWL + "inverseOf"))),
        _row("Chain", chain),
        _row("Triples in the graph", [str(uses)]),
    ]
    kind = (
        "object property"
        if ox.NamedNode(OWL + "ObjectProperty") in _objects(store, prop, RDF + "type")
        else "datatype property"
    )
    return _section(served, prop, kind, rows, store)


CONSTRAINTS = [
    "minCount",
    "maxCount",
    "class",
    "datatype",
    "nodeKind",
    "in",
    "pattern",
    "languageIn",
    "qualifiedMinCount",
    "qualifiedMaxCount",
    "qualifiedValueShape",
    "or",
    "xone",
    "hasValue",
]


def _constraint_value(served: ox.Store, term: Term) -> str:
    """A constraint's value: literals bare (a count, a pattern), names linked."""
    return esc(term.value) if isinstance(term, ox.Literal) else term_html(served, term)


def _constraint(store: ox.Store, served: ox.Store, node: Term, depth: int = 0) -> str:
    """A property shape's (or a nested shape's) constraints, as ``name value`` pairs."""
    parts = [f"path {_constraint_value(served, p)}" for p in _objects(store, node, SH + "path")] if depth else []
    for name in CONSTRAINTS:
        for found in _objects(store, node, SH + name):
            members = _list(store, found)
            if name in ("in", "languageIn", "or", "xone") and (members or found == ox.NamedNode(RDF + "nil")):
                shown = ", ".join(
                    _constraint(store, served, m, depth + 1)
                    if isinstance(m, ox.BlankNode)
                    else _constraint_value(served, m)
                    for m in members
                )
                parts.append(f"{name} ({shown})")
            elif isinstance(found, ox.BlankNode) and depth < 3:
                parts.append(f"{name} [{_constraint(store, served, found, depth + 1)}]")
            else:
                parts.append(f"{name} {_constraint_value(served, found)}")
    return "; ".join(parts)


def _shape(store: ox.Store, served: ox.Store, shape: ox.NamedNode | ox.BlankNode) -> str:
    anchor = shape.value.rpartition("#")[2]
    targets = [iri_link(served, c.value) for c in _objects(store, shape, SH + "targetClass")]
    targets += [f"subjects of {iri_link(served, p.value)}" for p in _objects(store, shape, SH + "targetSubjectsOf")]
    targets += ["the nodes a SPARQL query selects" for _ in _objects(store, shape, SH + "target")]
    rows = []
    for prop in _objects(store, shape, SH + "property"):
        path = next(iter(_objects(store, prop, SH + "path")), None)
        message = " ".join(esc(m.value) for m in _objects(store, prop, SH + "message"))
        shown = term_html(served, path) if path is not None else ""
        rows.append(f"<tr><td>{shown}</td><td>{_constraint(store, served, prop)}</td><td>{message}</td></tr>")
    own = _constraint(store, served, shape)  # constraints on the node itself (sh:xone and the like)
    if own:
        message = " ".join(esc(m.value) for m in _objects(store, shape, SH + "message"))
        rows.append(f"<tr><td><small>the node itself</small></td><td>{own}</td><td>{message}</td></tr>")
    for check in _objects(store, shape, SH + "sparql"):
        message = " ".join(esc(m.value) for m in _objects(store, check, SH + "message"))
        named = check.value.rpartition("#")[2] if isinstance(check, ox.NamedNode) else ""
        rows.append(f"<tr><td><small>SPARQL check</small></td><td>{esc(named)}</td><td>{message}</td></tr>")
    name = label(store, shape) or anchor
    table = f"<table><tr><th>Path</th><th>Constraints</th><th>Message</th></tr>{''.join(rows)}</table>" if rows else ""
    return (
        f"<section id='{esc(anchor)}'><h3>{esc(name)} <small>{esc(anchor)} · shape</small></h3>"
        f"<p>Checks: {', '.join(targets) or 'no target'}</p>{table}</section>"
    )


def ontology_page(served: ox.Store) -> str:
    """The ontology's HTML documentation (served at /ontology.html)."""
    store = _ontology(served)
    header = ox.NamedNode(ONTOLOGY)
    title = next((o.value for o in _objects(store, header, PREFIXES["dcterms"] + "title")), "smartcity-kg ontology")
    classes = _typed(store, "Class")
    defined = [c for c in classes if _objects(store, c, OWL + "equivalentClass")]
    plain = [c for c in classes if c not in defined]
    objects, datatypes = _typed(store, "ObjectProperty"), _typed(store, "DatatypeProperty")
    typed = {s for s in _subjects(store, RDF + "type", None) if isinstance(s, ox.NamedNode) and s.value.startswith(SCK)}
    individuals = sorted(typed - {*classes, *objects, *datatypes}, key=str)  # sck:Core and the like
    shapes = sorted({s for s in _subjects(store, RDF + "type", ox.NamedNode(SH + "NodeShape"))}, key=str)
    groups = [
        ("classes", "Classes", [_class(store, served, c) for c in plain]),
        ("defined-classes", "Defined classes", [_class(store, served, c) for c in defined]),
        ("object-properties", "Object properties", [_property(store, served, p) for p in objects]),
        ("datatype-properties", "Datatype properties", [_property(store, served, p) for p in datatypes]),
        ("individuals", "Individuals", [_individual(store, served, i) for i in individuals]),
        ("shapes", "Shapes (SHACL checks of the data)", [_shape(store, served, s) for s in shapes]),
    ]
    toc = "".join(f"<li><a href='#{key}'>{esc(name)}</a> ({len(items)})</li>" for key, name, items in groups)
    facts = [_row("IRI", [f"<code>{esc(ONTOLOGY)}</code>"]), _row("Namespace", [f"<code>{esc(SCK)}</code> (sck:)"])]
    facts += [
        _row(compact(p), [term_html(served, o) for o in _objects(store, header, p)])
        for p in (OWL + "versionInfo", PREFIXES["dcterms"] + "description")
    ]
    downloads = " · ".join(f"<a href='{site_link(f'/ontology.{x}')}'>{n}</a>" for x, n in data_links())
    parts = [
        f"<h1>{esc(title)}</h1><table>{''.join(facts)}</table>{_comment(store, header)}",
        f"<p>Data: {downloads}</p><h2>Contents</h2><ul>{toc}</ul>",
    ]
    for key, name, items in groups:
        parts.append(f"<h2 id='{key}'>{esc(name)}</h2>{''.join(items) or '<p>None.</p>'}")
    return layout(title, "".join(parts))


def _individual(store: ox.Store, served: ox.Store, node: ox.NamedNode) -> str:
    types = [manchester(store, served, t) for t in _objects(store, node, RDF + "type")]
    return _section(served, node, "individual", [_row("Type", types)], store)
