"""A participation audit of a framework: ``report.md`` with PNG charts, and a self-contained ``report.html``.

Every number and label in the report is a cell of a named query's answer (or of the claims
check). kg.analysis.reportdata runs the queries once into a ReportData; the charts (kg.analysis.reportcharts,
kg.analysis.compare), the Markdown and the HTML written here are all drawn from that one structure, and
every table by kg.query.tables::

    from kg.analysis.report import collect, write_report
    data = collect(kg.KnowledgeGraph.load(), framework="fw:u4ssc")
    write_report(data, "report")  # -> the paths written

>>> import kg
>>> title, text = title_and_summary(collect(kg.KnowledgeGraph.load()))
>>> title
'Participation audit: U4SSC key performance indicators for smart sustainable cities'
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from kg.analysis import compare, reportcharts
from kg.analysis.claims import AGREES, DISAGREES, NOT_TESTABLE
from kg.analysis.reportdata import (
    AGREEMENT,
    CLAIMS,
    DEFAULT_FRAMEWORK,
    QUERIES,
    Block,
    Chart,
    ReportData,
    Table,
    collect,
    participation,
    table,
)
from kg.errors import ReportError, shown
from kg.extras import require
from kg.namespaces import compact
from kg.output import file_target, kind_of, track_temporary, untrack_temporary, write_new
from kg.query.tables import html_table, markdown_table

if TYPE_CHECKING:
    from kg.graph.protocol import Graph

__all__ = ["DEFAULT_FRAMEWORK", "QUERIES", "ReportData", "build_report", "collect", "to_html", "to_markdown"]
__all__ += ["title_and_summary", "write_report"]
ALT = {**reportcharts.ALT, compare.CHART: compare.ALT}
KPI_CHART, LEVEL_CHART, HELIX_CHART = reportcharts.KPI_CHART, reportcharts.LEVEL_CHART, reportcharts.HELIX_CHART


def title_and_summary(data: ReportData) -> tuple[str, str]:
    """The report's title and its one-paragraph summary."""
    fw = data.framework_row
    kpis = participation(data).values()
    core = [row for row in kpis if row["tier"] == "core"]
    dimensions = len(dict.fromkeys(row["dimension"] for row in data.rows("kpis-by-dimension")))
    names, count = ", ".join(str(row["name"]) for row in kpis), len(kpis)
    text = f"{fw['title']} ({compact(data.framework)}) has {fw['kpis']} KPIs in {_count(dimensions, 'dimension')}; "
    text += f"{count} {'addresses' if count == 1 else 'address'} citizen participation"
    text += f" ({names}), {len(core)} of them core" if count else ""
    text += f" ({', '.join(str(row['name']) for row in core)})." if core else "."
    levels = data.rows("participation-levels")
    tops = [
        max((row for row in levels if row["ladder"] == ladder), key=lambda row: row["rank"])
        for ladder in dict.fromkeys(row["ladder"] for row in levels)
    ]
    if tops:
        placers = " and ".join(dict.fromkeys(str(row["placed_by"]) for row in levels))
        reached = " and ".join(f"{row['rung']} (rank {row['rank']}) on {row['ladder']}" for row in tops)
        text += f" The highest rungs they reach, in {placers}'s coding, are {reached}."
    empty = [str(row["label"]) for row in data.rows("helix-coverage") if row["stakeholder_types"] == 0]
    if empty:
        initiative = data.parameters["helix-coverage"]["initiative"]
        text += f" The stakeholder network of {initiative} has no stakeholder type in {' or '.join(empty)}."
    n = Counter(data.results[CLAIMS].column("verdict"))
    text += f" Of the study's {n.total()} claims, the data agrees with {n[AGREES]} and disagrees with {n[DISAGREES]}"
    text += f"; {n[NOT_TESTABLE]} cannot be tested."
    return f"Participation audit: {fw['title']}", text


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def sections(data: ReportData) -> list[tuple[str, list[Block]]]:
    """The report's sections after the title and summary, in order."""
    placers = " and ".join(dict.fromkeys(map(str, data.results["participation-levels"].column("placed_by"))))
    rungs = (
        f"The rung each KPI sits on is {placers}'s own coding (column placed_by), not a finding quoted"
        " from the study; the rationale column says why. Rank 1 is the least citizen power."
        if placers
        else "No participation KPI of this framework has been placed on a participation ladder yet."
    )
    helix = f"The query counts what the graph states about {data.parameters['helix-coverage']['initiative']}."
    hatched = "Hatched segments count the KPIs of that dimension and tier in `participation-kpis`."
    claims = "From `kg claims`: each claim of the study (about U4SSC, whatever the framework) tested by its own query."
    return [
        ("KPIs per dimension and tier", [Chart(KPI_CHART), hatched, table(data, "kpis-by-dimension")]),
        (
            "Participation KPIs and their rungs",
            [table(data, "participation-kpis"), Chart(LEVEL_CHART), rungs, table(data, "participation-levels")],
        ),
        ("Stakeholders per helix sector", [Chart(HELIX_CHART), helix, table(data, "helix-coverage")]),
        ("The study's claims checked against the data", [Table(claims, data.results[CLAIMS])]),
        ("Ideology and citizen framings", [table(data, "ideology-evidence"), table(data, "citizen-framings")]),
        compare.section(data),
        agreement_section(data),
    ]


def agreement_section(data: ReportData) -> tuple[str, list[Block]]:
    """kg suggest against the reviewed coding, per framework (kg.analysis.agreement says how it is counted)."""
    text = (
        "kg suggest (an explainable coder: the aspects' labels found in an indicator's name and measure, top 2)"
        " against the reviewed coding, over every decided indicator paired with every aspect: both, suggested"
        " only, reviewed only, neither; precision, recall and Cohen's kappa. Rows 'held out' drop every"
        " alternative label found whole in that framework's own indicator texts, since some labels were taken"
        " from them; rows 'all' are in-sample. The scoring rules were tuned on the three framework sheets, not on"
        " U4SSC. Empty cells: undefined (nothing suggested or assigned)."
    )
    table_ = Table("From kg.analysis.agreement.", data.results[AGREEMENT])
    return "kg suggest against the reviewed coding", [text, table_]


def to_markdown(data: ReportData) -> str:
    """The report as Markdown: the charts referenced as PNG files beside it."""
    title, text = title_and_summary(data)
    lines = [f"# {title}", "", text, ""]
    for number, (heading, blocks) in enumerate(sections(data), start=1):
        lines += [f"## {number}. {heading}", ""]
        for block in blocks:
            if isinstance(block, Chart):
                lines += [f"![{ALT[block.file]}]({block.file})", ""]
            elif isinstance(block, Table):
                lines += [f"*{block.caption}*", "", *markdown_table(block.results.variables, block.results.terms()), ""]
                lines += ["No rows.", ""] if not block.results.rows else []
            else:
                lines += [block, ""]
    return "\n".join(lines)


CSS = """
body { font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } td.num { text-align: right; }
caption { caption-side: top; text-align: left; font-style: italic; padding-bottom: 0.25rem; }
img { max-width: 100%; height: auto; } code { background: #f4f4f4; padding: 0 0.2rem; }
body, th, td { overflow-wrap: anywhere; }
"""


def _inline(text: str) -> str:
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def _html_table(block: Table) -> list[str]:
    results = block.results
    out = html_table(results.variables, results.terms(), caption=_inline(block.caption))
    return [*out, *(["<p>No rows.</p>"] if not len(results) else [])]


def to_html(data: ReportData, charts: dict[str, bytes]) -> str:
    """The report as one self-contained HTML page: ``charts`` (PNG bytes by file name) embedded as data URIs."""
    title, text = title_and_summary(data)
    head = '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
    head += f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
    out = [head, f"<style>{CSS}</style></head>", "<body><main>", f"<h1>{html.escape(title)}</h1>"]
    out.append(f"<p>{_inline(text)}</p>")
    for number, (heading, blocks) in enumerate(sections(data), start=1):
        out.append(f"<h2>{number}. {html.escape(heading)}</h2>")
        for block in blocks:
            if isinstance(block, Chart):
                uri = "data:image/png;base64," + base64.b64encode(charts[block.file]).decode("ascii")
                out.append(f'<figure><img src="{uri}" alt="{html.escape(ALT[block.file])}"></figure>')
            elif isinstance(block, Table):
                out += _html_table(block)
            else:
                out.append(f"<p>{_inline(block)}</p>")
    return "\n".join([*out, "</main></body>", "</html>", ""])


def charts(data: ReportData) -> dict[str, bytes]:
    """The report's charts as PNG bytes, by file name (matplotlib Figures, no GUI backend).

    The same data draws the same bytes (kg.analysis.reportcharts.png), so the charts of the last few
    answers are kept by the answers' fingerprint: drawing them is most of a report's time (about 1 s),
    and a notebook, ``kg serve`` or a publish that writes the report again on an unchanged graph
    does not draw them again.

    Raises MissingExtra without matplotlib (the extra ``report``).
    """
    require("matplotlib", "report", "the report's charts")
    key = _fingerprint(data)
    if (drawn := _DRAWN.pop(key, None)) is None:
        drawn = {**reportcharts.charts(data), compare.CHART: compare.chart(data)}
    _DRAWN[key] = drawn  # the newest last
    while len(_DRAWN) > _KEPT:
        del _DRAWN[next(iter(_DRAWN))]
    return dict(drawn)


_KEPT = 8
_DRAWN: dict[str, dict[str, bytes]] = {}


def _fingerprint(data: ReportData) -> str:
    """A digest of everything the charts may read: the framework and every answer, term by term."""
    digest = hashlib.sha256(data.framework.encode())
    for name in sorted(data.results):
        results = data.results[name]
        digest.update(f"\0{name}\0{results.variables}\0{results.boolean}".encode())
        for row in results.terms():
            digest.update(("\1" + "\2".join("" if term is None else str(term) for term in row)).encode())
    return digest.hexdigest()


def write_report(data: ReportData, out: Path | str) -> list[Path]:
    """Write the PNGs, report.md and report.html into ``out``; returns the paths written.

    Everything is written into a temporary directory inside ``out`` first (so on the same
    filesystem, even when ``out`` is a mount point or a symlink to another disk) and then moved
    in with os.replace, so a failure leaves neither half-written files nor the temporary directory.
    """
    out = _folder(out)
    images = charts(data)
    files = {**images, "report.md": to_markdown(data).encode("utf-8"), "report.html": to_html(data, images).encode()}
    targets = {name: file_target(out / name) for name in files}  # a FIFO or device of the same name is refused
    temporary = None
    try:
        out.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=".report-", dir=out))
        track_temporary(temporary)
        for name, content in files.items():
            write_new(temporary / name, content)
        for name in files:
            os.replace(temporary / name, targets[name])
    except OSError as error:
        where = f" ({error.filename})" if error.filename else ""
        reason = f"{error.strerror or error}{shown(where)}"
        raise ReportError(f"cannot write the report into {shown(out)}: {reason}.") from None
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
            untrack_temporary(temporary)
    return [out / name for name in files]


def _folder(out: Path | str) -> Path:
    """``out`` as a Path; ReportError if it is a file, a device or a pipe (a report is a folder of files)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        kind = kind_of(out.stat().st_mode) or "a file"
        raise ReportError(f"{shown(out)} is {kind}, not a directory; give a directory to write the report into.")
    return out


def build_report(
    graph: Graph, out: Path | str, framework: str = DEFAULT_FRAMEWORK, editions: str = "current"
) -> list[Path]:
    """Collect the data for ``framework`` and write the report into ``out`` (refused before any query if it is
    a file); ``editions`` ('current' or 'all') is which editions of each framework the comparison shows."""
    return write_report(collect(graph, framework, editions), _folder(out))
