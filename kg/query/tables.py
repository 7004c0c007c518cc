"""The one table renderer: result rows as aligned plain text, a Markdown pipe table, or an HTML table.

``kg query -f table``, ``repr(results)``, ``results._repr_html_()`` (Jupyter) and the report's
Markdown and HTML all draw their tables here, from the same cells: IRIs compacted to the
project's prefixes (``u4ssc:SC-SH-SI-4C``), blank nodes as ``_:id``, whitespace in literals
collapsed, numbers in one canonical form (:func:`canonical`), unbound as empty. A column whose
every cell is a number is right-aligned.

Rows are pyoxigraph terms (``Results.terms()``), or None where a variable is unbound.

>>> import pyoxigraph as ox
>>> kpi = ox.NamedNode("https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C")
>>> three = ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
>>> print(text_table(["kpi", "n"], [(kpi, three)]), end="")
kpi                n
-----------------  -
u4ssc:SC-SH-SI-4C  3
>>> print("\\n".join(markdown_table(["kpi", "n"], [(kpi, three)])))
| kpi | n |
| --- | ---: |
| u4ssc:SC-SH-SI-4C | 3 |
"""

from __future__ import annotations

import html
import math
import re
import struct
from collections.abc import Sequence
from decimal import Decimal

import pyoxigraph as ox

from kg.namespaces import compact

XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGERS = {XSD + name for name in ("integer", "int", "long", "short", "byte", "positiveInteger", "negativeInteger")}
INTEGERS |= {XSD + name for name in ("nonNegativeInteger", "nonPositiveInteger")}
INTEGERS |= {XSD + name for name in ("unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}
NUMERIC = INTEGERS | {XSD + name for name in ("decimal", "double", "float")}
TEXT_CELL_WIDTH = 60  # the text table cuts longer cells with "…"; the other formats keep them whole

Cell = ox.NamedNode | ox.BlankNode | ox.Literal | None
Row = Sequence[Cell]


def canonical(term: Cell) -> Cell:
    """The term with a numeric literal's lexical form made canonical (:func:`canonical_number`); others as they are."""
    return canonical_number(term) if isinstance(term, ox.Literal) else term


def canonical_number(literal: ox.Literal) -> ox.Literal:
    """A numeric literal in its canonical lexical form; any other literal as it is.

    Stores write the same number differently (Virtuoso ``"1.0"``, Oxigraph ``"1"`` for the same
    value), so the table, CSV and TSV formats write numbers in one form per datatype:

    - xsd:integer and the types derived from it: the integer, no ``+``, no leading zeros;
    - xsd:decimal: XML Schema 1.1's canonical form: no exponent, no trailing zeros after the point,
      and no point for a whole number (``"1.0"`` and ``"1"`` are ``1``, ``"053.30"`` is ``53.3``);
    - xsd:double and xsd:float: the shortest digits that read back as the same value (for a float,
      the same 32-bit value), written as a decimal from 1e-6 up to 1e21 and with an exponent
      beyond (``1e+21``, ``1.5e-7``), a whole number without a point (``"1.0E0"`` is ``1``), and
      ``INF``, ``-INF``, ``NaN``: ECMAScript's number-to-text rule, whose output is a valid xsd:double.

    The datatype is kept; a lexical form that is not valid for its datatype is left as written.

    >>> decimal, double = ox.NamedNode(XSD + "decimal"), ox.NamedNode(XSD + "double")
    >>> [canonical_number(ox.Literal(v, datatype=decimal)).value for v in ("1.0", "1", "-0.50", "+053.30")]
    ['1', '1', '-0.5', '53.3']
    >>> [canonical_number(ox.Literal(v, datatype=double)).value for v in ("1.0E0", "0.7", "7E-1", "1e21", "INF")]
    ['1', '0.7', '0.7', '1e+21', 'INF']
    """
    text, datatype = literal.value.strip(), literal.datatype.value
    if datatype not in NUMERIC:
        return literal
    try:
        if datatype in INTEGERS:
            value = str(int(text, 10))
        elif datatype == XSD + "decimal":
            if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
                return literal
            value = _decimal_text(Decimal(text))
        else:
            value = _float_text(text, single=datatype == XSD + "float")
    except ValueError:
        return literal
    return literal if value == literal.value else ox.Literal(value, datatype=literal.datatype)


def _decimal_text(number: Decimal) -> str:
    """A finite Decimal without exponent, trailing zeros, or a point when it is whole; zero is ``0``."""
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def _float_text(text: str, *, single: bool) -> str:
    """An xsd:double or xsd:float lexical form in the canonical form :func:`canonical_number` describes."""
    special = {"INF": "INF", "+INF": "INF", "-INF": "-INF", "NaN": "NaN"}
    if text in special:
        return special[text]
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
        raise ValueError(text)  # Python reads "inf" and "1_0" too; XML Schema does not
    number = float(text)
    digits = repr(number)
    if single:  # the shortest digits that give back the same 32-bit float
        stored = _single(text)
        digits = next(f"{stored:.{p}g}" for p in range(1, 10) if _single(f"{stored:.{p}g}") == stored)
    if math.isinf(float(digits)):
        return "INF" if float(digits) > 0 else "-INF"
    value = Decimal(digits)
    if value == 0:
        return "-0" if digits.startswith("-") else "0"
    if Decimal("1e-6") <= abs(value) < Decimal("1e21"):
        return _decimal_text(value)
    return format(value.normalize(), "e")


def _single(text: str) -> float:
    """The 32-bit float nearest to ``text``, as a Python float (infinite beyond the 32-bit range)."""
    try:
        return float(struct.unpack("f", struct.pack("f", float(text)))[0])
    except OverflowError:
        return math.copysign(math.inf, float(text))


def cell(term: Cell) -> str:
    """A term as table text: IRIs compacted, whitespace collapsed, numbers canonical, unbound as empty."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return " ".join(canonical_number(term).value.split())


def is_number(term: Cell) -> bool:
    """Whether the term is a literal of a numeric XSD datatype."""
    return isinstance(term, ox.Literal) and term.datatype.value in NUMERIC


def numeric_columns(width: int, rows: Sequence[Row]) -> list[bool]:
    """For each of ``width`` columns: whether the rows are non-empty and every cell is a number."""
    return [bool(rows) and all(is_number(row[i]) for row in rows) for i in range(width)]


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def text_table(variables: Sequence[str], rows: Sequence[Row], *, cell_width: int = TEXT_CELL_WIDTH) -> str:
    """Aligned plain-text columns under a header and a rule, each line ending in a newline.

    Cells longer than ``cell_width`` are cut with an ellipsis.
    """
    cells = [[_clip(cell(term), cell_width) for term in row] for row in rows]
    widths = [len(var) for var in variables]
    for row in cells:
        widths = [max(width, len(text)) for width, text in zip(widths, row, strict=True)]
    numeric = numeric_columns(len(variables), rows)

    def line(values: Sequence[str]) -> str:
        parts = [
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [line(variables), line(["-" * width for width in widths])]
    out.extend(line(row) for row in cells)
    return "\n".join(out) + "\n"


def markdown_table(variables: Sequence[str], rows: Sequence[Row]) -> list[str]:
    """A GitHub pipe table, one string per line; "|" in a cell is escaped, numbers right-aligned."""
    align = ["---:" if right else "---" for right in numeric_columns(len(variables), rows)]
    body = [[cell(term).replace("|", "\\|") for term in row] for row in rows]
    return ["| " + " | ".join(row) + " |" for row in [list(variables), align, *body]]


NUM = ' class="num"'


def html_table(
    variables: Sequence[str], rows: Sequence[Row], *, caption: str | None = None, links: bool = False
) -> list[str]:
    """An HTML table, one string per line, every cell escaped; numeric cells get ``class="num"``.

    ``caption`` is HTML already (the caller escapes it). With ``links``, an IRI is shown compacted
    and linked to itself (for a notebook); without, it is text (the report, which is read offline).
    """
    numeric = numeric_columns(len(variables), rows)
    out = ["<table>"] + ([f"<caption>{caption}</caption>"] if caption is not None else [])
    out.append("<thead><tr>" + "".join(f"<th>{html.escape(var)}</th>" for var in variables) + "</tr></thead>")
    for row in rows:
        tds = (f"<td{NUM * n}>{_html_cell(t, links)}</td>" for t, n in zip(row, numeric, strict=True))
        out.append("<tr>" + "".join(tds) + "</tr>")
    return [*out, "</table>"]


def _html_cell(term: Cell, links: bool) -> str:
    text = html.escape(cell(term))
    if links and isinstance(term, ox.NamedNode) and term.value.startswith(("http://", "https://")):
        return f'<a href="{html.escape(term.value, quote=True)}" title="{html.escape(term.value)}">{text}</a>'
    return text
