"""The sheets' columns, declared once: name, whether required, kind of value, and meaning.

One declaration per sheet: a framework sheet (one row per indicator), its description (key/value
rows), a city observation sheet, and U4SSC's fact table (data/u4ssc/source/u4ssc_kpis.tsv).
Everything else is derived from it: the importers' header and cell checks (below), the
templates and their column guide in data/templates/ (kg.sources.templates writes them; a test checks the
committed ones are what it writes), and the checks of scripts/build_u4ssc.py.

A value's kind says how a cell is checked: a pattern or a test, and what a wrong value "is not",
for the one-sentence problem ("'20x4' is not a four-digit year"). The checks that read the
declarations (required cells, cell kinds, header columns, the coding record's reading of a row)
are here too, shared by kg.ingest.frameworks and kg.ingest.observations: each returns SheetProblem values (row,
column, one sentence), which an importer collects and raises once as SheetProblems.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyoxigraph as ox

LIST_SEPARATOR = ";"
TIERS = {"core": "Core", "advanced": "Advanced", "supporting": "Supporting"}
NO_TIERS = "none"  # the framework description's 'tiers' row for a framework without tiers
CODED_IN_PART, CODED_IN_FULL = "partial", "full"  # its 'coding' row
# Its 'scope' row: what the framework measures (the sck:Scope individuals).
SCOPES = {"city": "CityScope", "national": "NationalScope", "project": "ProjectScope"}
# The 'coded' column: who assigned a row's aspects. 'reviewed': the coder (coded_by) read the indicator
# and decided, aspects or none; 'suggested': kg suggest's proposal, taken unreviewed. Empty: not yet
# reviewed, unless the row names aspects (a sheet without the column: its coder's review).
REVIEWED, SUGGESTED = "reviewed", "suggested"
URL = re.compile(r"https?://[^\s<>\"{}|\\^`]+")


@dataclass(frozen=True, order=True)
class SheetProblem:
    """One fault of a sheet: its row (as a spreadsheet numbers it), its column, and what to do."""

    row: int  # 1 for the header or the framework description
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass(frozen=True)
class Row:
    """One row of a sheet: its number and its cells by column name."""

    number: int  # as a spreadsheet program numbers it; the header is row 1
    values: dict[str, str]


def split(cell: str) -> list[str]:
    """The parts of a list cell (``;``-separated), stripped, empty parts left out."""
    return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]


def web_address(text: str) -> bool:
    """Whether ``text`` is an http(s) address that is also a valid IRI (so it can name a node)."""
    if not URL.fullmatch(text):
        return False
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Kind:
    """A kind of cell value: how it is checked and what a wrong one is said not to be."""

    name: str
    meaning: str  # for the column guide
    test: Callable[[str], bool] | None = None  # None: any text
    wrong: str = ""  # completes "'x' ..." for a value that fails the test
    # The XSD datatype (local name) a cell of this kind is written as; one no store rewrites:
    # Oxigraph would turn xsd:positiveInteger into xsd:integer, so pages are xsd:integer.
    datatype: str = ""

    def problem(self, value: str) -> str | None:
        """The problem with a non-empty ``value`` ("'x' is not a page number"), or None if it fits."""
        if self.test is None or not value or self.test(value):
            return None
        return f"{value!r} {self.wrong}"


def _pattern(expression: str) -> Callable[[str], bool]:
    compiled = re.compile(expression)
    return lambda value: compiled.fullmatch(value) is not None


KINDS = {
    kind.name: kind
    for kind in (
        Kind("text", "any text"),
        Kind("list", f"items separated by '{LIST_SEPARATOR}'"),
        Kind("tier", "core, advanced or supporting"),
        Kind("year", "a four-digit year", _pattern(r"\d{4}"), "is not a four-digit year", "gYear"),
        Kind(
            "date",
            "a date, YYYY-MM-DD",
            _pattern(r"\d{4}-\d{2}-\d{2}"),
            "is not a date; write it as YYYY-MM-DD",
            "date",
        ),
        Kind("page", "a page number (1, 2, ...)", _pattern(r"[1-9]\d*"), "is not a page number", "integer"),
        Kind(
            "number",
            "a number, with a dot for decimals",
            _pattern(r"[+-]?(\d+(\.\d*)?|\.\d+)"),
            "is not a number (use a dot for decimals)",
            "decimal",
        ),
        Kind("url", "a web address (https://...)", web_address, "is not a web address (https://...)"),
        Kind("wikidata", "a Wikidata item id (Q1065)", _pattern(r"Q\d+"), "is not a Wikidata item id such as Q1065"),
        Kind("status", f"{REVIEWED}, {SUGGESTED} or empty"),
    )
}


@dataclass(frozen=True)
class Column:
    """One column of a sheet (or one key of a key/value description)."""

    name: str
    kind: str  # a key of KINDS
    required: bool
    meaning: str

    def problem(self, value: str) -> str | None:
        """The problem with ``value`` in this column by its kind, or None (empty cells are the required check's)."""
        return KINDS[self.kind].problem(value)


@dataclass(frozen=True)
class SheetSpec:
    """A sheet's columns, in the order its template lists them."""

    name: str
    meaning: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Every column's name, in order."""
        return tuple(column.name for column in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        """The required columns' names, in order."""
        return tuple(column.name for column in self.columns if column.required)

    def column(self, name: str) -> Column:
        """The column called ``name``; KeyError if the sheet has none (a programming error, not a user's)."""
        return next(column for column in self.columns if column.name == name)

    def checked(self) -> tuple[Column, ...]:
        """The columns whose kind has a test (years, dates, pages, numbers, addresses, ids)."""
        return tuple(column for column in self.columns if KINDS[column.kind].test is not None)


def _columns(*rows: tuple[str, str, bool, str]) -> tuple[Column, ...]:
    return tuple(Column(*row) for row in rows)


FRAMEWORK = SheetSpec(
    "framework",
    "one row per indicator of a framework (data/templates/framework.csv)",
    _columns(
        ("code", "text", True, "the indicator's code exactly as the framework writes it; unique within the framework"),
        ("name", "text", True, "its English name"),
        ("dimension", "text", True, "the top-level grouping (one per framework at least)"),
        ("sub_dimension", "text", False, "a finer grouping, below the dimension"),
        ("category", "text", False, "a finer grouping, below the sub-dimension"),
        ("tier", "tier", True, "core, advanced or supporting; empty in a framework whose description says tiers,none"),
        (
            "aspects",
            "list",
            False,
            "participation aspects it addresses, by notation or label ('kg query participation-aspects' lists them)",
        ),
        ("sdg", "list", False, "SDG targets or indicators it cites (11.3, 11.3.2); checked against the UN SDG list"),
        ("measure", "text", False, "what it measures, in your words"),
        ("source", "url", False, "a page of the framework's source publication, or another document"),
        ("source_title", "text", False, "the title of that other document"),
        ("page", "page", False, "the page number in the source"),
        ("evidence", "text", False, "a short quoted phrase supporting the aspect coding"),
        (
            "coding_note",
            "text",
            False,
            "the coder's rationale, quoting what the indicator measures (for a row addressing no aspect: why not)",
        ),
        (
            "coded",
            "status",
            False,
            "who decided the row's aspects: reviewed (the coder) or suggested (kg suggest); empty: not yet reviewed",
        ),
        (
            "rules",
            "list",
            False,
            "the codebook rules that decided the row, by id (data/schemes/coding-rules.ttl; docs/guide/codebook.md)",
        ),
        ("dimension_code", "text", False, "the dimension's code (Goal 17: 17); its IRI is minted from it"),
        ("sub_dimension_code", "text", False, "the sub-dimension's code (Target 17.13: 17.13); its IRI from it"),
        ("category_code", "text", False, "the category's code; its IRI is minted from it"),
    ),
)

NAME_IRIS_REPLACED = "replaced"  # name_iris: the groupings' name IRIs were published

FRAMEWORK_META = SheetSpec(
    "framework description",
    "key/value rows describing the framework (NAME.meta.csv, or a worksheet 'meta')",
    _columns(
        ("title", "text", True, "the framework's title"),
        ("publisher", "text", True, "who publishes the framework"),
        ("year", "year", True, "the year the framework was published"),
        ("source", "url", True, "the web address of the document the indicators are read from"),
        ("source_title", "text", False, "that document's title (default: the framework's)"),
        ("source_publisher", "text", False, "that document's publisher, when not the framework's"),
        ("source_year", "year", False, "the year of that document"),
        ("tiers", "text", False, f"'{NO_TIERS}' for a framework that sorts its indicators into no tiers"),
        ("coded_by", "text", False, "who coded the indicators for participation (default: smartcity-kg)"),
        ("coding", "text", False, f"'{CODED_IN_PART}' when only some indicators were reviewed, or '{CODED_IN_FULL}'"),
        ("coded_on", "date", False, "the date of the coding; required in a sheet with a coded column"),
        ("scope", "text", False, f"what the framework measures: {', '.join(SCOPES)}"),
        ("scope_source", "url", False, "the page that says what the framework measures; required with a scope"),
        ("note", "text", False, "an editorial note on the framework"),
        (
            "name_iris",
            "text",
            False,
            f"'{NAME_IRIS_REPLACED}': the groupings' name IRIs (published once) stay, replaced by their code IRIs",
        ),
    ),
)

OBSERVATIONS = SheetSpec(
    "observations",
    "one row per value of an indicator for a city and year (kg import-observations)",
    _columns(
        ("city", "text", True, "the city's name"),
        ("framework", "text", True, "the framework's id ('kg query frameworks' lists them)"),
        ("indicator", "text", True, "the indicator's code as the framework writes it"),
        ("year", "year", True, "the year the value is for"),
        ("value", "number", True, "the value"),
        ("unit", "text", True, "its unit"),
        ("source", "url", True, "the page that reports the value"),
        ("wikidata", "wikidata", False, "the city's Wikidata item"),
        ("note", "text", False, "a note on the value"),
    ),
)

U4SSC_KPIS = SheetSpec(
    "U4SSC fact table",
    "the reference table of the 91 U4SSC KPIs (data/u4ssc/source/u4ssc_kpis.tsv, tab-separated)",
    _columns(
        ("code", "text", True, "the KPI's code, as 'EC: ICT: PS: 1A' (the last letter: C core, A advanced)"),
        ("name", "text", True, "its English name"),
        ("dimension", "text", True, "Economy, Environment or Society and Culture"),
        ("sub_dimension", "text", True, "the sub-dimension of the dimension"),
        ("category", "text", True, "the category"),
        ("tier", "tier", True, "core or advanced"),
        ("unit_or_measure", "text", True, "what it measures"),
        ("sdg_targets", "list", False, "SDG targets it cites"),
        ("source_url", "text", True, "the flipbook pages it is read from, or 'unconfirmed: ...' and why"),
    ),
)

SPECS = (FRAMEWORK, FRAMEWORK_META, OBSERVATIONS, U4SSC_KPIS)


# ------------------------------------------------------------------ checks the importers share


def empty_cells(row: Row, required: Iterable[str], what: str) -> list[SheetProblem]:
    """A problem for each ``required`` cell the row leaves empty; ``what`` names a row ("indicator")."""
    return [
        SheetProblem(row.number, c, f"is empty; every {what} needs a {c}") for c in required if not row.values.get(c)
    ]


def cell_problems(row: Row, spec: SheetSpec) -> list[SheetProblem]:
    """A problem for each filled cell whose value is not of its column's kind (a year, a page, an address ...)."""
    found = []
    for column in spec.checked():
        problem = column.problem(row.values.get(column.name, ""))
        if problem is not None:
            found.append(SheetProblem(row.number, column.name, problem))
    return found


def meta_problems(meta: dict[str, str], spec: SheetSpec, where: str) -> list[SheetProblem]:
    """Problems of a key/value description (all on row 1): required keys missing, values not of their kind.

    ``where`` names the description in the messages (its file, or the workbook's worksheet).
    """
    found = [SheetProblem(1, key, f"{where} needs a '{key}' row") for key in spec.required if not meta.get(key)]
    for column in spec.checked():
        problem = column.problem(meta.get(column.name, ""))
        if problem is not None:
            found.append(SheetProblem(1, column.name, f"{where}: {column.name} {problem}"))
    return found


def missing_columns(spec: SheetSpec, columns: Iterable[str]) -> list[str]:
    """The required columns of ``spec`` that the header row ``columns`` lacks, in the spec's order."""
    present = set(columns)
    return [name for name in spec.required if name not in present]


def unknown_columns(spec: SheetSpec, columns: Iterable[str], *, unnamed: bool = False) -> list[str]:
    """The header's columns that ``spec`` does not declare, in the header's order.

    ``unnamed`` True counts an empty header cell as one (the observation importer reports it so).
    """
    return [name for name in columns if (name or unnamed) and name not in spec.names]


def coding_status(row: Row) -> str:
    """'reviewed', 'suggested' or '' (not yet reviewed) for a row, as its coded and aspects cells say."""
    coded = row.values.get("coded", "").strip().lower()
    return coded or (REVIEWED if split(row.values.get("aspects", "")) else "")


def untiered(meta: dict[str, str]) -> bool:
    """Whether the framework description says the framework sorts its indicators into no tiers."""
    return meta.get("tiers", "").strip().lower() == NO_TIERS
