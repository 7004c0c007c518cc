"""Validate on Oxigraph: the project's SHACL shapes compiled to SPARQL; the default engine at every size.

pySHACL (kg.validate) is the reference, but it runs each SHACL-SPARQL constraint once per focus
node: minutes on a framework of a thousand indicators. This engine reads ontology/shapes.ttl with
rdflib when it runs and compiles every shape to SPARQL (kg.shapes_sparql): per shape, one query
lists its focus nodes (written into the store, so that each check joins from them), one ASK says
whether any breaks any of its constraints, and only for a shape that fails does one SELECT per
constraint list the results. No query runs per focus node: each constraint, SHACL-SPARQL ones
included, runs once over all of them. A shape using a SHACL feature the compiler lacks is
refused (UnsupportedShape), naming the shape. Results are kg.validate's Problem objects, with
pySHACL's messages.

Oxigraph stores numbers, booleans, dates and durations normalised; the validation store also
keeps the literals the shapes check as written, in a named graph, under a stand-in datatype
(see kg.shapes_sparql).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal
from rdflib.namespace import SH, SKOS
from rdflib.term import Node

from .shapes_sparql import (  # noqa: F401 (re-exported: the API and tests name them here)
    _AS_WRITTEN,
    _FOCUS,
    _FOCUS_OF,
    _NORMALISED,
    Check,
    CompiledShape,
    Shapes,
    UnsupportedShape,
    _as_written,
    _from_store,
    compile_shapes,
    datatype_ok,
)
from .sources import RdfDocument, shapes_path
from .terms import to_oxigraph
from .validate import Problem, ValidationReport, _describe, make_report, shapes_graph, unique_problems


@lru_cache(maxsize=4)
def _compiled(path: str, _modified: float) -> Shapes:
    return compile_shapes(shapes_graph() if Path(path) == shapes_path() else Graph().parse(path))


def load_shapes(path: Path | None = None) -> Shapes:
    """The compiled shapes of ``path`` (by default the project's shapes), cached while the file is unchanged."""
    path = path or shapes_path()
    return _compiled(str(path), path.stat().st_mtime)


def validation_store(documents: Sequence[RdfDocument], shapes: Shapes | None = None) -> ox.Store:
    """KnowledgeGraph's store of ``documents``, plus, in a named graph, the literals that Oxigraph normalises
    as written, of the properties the shapes check."""
    from .loading import literals_as_written
    from .query import KnowledgeGraph

    store = KnowledgeGraph(list(documents)).store
    predicates = (shapes or load_shapes()).predicates
    store.bulk_extend(literals_as_written((q for d in documents for q in d.quads), predicates))
    return store


def _substitute(message: str, bindings: dict[str, Node]) -> str:
    """{?name} and {$name} replaced by the bound term's text, as pySHACL does."""
    for name, value in bindings.items():
        message = re.sub(r"\{[?$]" + re.escape(name) + r"\}", lambda _m, text=str(value): text, message)
    return message


def _results(store: ox.Store, compiled: CompiledShape, check: Check) -> list[Problem]:
    answer = store.query(compiled.query(f"SELECT DISTINCT {check.projection} WHERE {{ {check.pattern} }}"))
    names = [v.value for v in answer.variables]
    problems = []
    for solution in answer:
        row = {n: _from_store(t) for n, t in zip(names, solution, strict=True) if t is not None}
        focus, value, message = row.pop("this"), row.pop("value", None), " ".join(check.messages)
        if check.breaks is not None and not check.breaks(value):
            continue
        if check.constraint is not None:  # as pySHACL: ?value is the focus node unless bound
            value = value if value is not None else focus
            path = row.pop("path", None)
            bound = {**row, "this": focus, **({"path": path} if path is not None else {}), "value": value}
            message = " ".join(_substitute(m, bound) for m in check.messages)
        elif check.component == SH.XoneConstraintComponent:
            value = focus
        problems.append(
            Problem(focus, check.path, value, message, check.severity, check.constraint, check.component, check.shape)
        )
    return problems


def validate_store(store: ox.Store, shapes: Shapes | None = None) -> list[Problem]:
    """Every SHACL result for the graph in ``store``, made by validation_store."""
    problems: list[Problem] = []
    for compiled in (shapes or load_shapes()).shapes:
        if not compiled.checks:
            continue
        focus_nodes = [solution[0] for solution in store.query(compiled.query(compiled.targets))]
        store.extend(ox.Quad(node, _FOCUS_OF, _FOCUS, _FOCUS) for node in focus_nodes)
        try:
            if focus_nodes and store.query(compiled.ask()):
                for check in compiled.checks:
                    problems += _results(store, compiled, check)
        finally:
            store.clear_graph(_FOCUS)
    return unique_problems(problems)


def describer(store: ox.Store, nodes: set[Node]) -> Callable[[Node], str]:
    """kg.validate's description of a node, from a small rdflib graph of what it needs from the store."""
    graph = Graph()
    for node in (n for n in nodes if not isinstance(n, Literal)):
        term, default = to_oxigraph(node), ox.DefaultGraph()
        quads = [*store.quads_for_pattern(term, ox.NamedNode(str(SKOS.notation)), None, default)]
        quads += store.quads_for_pattern(term, ox.NamedNode(str(SKOS.prefLabel)), None, default)
        quads += store.quads_for_pattern(None, None, term, default) if isinstance(node, BNode) else []
        for q in quads:
            graph.add((_from_store(q.subject), _from_store(q.predicate), _from_store(q.object)))
    return lambda node: _describe(graph, node)


def validate_documents(documents: Sequence[RdfDocument], *, checked: Sequence[Path]) -> ValidationReport:
    """kg.validate.validate_documents on Oxigraph: the same report, from the compiled shapes."""
    shapes = load_shapes()  # before the store: a shape the engine cannot run fails fast
    store = validation_store(documents, shapes)
    problems = validate_store(store, shapes)
    return make_report(documents, checked, problems, describer(store, {p.focus for p in problems}))
