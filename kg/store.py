"""The embedded graph: an Oxigraph store for queries, an rdflib Graph for pySHACL.

Queries run on pyoxigraph, which is many times faster than rdflib here; pySHACL gets a plain
rdflib Graph because it gave wrong results on an oxrdflib-backed one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .sources import RdfDocument, bundled_data_paths, read_rdf

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def read_documents(files: Sequence[Path | str] = (), *, bundled: bool = True) -> list[RdfDocument]:
    """Parse the bundled files (unless ``bundled`` is false) and then ``files``."""
    from .links import is_sssom, read_links

    paths = [*(bundled_data_paths() if bundled else []), *(Path(f) for f in files)]
    return [read_links(path) if is_sssom(path) else read_rdf(path) for path in paths]


def load_store(files: Sequence[Path | str] = (), *, bundled: bool = True) -> ox.Store:
    """An in-memory Oxigraph store holding the bundled graph and ``files``, all in the default graph."""
    return store_from(read_documents(files, bundled=bundled))


def store_from(documents: Iterable[RdfDocument]) -> ox.Store:
    store = ox.Store()
    for document in documents:
        store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in document.quads)
    return store


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """The rdflib term for an Oxigraph term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value, datatype=None if datatype == _XSD_STRING else URIRef(datatype))


def rdflib_graph(documents: Iterable[RdfDocument]) -> Graph:
    """A plain rdflib Graph with the triples of ``documents``."""
    graph = Graph()
    for document in documents:
        for quad in document.quads:
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return graph


def document_from_graph(graph: Graph, name: str) -> RdfDocument:
    """An rdflib graph as a parsed document (e.g. inferred or converted triples) to join others."""
    from .sources import parse_text

    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    return RdfDocument(Path(f"({name})"), parse_text(text, ox.RdfFormat.N_TRIPLES, name=name))
