"""Compile the project's SHACL shapes to SPARQL for the Oxigraph engine (kg.fastvalidate runs them).

Per shape: a query listing its focus nodes, and per constraint a group pattern binding ?this
(and ?value) once per result, joined to the focus nodes that kg.fastvalidate writes into the
store; SHACL-SPARQL constraints included (``$this`` becomes a projected variable).

It knows exactly the SHACL features the shapes file uses (the ``_*_PARAMS`` sets below) and
refuses a shape that uses any other, naming the shape and the feature, so that a change to the
shapes cannot be skipped silently. Constants from the shapes file are written as N-Triples
terms; values from the data never enter query text.

Oxigraph stores numbers, booleans, dates and durations normalised ("03"^^xsd:positiveInteger
becomes "3"^^xsd:integer). SHACL needs them as written (sh:datatype, sh:value, counting distinct
values), so the core constraints read values from a named graph of literals as written, under a
stand-in datatype that Oxigraph leaves alone (kg.fastvalidate.validation_store fills it).
SHACL-SPARQL constraints see the default graph, as any query does.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, SH
from rdflib.term import Node

from .errors import UnsupportedShape
from .namespaces import compact
from .terms import to_oxigraph, to_rdflib

# The sh: parameters each kind of shape node may have; any other sh: parameter is refused.
_ANNOTATIONS = {SH.name, SH.description, SH.order, SH.group}
_VALUE_PARAMS = {SH["class"], SH["in"], SH.nodeKind, SH.pattern, SH.languageIn, SH["or"]}  # tests of one value
_NODE_PARAMS = {SH.targetClass, SH.targetSubjectsOf, SH.target, SH.property, SH.sparql, SH.xone, SH.message}
_NODE_PARAMS |= {SH.severity}
_COUNTS = {SH.minCount, SH.maxCount, SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount}
_PROPERTY_PARAMS = _VALUE_PARAMS | _COUNTS | {SH.path, SH.datatype, SH.message, SH.severity}
_XONE_MEMBER_PARAMS = {SH.path, SH.minCount}
_SELECT_PARAMS = {SH.prefixes, SH.select}  # of a sh:SPARQLTarget; a sh:SPARQLConstraint may add sh:message

_TYPE = f"<{RDF.type}>/<{RDFS.subClassOf}>*"  # instances of a class or of its subclasses
_NODE_KINDS = {SH.IRI: "isIRI", SH.Literal: "isLiteral", SH.BlankNode: "isBlank", SH.BlankNodeOrIRI: "isBlank isIRI"}
_NODE_KINDS |= {SH.BlankNodeOrLiteral: "isBlank isLiteral", SH.IRIOrLiteral: "isIRI isLiteral"}
# In a SHACL-SPARQL constraint these would apply to all focus nodes at once, not to each.
_PER_FOCUS_NODE = r"\b(LIMIT|OFFSET|GROUP\s+BY|HAVING|ORDER\s+BY)\b|\b(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\("
# Lexical forms that surely pass sh:datatype; other values are judged in Python, as pySHACL judges them.
_SURELY_WELL_FORMED = {XSD.string: "true", XSD.positiveInteger: 'REGEX(STR(?value), "^[1-9][0-9]*$")'}
_PYTHON_TYPES = {XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int, XSD.float: float}
_PYTHON_TYPES |= {XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: date, XSD.time: time, XSD.dateTime: datetime}

# The datatypes Oxigraph normalises when it stores a literal; it stores all of them as one of _STORED.
_STORED = "boolean float double decimal integer dateTime time date gYearMonth gYear gMonthDay gDay gMonth duration"
_STORED += " yearMonthDuration dayTimeDuration"
_DERIVED = "nonPositiveInteger negativeInteger long int short byte nonNegativeInteger unsignedLong unsignedInt"
_DERIVED += " unsignedShort unsignedByte positiveInteger dateTimeStamp"
_NORMALISED = {str(XSD[name]) for name in f"{_STORED} {_DERIVED}".split()}
_AS_WRITTEN = ox.NamedNode("urn:smartcity-kg:fastvalidate:literals-as-written")
_FOCUS = ox.NamedNode("urn:smartcity-kg:fastvalidate:focus-nodes")  # of the shape being checked
_FOCUS_OF = ox.NamedNode("urn:smartcity-kg:fastvalidate:focus-node-of")
_STAND_IN = "urn:smartcity-kg:fastvalidate:datatype:"  # + the datatype's IRI
_STORED_AS = "(isLiteral({v}) && datatype({v}) IN (" + ", ".join(f"<{XSD[n]}>" for n in _STORED.split()) + "))"


@dataclass
class Check:
    """One constraint as a SPARQL group pattern that binds ?this (and ?value) once per result."""

    shape: Node
    component: URIRef
    path: Node | None
    pattern: str
    messages: list[str]
    severity: URIRef
    projection: str = "?this ?value"
    constraint: Node | None = None  # the sh:sparql constraint
    breaks: Callable[[Node], bool] | None = None  # the last word on ?value, in Python (sh:datatype)


@dataclass
class CompiledShape:
    node: Node
    checks: list[Check]
    prefixes: dict[str, str]
    targets: str = ""  # a SELECT DISTINCT ?this of the shape's focus nodes

    def query(self, body: str) -> str:
        return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(self.prefixes.items())) + body

    def ask(self) -> str:
        return self.query("ASK {\n" + "\nUNION\n".join(f"{{ {c.pattern} }}" for c in self.checks) + "\n}")


@dataclass
class Shapes:
    graph: Graph  # the shapes graph compiled; blank-node shapes in Problem.shape are its nodes
    shapes: list[CompiledShape]
    predicates: frozenset[str]  # the last steps of the paths: their literals are kept as written


def _as_written(term: ox.Literal) -> ox.Literal:
    return ox.Literal(term.value, datatype=ox.NamedNode(_STAND_IN + term.datatype.value))


def _term(node: Node) -> str:
    """A constant from the shapes file in N-Triples syntax (escaped by Oxigraph), as the store keeps it."""
    if isinstance(node, BNode):
        raise UnsupportedShape(f"the shapes use the blank node {node} as a constant; the Oxigraph engine needs IRIs.")
    term = to_oxigraph(node)
    return str(_as_written(term) if isinstance(term, ox.Literal) and term.datatype.value in _NORMALISED else term)


def _from_store(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    if isinstance(term, ox.Literal) and term.datatype.value.startswith(_STAND_IN):
        return Literal(term.value, datatype=URIRef(term.datatype.value.removeprefix(_STAND_IN)))
    return to_rdflib(term)


def datatype_ok(value: Node, rule: URIRef) -> bool:
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


class _Compiler:
    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.names = (f"?v{n}" for n in itertools.count())
        self.predicates: set[str] = set()

    def refuse(self, where: str, what: str) -> UnsupportedShape:
        return UnsupportedShape(
            f"{where}: {what}, which the Oxigraph validation engine does not support; "
            "validate with --engine pyshacl, or teach kg/shapes_sparql.py the feature.",
            f"{where}: {what}, which the Oxigraph engine does not support.",
        )

    def name(self, node: Node) -> str:
        return compact(str(node)) if isinstance(node, URIRef) else "[ ]"

    def allow(self, node: Node, allowed: set[URIRef], where: str) -> None:
        for param in sorted(set(self.g.predicates(node))):
            if param.startswith(str(SH)) and param not in allowed | _ANNOTATIONS:
                raise self.refuse(where, f"it uses {compact(str(param))}")

    def one(self, node: Node, param: URIRef, where: str) -> Node:
        values = list(self.g.objects(node, param))
        if len(values) != 1:
            raise self.refuse(where, f"it has {len(values)} values of {compact(str(param))}")
        return values[0]

    def count(self, node: Node, param: URIRef, where: str) -> int:
        value = self.one(node, param, where)
        if not isinstance(value, Literal) or not isinstance(value.value, int):
            raise self.refuse(where, f"its {compact(str(param))} is not an integer")
        return value.value

    def items(self, node: Node) -> list[Node]:
        return list(Collection(self.g, node))

    def steps(self, path: Node, where: str) -> list[str]:
        if isinstance(path, URIRef):
            return [_term(path)]
        if (path, RDF.first, None) in self.g and len(self.items(path)) > 1:
            return [step for item in self.items(path) for step in self.steps(item, where)]
        raise self.refuse(where, "its sh:path is neither an IRI nor a sequence path")

    def values(self, path: Node, v: str, where: str) -> str:
        """A pattern binding ``v`` to each value of ?this's ``path``, literals as written (see validation_store)."""
        *head, last = self.steps(path, where)
        self.predicates.add(last[1:-1])
        middle = next(self.names) if head else "?this"
        lead = f"?this {'/'.join(head)} {middle} . " if head else ""
        stored = f"?this {'/'.join([*head, last])} {v} . FILTER(!{_STORED_AS.format(v=v)})"
        return f"{{ {{ {stored} }} UNION {{ {lead}GRAPH {_AS_WRITTEN} {{ {middle} {last} {v} }} }} }}"

    def messages(self, node: Node, where: str, *, required: bool = True) -> list[str]:
        messages = sorted(str(m) for m in self.g.objects(node, SH.message))
        if required and not messages:
            raise self.refuse(where, "it has no sh:message (pySHACL's generic messages are not reproduced)")
        return messages

    def prefixes(self, node: Node, into: dict[str, str], where: str) -> None:
        for ontology in self.g.objects(node, SH.prefixes):
            for declaration in self.g.objects(ontology, SH.declare):
                prefix = str(self.one(declaration, SH.prefix, where))
                namespace = ox.NamedNode(str(self.one(declaration, SH.namespace, where))).value
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

    def value_ok(self, param: URIRef, rule: Node, v: str, where: str) -> str:
        """An expression that is true when the value ``v`` passes the constraint."""
        if param == SH["class"]:
            return f"EXISTS {{ {v} {_TYPE} {_term(rule)} }}"
        if param == SH["in"]:
            return "(" + (" || ".join(f"sameTerm({v}, {_term(m)})" for m in self.items(rule)) or "false") + ")"
        if param == SH.nodeKind and rule in _NODE_KINDS:
            return "(" + " || ".join(f"{test}({v})" for test in _NODE_KINDS[rule].split()) + ")"
        if param == SH.pattern:
            return f"(!isBlank({v}) && REGEX(STR({v}), {_term(Literal(str(rule)))}))"
        if param == SH.languageIn:  # as pySHACL: the whole tag or its first subtag, in any case
            tags = [str(t).lower() for t in self.items(rule)]
            listed = ", ".join(_term(Literal(t)) for t in tags)
            first = f'LCASE(STRBEFORE(CONCAT(lang({v}), "-"), "-"))'
            match = "true" if "*" in tags else f"(LCASE(lang({v})) IN ({listed}) || {first} IN ({listed}))"
            return f'(isLiteral({v}) && lang({v}) != "" && {match})'
        if param == SH["or"]:
            members = [self.shape_ok(m, v, f"a member of the sh:or of {where}") for m in self.items(rule)]
            return "(" + " || ".join(members) + ")"
        raise self.refuse(where, f"{compact(str(param))} {self.name(rule)}")

    def shape_ok(self, shape: Node, v: str, where: str) -> str:
        """A value shape (of sh:qualifiedValueShape or sh:or) as one expression on ``v``."""
        self.allow(shape, _VALUE_PARAMS, where)
        rules = [(p, r) for p, r in sorted(self.g.predicate_objects(shape)) if p in _VALUE_PARAMS]
        return "(" + (" && ".join(self.value_ok(p, r, v, where) for p, r in rules) or "true") + ")"

    def counted(self, path: Node, op: str, n: int, targets: str, where: str, ok: Callable | None = None) -> str | None:
        """A pattern binding ?this when its number of values of ``path`` (passing ``ok``) is ``op n``."""
        a, b, c = next(self.names), next(self.names), next(self.names)
        test = (lambda v: f" FILTER({ok(v)})") if ok else (lambda v: "")
        if (op, n) == ("<", 0):
            return None
        if (op, n) == ("<", 1):
            exists = self.values(path, a, where) if ok else f"?this {'/'.join(self.steps(path, where))} {a} ."
            return f"{targets} FILTER NOT EXISTS {{ {exists}{test(a)} }}"
        values_a, values_b = self.values(path, a, where), self.values(path, b, where)
        if (op, n) == (">", 1):
            return f"{targets} {values_a}{test(a)} {values_b}{test(b)} FILTER(!sameTerm({a}, {b}))"
        grouped = f"SELECT ?this (COUNT(DISTINCT {a}) AS {c}) WHERE {{ {targets} OPTIONAL {{ {values_a}{test(a)} }} }}"
        return f"{{ {grouped} GROUP BY ?this }} FILTER({c} {op} {n})"

    def has_values(self, member: Node, where: str) -> str:
        """A sh:xone member (a property shape with sh:minCount at most) as an expression on ?this."""
        self.allow(member, _XONE_MEMBER_PARAMS, where)
        path = self.one(member, SH.path, where)
        names = [next(self.names) for _ in range(self.count(member, SH.minCount, where))]
        distinct = "".join(f" FILTER(!sameTerm({a}, {b}))" for a, b in itertools.combinations(names, 2))
        return f"EXISTS {{ {' '.join(self.values(path, v, where) for v in names)}{distinct} }}" if names else "true"

    def property_checks(self, shape: Node, targets: str, owner: str) -> list[Check]:
        path = self.one(shape, SH.path, f"a property shape of {owner}")
        name = f"{self.name(shape)} " if isinstance(shape, URIRef) else ""
        where = f"the property shape {name}(sh:path {' / '.join(self.steps(path, owner))}) of {owner}"
        self.allow(shape, _PROPERTY_PARAMS, where)
        messages, severity = self.messages(shape, where), self.g.value(shape, SH.severity) or SH.Violation
        checks = []
        for param, rule in sorted(self.g.predicate_objects(shape)):
            pattern, breaks, values = None, None, self.values(path, "?value", where)
            if param in (SH.minCount, SH.maxCount):
                op = "<" if param == SH.minCount else ">"
                pattern = self.counted(path, op, self.count(shape, param, where), targets, where)
            elif param in (SH.qualifiedMinCount, SH.qualifiedMaxCount):
                inner = self.one(shape, SH.qualifiedValueShape, where)
                ok = lambda v, s=inner: self.shape_ok(s, v, f"the sh:qualifiedValueShape of {where}")  # noqa: E731
                op = "<" if param == SH.qualifiedMinCount else ">"
                pattern = self.counted(path, op, self.count(shape, param, where), targets, where, ok)
            elif param in _VALUE_PARAMS:
                pattern = f"{targets} {values} FILTER(!{self.value_ok(param, rule, '?value', where)})"
            elif param == SH.datatype:
                surely = _SURELY_WELL_FORMED.get(rule, "false")
                stored = f"<{_STAND_IN}{rule}>" if str(rule) in _NORMALISED else _term(rule)
                known = f'isLiteral(?value) && lang(?value) = "" && sameTerm(datatype(?value), {stored})'
                pattern = f"{targets} {values} FILTER(!({known} && {surely}))"
                breaks = lambda v, r=rule: not datatype_ok(v, r)  # noqa: E731
            if pattern:
                local = param.removeprefix(str(SH))
                component = SH[local[0].upper() + local[1:] + "ConstraintComponent"]
                checks.append(Check(shape, component, path, pattern, messages, severity, breaks=breaks))
        return checks

    def sparql_check(self, shape: Node, constraint: Node, targets: str, severity: URIRef, prefixes: dict) -> Check:
        where = f"the SPARQL constraint {self.name(constraint)} of {self.name(shape)}"
        self.allow(constraint, _SELECT_PARAMS | {SH.message}, where)
        self.prefixes(constraint, prefixes, where)
        text = self.select(constraint, where)
        if per_focus_node := re.search(_PER_FOCUS_NODE, text, re.I):
            raise self.refuse(where, f"its sh:select uses {per_focus_node.group(0).strip(' (')}")
        head = re.match(r"\s*SELECT\s+((?:DISTINCT\s+|REDUCED\s+)?)(.*?)\bWHERE\s*\{", text, re.I | re.S)
        if not head or re.search(r"\?failure\b", head.group(2)):
            raise self.refuse(where, "its sh:select is not of the form SELECT ... WHERE { ... } without ?failure")
        listed = head.group(2).strip() == "*" or re.search(r"\?this\b", head.group(2))
        projection = head.group(2) if listed else f"?this {head.group(2)}"
        body = f"SELECT {head.group(1)}{projection} WHERE {{ {targets} " + text[head.end() :]
        messages = self.messages(constraint, where, required=False) + self.messages(shape, where, required=False)
        if not messages:
            raise self.refuse(where, "neither it nor its shape has a sh:message")
        return Check(shape, SH.SPARQLConstraintComponent, None, f"{{ {body} }}", messages, severity, "*", constraint)

    def node_shape(self, shape: Node) -> CompiledShape:
        where = self.name(shape)
        self.allow(shape, _NODE_PARAMS, where)
        if set(self.g.objects(shape, RDF.type)) & {RDFS.Class, OWL.Class}:
            raise self.refuse(where, "it is also a class (an implicit class target)")
        compiled = CompiledShape(shape, [], {})
        parts = [f"{{ ?this {_TYPE} {_term(c)} }}" for c in sorted(self.g.objects(shape, SH.targetClass))]
        parts += [f"{{ ?this {_term(p)} [] }}" for p in sorted(self.g.objects(shape, SH.targetSubjectsOf))]
        for target in self.g.objects(shape, SH.target):
            target_where = f"the sh:target of {where}"
            if self.g.value(target, RDF.type) != SH.SPARQLTarget:
                raise self.refuse(target_where, "it is not a sh:SPARQLTarget")
            self.allow(target, _SELECT_PARAMS, target_where)
            self.prefixes(target, compiled.prefixes, target_where)
            parts.append(f"{{ {self.select(target, target_where, nested=True)} }}")
        compiled.targets = "SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " }"
        # The checks read the focus nodes that validate_store wrote into the store: computed once
        # per shape, and a start Oxigraph's planner joins from, instead of a subquery per check.
        targets = f"GRAPH {_FOCUS} {{ ?this {_FOCUS_OF} {_FOCUS} }}"
        severity = self.g.value(shape, SH.severity) or SH.Violation
        for prop in sorted(self.g.objects(shape, SH.property)):
            compiled.checks += self.property_checks(prop, targets, where)
        for xone in self.g.objects(shape, SH.xone):
            tests = [self.has_values(m, f"a member of the sh:xone of {where}") for m in self.items(xone)]
            pattern = f"{targets} FILTER(({' + '.join(f'IF({t}, 1, 0)' for t in tests)}) != 1)"
            messages = self.messages(shape, where)
            compiled.checks.append(Check(shape, SH.XoneConstraintComponent, None, pattern, messages, severity, "?this"))
        for constraint in sorted(self.g.objects(shape, SH.sparql)):
            compiled.checks.append(self.sparql_check(shape, constraint, targets, severity, compiled.prefixes))
        return compiled


def compile_shapes(graph: Graph) -> Shapes:
    """Every shape with a target, compiled; UnsupportedShape if one uses a feature the engine lacks."""
    compiler = _Compiler(graph)
    for param in (SH.targetNode, SH.targetObjectsOf):
        for shape in graph.subjects(param, None):
            raise compiler.refuse(compiler.name(shape), f"it uses {compact(str(param))}")
    targeted = {s for p in (SH.targetClass, SH.targetSubjectsOf, SH.target) for s in graph.subjects(p, None)}
    compiled = [compiler.node_shape(shape) for shape in sorted(targeted)]
    return Shapes(graph, compiled, frozenset(compiler.predicates))
