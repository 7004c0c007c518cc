"""The Oxigraph engine: the shapes compiled to SPARQL (kg.validation.compiler) and run in the data graph's store.

pySHACL (kg.validation.pyshacl_engine) is the reference, but it runs each SHACL-SPARQL constraint
once per focus node: minutes on a framework of a thousand indicators. Here, per shape, one query
lists its focus nodes (written into the store, so that each check joins from them), one ASK says
whether any breaks any of its constraints, and only for a shape that fails does one SELECT per
constraint list the validation results. No query runs per focus node. A shape using a SHACL
feature the compiler lacks is refused (UnsupportedShape), naming the shape. Results are
ShapeProblems with pySHACL's messages; tests/test_fastvalidate.py proves both engines equal.

The store holds the data graph in its default graph, as any store holds it (Oxigraph keeps
"03"^^xsd:positiveInteger as "3"^^xsd:integer: the shapes judge the graph in that form, see
kg.validation), and, in the named graph FOCUS, the focus nodes of the shape being checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal
from rdflib.term import Node

from kg.namespaces import PREFIXES
from kg.sources.documents import store_from
from kg.sources.files import RdfDocument, read_rdf, shapes_path
from kg.terms import rdflib_graph, to_oxigraph, to_rdflib
from kg.validation.compiler import FOCUS, FOCUS_OF, CompiledShape, Shapes, compile_shapes
from kg.validation.report import ShapeProblem, ValidationReport, describe_node, make_report, unique_problems
from kg.validation.shapes import Check

_NOTATION = ox.NamedNode(PREFIXES["skos"] + "notation")  # what describe_node reads of a focus node
_PREF_LABEL = ox.NamedNode(PREFIXES["skos"] + "prefLabel")


@lru_cache(maxsize=4)
def _compiled(path: str, _modified: float) -> Shapes:
    return compile_shapes(rdflib_graph([read_rdf(Path(path))]))


def load_shapes(path: Path | None = None) -> Shapes:
    """The compiled shapes of the shapes graph at ``path`` (by default the project's), cached while the file
    is unchanged.

    Raises InputError when the file cannot be read, UnsupportedShape when a shape cannot be compiled.
    """
    path = path or shapes_path()
    return _compiled(str(path), path.stat().st_mtime)


def validation_store(documents: Sequence[RdfDocument]) -> ox.Store:
    """An in-memory store of the data graph ``documents``, its literals in the form every store keeps them."""
    return store_from(documents)


def focus_quads(nodes: Iterable[ox.NamedNode | ox.BlankNode]) -> Iterator[ox.Quad]:
    """The quads that mark ``nodes`` as the focus nodes of the shape being checked (in the FOCUS graph)."""
    for node in nodes:
        yield ox.Quad(node, FOCUS_OF, FOCUS, FOCUS)


def _substitute(message: str, bindings: dict[str, Node]) -> str:
    """{?name} and {$name} replaced by the bound term's text, as pySHACL does."""
    for name, value in bindings.items():
        text = str(value).replace("\\", "\\\\")  # a replacement string: only backslashes are special
        message = re.sub(r"\{[?$]" + re.escape(name) + r"\}", text, message)
    return message


def _results(store: ox.Store, compiled: CompiledShape, check: Check) -> list[ShapeProblem]:
    answer = store.query(compiled.query(f"SELECT DISTINCT {check.projection} WHERE {{ {check.pattern} }}"))
    assert isinstance(answer, ox.QuerySolutions)  # a SELECT
    names = [v.value for v in answer.variables]
    problems = []
    for solution in answer:
        row = {n: to_rdflib(t) for n, t in zip(names, solution, strict=True) if t is not None}
        focus, value, message = row.pop("this"), row.pop("value", None), " ".join(check.messages)
        if check.breaks is not None and not check.breaks(value):
            continue
        if check.constraint is not None:  # as pySHACL: ?value is the focus node unless bound
            value = value if value is not None else focus
            path = row.pop("path", None)
            bound = {**row, "this": focus, **({"path": path} if path is not None else {}), "value": value}
            message = " ".join(_substitute(m, bound) for m in check.messages)
        elif check.focus_as_value:
            value = focus
        problems.append(
            ShapeProblem(
                focus, check.path, value, message, check.severity, check.constraint, check.component, check.shape
            )
        )
    return problems


def validate_store(store: ox.Store, shapes: Shapes | None = None) -> list[ShapeProblem]:
    """Every validation result of the data graph in ``store`` (made by validation_store, or a workspace's store)
    against ``shapes`` (by default the project's)."""
    problems: list[ShapeProblem] = []
    for compiled in (shapes or load_shapes()).shapes:
        if not compiled.checks:
            continue
        targets = store.query(compiled.query(compiled.targets))
        assert isinstance(targets, ox.QuerySolutions)  # a SELECT
        focus_nodes = [s[0] for s in targets if isinstance(s[0], ox.NamedNode | ox.BlankNode)]
        store.extend(focus_quads(focus_nodes))
        try:
            if focus_nodes and store.query(compiled.ask()):
                for check in compiled.checks:
                    problems += _results(store, compiled, check)
        finally:
            store.clear_graph(FOCUS)
    return unique_problems(problems)


def describer(store: ox.Store, nodes: set[Node]) -> Callable[[Node], str]:
    """``describe_node`` for the focus ``nodes``, from a small rdflib graph of what it needs from ``store``."""
    graph = Graph()
    default = ox.DefaultGraph()
    for node in (n for n in nodes if not isinstance(n, Literal)):
        term = to_oxigraph(node)
        if isinstance(term, ox.Literal):
            continue
        quads = [*store.quads_for_pattern(term, _NOTATION, None, default)]
        quads += store.quads_for_pattern(term, _PREF_LABEL, None, default)
        quads += store.quads_for_pattern(None, None, term, default) if isinstance(node, BNode) else []
        for q in quads:
            if not isinstance(q.subject, ox.Triple) and not isinstance(q.object, ox.Triple):
                graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return lambda node: describe_node(graph, node)


def validate_documents(documents: Sequence[RdfDocument], *, checked: Sequence[Path]) -> ValidationReport:
    """Validate ``documents`` together, as one data graph, on Oxigraph: the report pySHACL's engine gives.

    Raises UnsupportedShape (before any data is loaded) when the shapes use a feature this engine lacks.
    """
    shapes = load_shapes()  # before the store: a shape the engine cannot run fails fast
    store = validation_store(documents)
    problems = validate_store(store, shapes)
    return make_report(documents, checked, problems, describer(store, {p.focus for p in problems}))
