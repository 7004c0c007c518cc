"""A framework's indicators on its page: counted by dimension and tier, listed, with the participation share.

The indicators are the framework's members (skos:inScheme) typed sck:Indicator or a subclass;
each is filed under its sck:dimension and sck:tier (none: "No dimension", "No tier"), in the
framework's own order (sck:listPosition, then code). An indicator addresses participation when
it has an sck:addresses value, as the named query 'frameworks' counts it. Read with direct index
lookups (kg.web.resources), so the page stays cheap; kg.web.pages adds it to a framework's page.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kg.namespaces import PREFIXES, SCK
from kg.web.markup import esc, iri_link
from kg.web.resources import DEFAULT_GRAPH, RDF_TYPE, label

SKOS, RDFS = PREFIXES["skos"], PREFIXES["rdfs"]
TIER_ORDER = [SCK + "Core", SCK + "Advanced"]  # then any other tier by name, then none


@dataclass
class Member:
    """One indicator of the framework, with what files it on the page."""

    iri: str
    code: str
    dimension: str | None
    tier: str | None
    sub_dimension: str | None
    position: int
    participation: bool


def _objects(store: ox.Store, node: ox.NamedNode, predicate: str) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
    return [
        q.object
        for q in store.quads_for_pattern(node, ox.NamedNode(predicate), None, DEFAULT_GRAPH)
        if not isinstance(q.object, ox.Triple)
    ]


def _iri(store: ox.Store, node: ox.NamedNode, predicate: str) -> str | None:
    return next((o.value for o in _objects(store, node, predicate) if isinstance(o, ox.NamedNode)), None)


def indicator_classes(store: ox.Store) -> set[str]:
    """sck:Indicator and its subclasses (rdfs:subClassOf, followed down)."""
    found, todo = {SCK + "Indicator"}, [SCK + "Indicator"]
    while todo:
        for q in store.quads_for_pattern(
            None, ox.NamedNode(RDFS + "subClassOf"), ox.NamedNode(todo.pop()), DEFAULT_GRAPH
        ):
            if isinstance(q.subject, ox.NamedNode) and q.subject.value not in found:
                found.add(q.subject.value)
                todo.append(q.subject.value)
    return found


def members(store: ox.Store, framework: str) -> list[Member]:
    """The framework's indicators in its own order; empty when it has none (then it is no framework)."""
    classes, out = indicator_classes(store), []
    in_scheme = ox.NamedNode(SKOS + "inScheme")
    for q in store.quads_for_pattern(None, in_scheme, ox.NamedNode(framework), DEFAULT_GRAPH):
        node = q.subject
        if not isinstance(node, ox.NamedNode) or not {o.value for o in _objects(store, node, RDF_TYPE)} & classes:
            continue
        codes = [o.value for o in _objects(store, node, SKOS + "notation") if isinstance(o, ox.Literal)]
        positions = [o.value for o in _objects(store, node, SCK + "listPosition") if isinstance(o, ox.Literal)]
        position = int(positions[0]) if positions and positions[0].isdigit() else 1 << 30
        out.append(Member(node.value, min(codes, default=""), _iri(store, node, SCK + "dimension"),
                          _iri(store, node, SCK + "tier"), _iri(store, node, SCK + "subDimension"), position,
                          bool(_objects(store, node, SCK + "addresses"))))  # fmt: skip
    out.sort(key=lambda m: (m.position, m.code, m.iri))
    return out


def _name(store: ox.Store, iri: str | None, none: str) -> str:
    return none if iri is None else iri_link(store, iri)


def _tiers(store: ox.Store, found: list[Member]) -> list[str | None]:
    tiers = {m.tier for m in found}

    def key(tier: str | None) -> tuple[int, str]:
        if tier is None:
            return (len(TIER_ORDER) + 1, "")
        rank = TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER)
        return (rank, label(store, ox.NamedNode(tier)) or tier)

    return sorted(tiers, key=key)


def indicators_section(store: ox.Store, framework: str) -> str:
    """The 'Indicators' section of a framework's page; '' for a resource with no indicators in it."""
    found = members(store, framework)
    if not found:
        return ""
    dimensions = list(dict.fromkeys(m.dimension for m in found))  # in the framework's order
    tiers = _tiers(store, found)
    share = sum(m.participation for m in found)
    percent = f"{100 * share / len(found):.0f}"
    parts = [
        f"<section id='indicators'><h2>Indicators ({len(found)})</h2>",
        f"<p>{share} of its {len(found)} indicators ({percent} %) address citizen participation (sck:addresses).</p>",
        "<table><tr><th scope='col'>Dimension</th>",
        "".join(f"<th scope='col'>{_name(store, t, 'No tier')}</th>" for t in tiers),
        "<th scope='col'>Total</th><th scope='col'>Addressing participation</th></tr>",
    ]
    for dimension in dimensions:
        mine = [m for m in found if m.dimension == dimension]
        counts = "".join(f"<td>{sum(m.tier == t for m in mine)}</td>" for t in tiers)
        parts.append(
            f"<tr><th scope='row'>{_name(store, dimension, 'No dimension')}</th>{counts}<td>{len(mine)}</td>"
            f"<td>{sum(m.participation for m in mine)}</td></tr>"
        )
    totals = "".join(f"<td>{sum(m.tier == t for m in found)}</td>" for t in tiers)
    parts.append(f"<tr><th scope='row'>All</th>{totals}<td>{len(found)}</td><td>{share}</td></tr></table>")
    for index, dimension in enumerate(dimensions):
        mine = [m for m in found if m.dimension == dimension]
        parts.append(f"<section id='dimension-{index + 1}'><h3>{_name(store, dimension, 'No dimension')} "
                     f"({len(mine)})</h3>")  # fmt: skip
        for tier in tiers:
            listed = [m for m in mine if m.tier == tier]
            if listed:
                parts.append(f"<h4>{_name(store, tier, 'No tier')} ({len(listed)})</h4>{_table(store, listed)}")
        parts.append("</section>")
    parts.append("</section>")
    return "".join(parts)


def _table(store: ox.Store, listed: list[Member]) -> str:
    rows = "".join(
        f"<tr><td><code>{esc(m.code)}</code></td><td>{iri_link(store, m.iri)}</td>"
        f"<td>{_name(store, m.sub_dimension, '')}</td><td>{'yes' if m.participation else ''}</td></tr>"
        for m in listed
    )
    head = "".join(f"<th scope='col'>{h}</th>" for h in ("Code", "Indicator", "Sub-dimension", "Participation"))
    return f"<table><tr>{head}</tr>{rows}</table>"
