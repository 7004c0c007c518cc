"""Checks shared by the framework and observation importers, read off kg.sheetspec.

Each check returns SheetProblem values (row, column, one sentence); the importers collect them
all and raise SheetProblems once, so that a user sees every fault of a sheet at the first try.
The coding record's reading of a row (reviewed, suggested, not yet) is here too: the importer's
checks, the conversion and kg suggest read it alike.
"""

from __future__ import annotations

from collections.abc import Iterable

from .sheets import Row, Sheet, SheetProblem
from .sheetspec import CODED_IN_PART, NO_TIERS, REVIEWED, SheetSpec, split


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


def unknown_columns(spec: SheetSpec, columns: Iterable[str]) -> list[str]:
    """The header's named columns that ``spec`` does not declare, in the header's order."""
    return [name for name in columns if name and name not in spec.names]


def coding_status(row: Row) -> str:
    """'reviewed', 'suggested' or '' (not yet reviewed) for a row, as its coded and aspects cells say."""
    coded = row.values.get("coded", "").strip().lower()
    return coded or (REVIEWED if split(row.values.get("aspects", "")) else "")


def untiered(meta: dict[str, str]) -> bool:
    """Whether the framework description says the framework sorts its indicators into no tiers."""
    return meta.get("tiers", "").strip().lower() == NO_TIERS


def coded_in_part(sheet: Sheet) -> bool:
    """Whether only some indicators were reviewed: the description says so, or the coded column shows it."""
    said = sheet.meta.get("coding", "").strip().lower()
    if said == CODED_IN_PART:
        return True
    return not said and "coded" in sheet.columns and any(coding_status(row) != REVIEWED for row in sheet.rows)
