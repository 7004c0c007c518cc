"""Write data/templates/framework.xlsx from framework.csv and framework.meta.csv.

The two templates must say the same thing; tests/test_importer.py checks that they import to
the same graph.

    python scripts/make_template_xlsx.py
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

TEMPLATES = Path(__file__).resolve().parent.parent / "data" / "templates"


def rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def main() -> int:
    workbook = Workbook()
    indicators = workbook.active
    indicators.title = "indicators"
    meta = workbook.create_sheet("meta")
    for sheet, source in ((indicators, "framework.csv"), (meta, "framework.meta.csv")):
        for row in rows(TEMPLATES / source):
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    target = TEMPLATES / "framework.xlsx"
    workbook.save(target)
    print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
