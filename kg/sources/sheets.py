"""Read framework spreadsheets (CSV or XLSX) safely, keeping each row's spreadsheet number.

A sheet holds one row per indicator under a header row; the framework itself is described by
key/value rows in a companion: ``NAME.meta.csv`` beside a CSV, or a worksheet named "meta" in
an XLSX. Row numbers are the ones a spreadsheet program shows (the header is row 1), so that
error messages point where the user looks.

A sheet whose shape cannot be read without guessing is refused, all its faults listed at once
with row and column (SheetProblems, exit 1): a cell over MAX_CELL characters, a header naming a
column twice, a value under an empty header cell or beyond the header's last column (in a CSV,
usually a value holding an unquoted comma), a description row with more than key and value, a
spreadsheet error (#DIV/0! ...). A file that is not a sheet at all (missing, not UTF-8, NUL
bytes, not an .xlsx workbook, empty) is an InputError (exit 2).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from kg.errors import InputError, SheetProblems
from kg.extras import require
from kg.sources.files import check_regular_file, read_text
from kg.sources.sheetspec import FRAMEWORK_META, Row, SheetProblem

META_SHEET = "meta"
META_KEYS = FRAMEWORK_META.names
MAX_CELL = 131_072  # characters in one cell (Python's csv default field limit; Excel allows 32,767)
UTF8_FIX = "in Excel, save it with 'Save As' and the type 'CSV UTF-8 (comma delimited)'"
QUOTE_FIX = "put a value that holds a comma or semicolon in double quotes"


@dataclass
class Sheet:
    """A framework sheet: its header, its rows and the framework description beside it."""

    path: Path
    columns: list[str]
    rows: list[Row]
    meta: dict[str, str] = field(default_factory=dict)
    meta_source: str = ""  # where the framework description came from, for messages


# One record: its row number and its cells; errors: (row, cell index) -> the spreadsheet error shown.
Records = list[tuple[int, list[str]]]
Errors = dict[tuple[int, int], str]


def letter(index: int) -> str:
    """The spreadsheet's name of the column at ``index`` (0 -> A, 26 -> AA)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def short(text: str, width: int = 40, *, end: bool = False) -> str:
    """``text`` quoted, cut to ``width`` characters (keeping its ``end`` if asked)."""
    if len(text) > width:
        text = "…" + text[1 - width :] if end else text[: width - 1] + "…"
    return repr(text)


def _delimiter(header_line: str) -> str:
    """Excel writes ';' where the decimal separator is ',' and ',' elsewhere."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _csv_records(path: Path) -> Records:
    text = read_text(path, fix=UTF8_FIX)
    if "\0" in text:
        raise InputError(f"{path}: holds NUL bytes, so it is not a CSV text file; {UTF8_FIX}.")
    if not text.strip():
        return []
    header_line = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    # Long cells are reported by _table with row and column; the csv module's own limit would
    # only raise, without either.
    previous = csv.field_size_limit(2**31 - 1)
    records: Records = []
    try:
        # newline="": a record may end in \n, \r\n or a lone \r (old Mac files); quoted ones stay in the cell.
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(header_line))
        # reader.line_num counts physical lines, which a quoted newline would advance; the row
        # number a spreadsheet shows is the record's ordinal, so count records instead.
        for number, record in enumerate(reader, start=1):
            records.append((number, [cell.strip() for cell in record]))
    except csv.Error as error:
        raise InputError(f"{path}: row {len(records) + 1} cannot be read as CSV ({error}); {UTF8_FIX}.") from None
    finally:
        csv.field_size_limit(previous)
    return records


def _too_long(number: int, column: str, cell: str, where: str = "") -> SheetProblem:
    message = f"{where}the cell holds {len(cell):,} characters, more than {MAX_CELL:,}; shorten it"
    return SheetProblem(number, column, message)


def _table(
    path: Path, records: Records, errors: Errors | None = None
) -> tuple[list[str], list[Row], list[SheetProblem]]:
    if not records or not any(records[0][1]):
        raise InputError(f"{path}: the sheet is empty; start it with the header row of data/templates/framework.csv.")
    columns = [cell.lower().replace(" ", "_") for cell in records[0][1]]
    problems = []

    def name(index: int) -> str:
        return columns[index] if index < len(columns) and columns[index] else letter(index)

    first: dict[str, int] = {}
    for index, column in enumerate(columns):
        if column and column in first:
            where = f"{letter(first[column])} and {letter(index)}"
            message = f"the header names this column twice ({where}); rename or remove one"
            problems.append(SheetProblem(1, column, message))
        first.setdefault(column, index)
    problems += [_too_long(1, letter(i), cell) for i, cell in enumerate(records[0][1]) if len(cell) > MAX_CELL]
    for (number, index), shown in (errors or {}).items():
        message = f"the cell shows the error {shown}; fix its formula or type the value"
        problems.append(SheetProblem(number, name(index), message))
    rows = []
    for number, cells in records[1:]:
        problems += [_too_long(number, name(i), cell) for i, cell in enumerate(cells) if len(cell) > MAX_CELL]
        if not any(cells):
            continue  # blank rows are spacing, not indicators
        for index, cell in enumerate(cells):
            if cell and index >= len(columns):
                what = f"a value ({short(cell)}) beyond the header's last column ({letter(len(columns) - 1)})"
                problems.append(SheetProblem(number, letter(index), f"the row has {what}; {QUOTE_FIX}"))
                break
            if cell and not columns[index]:
                message = f"the row has a value ({short(cell)}) under an empty header cell; name the column in row 1"
                problems.append(SheetProblem(number, letter(index), message))
        padded = cells + [""] * (len(columns) - len(cells))
        rows.append(Row(number, {column: value for column, value in zip(columns, padded, strict=False) if column}))
    return columns, rows, problems


def _meta(records: Records, where: str) -> tuple[dict[str, str], list[SheetProblem]]:
    """The framework description's key/value rows; problems name the row and column of ``where``."""
    meta: dict[str, str] = {}
    problems = []
    for number, cells in records:
        key = cells[0].lower() if cells else ""
        value = cells[1] if len(cells) > 1 else ""
        if not any(cells) or (key, value.lower()) == ("key", "value"):
            continue  # blank rows, and the "key,value" header

        def problem(column: str, message: str, number: int = number) -> None:
            problems.append(SheetProblem(number, column, f"in {where}, {message}"))

        if extra := [cell for cell in cells[2:] if cell]:
            cut = f"{short(value, 30, end=True)} then {short(extra[0], 30)}"
            problem("value", f"the {key!r} row has {2 + len(extra)} cells, not 2 ({cut}); {QUOTE_FIX}")
        if not key:
            problem("key", f"the value {short(value)} has no key; the keys are {', '.join(META_KEYS)}")
        elif key not in META_KEYS:
            problem("key", f"{short(key)} is not a key; the keys are {', '.join(META_KEYS)}")
        elif key in meta:
            problem("key", f"{key!r} is given twice; keep one row")
        problems.extend(_too_long(number, "value", cell, f"in {where}, ") for cell in cells if len(cell) > MAX_CELL)
        meta.setdefault(key, value)
    return meta, problems


def meta_path(path: Path) -> Path:
    """Where a CSV sheet's framework description is: NAME.meta.csv beside NAME.csv."""
    return path.with_name(f"{path.stem}.meta.csv")


def read_csv(path: Path) -> Sheet:
    """A framework sheet from a CSV file and the NAME.meta.csv beside it.

    Raises InputError for a file that is not a readable CSV or a missing description, and
    SheetProblems (exit 1) for a sheet whose shape cannot be read without guessing.
    """
    columns, rows, problems = _table(path, _csv_records(path))
    companion = meta_path(path)
    if not companion.is_file():
        raise InputError(
            f"{path}: the framework description {companion.name} is missing beside it; "
            "copy data/templates/framework.meta.csv and fill in title, publisher, year and source."
        )
    meta, meta_problems = _meta(_csv_records(companion), companion.name)
    if problems + meta_problems:
        raise SheetProblems(path, problems + meta_problems)
    return Sheet(path, columns, rows, meta, str(companion))


@contextmanager
def _workbook(path: Path) -> Iterator[Any]:
    """An .xlsx workbook opened read-only; one clear sentence if it cannot be."""
    load_workbook = require("openpyxl", "xlsx", "reading .xlsx sheets").load_workbook
    check_regular_file(path)  # a symlink to /dev/zero would be read until memory runs out
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path.") from None
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise InputError(f"{path}: not a readable .xlsx workbook ({error}); save it again from Excel.") from None
    try:
        yield workbook
    finally:
        workbook.close()


def _text(value: object) -> str:
    """A cell's value as the sheet shows it: whole numbers without '.0', dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def _records(path: Path, worksheet: Any) -> tuple[Records, Errors]:
    records: Records = []
    errors: Errors = {}
    try:
        for number, row in enumerate(worksheet.iter_rows(), start=1):
            cells = []
            for index, cell in enumerate(row):
                cells.append(_text(cell.value))
                if getattr(cell, "data_type", None) == "e" and cell.value is not None:
                    errors[(number, index)] = str(cell.value)
            records.append((number, cells))
    except Exception as error:  # a damaged worksheet part surfaces only while reading it
        raise InputError(f"{path}: worksheet {worksheet.title} cannot be read ({error}); save it again.") from None
    return records, errors


def read_xlsx(path: Path) -> Sheet:
    """A framework sheet from an .xlsx workbook: its first worksheet, described by the worksheet 'meta'.

    Raises MissingExtra without openpyxl (the extra ``xlsx``), InputError for a file that is not a
    readable workbook or lacks either worksheet, and SheetProblems (exit 1) as read_csv does.
    """
    with _workbook(path) as workbook:
        sheets = [name for name in workbook.sheetnames if name.lower() != META_SHEET]
        if not sheets:
            raise InputError(f"{path}: the workbook has no indicator sheet.")
        columns, rows, problems = _table(path, *_records(path, workbook[sheets[0]]))
        meta_name = next((name for name in workbook.sheetnames if name.lower() == META_SHEET), None)
        if meta_name is None:
            raise InputError(
                f"{path}: the workbook has no worksheet named 'meta' describing the framework; "
                "copy it from data/templates/framework.xlsx."
            )
        meta_records, errors = _records(path, workbook[meta_name])
        meta, meta_problems = _meta(meta_records, f"worksheet {meta_name}")
        meta_problems += [
            SheetProblem(number, letter(index), f"in worksheet {meta_name}, the cell shows the error {shown}")
            for (number, index), shown in errors.items()
        ]
        if problems + meta_problems:
            raise SheetProblems(path, problems + meta_problems)
        return Sheet(path, columns, rows, meta, f"{path} (worksheet meta)")


def read_rows(path: Path | str) -> tuple[list[str], list[Row]]:
    """The header and rows of a .csv file or of an .xlsx file's first worksheet (no framework description).

    Raises InputError for a folder, an unknown file type or an unreadable file, MissingExtra for an
    .xlsx without openpyxl, and SheetProblems (exit 1) for a sheet whose shape cannot be read.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a spreadsheet.")
    if path.suffix.lower() == ".csv":
        columns, rows, problems = _table(path, _csv_records(path))
    elif path.suffix.lower() == ".xlsx":
        with _workbook(path) as workbook:
            columns, rows, problems = _table(path, *_records(path, workbook.worksheets[0]))
    else:
        raise InputError(f"{path}: unknown sheet type {path.suffix or '(none)'!r}; use a .csv or .xlsx file.")
    if problems:
        raise SheetProblems(path, problems)
    return columns, rows


def read_sheet(path: Path | str) -> Sheet:
    """The indicator rows and framework description of a .csv or .xlsx file (see read_csv, read_xlsx).

    Raises InputError for a folder or an unknown file type, and what read_csv and read_xlsx raise.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a spreadsheet.")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(path)
    if suffix == ".xlsx":
        return read_xlsx(path)
    raise InputError(f"{path}: unknown sheet type {suffix or '(none)'!r}; import a .csv or .xlsx file.")
