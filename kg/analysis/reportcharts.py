"""The participation report's own charts, drawn with matplotlib as PNG bytes (the comparison's: kg.analysis.compare).

They are drawn on matplotlib Figure objects, not pyplot, so no GUI backend is needed and a
notebook's backend is left alone; matplotlib is imported inside each function, so importing
this module stays cheap.
"""

from __future__ import annotations

import io
import textwrap
from collections import Counter
from typing import TYPE_CHECKING, Any

from kg.analysis.reportdata import ReportData, participation
from kg.namespaces import compact

if TYPE_CHECKING:
    from matplotlib.figure import Figure

RED = "#c0392b"
HATCH: dict[str, Any] = {"fill": False, "hatch": "///", "edgecolor": RED, "linewidth": 1.5}
KPI_CHART, LEVEL_CHART, HELIX_CHART = "kpis-by-dimension.png", "participation-levels.png", "helix-coverage.png"
ALT = {
    KPI_CHART: "Stacked bars: KPIs per dimension, core and advanced; participation KPIs hatched.",
    LEVEL_CHART: "Horizontal bars: the rank of each participation KPI on each participation ladder.",
    HELIX_CHART: "Bars: stakeholder types per helix sector; sectors without any are at zero.",
}


def charts(data: ReportData) -> dict[str, bytes]:
    """The report's own charts as PNG bytes, by file name."""
    return {KPI_CHART: kpi_chart(data), LEVEL_CHART: level_chart(data), HELIX_CHART: helix_chart(data)}


def png(figure: Figure) -> bytes:
    """A matplotlib Figure as PNG bytes, without a timestamp or software name (the same data, the same bytes)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def kpi_chart(data: ReportData) -> bytes:
    """Stacked bars: KPIs per dimension and tier, the participation KPIs hatched and annotated."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    rows = data.rows("kpis-by-dimension")
    dimensions = list(dict.fromkeys(str(row["dimension"]) for row in rows))
    tiers = list(dict.fromkeys(str(row["tier"]) for row in rows))
    count = {(row["dimension"], row["tier"]): int(row["kpis"]) for row in rows}
    marked = Counter((row["dimension"], row["tier"]) for row in participation(data).values())
    figure = Figure(figsize=(8, 5))
    ax = figure.subplots()
    colours, handles = ["#1f4e79", "#7fa7d0", "#c8d6e5"], list[Any]()
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
    return png(figure)


def level_chart(data: ReportData) -> bytes:
    """Horizontal bars: the rung of each participation KPI on each participation ladder."""
    from matplotlib.figure import Figure

    rows = data.rows("participation-levels")
    rungs: dict[str, dict[int, str]] = {}  # ladder -> rung names by rank, so each axis spans its whole ladder
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
    return png(figure)


def helix_chart(data: ReportData) -> bytes:
    """Bars: stakeholder types per helix sector of the initiative; empty sectors in red at zero."""
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
    return png(figure)
