"""Validate framework data against the SHACL shapes, on Oxigraph (kg.fastvalidate) or with pySHACL.

With no files, the bundled graph is checked. With files, they are checked together with the
ontology and the bundled data, so that references to U4SSC concepts, participation aspects or
documents resolve. The report is grouped by focus node and names, for each node, the file it
comes from, the property and the shape's message.

pySHACL is the reference engine. kg.fastvalidate compiles the same shapes to SPARQL and runs
them on Oxigraph, in time linear in the data where pySHACL's SHACL-SPARQL targets are quadratic;
it is proven equal to pySHACL by tests/test_fastvalidate.py. ``engine="auto"`` (the default)
runs it and falls back to pySHACL only for shapes it refuses.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import EXIT_OK, EXIT_VIOLATIONS
from .namespaces import compact
from .sources import RdfDocument, read_rdf, shapes_path
from .store import read_documents
from .terms import rdflib_graph

if TYPE_CHECKING:  # rdflib is imported by the functions that use it: `import kg` stays light
    from rdflib import Graph, URIRef
    from rdflib.term import Node

SH = "http://www.w3.org/ns/shacl#"
_SEVERITY_ORDER = {SH + "Violation": 0, SH + "Warning": 1, SH + "Info": 2}


def _is_iri(node: object) -> bool:
    return type(node).__name__ == "URIRef"


ENGINES = ("auto", "pyshacl", "oxigraph")


@dataclass(frozen=True)
class Problem:
    """One SHACL result: what is wrong with which node."""

    focus: Node
    path: Node | None
    value: Node | None
    message: str
    severity: URIRef
    constraint: Node | None = None  # the SPARQL constraint that produced it, if one did
    component: Node | None = None  # sh:sourceConstraintComponent, e.g. sh:MinCountConstraintComponent
    shape: Node | None = None  # sh:sourceShape (a blank node is only meaningful in its engine's shapes graph)

    @property
    def is_violation(self) -> bool:
        return str(self.severity) == SH + "Violation"


@dataclass
class ValidationReport:
    conforms: bool
    problems: list[Problem]
    checked_files: list[Path]
    labels: dict[Node, str] = field(default_factory=dict)
    origins: dict[Node, list[Path]] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return EXIT_VIOLATIONS if any(p.is_violation for p in self.problems) else EXIT_OK

    def by_focus(self) -> dict[Node, list[Problem]]:
        grouped: dict[Node, list[Problem]] = {}
        ordered = sorted(self.problems, key=lambda p: (_SEVERITY_ORDER.get(str(p.severity), 3), str(p.focus)))
        for problem in ordered:
            grouped.setdefault(problem.focus, []).append(problem)
        return grouped


def _describe(graph: Graph, node: Node) -> str:
    """``u4ssc:SC-SH-SI-4C "SC: SH: SI: 4C" Voter Participation`` - whatever the node has."""
    from rdflib.namespace import SKOS

    parts = [compact(str(node)) if _is_iri(node) else _blank_node_name(graph, node)]
    notation = graph.value(node, SKOS.notation)
    if notation is not None:
        parts.append(f'"{notation}"')
    labels = list(graph.objects(node, SKOS.prefLabel))
    if labels:
        english = [label for label in labels if getattr(label, "language", None) == "en"]
        parts.append(str((english or labels)[0]))
    return " ".join(parts)


def _blank_node_name(graph: Graph, node: Node) -> str:
    """A blank node has no name of its own: say what points to it, e.g. the sck:evidence of ex:f."""
    for subject, predicate in graph.subject_predicates(node):
        owner = compact(str(subject)) if _is_iri(subject) else "a blank node"
        return f"the {compact(str(predicate))} of {owner}"
    return f"blank node _:{node}"


def _problems(results: Graph) -> list[Problem]:
    from rdflib import RDF
    from rdflib.namespace import SH

    problems = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        messages = [str(m) for m in results.objects(result, SH.resultMessage)]
        problems.append(
            Problem(
                focus=results.value(result, SH.focusNode),
                path=results.value(result, SH.resultPath),
                value=results.value(result, SH.value),
                message=" ".join(messages) or "fails a shape with no message",
                severity=results.value(result, SH.resultSeverity) or SH.Violation,
                constraint=results.value(result, SH.sourceConstraint),
                component=results.value(result, SH.sourceConstraintComponent),
                shape=results.value(result, SH.sourceShape),
            )
        )
    return unique_problems(problems)


def unique_problems(problems: Sequence[Problem]) -> list[Problem]:
    """One problem per distinct result: pySHACL reports a qualified-count breach once per value shape.

    A value that breaks two constraints of one property shape (say sh:datatype and sh:pattern) stays
    two problems, one per constraint component.
    """
    unique = {(p.focus, p.path, p.value, p.message, p.severity, p.constraint, p.component): p for p in problems}
    return list(unique.values())


def shapes_graph() -> Graph:
    return rdflib_graph([read_rdf(shapes_path())])


def run_pyshacl(data: Graph) -> Graph:
    """pySHACL's results graph for ``data`` checked against the project's shapes."""
    import pyshacl  # imported here: it is slow to import and only validation needs it

    _conforms, results, _text = pyshacl.validate(
        data,
        shacl_graph=shapes_graph(),
        inference="none",
        advanced=True,  # SHACL-AF SPARQL targets: see ontology/shapes.ttl
        abort_on_first=False,
        allow_warnings=True,
    )
    return results


def note(message: str) -> None:
    """One line on stderr that does not change the outcome (the report and exit code stay as they are)."""
    print(f"kg: note: {message}", file=sys.stderr)


def choose_engine(engine: str) -> str:
    """The engine to try first, pyshacl or oxigraph: ``engine`` itself, or oxigraph for "auto"."""
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}; use one of {', '.join(ENGINES)}")
    return "oxigraph" if engine == "auto" else engine


def validate_documents(
    documents: Sequence[RdfDocument], *, checked: Sequence[Path], engine: str = "auto"
) -> ValidationReport:
    """Validate parsed documents (already read safely) together, as one data graph.

    ``engine``: "pyshacl" (the reference), "oxigraph" (kg.fastvalidate) or "auto": Oxigraph, falling
    back to pySHACL (with a note on stderr) when the shapes use a feature the Oxigraph engine refuses.
    """
    if choose_engine(engine) == "oxigraph":
        from .fastvalidate import UnsupportedShape
        from .fastvalidate import validate_documents as validate_on_oxigraph

        try:
            return validate_on_oxigraph(documents, checked=checked)
        except UnsupportedShape as refusal:
            if engine == "oxigraph":
                raise
            note(f"validating with pySHACL, slower: {refusal.reason}")  # why validation is suddenly slow
    data = rdflib_graph(documents)
    problems = _problems(run_pyshacl(data))
    return make_report(documents, checked, problems, lambda node: _describe(data, node))


def make_report(
    documents: Sequence[RdfDocument], checked: Sequence[Path], problems: list[Problem], describe: Callable[[Node], str]
) -> ValidationReport:
    """The report on ``problems``: each focus node named by ``describe`` and by the files that state it."""
    origins: dict[Node, list[Path]] = {}
    focus_nodes = {p.focus for p in problems}
    if focus_nodes:
        keys = {str(node) for node in focus_nodes}
        for document in documents:
            subjects = {key for q in document.quads if (key := _subject_key(q.subject)) in keys}
            for node in focus_nodes:
                if str(node) in subjects:
                    origins.setdefault(node, []).append(document.path)
    labels = {node: describe(node) for node in focus_nodes}
    return ValidationReport(
        conforms=not any(p.is_violation for p in problems),
        problems=problems,
        checked_files=list(checked),
        labels=labels,
        origins=origins,
    )


def _subject_key(term: object) -> str:
    return getattr(term, "value", str(term))


def validate(
    files: Sequence[Path | str] = (), *, engine: str = "auto", base: Sequence[RdfDocument] | None = None
) -> ValidationReport:
    """Check ``files`` (with the bundled graph, or the documents ``base``), or that graph alone when none are given.

    ``engine``: "pyshacl", "oxigraph" or "auto" (Oxigraph, falling back to pySHACL for shapes it refuses).
    Raises InputError, before any validation, when a file cannot be read. A file that holds no
    triples is checked (it conforms) and named in a note on stderr, so that "Conforms" is never
    taken to mean its data was checked.
    """
    documents = read_documents(files, bundled=base is None)
    documents = [*(base or []), *documents]
    for document in documents[len(documents) - len(files) :]:
        if not document.quads:
            note(f"{document.path} holds no triples: there was nothing in it to check")
    checked = [Path(f) for f in files] or [d.path for d in documents]
    return validate_documents(documents, checked=checked, engine=engine)


def format_report(report: ValidationReport) -> str:
    """A plain-text report grouped by focus node."""
    if not report.problems:
        files = report.checked_files
        if len(files) == 1:
            return f"Conforms: {files[0]} satisfies every shape.\n"
        what = ", ".join(str(p) for p in files) if len(files) <= 3 else f"{len(files)} files"
        return f"Conforms: {what} satisfy every shape.\n"
    lines = []
    violations = sum(p.is_violation for p in report.problems)
    warnings = len(report.problems) - violations
    nodes = report.by_focus()
    lines.append(
        f"Does not conform: {violations} violation(s)"
        + (f" and {warnings} warning(s)" if warnings else "")
        + f" on {len(nodes)} node(s)."
    )
    for node, problems in nodes.items():
        origin = report.origins.get(node)
        where = f"  (in {', '.join(str(p) for p in origin)})" if origin else ""
        lines.append("")
        lines.append(f"{report.labels.get(node, node)}{where}")
        for problem in problems:
            path = compact(str(problem.path)) if _is_iri(problem.path) else "(node)"
            severity = "" if problem.is_violation else f"[{compact(str(problem.severity))}] "
            value = f" [value: {_value_text(problem.value)}]" if problem.value is not None else ""
            lines.append(f"  - {severity}{path}: {problem.message}{value}")
    return "\n".join(lines) + "\n"


def _value_text(value: Node) -> str:
    return compact(str(value)) if _is_iri(value) else repr(str(value))
