"""The templates in data/templates/ are what kg.sources.sheetspec makes, and the importers check what it declares."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from kg.ingest.frameworks import check_meta
from kg.sources import templates
from kg.sources.sheets import META_KEYS, Sheet
from kg.sources.sheetspec import FRAMEWORK, FRAMEWORK_META, KINDS, OBSERVATIONS, SPECS, Row

TEMPLATES = Path(__file__).resolve().parent.parent / "data" / "templates"
STALE = "is stale: run python -m kg.sources.templates"


def test_committed_text_templates_are_what_the_spec_generates():
    for name, content in templates.text_files().items():
        assert (TEMPLATES / name).read_text(encoding="utf-8") == content, f"{name} {STALE}"


def test_committed_workbook_holds_what_the_spec_generates():
    workbook = load_workbook(TEMPLATES / "framework.xlsx", read_only=True)
    try:
        cells = {
            sheet.title: [
                ["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)
            ]
            for sheet in workbook.worksheets
        }
    finally:
        workbook.close()
    assert cells == {"indicators": templates.framework_rows(), "meta": templates.meta_rows()}, f"framework.xlsx {STALE}"


def test_written_templates_equal_the_committed_ones(tmp_path):
    written = templates.write_templates(tmp_path)
    assert sorted(path.name for path in written) == sorted([*templates.text_files(), "framework.xlsx"])
    for name in templates.text_files():
        assert (tmp_path / name).read_bytes() == (TEMPLATES / name).read_bytes()


def test_every_column_has_a_known_kind_and_a_meaning():
    for spec in SPECS:
        assert len(set(spec.names)) == len(spec.names), spec.name
        for column in spec.columns:
            assert column.kind in KINDS and column.meaning, (spec.name, column.name)


def test_the_reader_and_the_checks_follow_the_spec():
    assert FRAMEWORK_META.names == META_KEYS
    sheet = Sheet(Path("demo.csv"), ["code", "colour"], [Row(2, {"code": "1"})], {"year": "20x4"}, "demo.meta.csv")
    messages = {(p.column, p.message) for p in check_meta(sheet)}
    missing = ", ".join(name for name in FRAMEWORK.required if name != "code")
    assert (missing, "the header row lacks these columns; copy the template's header") in messages
    assert ("colour", f"unknown column(s); the columns are {', '.join(FRAMEWORK.names)}") in messages
    assert ("year", "demo.meta.csv: year '20x4' is not a four-digit year") in messages
    assert {
        ("title", "demo.meta.csv needs a 'title' row"),
        ("source", "demo.meta.csv needs a 'source' row"),
    } <= messages
    assert OBSERVATIONS.column("value").problem("1,5") == "'1,5' is not a number (use a dot for decimals)"
