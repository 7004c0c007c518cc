"""Compile a SHACL shapes graph to SPARQL: per node shape, its focus nodes and one Check per constraint.

For each shape with a target (sh:targetClass, sh:targetSubjectsOf, SHACL-AF sh:SPARQLTarget),
``compile_shapes`` writes one SELECT of its focus nodes, and for each constraint of the shape
and of its property shapes one Check: a SPARQL group pattern binding ?this (and ?value) once per
validation result, compiled by the constraint component's compiler (kg.validation.components).
The checks join from the focus nodes that the Oxigraph engine writes into the store (the named
graph FOCUS, each node ``node FOCUS_OF FOCUS``): no query runs per focus node.

A shape using a parameter no registered component declares, or a target, path or value the
compiler cannot read exactly, is refused with UnsupportedShape naming the shape and the feature.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import OWL, SH
from rdflib.term import Node

from kg.namespaces import compact
from kg.validation.components import COMPONENTS, SELECT_PARAMS, declared_by, parameters
from kg.validation.shapes import Check, ShapeReader, constant, ordered

# The IRIs keep the name of the module that introduced them (kg.fastvalidate).
FOCUS = ox.NamedNode("urn:smartcity-kg:fastvalidate:focus-nodes")
"""The named graph holding the focus nodes of the shape being checked."""
FOCUS_OF = ox.NamedNode("urn:smartcity-kg:fastvalidate:focus-node-of")
"""The predicate of the FOCUS graph's statements ``node FOCUS_OF FOCUS``."""

_TYPE = f"<{RDF.type}>/<{RDFS.subClassOf}>*"  # instances of a class or of its subclasses
_TARGETS = {SH.targetClass, SH.targetSubjectsOf, SH.target}
# A focus-node pattern: the nodes validate_store wrote into the store for the shape being checked,
# computed once per shape, and a start Oxigraph's planner joins from, instead of a subquery per check.
_FOCUS_NODES = f"GRAPH {FOCUS} {{ ?this {FOCUS_OF} {FOCUS} }}"


@dataclass
class CompiledShape:
    """A node shape compiled: ``targets`` selects its focus nodes (?this), ``checks`` its constraints."""

    node: Node
    checks: list[Check]
    prefixes: dict[str, str]
    targets: str = ""  # a SELECT DISTINCT ?this of the shape's focus nodes

    def query(self, body: str) -> str:
        """``body`` with the PREFIX lines of the shape's sh:prefixes declarations."""
        return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(self.prefixes.items())) + body

    def ask(self) -> str:
        """An ASK that is true when any focus node breaks any of the shape's constraints."""
        return self.query("ASK {\n" + "\nUNION\n".join(f"{{ {c.pattern} }}" for c in self.checks) + "\n}")


@dataclass
class Shapes:
    """A compiled shapes graph: ``graph`` (blank-node shapes in ShapeProblem.shape are its nodes) and its shapes."""

    graph: Graph
    shapes: list[CompiledShape]


def compile_shapes(graph: Graph) -> Shapes:
    """Every shape of the shapes graph ``graph`` that has a target, compiled.

    Raises UnsupportedShape if a shape uses a feature the Oxigraph engine does not implement.
    """
    reader = ShapeReader(graph)
    for param in (SH.targetNode, SH.targetObjectsOf):
        for shape in graph.subjects(param, None):
            raise reader.refuse(reader.name(shape), f"it uses {compact(str(param))}")
    targeted = {s for p in _TARGETS for s in graph.subjects(p, None)}
    compiled = [_node_shape(reader, shape) for shape in ordered(targeted)]
    return Shapes(graph, compiled)


def _node_shape(reader: ShapeReader, shape: Node) -> CompiledShape:
    g, where = reader.g, reader.name(shape)
    node_params = parameters("node")
    reader.allow(shape, _TARGETS | node_params | {SH.property, SH.message, SH.severity}, where)
    if set(g.objects(shape, RDF.type)) & {RDFS.Class, OWL.Class}:
        raise reader.refuse(where, "it is also a class (an implicit class target)")
    compiled = CompiledShape(shape, [], {})
    parts = [f"{{ ?this {_TYPE} {constant(c)} }}" for c in ordered(g.objects(shape, SH.targetClass))]
    parts += [f"{{ ?this {constant(p)} [] }}" for p in ordered(g.objects(shape, SH.targetSubjectsOf))]
    for target in g.objects(shape, SH.target):
        target_where = f"the sh:target of {where}"
        if g.value(target, RDF.type) != SH.SPARQLTarget:
            raise reader.refuse(target_where, "it is not a sh:SPARQLTarget")
        reader.allow(target, SELECT_PARAMS, target_where)
        reader.prefixes(target, compiled.prefixes, target_where)
        parts.append(f"{{ {reader.select(target, target_where, nested=True)} }}")
    compiled.targets = "SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " }"
    for prop in ordered(g.objects(shape, SH.property)):
        compiled.checks += _property_checks(reader, prop, where)
    for component in COMPONENTS.values():  # sh:xone, sh:sparql: constraints of the node shape itself
        if component.node_rule is not None:
            for rule in ordered(g.objects(shape, component.parameter)):
                check = component.node_rule(reader, shape, rule, _FOCUS_NODES, compiled.prefixes, where)
                compiled.checks.append(check)
    return compiled


def _property_checks(reader: ShapeReader, shape: Node, owner: str) -> list[Check]:
    """One Check per constraint of the property shape ``shape`` of the node shape named ``owner``."""
    path = reader.one(shape, SH.path, f"a property shape of {owner}")
    name = f"{reader.name(shape)} " if isinstance(shape, URIRef) else ""
    where = f"the property shape {name}(sh:path {' / '.join(reader.steps(path, owner))}) of {owner}"
    reader.allow(shape, parameters("property") | {SH.path, SH.message, SH.severity}, where)
    messages, severity = reader.messages(shape, where), reader.severity(shape)
    values = reader.values(path, "?value", where)
    checks = []
    for param, rule in reader.parameters(shape):
        component = declared_by(param)
        if component is None:  # sh:path, sh:message, sh:qualifiedValueShape, annotations
            continue
        breaks = None
        if component.value_test is not None:
            pattern: str | None = (
                f"{_FOCUS_NODES} {values} FILTER(!{component.value_test(reader, rule, '?value', where)})"
            )
        elif component.property_rule is not None:
            pattern, breaks = component.property_rule(reader, shape, rule, path, _FOCUS_NODES, where)
        else:  # a node-level component (sh:sparql) on a property shape: allow() has refused it already
            continue
        if pattern:
            checks.append(Check(shape, component.iri, path, pattern, messages, severity, breaks=breaks))
    return checks
