"""The sheet templates in data/templates/, written from kg.sources.sheetspec: one source, the files follow.

framework.csv and framework.meta.csv (a framework sheet and its description, filled in with the
governance theme of ISO 37120 as an example), framework.xlsx (the same in two worksheets,
"indicators" and "meta"), observations.csv (the header of a city observation sheet) and
columns.md (every sheet's columns: required or not, the kind of value, the meaning). The test
suite checks that the committed files are what this module writes. To write them again:

    python -m kg.sources.templates            # into data/templates/ of the repository
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from kg.extras import require
from kg.output import write_atomically
from kg.sources.sheetspec import FRAMEWORK, FRAMEWORK_META, KINDS, OBSERVATIONS, SPECS, SheetSpec

# The example the framework template holds: the governance theme (clause 11) of ISO 37120:2014,
# coded for participation (data/frameworks/iso37120 holds the whole framework).
EXAMPLE_ROWS = (
    {
        "code": "11.1",
        "name": "Voter participation in last municipal election (as a percentage of eligible voters)",
        "dimension": "Governance",
        "tier": "core",
        "aspects": "voting",
        "measure": "share of eligible voters who voted in the last municipal election (%)",
        "evidence": "Voter participation in last municipal election",
        "coding_note": (
            'Measures "share of eligible voters who voted in the last municipal election (%)": turnout '
            "in municipal elections: participation by voting."
        ),
        "coded": "reviewed",
        "rules": "include-voting",
    },
    {
        "code": "11.2",
        "name": "Women as a percentage of total elected to city-level office",
        "dimension": "Governance",
        "tier": "core",
        "aspects": "representation",
        "measure": "share of city-level elected offices held by women (%)",
        "evidence": "Women as a percentage of total elected to city-level office",
        "coding_note": (
            'Measures "share of city-level elected offices held by women (%)": descriptive '
            "representation of women among elected city officials."
        ),
        "coded": "reviewed",
        "rules": "include-representation",
    },
    {
        "code": "11.3",
        "name": "Percentage of women employed in the city government workforce",
        "dimension": "Governance",
        "tier": "supporting",
        "aspects": "representation",
        "measure": "share of the city government workforce who are women (%)",
        "coding_note": (
            'Measures "share of the city government workforce who are women (%)": women\'s share of the '
            "city government's workforce, the city's public service: representation in a public "
            "institution, as SDG 16.7.1 counts the public service."
        ),
        "coded": "reviewed",
        "rules": "include-representation",
    },
    {
        "code": "11.4",
        "name": "Number of convictions for corruption and/or bribery by city officials per 100 000 population",
        "dimension": "Governance",
        "tier": "supporting",
        "measure": "convictions of city officials for corruption or bribery per 100 000 inhabitants",
        "coding_note": (
            'Measures "convictions of city officials for corruption or bribery per 100 000 '
            'inhabitants": convictions of officials for corruption measure integrity as enforced by the'
            " courts, not government opening its data or decisions to citizens nor citizens holding it "
            "to account: not coded as transparency."
        ),
        "coded": "reviewed",
        "rules": "exclude-state-action",
    },
    {
        "code": "11.5",
        "name": "Citizens' representation: number of local officials elected to office per 100 000 population",
        "dimension": "Governance",
        "tier": "supporting",
        "aspects": "representation",
        "measure": "local officials elected to office per 100 000 inhabitants",
        "evidence": "Citizens' representation",
        "coding_note": (
            'Measures "local officials elected to office per 100 000 inhabitants": how many elected '
            "officials represent each 100 000 residents."
        ),
        "coded": "reviewed",
        "rules": "include-representation",
    },
    {
        "code": "11.6",
        "name": "Number of registered voters as a percentage of the voting age population",
        "dimension": "Governance",
        "tier": "supporting",
        "aspects": "voting",
        "measure": "registered voters as a share of the voting-age population (%)",
        "evidence": "Number of registered voters",
        "coding_note": (
            'Measures "registered voters as a share of the voting-age population (%)": registration as '
            "the precondition of voting."
        ),
        "coded": "reviewed",
        "rules": "include-voting",
    },
)
EXAMPLE_META = {
    "title": "ISO 37120:2014 Indicators for city services and quality of life (governance theme)",
    "publisher": "International Organization for Standardization (ISO)",
    "year": "2014",
    "source": "http://ontology.eil.utoronto.ca/ISO37120.owl",
    "source_title": "ISO 37120 indicator ontology (Global City Indicators ontologies, University of Toronto)",
    "source_publisher": "University of Toronto",
    "coded_by": "smartcity-kg",
    "coded_on": "2026-12-08",
    "scope": "city",
    "scope_source": (
        "https://www.globalcitiesinstitute.org/post/"
        "iso-37120-sustainable-development-of-communities-indicators-for-city-services-and-quality-of-life"
    ),
    "note": (
        "The governance theme (clause 11) of the first edition, as the University of Toronto's ISO 37120 "
        "ontology lists it (codes, names, core or supporting). The Smart Cities Council's article "
        "https://www.smartcitiescouncil.com/article/"
        "dissecting-iso-37120how-voting-women-and-corruption-figure-smart-city-standard "
        "confirms the theme's 2 core and 4 supporting indicators. The 2018 edition moves governance to "
        "clause 10; its numbering was not checked and is not encoded."
    ),
}


def framework_rows() -> list[list[str]]:
    """The framework template's rows: the header (every column of the spec, in order), then the example."""
    unknown = {key for row in EXAMPLE_ROWS for key in row} - set(FRAMEWORK.names)
    assert not unknown, f"the example names columns the spec lacks: {unknown}"
    return [list(FRAMEWORK.names), *([row.get(name, "") for name in FRAMEWORK.names] for row in EXAMPLE_ROWS)]


def meta_rows() -> list[list[str]]:
    """The description template's rows: 'key,value', then the example's keys in the spec's order."""
    assert set(EXAMPLE_META) <= set(FRAMEWORK_META.names), "the example names keys the spec lacks"
    return [["key", "value"], *([key, EXAMPLE_META[key]] for key in FRAMEWORK_META.names if key in EXAMPLE_META)]


def csv_text(rows: list[list[str]]) -> str:
    """Rows as CSV, as a spreadsheet program writes it: commas, quotes where needed, one line per row."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _guide_table(spec: SheetSpec) -> list[str]:
    lines = [f"## {spec.name}", "", f"{spec.meaning[0].upper()}{spec.meaning[1:]}.", ""]
    lines += ["| column | required | value | meaning |", "|---|---|---|---|"]
    for column in spec.columns:
        required = "yes" if column.required else "no"
        lines.append(f"| `{column.name}` | {required} | {KINDS[column.kind].meaning} | {column.meaning} |")
    return [*lines, ""]


def columns_guide() -> str:
    """columns.md: every sheet's columns, as kg.sources.sheetspec declares them."""
    lines = [
        "# The sheets' columns",
        "",
        "Generated from kg/sheetspec.py by `python -m kg.sources.templates`: edit the spec,",
    ]
    lines += ["not this file. Cells of a list hold items separated by `;`.", ""]
    for spec in SPECS:
        lines += _guide_table(spec)
    return "\n".join(lines)


def text_files() -> dict[str, str]:
    """The text templates by file name, as this version of the spec writes them."""
    return {
        "framework.csv": csv_text(framework_rows()),
        "framework.meta.csv": csv_text(meta_rows()),
        "observations.csv": csv_text([list(OBSERVATIONS.names)]),
        "columns.md": columns_guide(),
    }


def write_workbook(path: Path) -> None:
    """framework.xlsx: the framework template in a worksheet 'indicators' and its description in 'meta'.

    Raises MissingExtra when openpyxl (the extra ``xlsx``) is not installed.
    """
    openpyxl = require("openpyxl", "xlsx", "writing the .xlsx template")
    bold = require("openpyxl.styles", "xlsx", "writing the .xlsx template").Font(bold=True)
    workbook = openpyxl.Workbook()
    indicators = workbook.active
    indicators.title = "indicators"
    meta = workbook.create_sheet("meta")
    for sheet, rows in ((indicators, framework_rows()), (meta, meta_rows())):
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = bold
    buffer = io.BytesIO()
    workbook.save(buffer)
    write_atomically(path, buffer.getvalue())


def write_templates(folder: Path) -> list[Path]:
    """Write every template into ``folder``; returns the files written."""
    written = []
    for name, content in text_files().items():
        write_atomically(folder / name, content.encode("utf-8"))
        written.append(folder / name)
    write_workbook(folder / "framework.xlsx")
    return [*written, folder / "framework.xlsx"]


def main(argv: list[str] | None = None) -> int:
    """Write the templates into the folder given (default: data/templates/ of a source checkout)."""
    args = sys.argv[1:] if argv is None else argv
    # Never into an installed package: without an argument, only a checkout's data/templates/.
    folder = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "data" / "templates"
    if not folder.is_dir():
        print(
            f"kg.sources.templates: {folder} is not a folder; give the folder to write the templates into.",
            file=sys.stderr,
        )
        return 2
    for path in write_templates(folder):
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
