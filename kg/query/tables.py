"""The one table renderer: result rows as aligned plain text, a Markdown pipe table, or an HTML table.

``kg query -f table``, ``repr(results)``, ``results._repr_html_()`` (Jupyter) and the report's
Markdown and HTML all draw their tables here, from the same cells: IRIs compacted to the
project's prefixes (``u4ssc:SC-SH-SI-4C``), blank nodes as ``_:id``, whitespace in literals
collapsed, unbound as empty. A column whose every cell is a number is right-aligned.

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
from collections.abc import Sequence

import pyoxigraph as ox

from kg.namespaces import compact

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + name for name in ("integer", "decimal", "double", "float", "int", "long", "positiveInteger")}
TEXT_CELL_WIDTH = 60  # the text table cuts longer cells with "…"; the other formats keep them whole

Cell = ox.NamedNode | ox.BlankNode | ox.Literal | None
Row = Sequence[Cell]


def cell(term: Cell) -> str:
    """A term as table text: IRIs compacted, whitespace collapsed, unbound as empty."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return " ".join(term.value.split())


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
