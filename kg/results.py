"""Query results and their formats: a terminal table, CSV, TSV and SPARQL 1.1 JSON."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from .namespaces import compact

FORMATS = ("table", "csv", "tsv", "json")


@dataclass(frozen=True)
class Results:
    """The answer to a SELECT (``variables``, ``rows``) or an ASK (``boolean``) query."""

    variables: list[str]
    rows: list[tuple[Node | None, ...]]
    boolean: bool | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def dicts(self) -> list[dict[str, object]]:
        """Rows as dicts of Python values (numbers as numbers, IRIs as strings), unbound as None."""
        return [{var: _python(term) for var, term in zip(self.variables, row, strict=True)} for row in self.rows]

    def column(self, variable: str) -> list[object]:
        index = self.variables.index(variable)
        return [_python(row[index]) for row in self.rows]


def _python(term: Node | None) -> object:
    if term is None:
        return None
    if isinstance(term, Literal):
        value = term.toPython()
        return value if not isinstance(value, Literal) else str(value)
    return str(term)


def _plain(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    value: dict[str, str] = {"type": "literal", "value": str(term)}
    if term.language:
        value["xml:lang"] = term.language
    elif term.datatype:
        value["datatype"] = str(term.datatype)
    return value


def to_json(results: Results) -> str:
    """The SPARQL 1.1 Query Results JSON Format."""
    if results.boolean is not None:
        return json.dumps({"head": {}, "boolean": results.boolean}, indent=2) + "\n"
    bindings = [
        {var: _json_term(term) for var, term in zip(results.variables, row, strict=True) if term is not None}
        for row in results.rows
    ]
    return json.dumps({"head": {"vars": results.variables}, "results": {"bindings": bindings}}, indent=2) + "\n"


def to_csv(results: Results) -> str:
    """The SPARQL 1.1 Query Results CSV Format (plain values, CRLF line ends)."""
    if results.boolean is not None:
        return f"{str(results.boolean).lower()}\r\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(results.variables)
    writer.writerows([_plain(term) for term in row] for row in results.rows)
    return out.getvalue()


def to_tsv(results: Results) -> str:
    """The SPARQL 1.1 Query Results TSV Format (terms in Turtle syntax)."""
    if results.boolean is not None:
        return f"{str(results.boolean).lower()}\n"
    lines = ["\t".join(f"?{var}" for var in results.variables)]
    for row in results.rows:
        lines.append("\t".join("" if term is None else _tsv_term(term) for term in row))
    return "\n".join(lines) + "\n"


def _tsv_term(term: Node) -> str:
    text = term.n3()
    # Tabs and newlines inside a literal would break the row structure.
    return text.replace("\t", "\\t").replace("\n", "\\n")


def _cell(term: Node | None) -> str:
    if isinstance(term, URIRef):
        return compact(str(term))
    return " ".join(_plain(term).split()) if isinstance(term, Literal) else _plain(term)


TABLE_CELL_WIDTH = 60


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def to_table(results: Results, *, cell_width: int = TABLE_CELL_WIDTH) -> str:
    """Aligned plain-text columns for a terminal; IRIs shortened to known prefixes.

    Cells longer than ``cell_width`` are cut with an ellipsis; csv, tsv and json keep them whole.
    """
    if results.boolean is not None:
        return f"{str(results.boolean).lower()}\n"
    cells = [[_clip(_cell(term), cell_width) for term in row] for row in results.rows]
    widths = [len(var) for var in results.variables]
    for row in cells:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    numeric = [
        bool(results.rows) and all(isinstance(row[i], Literal) and _is_number(row[i]) for row in results.rows)
        for i in range(len(results.variables))
    ]

    def line(values: list[str]) -> str:
        parts = [
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [line(results.variables), line(["-" * width for width in widths])]
    out.extend(line(row) for row in cells)
    return "\n".join(out) + "\n"


def _is_number(term: Literal) -> bool:
    return isinstance(term.toPython(), (int, float)) or (term.datatype or "").endswith("#decimal")


def render(results: Results, fmt: str) -> str:
    return {"table": to_table, "csv": to_csv, "tsv": to_tsv, "json": to_json}[fmt](results)
