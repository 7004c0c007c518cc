"""What the Oxigraph engine adds to the data graph's store: literals as written, and focus nodes.

Oxigraph stores numbers, booleans, dates and durations normalised ("03"^^xsd:positiveInteger
becomes "3"^^xsd:integer). SHACL judges values as written (sh:datatype, sh:value, counting
distinct values), so the store the engine runs on also keeps, in the named graph AS_WRITTEN,
the literals of the properties the shapes check, as written, under a stand-in datatype
(``urn:smartcity-kg:fastvalidate:datatype:`` + the datatype's IRI) that Oxigraph leaves alone.
The compiled core constraints read values from there; SHACL-SPARQL constraints see the default
graph, as any query does. kg.graph.loading fills AS_WRITTEN when a workspace's store is built.

While one shape is checked, its focus nodes are written into the named graph FOCUS (each
``node FOCUS_OF FOCUS``), so that every constraint's query joins from them.

The IRIs keep the name of the module that introduced them (kg.fastvalidate): workspaces on disk
already hold AS_WRITTEN under it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.terms import to_rdflib

if TYPE_CHECKING:
    from rdflib.term import Node

XSD = "http://www.w3.org/2001/XMLSchema#"

# The datatypes Oxigraph normalises when it stores a literal; it stores all of them as one of STORED.
_STORED = "boolean float double decimal integer dateTime time date gYearMonth gYear gMonthDay gDay gMonth duration"
_STORED += " yearMonthDuration dayTimeDuration"
_DERIVED = "nonPositiveInteger negativeInteger long int short byte nonNegativeInteger unsignedLong unsignedInt"
_DERIVED += " unsignedShort unsignedByte positiveInteger dateTimeStamp"
NORMALISED = frozenset(XSD + name for name in f"{_STORED} {_DERIVED}".split())
"""The IRIs of the datatypes whose literals Oxigraph normalises: these are kept as written."""

AS_WRITTEN = ox.NamedNode("urn:smartcity-kg:fastvalidate:literals-as-written")
FOCUS = ox.NamedNode("urn:smartcity-kg:fastvalidate:focus-nodes")  # of the shape being checked
FOCUS_OF = ox.NamedNode("urn:smartcity-kg:fastvalidate:focus-node-of")
STAND_IN = "urn:smartcity-kg:fastvalidate:datatype:"  # + the datatype's IRI

STORED_AS = "(isLiteral({v}) && datatype({v}) IN (" + ", ".join(f"<{XSD}{n}>" for n in _STORED.split()) + "))"
"""A SPARQL expression on the variable ``{v}``: true for a literal Oxigraph may have normalised."""


def as_written(term: ox.Literal) -> ox.Literal:
    """``term`` under its stand-in datatype, which Oxigraph stores as it is."""
    return ox.Literal(term.value, datatype=ox.NamedNode(STAND_IN + term.datatype.value))


def from_store(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """The rdflib term for a term the engine's queries return (a stand-in literal back in its datatype)."""
    if isinstance(term, ox.Literal) and term.datatype.value.startswith(STAND_IN):
        term = ox.Literal(term.value, datatype=ox.NamedNode(term.datatype.value.removeprefix(STAND_IN)))
    return to_rdflib(term)


def literals_as_written(quads: Iterable[ox.Quad], predicates: frozenset[str]) -> Iterator[ox.Quad]:
    """The literals of ``predicates`` that Oxigraph would normalise, under their stand-in, in the AS_WRITTEN graph."""
    for q in quads:
        value = q.object
        if isinstance(value, ox.Literal) and value.datatype.value in NORMALISED and q.predicate.value in predicates:
            yield ox.Quad(q.subject, q.predicate, as_written(value), AS_WRITTEN)


def focus_quads(nodes: Iterable[ox.NamedNode | ox.BlankNode]) -> Iterator[ox.Quad]:
    """The quads that mark ``nodes`` as the focus nodes of the shape being checked (in the FOCUS graph)."""
    for node in nodes:
        yield ox.Quad(node, FOCUS_OF, FOCUS, FOCUS)
