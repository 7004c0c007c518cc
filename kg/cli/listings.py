"""What the listing commands print with ``--format``: kg queries, check, validate and reason, as query results.

Each command's findings become a :class:`~kg.query.results.Results`, written by the one renderer every
answer goes through (kg.query.results.render, whose text table is kg.query.tables'), so ``--format``
means what it means for ``kg query``, ``kg claims`` and ``kg sources``:

- ``table``: aligned columns for reading (IRIs compacted);
- ``csv``: the SPARQL 1.1 results CSV, a header row then plain rows, IRIs in full;
- ``json``: the SPARQL 1.1 Query Results JSON Format, ``{"head": {"vars": [...]}, "results":
  {"bindings": [{var: {"type": ..., "value": ...}}, ...]}}`` (a W3C recommendation, so any SPARQL
  client library reads it); ``tsv`` and ``xml`` likewise.

The rows go to stdout; the command's one-sentence summary goes to stderr. Without ``--format`` the
commands print their readable report as they always have.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

import click
import pyoxigraph as ox

from kg.query.results import RESULT_FORMATS, Results

if TYPE_CHECKING:
    from kg.query.catalog import NamedQuery
    from kg.reasoning.reasoner import Inference
    from kg.validation.report import ValidationReport

FC = TypeVar("FC", bound=Callable[..., object] | click.Command)
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_INTEGER = ox.NamedNode(XSD + "integer")


def format_option(rows: str) -> Callable[[FC], FC]:
    """The ``--format`` of a listing command whose rows are ``rows`` ("one row per query")."""
    return click.option(
        "--format",
        "-f",
        "fmt",
        type=click.Choice(RESULT_FORMATS),
        default=None,
        help=f"Print {rows} on stdout as a table, csv, tsv, json (the SPARQL 1.1 results JSON) or xml, and the "
        "summary on stderr; without it, the readable report.",
    )


def _text(value: str) -> ox.Literal:
    return ox.Literal(value)


def _boolean(value: bool) -> ox.Literal:
    return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))


def _iri_or_text(value: str) -> ox.NamedNode | ox.Literal:
    try:
        return ox.NamedNode(value) if "://" in value else ox.Literal(value)
    except ValueError:
        return ox.Literal(value)


def query_rows(queries: Sequence[NamedQuery]) -> Results:
    """``kg queries``: one row per query, its name, title, question and parameters (``name=<type> (default d)``)."""

    def parameters(query: NamedQuery) -> str:
        return "; ".join(
            f"{p.name}=<{p.type}>" + (f" (default {p.default})" if p.default is not None else " (required)")
            for p in query.parameters.values()
        )

    rows = [
        (
            _text(q.name),
            _text(q.title),
            _text(q.question),
            _text(parameters(q)),
            _text("true" if q.inferred else "false"),
        )
        for q in queries
    ]
    return Results(["name", "title", "question", "parameters", "inferred"], raw=list(rows))


def check_rows(counts: Sequence[tuple[str, int]]) -> Results:
    """``kg check``: one row per quality-control query, its name, rows returned and status (ok or failed)."""
    rows = [
        (_text(name), ox.Literal(str(count), datatype=XSD_INTEGER), _text("failed" if count else "ok"))
        for name, count in counts
    ]
    return Results(["query", "rows", "status"], raw=list(rows))


def problem_rows(report: ValidationReport) -> Results:
    """``kg validate``: one row per SHACL result, its focus node, path, value, severity, message and files."""
    from kg.terms import to_oxigraph

    def term(node: object) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
        return None if node is None else to_oxigraph(node)

    rows = []
    for focus, problems in report.by_focus().items():
        files = ", ".join(str(path) for path in report.origins.get(focus, []))
        for problem in problems:
            rows.append(
                (term(focus), term(problem.path), term(problem.value), term(problem.severity),
                 _text(problem.message), _text(files) if files else None)
            )  # fmt: skip
    return Results(["focus", "path", "value", "severity", "message", "files"], raw=rows)


def inference_rows(inference: Inference) -> Results:
    """``kg reason``: one row per inferred class membership (class, individual), as the summary groups them."""
    rows = [(_iri_or_text(cls), _iri_or_text(member)) for cls, members in inference.memberships.items()
            for member in members]  # fmt: skip
    return Results(["class", "individual"], raw=list(rows))
