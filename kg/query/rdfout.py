"""RDF and SPARQL XML out: triples as Turtle, N-Triples, JSON-LD or RDF/XML, and results as SPARQL XML.

pyoxigraph writes every format here, so the project keeps one RDF term library for output
(rdflib terms, which the Python API hands out, are converted first). Turtle and RDF/XML
declare the project's prefixes (kg.namespaces), only those the triples use.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import Any

import pyoxigraph as ox

from kg.errors import QueryError
from kg.namespaces import PREFIXES
from kg.terms import to_oxigraph

# name -> (pyoxigraph format, media type served for it)
GRAPH_FORMATS: dict[str, tuple[ox.RdfFormat, str]] = {
    "turtle": (ox.RdfFormat.TURTLE, "text/turtle"),
    "ntriples": (ox.RdfFormat.N_TRIPLES, "application/n-triples"),
    "jsonld": (ox.RdfFormat.JSON_LD, "application/ld+json"),
    "rdfxml": (ox.RdfFormat.RDF_XML, "application/rdf+xml"),
}
EXTENSIONS = {"ttl": "turtle", "nt": "ntriples", "jsonld": "jsonld", "rdf": "rdfxml"}


def used_prefixes(triples: list[ox.Triple], extra: dict[str, str] | None = None) -> dict[str, str]:
    """The project's prefixes (and ``extra``) whose namespace some IRI in ``triples`` starts with."""
    iris = {t.value for triple in triples for t in triple if isinstance(t, ox.NamedNode)}
    iris |= {t.datatype.value for triple in triples for t in triple if isinstance(t, ox.Literal)}
    ordered = sorted(iris)  # the IRIs that start with a namespace sort right from where it would: one look each
    known = {**PREFIXES, **(extra or {})}
    return {p: ns for p, ns in known.items() if _starts_some(ordered, ns)}


def _starts_some(ordered: list[str], namespace: str) -> bool:
    """Whether some IRI of the sorted list ``ordered`` starts with ``namespace``."""
    at = bisect.bisect_left(ordered, namespace)
    return at < len(ordered) and ordered[at].startswith(namespace)


def _triple(row: ox.Triple | Sequence[Any]) -> ox.Triple:
    """A pyoxigraph triple from a triple or a (subject, predicate, object) row of either library's terms."""
    if isinstance(row, ox.Triple) and not isinstance(row.subject, ox.Triple) and not isinstance(row.object, ox.Triple):
        return row  # a store's triple, as it is (a page's data documents write each three times)
    subject, predicate, obj = (to_oxigraph(t) for t in row)
    if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode):
        raise TypeError(f"not an RDF triple: {row!r}")  # a bug: the store makes no such rows
    return ox.Triple(subject, predicate, obj)


def serialize_triples(rows: Iterable[ox.Triple | Sequence[Any]], fmt: str, extra: dict[str, str] | None = None) -> str:
    """``rows`` (triples, or (subject, predicate, object) rows) in the RDF format ``fmt`` (a GRAPH_FORMATS name).

    ``extra`` adds prefixes to the project's. Raises QueryError when the triples cannot be
    written in that format (RDF/XML cannot write a predicate IRI that ends in '/' or '#').
    """
    triples = [_triple(row) for row in rows]
    rdf_format = GRAPH_FORMATS[fmt][0]
    prefixes = used_prefixes(triples, extra) if fmt in ("turtle", "rdfxml") else None
    try:
        data = ox.serialize(triples, format=rdf_format, prefixes=prefixes) or b""  # bytes, as no output is given
    except ValueError as error:  # RDF/XML cannot write a predicate IRI that ends in '/' or '#'
        raise QueryError(f"the answer cannot be written as {fmt}: {error}; choose turtle instead.") from None
    text = data.decode("utf-8")
    return sorted_prefixes(text) if fmt == "turtle" else text


def sorted_prefixes(turtle: str) -> str:
    """The @prefix lines in name order: pyoxigraph writes them in an order that changes from run to run."""
    lines = turtle.split("\n")
    count = next((i for i, line in enumerate(lines) if not line.startswith("@prefix ")), len(lines))
    return "\n".join(sorted(lines[:count]) + lines[count:])


def solutions_to_xml(json_text: str) -> str:
    """The SPARQL 1.1 Query Results XML Format, from the same answer in the JSON format.

    pyoxigraph serialises only results it has parsed or computed itself, so the JSON (which
    kg.query.results writes for any Results) is read back once and written out as XML.
    """
    parsed = ox.parse_query_results(json_text.encode("utf-8"), format=ox.QueryResultsFormat.JSON)
    return (parsed.serialize(format=ox.QueryResultsFormat.XML) or b"").decode("utf-8") + "\n"
