"""kg report as a user runs it: real process, real data; every number shown is a query's answer."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from rdflib import URIRef

from kg.analysis.claims import check_claims
from kg.namespaces import ID, PREFIXES
from tests.conftest import run_kg as kg


@pytest.fixture(scope="module")
def report(default_report) -> tuple[Path, subprocess.CompletedProcess]:
    """A report written into a directory that already holds a stale report and a file of the user's (conftest's
    default_report, shared by the session)."""
    return default_report


@pytest.fixture(scope="module")
def markdown(report) -> str:
    out, run = report
    assert run.returncode == 0, run.stderr
    return (out / "report.md").read_text(encoding="utf-8")


def tables(markdown: str) -> dict[str, list[list[str]]]:
    """Each pipe table, keyed by the first `name` in the caption line above it; "\\|" unescaped."""
    found: dict[str, list[list[str]]] = {}
    key = None
    for line in markdown.splitlines():
        if line.startswith("*") and (name := re.search(r"`([^`]+)`", line)):
            key = name.group(1)
        elif line.startswith("|") and key:
            cells = re.split(r"(?<!\\)\|", line.strip()[1:-1])
            found.setdefault(key, []).append([c.strip().replace("\\|", "|") for c in cells])
    return found


def expanded(cell: str) -> str:
    """The IRI a table cell names: a CURIE read back through the published prefixes (``fw:u4ssc``), an
    imported framework's ``iso37120:11-1`` as the project's id/iso37120/11-1, else the cell's text."""
    prefix, colon, local = cell.partition(":")
    if not colon or local.startswith("//"):
        return cell
    return PREFIXES[prefix] + local if prefix in PREFIXES else f"{ID}{prefix}/{local}"


def same_cell(cell: str, term) -> bool:
    """Whether a report cell shows ``term``: nothing for unbound, an IRI (compacted or not), a literal's text
    on one line (a pipe table row cannot hold a line break)."""
    if term is None:
        return cell == ""
    if isinstance(term, URIRef):
        return expanded(cell) == str(term)
    return cell == " ".join(str(term).split())


def test_report_replaces_its_files_and_leaves_nothing_else(report, markdown):
    out, run = report
    assert run.stdout == ""
    for name in ("report.md", "report.html", "kpis-by-dimension.png"):
        assert f"wrote {out / name}" in run.stderr
    assert markdown != "stale"
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert [p.name for p in out.parent.iterdir()] == [out.name]
    assert sorted(p.name for p in out.iterdir()) == [  # the temporary directory (made inside out) is gone
        "frameworks-compared.png",
        "helix-coverage.png",
        "kpis-by-dimension.png",
        "notes.txt",
        "participation-levels.png",
        "report.html",
        "report.md",
    ]


def test_every_chart_the_markdown_references_is_a_real_png(report, markdown):
    from matplotlib.image import imread

    out, _ = report
    names = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown)
    charts = ["kpis-by-dimension.png", "participation-levels.png", "helix-coverage.png", "frameworks-compared.png"]
    assert names == charts
    for name in names:
        assert (out / name).read_bytes().startswith(b"\x89PNG")
        height, width, channels = imread(out / name).shape
        assert height > 200 and width > 400 and channels in (3, 4)


def test_html_is_self_contained_and_escaped(report):
    out, _ = report
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 4
    assert not re.search(r"""(src|href)=["']?https?:""", page)
    assert "<script" not in page and "<link" not in page
    assert "Arnstein&#x27;s ladder of citizen participation" in page
    assert "<td>does not match &#x27;public|civic&#x27;</td>" in page


@pytest.mark.parametrize(
    "name",
    [
        "kpis-by-dimension",
        "participation-kpis",
        "helix-coverage",
        "compare-participation",
        "compare-tiers",
        "compare-rungs",
    ],
)
def test_tables_are_the_query_answers_cell_by_cell(markdown, graph, name):
    header, _, *rows = tables(markdown)[name]
    results = graph.query(name)
    assert header == results.variables
    assert len(rows) == len(results.rows)
    for shown, row in zip(rows, results.rows, strict=True):
        assert len(shown) == len(row) and all(same_cell(c, t) for c, t in zip(shown, row, strict=True)), (shown, row)


def test_the_tables_show_exactly_these_cells(markdown, u4ssc_rows):
    """Exact cells, written out: CURIEs for the project's IRIs, numbers as the queries give them."""
    voter = next(row for row in u4ssc_rows if row["code"] == "SC: SH: SI: 4C")
    _, _, *participation = tables(markdown)["participation-kpis"]
    [shown] = [row[:4] for row in participation if row[1] == "SC: SH: SI: 4C"]
    assert shown == ["u4ssc:SC-SH-SI-4C", "SC: SH: SI: 4C", voter["name"], voter["tier"]]
    _, _, first, *_ = tables(markdown)["kpis-by-dimension"]
    economy_core = sum(row["dimension"] == "Economy" and row["tier"] == "core" for row in u4ssc_rows)
    assert first[:3] == ["Economy", "core", str(economy_core)]


def test_claims_table_is_the_claims_check(markdown, graph):
    header, _, *rows = tables(markdown)["kg claims"]
    assert header == ["statement", "location", "stated", "data_says", "verdict"]
    study = [v for v in check_claims(graph) if not v.claim.by_project]  # the project's are in the comparison
    expected = [[v.claim.text, v.claim.location, v.claim.stated, v.data_says, v.verdict] for v in study]
    assert rows == [[" ".join(text.split()) for text in row] for row in expected]


def test_summary_numbers_are_the_query_answers(markdown, graph, u4ssc_rows):
    summary = markdown.split("\n\n")[1]
    match = re.search(
        r"has (\d+) KPIs in \d+ dimensions; (\d+) address citizen participation .*?, (\d+) of them core", summary
    )
    assert match, summary
    tiers = {row["kpi"]: row["tier"] for row in graph.query("participation-kpis").dicts()}
    answers = (sum(graph.query("kpis-by-dimension").column("kpis")), len(tiers), list(tiers.values()).count("core"))
    assert tuple(int(n) for n in match.groups()) == answers
    assert answers[0] == len(u4ssc_rows)


def test_rungs_are_said_to_be_smartcity_kgs_coding(markdown):
    assert "smartcity-kg's own coding" in markdown


@pytest.mark.slow
def test_out_on_a_regular_file_exits_2_with_one_line(tmp_path):
    target = tmp_path / "report"
    target.write_text("keep", encoding="utf-8")
    run = kg("report", "--out", str(target))
    assert run.returncode == 2
    assert run.stderr.startswith("kg: ") and len(run.stderr.splitlines()) == 1, run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
    assert target.read_text(encoding="utf-8") == "keep"
    assert list(tmp_path.iterdir()) == [target]


def test_unknown_framework_exits_2_and_writes_nothing(tmp_path):
    run = kg("report", "--framework", "fw:no-such-framework", "--out", str(tmp_path / "r"))
    assert run.returncode == 2
    assert run.stderr == "kg: the graph has no framework fw:no-such-framework; 'kg query frameworks' lists them.\n"
    assert list(tmp_path.iterdir()) == []
