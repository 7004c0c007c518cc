"""The validation report (SHACL §3.6): its results, the nodes they are about, and its text.

Both engines produce the same model: a list of ShapeProblem (one ``sh:ValidationResult`` each:
focus node, result path, value, message, severity, source constraint component and shape),
gathered into a ValidationReport with, for each focus node, a description (``describe_node``)
and the files that state it. ``format_report`` writes the plain text ``kg validate`` prints.

Terms here are rdflib terms: the shapes graph and pySHACL's results graph are rdflib graphs,
and the report keeps their nodes (rdflib is imported lazily: ``import kg`` stays light).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.errors import EXIT_OK, EXIT_VIOLATIONS
from kg.namespaces import compact
from kg.sources.files import RdfDocument

if TYPE_CHECKING:
    from rdflib import Graph, URIRef
    from rdflib.term import Node

SH = "http://www.w3.org/ns/shacl#"
_SEVERITY_ORDER = {SH + "Violation": 0, SH + "Warning": 1, SH + "Info": 2}


@dataclass(frozen=True)
class ShapeProblem:
    """One SHACL validation result (``sh:ValidationResult``): what is wrong with which focus node."""

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
        """Whether its severity is sh:Violation (a warning or an info does not break conformance)."""
        return str(self.severity) == SH + "Violation"


@dataclass
class ValidationReport:
    """A SHACL validation report: whether the data conforms, its results, and what names their focus nodes.

    ``checked_files``: the files the report is about; ``labels``: each focus node's description;
    ``origins``: the files that state each focus node (as subject).
    """

    conforms: bool
    problems: list[ShapeProblem]
    checked_files: list[Path]
    labels: dict[Node, str] = field(default_factory=dict)
    origins: dict[Node, list[Path]] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """1 (EXIT_VIOLATIONS) when a result is a violation, else 0 (EXIT_OK), as pySHACL's command exits."""
        return EXIT_VIOLATIONS if any(p.is_violation for p in self.problems) else EXIT_OK

    def by_focus(self) -> dict[Node, list[ShapeProblem]]:
        """The results grouped by focus node: violations first, then warnings and infos; nodes by IRI (blank
        nodes first, by description), a node's results by path, message and value.

        The order depends on nothing random (blank-node identifiers, the engine's order of the shapes),
        so that a report is the same text run after run, whichever engine made it.
        """
        from rdflib import BNode, URIRef

        def order(p: ShapeProblem) -> tuple[int, bool, str, str, str, str]:
            blank = isinstance(p.focus, BNode)
            node = self.labels.get(p.focus, "") if blank else str(p.focus)
            path = compact(str(p.path)) if isinstance(p.path, URIRef) else ""
            return (_SEVERITY_ORDER.get(str(p.severity), 3), not blank, node, path, p.message, str(p.value))

        grouped: dict[Node, list[ShapeProblem]] = {}
        for problem in sorted(self.problems, key=order):
            grouped.setdefault(problem.focus, []).append(problem)
        return grouped


def unique_problems(problems: Sequence[ShapeProblem]) -> list[ShapeProblem]:
    """One problem per distinct result: pySHACL reports a qualified-count breach once per value shape.

    A value that breaks two constraints of one property shape (say sh:datatype and sh:pattern) stays
    two problems, one per constraint component.
    """
    unique = {(p.focus, p.path, p.value, p.message, p.severity, p.constraint, p.component): p for p in problems}
    return list(unique.values())


def describe_node(graph: Graph, node: Node) -> str:
    """A node as the report names it: ``u4ssc:SC-SH-SI-4C "SC: SH: SI: 4C" Voter Participation``.

    Its compact IRI (a blank node: what points to it in ``graph``), then its skos:notation and its
    skos:prefLabel (English first) when ``graph`` has them.
    """
    from rdflib import URIRef
    from rdflib.namespace import SKOS

    parts = [compact(str(node)) if isinstance(node, URIRef) else _blank_node_name(graph, node)]
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
    from rdflib import URIRef

    for subject, predicate in graph.subject_predicates(node):
        owner = compact(str(subject)) if isinstance(subject, URIRef) else "a blank node"
        return f"the {compact(str(predicate))} of {owner}"
    return f"blank node _:{node}"


def make_report(
    documents: Sequence[RdfDocument],
    checked: Sequence[Path],
    problems: list[ShapeProblem],
    describe: Callable[[Node], str],
) -> ValidationReport:
    """The report on ``problems``: each focus node named by ``describe`` and by the ``documents`` that state it.

    ``checked``: the files the report says it checked.
    """
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


def _subject_key(term: ox.NamedNode | ox.BlankNode | ox.Triple) -> str:
    """What str() gives of the rdflib term for ``term``: an IRI, or a blank node's identifier."""
    return term.value if isinstance(term, ox.NamedNode | ox.BlankNode) else str(term)


def note(message: str) -> None:
    """One line on stderr that does not change the outcome (the report and exit code stay as they are)."""
    print(f"kg: note: {message}", file=sys.stderr)


def format_report(report: ValidationReport) -> str:
    """The plain-text report ``kg validate`` prints: a summary line, then the results grouped by focus node."""
    from rdflib import URIRef

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
            path = compact(str(problem.path)) if isinstance(problem.path, URIRef) else "(node)"
            severity = "" if problem.is_violation else f"[{compact(str(problem.severity))}] "
            value = f" [value: {_value_text(problem.value)}]" if problem.value is not None else ""
            lines.append(f"  - {severity}{path}: {problem.message}{value}")
    return "\n".join(lines) + "\n"


def _value_text(value: Node) -> str:
    from rdflib import URIRef

    return compact(str(value)) if isinstance(value, URIRef) else repr(str(value))
