"""A participation audit of a framework: ``report.md`` with PNG charts, and a self-contained ``report.html``.

Every number and label in the report is a cell of a named query's answer (or of the claims
check). :func:`collect` runs the queries once into a :class:`ReportData`; the charts, the
Markdown and the HTML are all drawn from that one structure::

    from kg.report import collect, write_report
    data = collect(kg.KnowledgeGraph.load(), framework="fw:u4ssc")
    write_report(data, "report")  # -> the paths written

matplotlib is imported inside the chart functions, so importing this module stays cheap.
"""

from __future__ import annotations

import base64
import difflib
import html
import io
import os
import re
import shutil
import tempfile
import textwrap
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from . import compare
from .catalog import get_query
from .claims import AGREES, DISAGREES, NOT_TESTABLE, check_claims, verdict_table
from .errors import KgError, QueryError
from .extras import require
from .namespaces import compact
from .output import track_temporary, untrack_temporary, write_new
from .params import Parameter
from .query import KnowledgeGraph
from .results import Results

DEFAULT_FRAMEWORK = "fw:u4ssc"
QUERIES = ("frameworks", "kpis-by-dimension", "participation-kpis", "participation-levels", "helix-coverage")
QUERIES += ("ideology-evidence", "citizen-framings", "ladders", *compare.QUERIES)
CLAIMS = "kg claims"  # the key of the claims check's verdict table in ReportData.results
RED = "#c0392b"
HATCH = {"fill": False, "hatch": "///", "edgecolor": RED, "linewidth": 1.5}
KPI_CHART, LEVEL_CHART, HELIX_CHART = "kpis-by-dimension.png", "participation-levels.png", "helix-coverage.png"
ALT = {
    KPI_CHART: "Stacked bars: KPIs per dimension, core and advanced; participation KPIs hatched.",
    LEVEL_CHART: "Horizontal bars: the rank of each participation KPI on each participation ladder.",
    HELIX_CHART: "Bars: stakeholder types per helix sector; sectors without any are at zero.",
    compare.CHART: compare.ALT,
}


class ReportError(KgError):
    """The report cannot be written where asked."""


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows: each query's answer, keyed by query name."""

    framework: str  # the framework's IRI
    results: dict[str, Results]
    parameters: dict[str, dict[str, str]]  # the values each query ran with, IRIs compacted

    def rows(self, name: str) -> list[dict[str, object]]:
        return self.results[name].dicts()

    @property
    def framework_row(self) -> dict[str, object]:
        return next(row for row in self.rows("frameworks") if row["framework"] == self.framework)


def collect(graph: KnowledgeGraph, framework: str = DEFAULT_FRAMEWORK) -> ReportData:
    """Run every query the report shows, passing ``framework`` to those that take it."""
    iri = Parameter("framework", "iri").to_term(framework, where="--framework").value
    results: dict[str, Results] = {}
    parameters: dict[str, dict[str, str]] = {}
    known = [str(f) for f in graph.query("frameworks").column("framework")]
    if iri not in known:
        close = difflib.get_close_matches(compact(iri), [compact(f) for f in known], n=1, cutoff=0.5)
        hint = f"did you mean {close[0]}? " if close else ""
        raise QueryError(f"the graph has no framework {compact(iri)}; {hint}'kg query frameworks' lists them.")
    for name in QUERIES:
        query = get_query(name)
        given = {"framework": iri} if "framework" in query.parameters else {}
        results[name] = graph.query(query, **given)
        parameters[name] = {key: compact(given.get(key, p.default or "")) for key, p in query.parameters.items()}
    verdicts = check_claims(graph)  # the study's in their section, the project's in the comparison
    results[CLAIMS] = verdict_table([v for v in verdicts if not v.claim.by_project], brief=True)
    results[compare.PROJECT_CLAIMS] = verdict_table([v for v in verdicts if v.claim.by_project], brief=True)
    parameters[CLAIMS] = parameters[compare.PROJECT_CLAIMS] = {}
    return ReportData(iri, results, parameters)


@dataclass(frozen=True)
class Chart:
    file: str


@dataclass(frozen=True)
class Table:
    caption: str  # names the query (or `kg claims`) the rows are the answer of
    results: Results


Block = str | Chart | Table  # a str is a paragraph; `backticks` mark code


def _source(data: ReportData, name: str) -> str:
    values = ", ".join(f"{key} = {value}" for key, value in data.parameters[name].items())
    return f"Query `{name}`" + (f", {values}" if values else "") + "."


def _table(data: ReportData, name: str) -> Table:
    return Table(_source(data, name), data.results[name])


def _participation(data: ReportData) -> dict[str, dict[str, object]]:
    """The participation KPIs, one entry per KPI (the query has one row per KPI and aspect)."""
    return {str(row["kpi"]): row for row in data.rows("participation-kpis")}


def summary(data: ReportData) -> tuple[str, str]:
    """The report's title and its one-paragraph summary."""
    fw = data.framework_row
    kpis = _participation(data).values()
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
        ("KPIs per dimension and tier", [Chart(KPI_CHART), hatched, _table(data, "kpis-by-dimension")]),
        (
            "Participation KPIs and their rungs",
            [_table(data, "participation-kpis"), Chart(LEVEL_CHART), rungs, _table(data, "participation-levels")],
        ),
        ("Stakeholders per helix sector", [Chart(HELIX_CHART), helix, _table(data, "helix-coverage")]),
        ("The study's claims checked against the data", [Table(claims, data.results[CLAIMS])]),
        ("Ideology and citizen framings", [_table(data, "ideology-evidence"), _table(data, "citizen-framings")]),
        compare.section(data),
    ]


# ---------------------------------------------------------------- rendering


def cell(term: Node | None) -> str:
    """A result term as table text: IRIs compacted, whitespace collapsed, unbound as empty."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return compact(str(term))
    if isinstance(term, BNode):
        return f"_:{term}"
    return " ".join(str(term).split())


def _numeric(results: Results) -> list[bool]:
    def number(term: Node | None) -> bool:
        return isinstance(term, Literal) and str(term.datatype or "").endswith(("#integer", "#decimal", "#double"))

    return [bool(results.rows) and all(number(row[i]) for row in results.rows) for i in range(len(results.variables))]


def _md_table(results: Results) -> list[str]:
    """A GitHub pipe table; "|" in a cell is escaped, numbers are right-aligned."""
    align = ["---:" if right else "---" for right in _numeric(results)]
    rows = [[cell(term).replace("|", "\\|") for term in row] for row in results.rows]
    return ["| " + " | ".join(row) + " |" for row in [results.variables, align, *rows]]


def to_markdown(data: ReportData) -> str:
    title, text = summary(data)
    lines = [f"# {title}", "", text, ""]
    for number, (heading, blocks) in enumerate(sections(data), start=1):
        lines += [f"## {number}. {heading}", ""]
        for block in blocks:
            if isinstance(block, Chart):
                lines += [f"![{ALT[block.file]}]({block.file})", ""]
            elif isinstance(block, Table):
                lines += [f"*{block.caption}*", "", *_md_table(block.results), ""]
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
"""


def _inline(text: str) -> str:
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


NUM = ' class="num"'


def _html_table(table: Table) -> list[str]:
    numeric, results = _numeric(table.results), table.results
    out = ["<table>", f"<caption>{_inline(table.caption)}</caption>"]
    out.append("<thead><tr>" + "".join(f"<th>{html.escape(var)}</th>" for var in results.variables) + "</tr></thead>")
    for row in results.rows:
        tds = (f"<td{NUM * n}>{html.escape(cell(t))}</td>" for t, n in zip(row, numeric, strict=True))
        out.append("<tr>" + "".join(tds) + "</tr>")
    return [*out, "</table>", *(["<p>No rows.</p>"] if not results.rows else [])]


def to_html(data: ReportData, charts: dict[str, bytes]) -> str:
    title, text = summary(data)
    head = f'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>{html.escape(title)}</title>'
    out = [head, f"<style>{CSS}</style></head>", "<body>", f"<h1>{html.escape(title)}</h1>", f"<p>{_inline(text)}</p>"]
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
    return "\n".join([*out, "</body>", "</html>", ""])


# ---------------------------------------------------------------- charts


def charts(data: ReportData) -> dict[str, bytes]:
    """The charts as PNG bytes, by file name.

    They are drawn on matplotlib Figure objects, not pyplot, so no GUI backend is needed and a
    notebook's backend is left alone. Raises MissingExtra without matplotlib (the extra ``report``).
    """
    require("matplotlib", "report", "the report's charts")
    drawn = {KPI_CHART: _kpi_chart(data), LEVEL_CHART: _level_chart(data), HELIX_CHART: _helix_chart(data)}
    return {**drawn, compare.CHART: compare.chart(data)}


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _kpi_chart(data: ReportData) -> bytes:
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    rows = data.rows("kpis-by-dimension")
    dimensions = list(dict.fromkeys(str(row["dimension"]) for row in rows))
    tiers = list(dict.fromkeys(str(row["tier"]) for row in rows))
    count = {(row["dimension"], row["tier"]): int(row["kpis"]) for row in rows}
    marked = Counter((row["dimension"], row["tier"]) for row in _participation(data).values())
    figure = Figure(figsize=(8, 5))
    ax = figure.subplots()
    colours, handles = ["#1f4e79", "#7fa7d0", "#c8d6e5"], []
    bottom = [0] * len(dimensions)
    for index, tier in enumerate(tiers):
        heights = [count.get((d, tier), 0) for d in dimensions]
        bars = ax.bar(dimensions, heights, 0.6, bottom=bottom, color=colours[index % 3], label=f"{tier} KPIs")
        handles.append(bars)
        labels = [str(h) if h else "" for h in heights]
        ax.bar_label(bars, labels, label_type="center", color="white" if index == 0 else "black")
        for x, dimension in enumerate(dimensions):
            if n := marked.get((dimension, tier), 0):
                ax.bar(x, n, 0.6, bottom=bottom[x] + heights[x] - n, **HATCH)  # at the top of the tier's segment
                text = f"{n} {tier} KPI{' addresses' if n == 1 else 's address'}\nparticipation"
                arrow = {"arrowstyle": "-", "color": RED}
                y = bottom[x] + heights[x] - n / 2
                ax.annotate(text, (x + 0.3, y), (x + 0.36, y + 4), color=RED, fontsize=9, va="center", arrowprops=arrow)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    for x, total in enumerate(bottom):
        ax.text(x, total + 0.5, f"{total} KPIs", ha="center", va="bottom", fontsize=9)
    ax.set(title=f"KPIs per dimension and tier: {compact(data.framework)}", xlabel="dimension", ylabel="KPIs")
    ax.set_ylim(0, (max(bottom, default=0) or 1) * 1.15)  # a framework with no tiered KPIs still gets an axis
    ax.set_xlim(-0.5, len(dimensions) - 0.5 + 0.9)  # room for the participation notes
    if marked:
        handles.append(Patch(**HATCH, label="addresses citizen participation"))
    ax.legend(handles=handles, loc="upper right")
    return _png(figure)


def _level_chart(data: ReportData) -> bytes:
    from matplotlib.figure import Figure

    rows = data.rows("participation-levels")
    rungs = {}  # ladder -> rung names by rank, so each axis spans its whole ladder
    for row in data.rows("ladders"):
        rungs.setdefault(str(row["ladder"]), {})[int(row["rank"])] = str(row["rung"])
    # A framework nobody has placed on a ladder still gets the ladders drawn, empty and saying so.
    ladders = list(dict.fromkeys(str(row["ladder"]) for row in rows)) or list(rungs) or ["(no ladders in the graph)"]
    kpis = list(dict.fromkeys(f"{row['name']} ({row['tier']})" for row in rows))
    figure = Figure(figsize=(11, 1.6 + 0.7 * max(len(kpis), 1)), layout="constrained")
    axes = figure.subplots(1, len(ladders), sharey=True, squeeze=False)[0]
    for ax, ladder in zip(axes, ladders, strict=True):
        placed = [row for row in rows if row["ladder"] == ladder]
        y = [kpis.index(f"{row['name']} ({row['tier']})") for row in placed]
        ranks = [int(row["rank"]) for row in placed]
        bars = ax.barh(y, ranks, 0.55, color="#7fa7d0")
        ax.bar_label(bars, [f" {row['rung']} ({row['group']})" for row in placed], fontsize=9)
        ax.set_title(textwrap.fill(ladder, 45), fontsize=10)
        names = rungs.get(ladder) or {rank: str(rank) for rank in ranks} or {1: ""}
        if not placed:
            ax.text(0.5, 0.5, "no KPI of this framework\nis placed on this ladder", ha="center", va="center",
                    transform=ax.transAxes, color="#555555")  # fmt: skip
        ax.set_xlim(0, max(names) + 0.5)
        ax.set_xticks(sorted(names), [f"{rank} {names[rank]}" for rank in sorted(names)], rotation=40, ha="right")
        ax.set_xlabel("rung (1 = least citizen power)")
    axes[0].set_yticks(range(len(kpis)), kpis)
    axes[0].invert_yaxis()
    figure.suptitle("Participation KPIs on the participation ladders (smartcity-kg's coding)")
    return _png(figure)


def _helix_chart(data: ReportData) -> bytes:
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    rows = data.rows("helix-coverage")
    labels = [textwrap.fill(str(row["label"]), 12) for row in rows]
    values = [int(row["stakeholder_types"]) for row in rows]
    colours = ["#1f4e79" if row["triple_helix"] else "#b0b0b0" for row in rows]
    figure = Figure(figsize=(8, 4.5))
    ax = figure.subplots()
    bars = ax.bar(range(len(rows)), values, 0.6, color=colours)
    texts = ax.bar_label(bars, [str(v) if v else "0 (none)" for v in values], padding=2)
    ax.set_xticks(range(len(rows)), labels)
    for text, tick, value in zip(texts, ax.get_xticklabels(), values, strict=True):
        text.set_color(RED if value == 0 else "black")
        tick.set_color(RED if value == 0 else "black")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max(values, default=0) + 1)
    initiative = data.parameters["helix-coverage"]["initiative"]
    ax.set(title=f"Stakeholder types per helix sector: {initiative}", xlabel="helix sector", ylabel="stakeholder types")
    ax.legend(handles=[Patch(color="#1f4e79", label="triple helix"), Patch(color="#b0b0b0", label="other sectors")])
    return _png(figure)


def write_report(data: ReportData, out: Path | str) -> list[Path]:
    """Write the PNGs, report.md and report.html into ``out``; returns the paths written.

    Everything is written into a temporary directory inside ``out`` first (so on the same
    filesystem, even when ``out`` is a mount point or a symlink to another disk) and then moved
    in with os.replace, so a failure leaves neither half-written files nor the temporary directory.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ReportError(f"{out} is a file, not a directory; give --out a directory to write the report into.")
    images = charts(data)
    files = {**images, "report.md": to_markdown(data).encode("utf-8"), "report.html": to_html(data, images).encode()}
    temporary = None
    try:
        out.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=".report-", dir=out))
        track_temporary(temporary)
        for name, content in files.items():
            write_new(temporary / name, content)
        for name in files:
            os.replace(temporary / name, out / name)
    except OSError as error:
        where = f" ({error.filename})" if error.filename else ""
        raise ReportError(f"cannot write the report into {out}: {error.strerror or error}{where}.") from None
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
            untrack_temporary(temporary)
    return [out / name for name in files]


def build_report(graph: KnowledgeGraph, out: Path | str, framework: str = DEFAULT_FRAMEWORK) -> list[Path]:
    """Collect the data for ``framework`` and write the report into ``out``."""
    return write_report(collect(graph, framework), out)
