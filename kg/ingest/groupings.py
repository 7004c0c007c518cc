"""Mint a framework sheet's grouping concepts (dimension, sub-dimension, category) and their IRIs.

A grouping's IRI is ``<framework namespace><column>-<code>`` when the sheet gives the grouping's
code (the ``dimension_code``, ``sub_dimension_code`` and ``category_code`` columns): short and
stable, as an indicator's IRI is minted from its code. A grouping without a code falls back to the
slug of its name and of the names above it, which can be long (an SDG target's whole sentence).

A framework whose groupings were once published under those name IRIs says ``name_iris,replaced``
in its description: each name IRI then stays in the data as a retired IRI, its label kept,
``dcterms:isReplacedBy`` and ``owl:deprecated true``, and nothing else (no type), so that no count
or query over the framework meets it twice; ``kg serve`` answers it with a 301 to the new IRI
(kg.web.redirects).
"""

from __future__ import annotations

import re
from typing import Protocol

import pyoxigraph as ox

from kg.namespaces import PREFIXES, SCK
from kg.sources.sheetspec import Row

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS, SKOS, DCTERMS, OWL, XSD = (PREFIXES[name] for name in ("rdfs", "skos", "dcterms", "owl", "xsd"))
# Grouping columns, outermost first: the concept class and the indicator property of each.
GROUPS = {"dimension": ("Dimension", "dimension"), "sub_dimension": ("SubDimension", "subDimension")}
GROUPS |= {"category": ("Category", "category")}


class Triples(Protocol):
    """Where the triples go (kg.ingest.convert.Converted): its Turtle's prefixes, and add."""

    prefixes: dict[str, str]

    def add(self, subject: ox.NamedNode, predicate: str, value: ox.NamedNode | ox.Literal) -> None:
        """Add the triple (``predicate`` an IRI string)."""
        ...


def slug(text: str) -> str:
    """``text`` as a piece of an IRI: runs of anything but ASCII letters and digits become one hyphen."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "x"


def iri(text: str) -> ox.NamedNode:
    """The named node of ``text``, an IRI."""
    return ox.NamedNode(text)


def text(value: str, language: str | None = None) -> ox.Literal:
    """A plain literal, or a language-tagged one."""
    return ox.Literal(value, language=language)


def code_column(column: str) -> str:
    """The column giving the code of the grouping column ``column`` (dimension -> dimension_code)."""
    return f"{column}_code"


def grouping_iri(ns: str, column: str, code: str) -> str:
    """The IRI of the grouping of ``column`` whose code is ``code`` (e.g. .../sdg-2025/subdimension-17-13)."""
    return f"{ns}{column.replace('_', '')}-{slug(code)}"


def name_iri(ns: str, column: str, path: list[str]) -> str:
    """The IRI minted from the grouping's name and the names above it (``path``, slugged, outermost first)."""
    return f"{ns}{column.replace('_', '')}-{'-'.join(path)}"


def groups(
    out: Triples, ns: str, framework: ox.NamedNode, document: ox.NamedNode, row: Row, *, retire: bool = False
) -> dict[str, ox.NamedNode]:
    """The row's dimension, sub-dimension and category concepts, each below the one before.

    ``retire`` keeps the name IRI of every grouping that has a code as a retired IRI replaced by the code's.
    """
    found: dict[str, ox.NamedNode] = {}
    parent: ox.NamedNode | None = None
    path: list[str] = []
    for column, (cls, _) in GROUPS.items():
        name = row.values.get(column, "")
        if not name:
            continue
        path.append(slug(name).lower())
        code = row.values.get(code_column(column), "").strip()
        node = iri(grouping_iri(ns, column, code) if code else name_iri(ns, column, path))
        out.add(node, RDF + "type", iri(SCK + cls))
        out.add(node, SKOS + "prefLabel", text(name, "en"))
        out.add(node, SKOS + "inScheme", framework)
        out.add(node, DCTERMS + "source", document)
        if code:
            out.add(node, SKOS + "notation", text(code))
            if retire:
                _retired(out, iri(name_iri(ns, column, path)), node, name)
        if parent is None:
            out.add(node, SKOS + "topConceptOf", framework)
            out.add(framework, SKOS + "hasTopConcept", node)
        else:
            out.add(node, SKOS + "broader", parent)
        found[column] = parent = node
    return found


def _retired(out: Triples, old: ox.NamedNode, new: ox.NamedNode, name: str) -> None:
    """The published name IRI ``old`` of a grouping now at ``new``: its label, its replacement, deprecated."""
    out.prefixes["owl"] = OWL
    out.add(old, RDFS + "label", text(name, "en"))
    out.add(old, DCTERMS + "isReplacedBy", new)
    out.add(old, OWL + "deprecated", ox.Literal("true", datatype=iri(XSD + "boolean")))
