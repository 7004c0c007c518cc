"""Reading a SHACL shapes graph for the SPARQL compiler: parameters, paths, SPARQL text, refusals.

A ShapeReader wraps the shapes graph (rdflib) and gives the constraint compilers
(kg.validation.components) and the shape compiler (kg.validation.compiler) what they need:
a parameter's single value, a count, an RDF list, a property path as SPARQL steps, a pattern
binding the value nodes of a path (as the store holds them: see kg.validation), the
messages, the prefixes and the sh:select text of a SHACL-SPARQL constraint or target. Whatever
it cannot read exactly it refuses with UnsupportedShape, naming the shape and the feature, so
that a change to the shapes can never be skipped silently.

Constants from the shapes graph are written as N-Triples terms (``constant``); values from the
data never enter query text. ``Check`` is what a constraint compiles to.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Identifier, Node

from kg.errors import UnsupportedShape
from kg.namespaces import compact
from kg.terms import to_oxigraph

ANNOTATIONS = frozenset({SH.name, SH.description, SH.order, SH.group})
"""Non-validating sh: parameters any shape may have."""

Breaks = Callable[["Node | None"], bool]


@dataclass
class Check:
    """One constraint as a SPARQL group pattern that binds ?this (and ?value) once per validation result.

    ``projection``: what the SELECT of its results lists; ``constraint``: the sh:sparql constraint it
    comes from; ``breaks``: the last word on ?value, in Python (sh:datatype); ``focus_as_value``: the
    result's value is the focus node (sh:xone, as pySHACL reports it).
    """

    shape: Node
    component: URIRef
    path: Node | None
    pattern: str
    messages: list[str]
    severity: URIRef
    projection: str = "?this ?value"
    constraint: Node | None = None
    breaks: Breaks | None = None
    focus_as_value: bool = False


def ordered(nodes: Iterable[Node]) -> list[Identifier]:
    """``nodes`` in rdflib's order (by kind, then by text): the compiler walks the shapes graph in it."""
    return sorted(n for n in nodes if isinstance(n, Identifier))


def constant(node: Node) -> str:
    """A constant from the shapes graph in N-Triples syntax (escaped by Oxigraph).

    Raises UnsupportedShape for a blank node (the store renames them).
    """
    if isinstance(node, BNode):
        raise UnsupportedShape(f"the shapes use the blank node {node} as a constant; the Oxigraph engine needs IRIs.")
    return str(to_oxigraph(node))


class ShapeReader:
    """The shapes graph ``graph`` as the compiler reads it."""

    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.names = (f"?v{n}" for n in itertools.count())  # fresh SPARQL variables

    def refuse(self, where: str, what: str) -> UnsupportedShape:
        """The refusal of the shape part ``where`` because of ``what``, with the advice and the fallback's reason."""
        return UnsupportedShape(
            f"{where}: {what}, which the Oxigraph validation engine does not support; "
            "validate with --engine pyshacl, or teach kg/validation/components.py the feature.",
            f"{where}: {what}, which the Oxigraph engine does not support.",
        )

    def name(self, node: Node) -> str:
        """A shape's name in messages: its compact IRI, or ``[ ]`` for a blank node."""
        return compact(str(node)) if isinstance(node, URIRef) else "[ ]"

    def allow(self, node: Node, allowed: Iterable[Node], where: str) -> None:
        """Raises UnsupportedShape if ``node`` has an sh: parameter outside ``allowed`` and the annotations."""
        accepted = set(allowed) | ANNOTATIONS
        for param in ordered(set(self.g.predicates(node))):
            if param.startswith(str(SH)) and param not in accepted:
                raise self.refuse(where, f"it uses {compact(str(param))}")

    def one(self, node: Node, param: URIRef, where: str) -> Node:
        """The single value of ``param`` on ``node``; UnsupportedShape if it has none or several."""
        values = list(self.g.objects(node, param))
        if len(values) != 1:
            raise self.refuse(where, f"it has {len(values)} values of {compact(str(param))}")
        return values[0]

    def count(self, node: Node, param: URIRef, where: str) -> int:
        """The single integer value of ``param`` on ``node`` (sh:minCount ...); UnsupportedShape otherwise."""
        value = self.one(node, param, where)
        if not isinstance(value, Literal) or not isinstance(value.value, int):
            raise self.refuse(where, f"its {compact(str(param))} is not an integer")
        return value.value

    def parameters(self, node: Node) -> list[tuple[Identifier, Identifier]]:
        """The (parameter, value) pairs of ``node``, in rdflib's order."""
        pairs = ((p, o) for p, o in self.g.predicate_objects(node) if isinstance(p, Identifier))
        return sorted((p, o) for p, o in pairs if isinstance(o, Identifier))

    def items(self, node: Node) -> list[Node]:
        """The members of the RDF list ``node``."""
        return list(Collection(self.g, node))

    def steps(self, path: Node, where: str) -> list[str]:
        """The SPARQL steps of a predicate path or a sequence path; UnsupportedShape for any other path."""
        if isinstance(path, URIRef):
            return [constant(path)]
        if (path, RDF.first, None) in self.g and len(self.items(path)) > 1:
            return [step for item in self.items(path) for step in self.steps(item, where)]
        raise self.refuse(where, "its sh:path is neither an IRI nor a sequence path")

    def values(self, path: Node, v: str, where: str) -> str:
        """A pattern binding ``v`` to each value node of ?this's ``path``."""
        return f"{{ ?this {'/'.join(self.steps(path, where))} {v} . }}"

    def messages(self, node: Node, where: str, *, required: bool = True) -> list[str]:
        """The sh:message values of ``node``, sorted; UnsupportedShape if ``required`` and there is none."""
        messages = sorted(str(m) for m in self.g.objects(node, SH.message))
        if required and not messages:
            raise self.refuse(where, "it has no sh:message (pySHACL's generic messages are not reproduced)")
        return messages

    def severity(self, shape: Node) -> URIRef:
        """The shape's sh:severity, sh:Violation by default."""
        severity = self.g.value(shape, SH.severity)
        return URIRef(str(severity)) if severity is not None else SH.Violation

    def prefixes(self, node: Node, into: dict[str, str], where: str) -> None:
        """Add the sh:prefixes declarations of ``node`` to ``into``; UnsupportedShape on a malformed or clashing one."""
        for ontology in self.g.objects(node, SH.prefixes):
            for declaration in self.g.objects(ontology, SH.declare):
                prefix = str(self.one(declaration, SH.prefix, where))
                namespace = str(self.one(declaration, SH.namespace, where))
                try:
                    ox.NamedNode(namespace)  # an IRI, or the PREFIX line would not parse
                except ValueError:
                    raise self.refuse(where, f"its namespace {namespace!r} is not an IRI") from None
                if not re.fullmatch(r"[A-Za-z][\w.-]*|", prefix) or into.setdefault(prefix, namespace) != namespace:
                    raise self.refuse(where, f"its prefix {prefix!r} is malformed or declared twice differently")

    def select(self, node: Node, where: str, *, nested: bool = False) -> str:
        """The sh:select text with $this as ?this. A target (``nested``) may hold subqueries: it runs once over
        the whole graph in both engines, whereas a constraint's subquery would not see $this pre-bound."""
        text = str(self.one(node, SH.select, where))
        bad = re.search(r"^\s*(PREFIX|BASE)\b|\b(MINUS|VALUES|SERVICE)\b|\$(?!this\b)\w+", text, re.I | re.M)
        selects = len(re.findall(r"\bSELECT\b", text, re.I))
        if bad or selects < 1 or (selects > 1 and not nested):
            raise self.refuse(where, f"its sh:select uses {bad.group(0).strip() if bad else 'a nested SELECT'}")
        return re.sub(r"\$this\b", "?this", text)
