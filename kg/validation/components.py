"""The registry of constraint compilers: one per SHACL constraint component the Oxigraph engine supports.

As pySHACL registers a class per constraint component, each component here is registered by its
IRI (``COMPONENTS``) with the parameters that declare it on a shape and one compiler, of one of
three kinds:

- a value test (sh:class, sh:in, sh:nodeKind, sh:pattern, sh:languageIn, sh:or): a SPARQL
  expression true when one value node passes; it also serves inside value shapes
  (sh:qualifiedValueShape, the members of sh:or);
- a property rule (sh:minCount, sh:maxCount, sh:qualifiedMinCount, sh:qualifiedMaxCount,
  sh:datatype, sh:minInclusive, sh:maxInclusive, sh:minExclusive, sh:maxExclusive): a pattern
  over all value nodes of a property shape's path, with, for the last five, the last word said
  in Python on the values the pattern cannot clear (as pySHACL decides);
- a node rule (sh:xone, sh:sparql): a whole Check of a node shape.

A parameter no component declares is refused by the shape compiler (kg.validation.compiler), so
the engine runs only what it implements exactly. To support a component, register it here.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from rdflib import RDF, RDFS, XSD, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from kg.validation.shapes import Breaks, Check, ShapeReader, constant

ValueTest = Callable[[ShapeReader, Node, str, str], str]
"""(reader, the parameter's value, the value's variable, where) -> an expression true when the value passes."""
PropertyRule = Callable[[ShapeReader, Node, Node, Node, str, str], tuple[str | None, Breaks | None]]
"""(reader, property shape, parameter's value, path, focus-node pattern, where) -> (pattern of breaches, breaks)."""
NodeRule = Callable[[ShapeReader, Node, Node, str, dict[str, str], str], Check]
"""(reader, node shape, parameter's value, focus-node pattern, the shape's prefixes, where) -> the check."""


@dataclass(frozen=True)
class Component:
    """A SHACL constraint component: its IRI, the parameter that declares it, any other it reads, its compiler."""

    iri: URIRef
    parameter: URIRef
    others: tuple[URIRef, ...] = ()
    value_test: ValueTest | None = None
    property_rule: PropertyRule | None = None
    node_rule: NodeRule | None = None


COMPONENTS: dict[URIRef, Component] = {}
"""The supported constraint components, by IRI (e.g. sh:MinCountConstraintComponent)."""


def register(component: Component) -> None:
    """Add ``component`` to the registry (replacing one with the same IRI)."""
    COMPONENTS[component.iri] = component


def declared_by(parameter: Node) -> Component | None:
    """The registered component that ``parameter`` declares (sh:minCount: sh:MinCountConstraintComponent)."""
    return next((c for c in COMPONENTS.values() if c.parameter == parameter), None)


def parameters(kind: str) -> set[URIRef]:
    """Every parameter of the components of ``kind``: "value", "property" (value tests included) or "node"."""
    kinds = {
        "value": lambda c: c.value_test is not None,
        "property": lambda c: c.value_test is not None or c.property_rule is not None,
        "node": lambda c: c.node_rule is not None,
    }
    of_kind: Callable[[Component], bool] = kinds[kind]
    return {p for c in COMPONENTS.values() if of_kind(c) for p in (c.parameter, *c.others)}


def _value(iri: URIRef, parameter: URIRef) -> Callable[[ValueTest], ValueTest]:
    def add(test: ValueTest) -> ValueTest:
        register(Component(iri, parameter, value_test=test))
        return test

    return add


# ----------------------------------------------------------------- value tests

_TYPE = f"<{RDF.type}>/<{RDFS.subClassOf}>*"  # instances of a class or of its subclasses
_NODE_KINDS: dict[Node, str] = {SH.IRI: "isIRI", SH.Literal: "isLiteral", SH.BlankNode: "isBlank"}
_NODE_KINDS |= {
    SH.BlankNodeOrIRI: "isBlank isIRI",
    SH.BlankNodeOrLiteral: "isBlank isLiteral",
    SH.IRIOrLiteral: "isIRI isLiteral",
}


@_value(SH.ClassConstraintComponent, SH["class"])
def _class(reader: ShapeReader, rule: Node, v: str, where: str) -> str:
    return f"EXISTS {{ {v} {_TYPE} {constant(rule)} }}"


@_value(SH.InConstraintComponent, SH["in"])
def _in(reader: ShapeReader, rule: Node, v: str, where: str) -> str:
    return "(" + (" || ".join(f"sameTerm({v}, {constant(m)})" for m in reader.items(rule)) or "false") + ")"


@_value(SH.NodeKindConstraintComponent, SH.nodeKind)
def _node_kind(reader: ShapeReader, rule: Node, v: str, where: str) -> str:
    if rule not in _NODE_KINDS:
        raise reader.refuse(where, f"sh:nodeKind {reader.name(rule)}")
    return "(" + " || ".join(f"{test}({v})" for test in _NODE_KINDS[rule].split()) + ")"


@_value(SH.PatternConstraintComponent, SH.pattern)
def _pattern(reader: ShapeReader, rule: Node, v: str, where: str) -> str:
    return f"(!isBlank({v}) && REGEX(STR({v}), {constant(Literal(str(rule)))}))"


@_value(SH.LanguageInConstraintComponent, SH.languageIn)
def _language_in(reader: ShapeReader, rule: Node, v: str, where: str) -> str:
    tags = [str(t).lower() for t in reader.items(rule)]  # as pySHACL: the whole tag or its first subtag, any case
    listed = ", ".join(constant(Literal(t)) for t in tags)
    first = f'LCASE(STRBEFORE(CONCAT(lang({v}), "-"), "-"))'
    match = "true" if "*" in tags else f"(LCASE(lang({v})) IN ({listed}) || {first} IN ({listed}))"
    return f'(isLiteral({v}) && lang({v}) != "" && {match})'


@_value(SH.OrConstraintComponent, SH["or"])
def _or(reader: ShapeReader, rule: Node, v: str, where: str) -> str:
    members = [value_shape_ok(reader, m, v, f"a member of the sh:or of {where}") for m in reader.items(rule)]
    return "(" + " || ".join(members) + ")"


def value_shape_ok(reader: ShapeReader, shape: Node, v: str, where: str) -> str:
    """A value shape (of sh:qualifiedValueShape or sh:or) as one expression on ``v``: all its value tests.

    Raises UnsupportedShape if the shape has a parameter that is not a value test's.
    """
    tests: dict[Node, ValueTest] = {c.parameter: c.value_test for c in COMPONENTS.values() if c.value_test}
    reader.allow(shape, tests, where)
    rules = [(p, r) for p, r in reader.parameters(shape) if p in tests]
    return "(" + (" && ".join(tests[p](reader, r, v, where) for p, r in rules) or "true") + ")"


# ----------------------------------------------------------------- property rules


def _counted(
    reader: ShapeReader, path: Node, op: str, n: int, targets: str, where: str, ok: Callable[[str], str] | None = None
) -> str | None:
    """A pattern binding ?this when its number of values of ``path`` (passing ``ok``) is ``op n``."""
    a, b, c = next(reader.names), next(reader.names), next(reader.names)

    def test(v: str) -> str:
        return f" FILTER({ok(v)})" if ok else ""

    if (op, n) == ("<", 0):
        return None
    if (op, n) == ("<", 1):
        exists = reader.values(path, a, where) if ok else f"?this {'/'.join(reader.steps(path, where))} {a} ."
        return f"{targets} FILTER NOT EXISTS {{ {exists}{test(a)} }}"
    values_a, values_b = reader.values(path, a, where), reader.values(path, b, where)
    if (op, n) == (">", 1):
        return f"{targets} {values_a}{test(a)} {values_b}{test(b)} FILTER(!sameTerm({a}, {b}))"
    grouped = f"SELECT ?this (COUNT(DISTINCT {a}) AS {c}) WHERE {{ {targets} OPTIONAL {{ {values_a}{test(a)} }} }}"
    return f"{{ {grouped} GROUP BY ?this }} FILTER({c} {op} {n})"


def _count_rule(param: URIRef, op: str) -> PropertyRule:
    def rule(
        reader: ShapeReader, shape: Node, _n: Node, path: Node, targets: str, where: str
    ) -> tuple[str | None, None]:
        return _counted(reader, path, op, reader.count(shape, param, where), targets, where), None

    return rule


def _qualified_rule(param: URIRef, op: str) -> PropertyRule:
    def rule(
        reader: ShapeReader, shape: Node, _n: Node, path: Node, targets: str, where: str
    ) -> tuple[str | None, None]:
        inner = reader.one(shape, SH.qualifiedValueShape, where)

        def ok(v: str) -> str:
            return value_shape_ok(reader, inner, v, f"the sh:qualifiedValueShape of {where}")

        return _counted(reader, path, op, reader.count(shape, param, where), targets, where, ok), None

    return rule


register(Component(SH.MinCountConstraintComponent, SH.minCount, property_rule=_count_rule(SH.minCount, "<")))
register(Component(SH.MaxCountConstraintComponent, SH.maxCount, property_rule=_count_rule(SH.maxCount, ">")))
for _iri, _param, _op in (
    (SH.QualifiedMinCountConstraintComponent, SH.qualifiedMinCount, "<"),
    (SH.QualifiedMaxCountConstraintComponent, SH.qualifiedMaxCount, ">"),
):
    register(Component(_iri, _param, (SH.qualifiedValueShape,), property_rule=_qualified_rule(_param, _op)))

# Lexical forms that surely pass sh:datatype; other values are judged in Python, as pySHACL judges them.
# A store keeps a well-formed number in its canonical form and an ill-formed one as written.
_SURELY_WELL_FORMED: dict[Node, str] = {XSD.string: "true", XSD.integer: 'REGEX(STR(?value), "^[+-]?[0-9]+$")'}
_SURELY_WELL_FORMED[XSD.positiveInteger] = 'REGEX(STR(?value), "^[1-9][0-9]*$")'
_PYTHON_TYPES: dict[Node, type | tuple[type, ...]] = {XSD.string: (str, bytes), RDF.langString: (str, bytes)}
_PYTHON_TYPES |= {XSD.integer: int, XSD.float: float, XSD.decimal: Decimal, XSD.boolean: bool}
_PYTHON_TYPES |= {XSD.date: date, XSD.time: time, XSD.dateTime: datetime}


def datatype_ok(value: Node | None, rule: Node) -> bool:
    """Whether ``value`` satisfies sh:datatype ``rule``, decided as pySHACL 0.40 decides it."""
    if not isinstance(value, Literal):
        return False
    kind = _PYTHON_TYPES.get(rule, object)
    if value.datatype == rule:
        return value.ill_typed is not True and isinstance(value.value, kind)
    if rule in (RDFS.Literal, RDFS.Datatype):
        return rule == RDFS.Literal or value.datatype is not None
    if rule == XSD.string and value.datatype is None and not value.language:
        return isinstance(value.value, kind)
    return rule == RDF.langString and bool(value.language) and isinstance(value.value, kind)


def _datatype(reader: ShapeReader, shape: Node, rule: Node, path: Node, targets: str, where: str) -> tuple[str, Breaks]:
    surely = _SURELY_WELL_FORMED.get(rule, "false")
    known = f'isLiteral(?value) && lang(?value) = "" && sameTerm(datatype(?value), {constant(rule)})'

    def breaks(value: Node | None) -> bool:
        return not datatype_ok(value, rule)

    return f"{targets} {reader.values(path, '?value', where)} FILTER(!({known} && {surely}))", breaks


register(Component(SH.DatatypeConstraintComponent, SH.datatype, property_rule=_datatype))

# sh:minInclusive and the like: SPARQL clears the numbers that surely pass; pySHACL's comparison decides the rest.
_NUMBERS = ", ".join(f"<{XSD}{n}>" for n in ["integer", "decimal", "float", "double"])
_RANGES = {
    SH.minInclusive: (SH.MinInclusiveConstraintComponent, ">=", lambda order: order >= 0),
    SH.minExclusive: (SH.MinExclusiveConstraintComponent, ">", lambda order: order > 0),
    SH.maxInclusive: (SH.MaxInclusiveConstraintComponent, "<=", lambda order: order <= 0),
    SH.maxExclusive: (SH.MaxExclusiveConstraintComponent, "<", lambda order: order < 0),
}


def range_ok(value: Node | None, bound: Node, passes: Callable[[int], bool]) -> bool:
    """Whether ``value`` compares with ``bound`` as ``passes`` asks (order: -1, 0 or 1), decided as pySHACL 0.40
    decides it: a blank node, an IRI, text against a non-text bound (or the reverse) or values that cannot be
    compared fail."""
    if not isinstance(value, Literal) or not isinstance(bound, Literal):
        return False
    if isinstance(value.value, str) != isinstance(bound.value, str):
        return False
    try:
        if value.eq(bound):
            return passes(0)
        if isinstance(value.value, datetime | time):  # pySHACL compares these by value
            return passes(0 if value.value == bound.value else 1 if value.value > bound.value else -1)
        return passes(1 if value > bound else -1)
    except (TypeError, NotImplementedError):
        return False


def _range_rule(param: URIRef) -> PropertyRule:
    _iri, op, passes = _RANGES[param]

    def rule(reader: ShapeReader, shape: Node, bound: Node, path: Node, targets: str, where: str) -> tuple[str, Breaks]:
        if not isinstance(bound, Literal):
            raise reader.refuse(where, f"its {reader.name(param)} is not a literal")
        number = isinstance(bound.value, int | float | Decimal) and not isinstance(bound.value, bool)
        surely = f"datatype(?value) IN ({_NUMBERS}) && ?value {op} {constant(bound)}" if number else "false"

        def breaks(value: Node | None) -> bool:
            return not range_ok(value, bound, passes)

        clear = f"COALESCE(isLiteral(?value) && {surely}, false)"  # an error (not comparable) is not clear
        return f"{targets} {reader.values(path, '?value', where)} FILTER(!{clear})", breaks

    return rule


for _param, (_iri, _op, _passes) in _RANGES.items():
    register(Component(_iri, _param, property_rule=_range_rule(_param)))


# ----------------------------------------------------------------- node rules

_XONE_MEMBER_PARAMS = {SH.path, SH.minCount}
_SELECT_PARAMS = {SH.prefixes, SH.select}  # of a sh:SPARQLTarget; a sh:SPARQLConstraint may add sh:message
# In a SHACL-SPARQL constraint these would apply to all focus nodes at once, not to each.
_PER_FOCUS_NODE = r"\b(LIMIT|OFFSET|GROUP\s+BY|HAVING|ORDER\s+BY)\b|\b(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\("


def _has_values(reader: ShapeReader, member: Node, where: str) -> str:
    """A sh:xone member (a property shape with sh:minCount at most) as an expression on ?this."""
    reader.allow(member, _XONE_MEMBER_PARAMS, where)
    path = reader.one(member, SH.path, where)
    names = [next(reader.names) for _ in range(reader.count(member, SH.minCount, where))]
    distinct = "".join(f" FILTER(!sameTerm({a}, {b}))" for a, b in itertools.combinations(names, 2))
    return f"EXISTS {{ {' '.join(reader.values(path, v, where) for v in names)}{distinct} }}" if names else "true"


def _xone(reader: ShapeReader, shape: Node, rule: Node, targets: str, prefixes: dict[str, str], where: str) -> Check:
    tests = [_has_values(reader, m, f"a member of the sh:xone of {where}") for m in reader.items(rule)]
    pattern = f"{targets} FILTER(({' + '.join(f'IF({t}, 1, 0)' for t in tests)}) != 1)"
    messages, severity = reader.messages(shape, where), reader.severity(shape)
    return Check(shape, SH.XoneConstraintComponent, None, pattern, messages, severity, "?this", focus_as_value=True)


def _sparql(
    reader: ShapeReader, shape: Node, constraint: Node, targets: str, prefixes: dict[str, str], _where: str
) -> Check:
    where = f"the SPARQL constraint {reader.name(constraint)} of {reader.name(shape)}"
    reader.allow(constraint, _SELECT_PARAMS | {SH.message}, where)
    reader.prefixes(constraint, prefixes, where)
    text = reader.select(constraint, where)
    if per_focus_node := re.search(_PER_FOCUS_NODE, text, re.I):
        raise reader.refuse(where, f"its sh:select uses {per_focus_node.group(0).strip(' (')}")
    head = re.match(r"\s*SELECT\s+((?:DISTINCT\s+|REDUCED\s+)?)(.*?)\bWHERE\s*\{", text, re.I | re.S)
    if not head or re.search(r"\?failure\b", head.group(2)):
        raise reader.refuse(where, "its sh:select is not of the form SELECT ... WHERE { ... } without ?failure")
    listed = head.group(2).strip() == "*" or re.search(r"\?this\b", head.group(2))
    projection = head.group(2) if listed else f"?this {head.group(2)}"
    body = f"SELECT {head.group(1)}{projection} WHERE {{ {targets} " + text[head.end() :]
    messages = reader.messages(constraint, where, required=False) + reader.messages(shape, where, required=False)
    if not messages:
        raise reader.refuse(where, "neither it nor its shape has a sh:message")
    severity = reader.severity(shape)
    return Check(shape, SH.SPARQLConstraintComponent, None, f"{{ {body} }}", messages, severity, "*", constraint)


register(Component(SH.XoneConstraintComponent, SH.xone, node_rule=_xone))
register(Component(SH.SPARQLConstraintComponent, SH.sparql, node_rule=_sparql))

SELECT_PARAMS = frozenset(_SELECT_PARAMS)
"""The parameters a sh:SPARQLTarget may have."""
