"""Read framework spreadsheets (CSV or XLSX) safely, keeping each row's spreadsheet number.

A sheet holds one row per indicator under a header row; the framework itself is described by
key/value rows in a companion: ``NAME.meta.csv`` beside a CSV, or a worksheet named "meta" in
an XLSX. Row numbers are the ones a spreadsheet program shows (the header is row 1), so that
error messages point where the user looks.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .sources import read_text

META_SHEET = "meta"
UTF8_FIX = "in Excel, save it with 'Save As' and the type 'CSV UTF-8 (comma delimited)'"


@dataclass(frozen=True)
class Row:
    number: int  # as a spreadsheet program numbers it; the header is row 1
    values: dict[str, str]


@dataclass
class Sheet:
    path: Path
    columns: list[str]
    rows: list[Row]
    meta: dict[str, str] = field(default_factory=dict)
    meta_source: str = ""  # where the framework description came from, for messages


def _clean(value: object) -> str:
    return "" if value is None else str(value).strip()


def _delimiter(header_line: str) -> str:
    """Excel writes ';' where the decimal separator is ',' and ',' elsewhere."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    lines = text.splitlines()
    if not lines:
        return []
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(lines[0]))
    # reader.line_num counts physical lines, which a quoted newline would advance; the row
    # number a spreadsheet shows is the record's ordinal, so count records instead.
    return [(number, [_clean(cell) for cell in record]) for number, record in enumerate(reader, start=1)]


def _table(path: Path, records: list[tuple[int, list[str]]]) -> tuple[list[str], list[Row]]:
    if not records or not any(records[0][1]):
        raise InputError(f"{path}: the sheet is empty; start it with the header row of data/templates/framework.csv.")
    columns = [cell.lower().replace(" ", "_") for cell in records[0][1]]
    rows = []
    for number, cells in records[1:]:
        if not any(cells):
            continue  # blank rows are spacing, not indicators
        padded = cells + [""] * (len(columns) - len(cells))
        rows.append(Row(number, {column: value for column, value in zip(columns, padded, strict=False) if column}))
    return columns, rows


def _meta(records: list[tuple[int, list[str]]]) -> dict[str, str]:
    meta = {}
    for _, cells in records:
        if cells and cells[0] and cells[0].lower() != "key":
            meta[cells[0].lower()] = cells[1] if len(cells) > 1 else ""
    return meta


def meta_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.meta.csv")


def read_csv(path: Path) -> Sheet:
    columns, rows = _table(path, _csv_rows(read_text(path, fix=UTF8_FIX)))
    companion = meta_path(path)
    if not companion.is_file():
        raise InputError(
            f"{path}: the framework description {companion.name} is missing beside it; "
            "copy data/templates/framework.meta.csv and fill in title, publisher, year and source."
        )
    return Sheet(path, columns, rows, _meta(_csv_rows(read_text(companion, fix=UTF8_FIX))), str(companion))


@contextmanager
def _workbook(path: Path) -> Iterator[Any]:
    """An .xlsx workbook opened read-only; one clear sentence if it cannot be."""
    from openpyxl import load_workbook

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


def _records(worksheet: Any) -> list[tuple[int, list[str]]]:
    rows = worksheet.iter_rows(values_only=True)
    return [(number, [_clean(cell) for cell in row]) for number, row in enumerate(rows, start=1)]


def read_xlsx(path: Path) -> Sheet:
    with _workbook(path) as workbook:
        sheets = [name for name in workbook.sheetnames if name.lower() != META_SHEET]
        if not sheets:
            raise InputError(f"{path}: the workbook has no indicator sheet.")
        columns, rows = _table(path, _records(workbook[sheets[0]]))
        meta_name = next((name for name in workbook.sheetnames if name.lower() == META_SHEET), None)
        if meta_name is None:
            raise InputError(
                f"{path}: the workbook has no worksheet named 'meta' describing the framework; "
                "copy it from data/templates/framework.xlsx."
            )
        return Sheet(path, columns, rows, _meta(_records(workbook[meta_name])), f"{path} (worksheet meta)")


def read_table(path: Path | str) -> tuple[list[str], list[Row]]:
    """The header and rows of a .csv file or of an .xlsx file's first worksheet (no framework description)."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a spreadsheet.")
    if path.suffix.lower() == ".csv":
        return _table(path, _csv_rows(read_text(path, fix=UTF8_FIX)))
    if path.suffix.lower() == ".xlsx":
        with _workbook(path) as workbook:
            return _table(path, _records(workbook.worksheets[0]))
    raise InputError(f"{path}: unknown sheet type {path.suffix or '(none)'!r}; use a .csv or .xlsx file.")


def read_sheet(path: Path | str) -> Sheet:
    """The indicator rows and framework description of a .csv or .xlsx file."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a spreadsheet.")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(path)
    if suffix == ".xlsx":
        return read_xlsx(path)
    raise InputError(f"{path}: unknown sheet type {suffix or '(none)'!r}; import a .csv or .xlsx file.")
