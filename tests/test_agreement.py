"""kg suggest's agreement with the reviewed coding (kg.analysis.agreement), recomputed from the sheets.

The truth here is read from the framework sheets (their reviewed rows and aspects columns) and,
for U4SSC, from its fact table and the study's three links; kg suggest runs on the same names
and measures; the 2x2 table and Cohen's kappa are counted again in this file. The report's
section is the library's table.
"""

from __future__ import annotations

import csv

import pytest

from kg.analysis.agreement import agreements
from kg.analysis.suggest import aspect_labels, suggestions, words
from kg.sources.sheets import read_sheet
from kg.sources.sheetspec import REVIEWED, coding_status, split
from tests.conftest import ROOT

SHEETS = {path.stem: path for path in (ROOT / "data" / "frameworks").glob("*/*.csv") if path.parent.name == path.stem}
U4SSC_LINKS = """
PREFIX sck: <https://w3id.org/smartcity-kg/ontology#>
SELECT ?code ?aspect WHERE { ?kpi sck:addresses ?aspect ; skos:inScheme fw:u4ssc ; skos:notation ?code }
"""


@pytest.fixture(scope="module")
def labels(graph) -> dict[str, list[str]]:
    return aspect_labels(graph)


@pytest.fixture(scope="module")
def truth(graph, labels) -> dict[str, list[tuple[str, str, str, set[str]]]]:
    """Per framework: (code, name, measure, aspect notations) of every decided indicator."""
    names = {name.casefold(): notation for notation, all_names in labels.items() for name in [notation, *all_names]}
    found = {}
    for framework, path in SHEETS.items():
        rows = [row for row in read_sheet(path).rows if coding_status(row) == REVIEWED]
        found[framework] = [
            (row.values["code"], row.values["name"], row.values.get("measure", ""),
             {names[a.casefold()] for a in split(row.values.get("aspects", ""))})
            for row in rows
        ]  # fmt: skip
    links: dict[str, set[str]] = {}
    for row in graph.sparql(U4SSC_LINKS).dicts():
        links.setdefault(str(row["code"]), set()).add(str(row["aspect"]).rsplit("/", 1)[-1])
    with (ROOT / "data" / "u4ssc" / "source" / "u4ssc_kpis.tsv").open(encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle, delimiter="\t"))
    found["u4ssc"] = [(r["code"], r["name"], r["unit_or_measure"], links.get(r["code"], set())) for r in table]
    return found


def whole_phrase_in(label: str, text: str) -> bool:
    label_words, text_words = words(label), words(text)
    n = len(label_words)
    return any(text_words[i : i + n] == label_words for i in range(len(text_words) - n + 1))


def table(rows, labels) -> tuple[int, int, int, int]:
    """(both, suggested only, reviewed only, neither) over every row paired with every aspect."""
    suggested = {(c.code, c.aspect) for c in suggestions([r[:3] for r in rows], labels, top=2, minimum=1.0)}
    reviewed = {(code, a) for code, _, _, aspects in rows for a in aspects}
    cells = [(code, a) for code, *_ in rows for a in labels]
    both = sum(c in suggested and c in reviewed for c in cells)
    suggested_only = sum(c in suggested and c not in reviewed for c in cells)
    reviewed_only = sum(c in reviewed and c not in suggested for c in cells)
    return both, suggested_only, reviewed_only, sum(c not in suggested | reviewed for c in cells)


def kappa(both: int, s_only: int, r_only: int, neither: int) -> float:
    n = both + s_only + r_only + neither
    p_observed = (both + neither) / n
    p_yes = ((both + r_only) / n) * ((both + s_only) / n)
    p_no = ((neither + s_only) / n) * ((neither + r_only) / n)
    return (p_observed - p_yes - p_no) / (1 - p_yes - p_no)


@pytest.mark.slow
def test_agreement_per_framework_is_what_the_sheets_give(graph, labels, truth):
    found = {(a.framework, a.labels): a for a in agreements(graph)}
    assert {framework for framework, _ in found} == set(truth)
    for framework, rows in truth.items():
        texts = [text for _, name, measure, _ in rows for text in (name, measure)]
        own = {aspect: names[:2] + [label for label in names[2:] if not any(whole_phrase_in(label, t) for t in texts)]
               for aspect, names in labels.items()}  # fmt: skip
        for kind, used in (("held out", own), ("all", labels)):
            cells = table(rows, used)
            measured = found[framework, kind]
            got = (measured.both, measured.suggested_only, measured.reviewed_only, measured.neither)
            assert got == cells, (framework, kind)
            assert measured.indicators == len(rows)
            assert measured.recall == pytest.approx(cells[0] / (cells[0] + cells[2]))
            if cells[0] + cells[1]:
                assert measured.precision == pytest.approx(cells[0] / (cells[0] + cells[1]))
            assert measured.kappa == pytest.approx(kappa(*cells))
    # Held out drops labels taken from the framework's own wording: never more agreement than with all of them.
    assert all(found[f, "held out"].both <= found[f, "all"].both for f in truth)
    assert any(found[f, "held out"].both < found[f, "all"].both for f in truth)


def test_the_report_section_shows_the_library_table(graph, default_report):
    folder, _ = default_report
    lines = (folder / "report.md").read_text(encoding="utf-8").splitlines()
    heading = lines.index(next(line for line in lines if line.endswith(". kg suggest against the reviewed coding")))
    for a in agreements(graph):
        cells = (a.framework, a.labels, a.indicators, a.both, a.suggested_only, a.reviewed_only, a.neither)
        assert any(line.startswith("| " + " | ".join(map(str, cells)) + " |") for line in lines[heading:]), cells
