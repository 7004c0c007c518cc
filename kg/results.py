"""Query results and their formats: a terminal table, CSV, TSV, SPARQL 1.1 JSON and XML, and RDF for graphs."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from .namespaces import compact

FORMATS = ("table", "csv", "tsv", "json", "xml")  # for every answer (a graph's as subject/predicate/object rows)
RDF_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml")  # for CONSTRUCT and DESCRIBE answers only
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + name for name in ("integer", "decimal", "double", "float", "int", "long", "positiveInteger")}

# Rows hold rdflib terms (the API) or, straight from the embedded store, pyoxigraph terms that
# become rdflib terms only when asked for: `kg query` formats results without importing rdflib.
Term = Any


class Results:
    """The answer to a SELECT (``variables``, ``rows``) or an ASK (``boolean``) query."""

    def __init__(
        self, variables: list[str], rows: list[tuple[Term, ...]] | None = None, boolean: bool | None = None, *,
        raw: list[tuple[Term, ...]] | None = None,
    ) -> None:  # fmt: skip
        self.variables = variables
        self.boolean = boolean
        self._rows = rows if rows is not None or raw is not None else []
        self._raw = raw
        self.is_graph = False  # a CONSTRUCT or DESCRIBE answer: rows are (subject, predicate, object)

    @classmethod
    def from_triples(cls, triples: list[tuple[Term, Term, Term]]) -> Results:
        """The answer to a CONSTRUCT or DESCRIBE query."""
        results = cls(["subject", "predicate", "object"], raw=triples)
        results.is_graph = True
        return results

    @property
    def rows(self) -> list[tuple[Term, ...]]:
        """The rows as rdflib terms (None where a variable is unbound)."""
        if self._rows is None:
            from .terms import to_rdflib

            self._rows = [tuple(None if t is None else to_rdflib(t) for t in row) for row in self._raw]
        return self._rows

    def terms(self) -> list[tuple[Term, ...]]:
        """The rows in whichever terms they came in: enough for formatting."""
        return self._raw if self._raw is not None else self._rows

    def __len__(self) -> int:
        return len(self.terms())

    def dicts(self) -> list[dict[str, object]]:
        """Rows as dicts of Python values (numbers as numbers, IRIs as strings), unbound as None."""
        return [{var: _python(term) for var, term in zip(self.variables, row, strict=True)} for row in self.rows]

    def column(self, variable: str) -> list[object]:
        index = self.variables.index(variable)
        return [_python(row[index]) for row in self.rows]


def _python(term: Term | None) -> object:
    from rdflib import Literal

    if term is None:
        return None
    if isinstance(term, Literal):
        value = term.toPython()
        return value if not isinstance(value, Literal) else str(value)
    return str(term)


def _kind(term: Term) -> str:
    """uri, bnode or literal, for rdflib and pyoxigraph terms alike."""
    name = type(term).__name__
    return "uri" if name in ("URIRef", "NamedNode") else "bnode" if name in ("BNode", "BlankNode") else "literal"


def _value(term: Term) -> str:
    return str(term) if isinstance(term, str) else term.value  # rdflib terms are str; pyoxigraph's have .value


def _datatype(term: Term) -> str | None:
    """A literal's datatype IRI, None for a plain or language-tagged string."""
    datatype = None if term.language or term.datatype is None else _value(term.datatype)
    return None if datatype == XSD + "string" else datatype


def _plain(term: Term | None) -> str:
    if term is None:
        return ""
    return f"_:{_value(term)}" if _kind(term) == "bnode" else _value(term)


def _json_term(term: Term) -> dict[str, str]:
    kind = _kind(term)
    value: dict[str, str] = {"type": kind, "value": _value(term)}
    if kind == "literal":
        if term.language:
            value["xml:lang"] = term.language
        elif _datatype(term):
            value["datatype"] = _datatype(term)
    return value


def to_json(results: Results) -> str:
    """The SPARQL 1.1 Query Results JSON Format."""
    if results.boolean is not None:
        return json.dumps({"head": {}, "boolean": results.boolean}, indent=2) + "\n"
    bindings = [
        {var: _json_term(term) for var, term in zip(results.variables, row, strict=True) if term is not None}
        for row in results.terms()
    ]
    return json.dumps({"head": {"vars": results.variables}, "results": {"bindings": bindings}}, indent=2) + "\n"


def to_csv(results: Results) -> str:
    """The SPARQL 1.1 Query Results CSV Format (plain values, CRLF line ends)."""
    if results.boolean is not None:
        return f"{str(results.boolean).lower()}\r\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(results.variables)
    writer.writerows([_plain(term) for term in row] for row in results.terms())
    return out.getvalue()


def to_tsv(results: Results) -> str:
    """The SPARQL 1.1 Query Results TSV Format (terms in Turtle syntax)."""
    if results.boolean is not None:
        return f"{str(results.boolean).lower()}\n"
    lines = ["\t".join(f"?{var}" for var in results.variables)]
    for row in results.terms():
        lines.append("\t".join("" if term is None else _tsv_term(term) for term in row))
    return "\n".join(lines) + "\n"


def _tsv_term(term: Term) -> str:
    text = term.n3() if isinstance(term, str) else str(term)  # rdflib's n3, pyoxigraph's N-Triples
    # Tabs and newlines inside a literal would break the row structure.
    return text.replace("\t", "\\t").replace("\n", "\\n")


def _cell(term: Term | None) -> str:
    if term is None:
        return ""
    if _kind(term) == "uri":
        return compact(_value(term))
    return " ".join(_plain(term).split()) if _kind(term) == "literal" else _plain(term)


TABLE_CELL_WIDTH = 60


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def to_table(results: Results, *, cell_width: int = TABLE_CELL_WIDTH) -> str:
    """Aligned plain-text columns for a terminal; IRIs shortened to known prefixes.

    Cells longer than ``cell_width`` are cut with an ellipsis; csv, tsv and json keep them whole.
    """
    if results.boolean is not None:
        return f"{str(results.boolean).lower()}\n"
    rows = results.terms()
    cells = [[_clip(_cell(term), cell_width) for term in row] for row in rows]
    widths = [len(var) for var in results.variables]
    for row in cells:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    numeric = [
        bool(rows) and all(row[i] is not None and _kind(row[i]) == "literal" and _is_number(row[i]) for row in rows)
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


def _is_number(term: Term) -> bool:
    return _datatype(term) in NUMERIC


def to_xml(results: Results) -> str:
    """The SPARQL 1.1 Query Results XML Format."""
    from .rdfout import solutions_to_xml

    return solutions_to_xml(to_json(results))


def default_format(results: Results) -> str:
    """What ``kg query`` writes when no --format is given: Turtle for a graph, a table otherwise."""
    return "turtle" if results.is_graph else "table"


def render(results: Results, fmt: str) -> str:
    """The answer in ``fmt``: one of FORMATS, or for a graph also one of RDF_FORMATS."""
    if fmt in RDF_FORMATS:
        from .errors import QueryError
        from .rdfout import serialize_triples

        if not results.is_graph:
            raise QueryError(
                f"--format {fmt} writes RDF, which only a CONSTRUCT or DESCRIBE query returns; "
                f"for SELECT or ASK choose one of {', '.join(FORMATS)}."
            )
        return serialize_triples(results.terms(), fmt)
    return {"table": to_table, "csv": to_csv, "tsv": to_tsv, "json": to_json, "xml": to_xml}[fmt](results)
