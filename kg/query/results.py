"""Query results for notebooks and for every output format: a table, CSV, TSV, SPARQL 1.1 JSON and XML.

A :class:`Results` is what ``KnowledgeGraph.query`` and ``.sparql`` return. In a notebook it shows
as a table (``repr``, and HTML in Jupyter), iterates as named tuples of Python values, and
becomes a pandas DataFrame with :meth:`Results.to_pandas`. The table, CSV and TSV write a number
in one canonical form per datatype (kg.query.tables.canonical_number), so the same value prints
the same whichever store answered; JSON and XML, ``rows`` and ``terms()`` keep the lexical forms
the store wrote, exactly.

>>> import kg
>>> results = kg.KnowledgeGraph.load().query("core-participation-kpis")
>>> results
kpi                code            name                 dimension            aspects
-----------------  --------------  -------------------  -------------------  -------
u4ssc:SC-SH-SI-4C  SC: SH: SI: 4C  Voter Participation  Society and Culture  voting
>>> len(results)
1
>>> [row.name for row in results]
['Voter Participation']
>>> render(results, "csv").splitlines()[1]  # the SPARQL 1.1 CSV format: IRIs in full
'https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C,SC: SH: SI: 4C,Voter Participation,Society and Culture,voting'
"""

from __future__ import annotations

import collections
import csv
import io
import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.errors import QueryError
from kg.extras import require
from kg.query.tables import TEXT_CELL_WIDTH, canonical, canonical_number, html_table, text_table
from kg.terms import to_oxigraph

if TYPE_CHECKING:
    import pandas

RESULT_FORMATS = ("table", "csv", "tsv", "json", "xml")  # for every answer (a graph's as subject/predicate/object)
RDF_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml")  # for CONSTRUCT and DESCRIBE answers only
XSD = "http://www.w3.org/2001/XMLSchema#"
SHOWN_ROWS = 20  # repr and HTML show every row up to this many, else the first HEAD_ROWS and a count
HEAD_ROWS = 10

Term = Any  # an rdflib term (Results.rows, the API) or a pyoxigraph term (Results.terms())
OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
_INTEGERS = {XSD + n for n in ("integer", "int", "long", "short", "byte", "positiveInteger", "nonNegativeInteger")}
_INTEGERS |= {XSD + n for n in ("negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong")}
_FLOATS = {XSD + n for n in ("decimal", "double", "float")}
_DATES = {XSD + n for n in ("date", "dateTime", "dateTimeStamp")}


class Results:
    """The answer to a SELECT (``variables``, rows) or an ASK (``boolean``) query.

    - ``for row in results``: each row a named tuple of Python values, fields named after the
      variables (``row.code``; a name that is not a valid field name is renamed ``_0``, ``_1`` ...):
      numbers as ``int``/``Decimal``/``float``, dates as ``datetime.date``, booleans as ``bool``,
      IRIs and other text as ``str``, unbound as None. The same values as :meth:`dicts`.
    - ``len(results)``: the number of rows (0 for ASK).
    - ``bool(results)``: for ASK, its answer; for any other query, whether there is a row.
    - ``repr(results)``: a plain-text table, IRIs compacted; past 20 rows the first 10 and
      "… N more rows". In Jupyter, the same as an HTML table with the IRIs linked.
    - :meth:`to_pandas`: a DataFrame with typed columns.
    - ``rows``: the rows as rdflib terms; ``terms()``: as pyoxigraph terms.
    """

    def __init__(
        self, variables: list[str], rows: list[tuple[Term, ...]] | None = None, boolean: bool | None = None, *,
        raw: list[tuple[Term, ...]] | None = None,
    ) -> None:  # fmt: skip
        """``rows`` as rdflib terms, or ``raw`` as pyoxigraph terms (None where a variable is unbound)."""
        self.variables = variables
        self.boolean = boolean
        self._rows = rows if rows is not None or raw is not None else []
        self._raw = raw
        self.is_graph = False  # a CONSTRUCT or DESCRIBE answer: rows are (subject, predicate, object)

    @classmethod
    def from_triples(cls, triples: Sequence[tuple[Term, Term, Term]]) -> Results:
        """The answer to a CONSTRUCT or DESCRIBE query (pyoxigraph terms)."""
        results = cls(["subject", "predicate", "object"], raw=list(triples))
        results.is_graph = True
        return results

    @property
    def rows(self) -> list[tuple[Term, ...]]:
        """The rows as rdflib terms (None where a variable is unbound)."""
        if self._rows is None:
            from kg.terms import to_rdflib

            self._rows = [tuple(None if t is None else to_rdflib(t) for t in row) for row in self._raw or []]
        return self._rows

    def terms(self) -> list[tuple[OxTerm | None, ...]]:
        """The rows as pyoxigraph terms (None where unbound): what every output format is written from."""
        if self._raw is None:
            self._raw = [tuple(None if t is None else to_oxigraph(t) for t in row) for row in self._rows or []]
        return self._raw

    def __len__(self) -> int:
        return len(self._raw if self._raw is not None else self._rows or [])

    def __bool__(self) -> bool:
        """The ASK answer for an ASK query; for SELECT, CONSTRUCT and DESCRIBE, whether there is any row."""
        return self.boolean if self.boolean is not None else len(self) > 0

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        row_type = collections.namedtuple("Row", self.variables, rename=True)  # type: ignore[misc]  # fields known at run time
        for row in self.rows:
            yield row_type(*(_python(term) for term in row))

    def dicts(self) -> list[dict[str, Any]]:
        """Rows as dicts of Python values (numbers as numbers, IRIs as strings), unbound as None."""
        return [{var: _python(term) for var, term in zip(self.variables, row, strict=True)} for row in self.rows]

    def column(self, variable: str) -> list[Any]:
        """One variable's values down the rows, as Python values (see :meth:`dicts`).

        Raises QueryError when the results have no such variable.
        """
        if variable not in self.variables:
            raise QueryError(f"the results have no variable {variable!r}; they have {', '.join(self.variables)}.")
        index = self.variables.index(variable)
        return [_python(row[index]) for row in self.rows]

    def _shown(self) -> tuple[list[tuple[OxTerm | None, ...]], str]:
        """The rows repr and HTML show, and the line saying how many more there are."""
        rows, total = self.terms(), len(self)
        if total <= SHOWN_ROWS:
            return rows, "" if total else "(no rows)"
        more = total - HEAD_ROWS
        return rows[:HEAD_ROWS], f"… {more} more row{'s' if more != 1 else ''} ({total} in all)"

    def __repr__(self) -> str:
        if self.boolean is not None:
            return f"<Results of an ASK query: {str(self.boolean).lower()}>"
        rows, note = self._shown()
        return text_table(self.variables, rows) + note if note else text_table(self.variables, rows).rstrip("\n")

    def _repr_html_(self) -> str:
        """The results as an HTML table for Jupyter: cells escaped, IRIs compacted and linked."""
        import html

        if self.boolean is not None:
            return f"<p>ASK: <strong>{str(self.boolean).lower()}</strong></p>"
        rows, note = self._shown()
        out = html_table(self.variables, rows, links=True)
        return "\n".join(out + ([f"<p>{html.escape(note)}</p>"] if note else []))

    def to_pandas(self) -> pandas.DataFrame:
        """The rows as a pandas DataFrame, one column per variable, typed by the literals' datatypes.

        Integer columns become ``int64`` (``Int64`` when a row leaves one unbound), decimal, double
        and float ``float64``, booleans ``boolean``, dates and date-times ``datetime64``; every other
        column (IRIs, text, mixed) holds ``str`` values, None where unbound. An ASK answer has no
        rows: a DataFrame with no columns. Raises MissingExtra when pandas is not installed.
        """
        pandas = require("pandas", "pandas", "Results.to_pandas()")
        columns = {var: _column(pandas, [row[i] for row in self.terms()]) for i, var in enumerate(self.variables)}
        return pandas.DataFrame(columns, columns=list(self.variables))


def _column(pandas: Any, terms: list[OxTerm | None]) -> Any:
    """One DataFrame column of terms, typed when every bound term is a literal of one kind."""
    bound = [t for t in terms if t is not None]
    datatypes = {t.datatype.value if isinstance(t, ox.Literal) else "" for t in bound}
    if bound and datatypes <= _INTEGERS:
        dtype = "Int64" if len(bound) < len(terms) else "int64"
        return pandas.Series([None if t is None else int(t.value) for t in terms], dtype=dtype)
    if bound and datatypes <= _FLOATS:
        return pandas.Series([None if t is None else float(t.value) for t in terms], dtype="float64")
    if bound and datatypes == {XSD + "boolean"}:
        values = [None if t is None else t.value in ("true", "1") for t in terms]
        return pandas.Series(values, dtype="boolean")
    if bound and datatypes <= _DATES:
        return pandas.to_datetime(pandas.Series([None if t is None else t.value for t in terms], dtype="object"))
    return pandas.Series([None if t is None else t.value for t in terms], dtype="object")


def _python(term: Term | None) -> Any:
    from rdflib import Literal

    if term is None:
        return None
    if isinstance(term, Literal):
        value = term.toPython()
        return value if not isinstance(value, Literal) else str(value)
    return str(term)


def _kind(term: OxTerm) -> str:
    """uri, bnode or literal: the SPARQL results formats' names for the kinds of term."""
    if isinstance(term, ox.NamedNode):
        return "uri"
    return "bnode" if isinstance(term, ox.BlankNode) else "literal"


def _datatype(term: ox.Literal) -> str | None:
    """A literal's datatype IRI, None for a plain or language-tagged string."""
    datatype = None if term.language else term.datatype.value
    return None if datatype == XSD + "string" else datatype


def _plain(term: OxTerm | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return canonical_number(term).value
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


def _json_term(term: OxTerm) -> dict[str, str]:
    value: dict[str, str] = {"type": _kind(term), "value": term.value}
    if isinstance(term, ox.Literal):
        if term.language:
            value["xml:lang"] = term.language
        elif datatype := _datatype(term):
            value["datatype"] = datatype
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
    """The SPARQL 1.1 Query Results CSV Format (plain values, numbers canonical, CRLF line ends)."""
    if results.boolean is not None:
        return f"{str(results.boolean).lower()}\r\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(results.variables)
    writer.writerows([_plain(term) for term in row] for row in results.terms())
    return out.getvalue()


def to_tsv(results: Results) -> str:
    """The SPARQL 1.1 Query Results TSV Format (terms in Turtle syntax, numbers canonical)."""
    if results.boolean is not None:
        return f"{str(results.boolean).lower()}\n"
    lines = ["\t".join(f"?{var}" for var in results.variables)]
    for row in results.terms():
        lines.append("\t".join("" if term is None else _tsv_term(term) for term in row))
    return "\n".join(lines) + "\n"


def _tsv_term(term: OxTerm) -> str:
    # N-Triples syntax; tabs and newlines inside a literal would break the row structure.
    return str(canonical(term)).replace("\t", "\\t").replace("\n", "\\n")


def to_table(results: Results, *, cell_width: int = TEXT_CELL_WIDTH) -> str:
    """Aligned plain-text columns for a terminal (kg.query.tables); IRIs shortened to known prefixes.

    Cells longer than ``cell_width`` are cut with an ellipsis; csv, tsv and json keep them whole.
    """
    if results.boolean is not None:
        return f"{str(results.boolean).lower()}\n"
    return text_table(results.variables, results.terms(), cell_width=cell_width)


def to_xml(results: Results) -> str:
    """The SPARQL 1.1 Query Results XML Format."""
    from kg.query.rdfout import solutions_to_xml

    return solutions_to_xml(to_json(results))


def default_format(results: Results) -> str:
    """The format to write when none is asked for: Turtle for a graph, a table otherwise."""
    return "turtle" if results.is_graph else "table"


def render(results: Results, fmt: str) -> str:
    """The answer as text in ``fmt``: one of RESULT_FORMATS, or for a graph also one of RDF_FORMATS.

    Raises QueryError for an RDF format asked of a SELECT or ASK answer, or an unknown format.
    """
    if fmt in RDF_FORMATS:
        from kg.query.rdfout import serialize_triples

        if not results.is_graph:
            raise QueryError(
                f"the {fmt} format writes RDF, which only a CONSTRUCT or DESCRIBE query returns; "
                f"for SELECT or ASK choose one of {', '.join(RESULT_FORMATS)}."
            )
        return serialize_triples([(row[0], row[1], row[2]) for row in results.terms()], fmt)
    writers = {"table": to_table, "csv": to_csv, "tsv": to_tsv, "json": to_json, "xml": to_xml}
    if fmt not in writers:
        raise QueryError(f"unknown results format {fmt!r}; choose one of {', '.join(RESULT_FORMATS + RDF_FORMATS)}.")
    return writers[fmt](results)
