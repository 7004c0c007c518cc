"""The one place where RDF terms cross between libraries.

Inside smartcity-kg every term is a pyoxigraph term. rdflib terms exist only at the edges
where rdflib, pySHACL or Owlready2 need their own; these functions are the only conversions,
and they check types with ``isinstance`` (rdflib is imported lazily: ``kg query`` never needs it).

>>> import pyoxigraph as ox
>>> to_rdflib(ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
rdflib.term.Literal('3', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer'))
>>> to_oxigraph(to_rdflib(ox.Literal("Bürger", language="de")))
<Literal value=Bürger language=de>
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.sources.files import RdfDocument, parse_text

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

Term = ox.NamedNode | ox.BlankNode | ox.Literal

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(term: Term | ox.Triple) -> Node:
    """The rdflib term for a pyoxigraph term (a plain string literal gets no datatype, as rdflib writes it).

    Raises TypeError for an RDF 1.2 triple term: kg.sources.files refuses them when it reads a file.
    """
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.Triple):
        raise TypeError(f"rdflib has no triple terms: {term}")

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value, datatype=None if datatype == XSD_STRING else URIRef(datatype))


def to_oxigraph(term: Any) -> Term:
    """The pyoxigraph term for an rdflib term; a pyoxigraph term is returned as it is.

    Raises TypeError for anything else (a bug, not a user's input).
    """
    if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal):
        return term
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD_STRING)))
    raise TypeError(f"not an RDF term: {term!r}")


def rdflib_graph(documents: Iterable[RdfDocument]) -> Graph:
    """A plain rdflib Graph with the triples of ``documents`` (what pySHACL and Owlready2 read)."""
    from rdflib import Graph

    graph = Graph()
    for document in documents:
        for quad in document.quads:
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return graph


def document_from_graph(graph: Graph, name: str) -> RdfDocument:
    """An rdflib graph (e.g. the reasoner's inferred triples) as a document to join others, named ``(name)``.

    Written as N-Triples and parsed back, so that its blank nodes get fresh labels like any file's.
    """
    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    return RdfDocument(Path(f"({name})"), parse_text(text, ox.RdfFormat.N_TRIPLES, name=name))
