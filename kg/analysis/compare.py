"""The report's comparison of every framework in the graph on participation: text, tables and chart.

Where does the audited framework stand beside the others? Participation share, aspects
covered, the tiers of the participation indicators (indicators without a tier are "no tiers",
never core or advanced), the rungs where indicators have been placed on a ladder, and the
project's own claims about the comparison checked by ``kg claims``. Every number is a cell of a
named query's answer (``compare-participation``, ``compare-tiers``, ``aspect-coverage``,
``compare-rungs``); nothing assumes how many frameworks the graph holds.

kg.analysis.reportdata runs these queries (COMPARE_QUERIES) into the ReportData, and kg.analysis.report adds
:func:`section` and :func:`chart` to its own; matplotlib is imported inside the chart function.

>>> import kg
>>> from kg.analysis.reportdata import collect
>>> comparison_text(collect(kg.KnowledgeGraph.load())).startswith("The graph holds")
True
"""

from __future__ import annotations

import textwrap
from typing import Any

from kg.analysis.reportcharts import png
from kg.analysis.reportdata import COMPARE_QUERIES, PROJECT_CLAIMS, Block, Chart, ReportData, Table, table
from kg.extras import require
from kg.namespaces import compact

QUERIES = COMPARE_QUERIES
__all__ = ["ALT", "CHART", "NO_TIERS", "PROJECT_CLAIMS", "QUERIES", "chart", "comparison_text", "section"]
CHART = "frameworks-compared.png"
ALT = (
    "Three panels: the participation share of each framework (bars, lowest first); its participation indicators "
    "by tier, 'no tiers' apart; and a frameworks-by-aspects grid of indicator counts."
)
NO_TIERS = "no tiers"  # compare-tiers's label for indicators without sck:tier
TIER_COLOURS = {"core": "#1f4e79", "advanced": "#7fa7d0", "supporting": "#c8d6e5", NO_TIERS: "#b0b0b0"}
RED = "#c0392b"


def _audited_id(data: ReportData) -> str | None:
    rows = data.rows("compare-participation")
    return next((str(row["id"]) for row in rows if str(row["framework"]) == data.framework), None)


def _tiers_text(rows: list[dict[str, Any]], framework_id: str) -> str:
    """'1 core, 2 advanced' or 'no tiers' for one framework's participation indicators, from compare-tiers."""
    parts = [(str(row["tier"]), int(row["participation_indicators"])) for row in rows if str(row["id"]) == framework_id]
    counted = [f"{n} {tier}" if tier != NO_TIERS else f"{n} without tiers" for tier, n in parts if n]
    return ", ".join(counted) or "none"


def _scope_text(row: dict[str, object]) -> str:
    """' (city)' for a framework whose scope the graph states, '' otherwise."""
    return f" ({row['scope']})" if row.get("scope") else ""


def _same_scope_text(ranked: list[dict[str, object]], this: dict[str, object], audited: str) -> str:
    """Where the audited framework stands among the frameworks that measure what it measures."""
    if not this.get("scope"):
        return "; what it measures (its scope) is not stated, so it is compared with no framework like it"
    alike = [row for row in ranked if row.get("scope") == this["scope"]]
    if len(alike) < 2:
        return f"; no other framework measures what it does ({this['scope']})"
    place = next(i for i, row in enumerate(alike, start=1) if str(row["id"]) == audited)
    where = "the lowest" if place == 1 else "the highest" if place == len(alike) else f"number {place} from the lowest"
    return f"; among the {len(alike)} {this['scope']} frameworks, like with like, its share is {where}"


def comparison_text(data: ReportData) -> str:
    """One paragraph: where the audited framework stands among all the frameworks of the graph."""
    rows = data.rows("compare-participation")
    audited = _audited_id(data)
    if not rows or audited is None:
        return "The graph holds no framework to compare."
    ranked = [row for row in rows if row["share"] is not None]
    position = next((i for i, row in enumerate(ranked, start=1) if str(row["id"]) == audited), None)
    this = next(row for row in rows if str(row["id"]) == audited)
    tiers = data.rows("compare-tiers")
    text = f"The graph holds {len(rows)} framework{'s' if len(rows) != 1 else ''}. "
    text += f"In {audited}, {this['participation_indicators']} of {this['indicators']} indicators address citizen "
    text += f"participation ({this['share']} %; {_tiers_text(tiers, audited)}), covering {this['aspects_covered']} of "
    text += f"the {this['aspects']} participation aspects"
    if position is not None and len(ranked) > 1:
        place = "the lowest" if position == 1 else "the highest" if position == len(ranked) else f"number {position}"
        text += f"; its share is {place} of the {len(ranked)}" + (
            " from the lowest" if place.startswith("number") else ""
        )
        others = [f"{row['id']} {row['share']} %{_scope_text(row)}" for row in ranked if str(row["id"]) != audited]
        text += f" (the others: {', '.join(others)})"
        text += _same_scope_text(ranked, this, audited)
    untiered = sorted({str(row["id"]) for row in tiers if row["tier"] == NO_TIERS and row["indicators"]})
    if untiered:
        text += f". Indicators without a tier ({', '.join(untiered)}) are counted as '{NO_TIERS}', not as core"
    partial = sorted(str(r["id"]) for r in data.rows("participation-by-framework") if str(r["coded_in_full"]) == "no")
    if partial:  # an uncoded indicator is not yet a finding: such a share may only grow
        text += f". Only part of {', '.join(partial)} is coded for participation so far, so "
        text += "its share is a lower bound" if len(partial) == 1 else "their shares are lower bounds"
    return text + "."


def section(data: ReportData) -> tuple[str, list[Block]]:
    """The comparison section: summary, chart, the four queries' tables and the project's claims."""
    placers = sorted({str(row["placed_by"]) for row in data.rows("compare-rungs")})
    rungs = (
        f"Rungs as {' and '.join(placers)} placed the participation indicators (frameworks not placed on any ladder"
        " have no rows); rank 1 is the least citizen power."
        if placers
        else "No participation indicator of any framework has been placed on a participation ladder yet."
    )
    claims = (
        "Claims of `agent:smartcity-kg` about the comparison, from kg claims, each tested by a query in queries/claims."
    )
    blocks: list[Block] = [
        comparison_text(data),
        Chart(CHART),
        table(data, "compare-participation"),
        f'Indicators without an `sck:tier` are counted as "{NO_TIERS}": such a framework has no core indicators.',
        table(data, "compare-tiers"),
        table(data, "aspect-coverage"),
        rungs,
        table(data, "compare-rungs"),
        Table(claims, data.results[PROJECT_CLAIMS]),
    ]
    return "The frameworks compared on participation", blocks


def chart(data: ReportData) -> bytes:
    """Share per framework, participation indicators by tier, and the aspects grid, side by side.

    Raises MissingExtra without matplotlib (the extra ``report``).
    """
    Figure = require("matplotlib.figure", "report", "the report's charts").Figure

    rows = data.rows("compare-participation")
    ids = [str(row["id"]) for row in rows]
    audited = _audited_id(data)
    figure = Figure(figsize=(15, 1.8 + 0.55 * max(len(ids), 1)), layout="constrained")
    share_ax, tier_ax, aspect_ax = figure.subplots(1, 3, gridspec_kw={"width_ratios": [1.1, 1, 1.4]})
    y = list(range(len(ids)))

    shares = [float(row["share"] or 0) for row in rows]
    colours = [RED if framework == audited else "#7fa7d0" for framework in ids]
    bars = share_ax.barh(y, shares, 0.6, color=colours)
    labels = [f" {row['participation_indicators']} of {row['indicators']} ({row['share']} %)" for row in rows]
    share_ax.bar_label(bars, labels, fontsize=9)
    share_ax.set_xlim(0, 130)
    share_ax.set(title="Indicators addressing participation (share)", xlabel="% of the framework's indicators")

    tiers = data.rows("compare-tiers")
    order = [t for t in TIER_COLOURS if any(row["tier"] == t for row in tiers)]
    order += sorted({str(row["tier"]) for row in tiers} - set(order))
    left = [0] * len(ids)
    for tier in order:
        counts = {str(row["id"]): int(row["participation_indicators"]) for row in tiers if row["tier"] == tier}
        widths = [counts.get(framework, 0) for framework in ids]
        style = {"hatch": "//", "edgecolor": "white"} if tier == NO_TIERS else {}
        segment = tier_ax.barh(y, widths, 0.6, left=left, color=TIER_COLOURS.get(tier, "#888888"), label=tier, **style)
        tier_ax.bar_label(segment, [str(w) if w else "" for w in widths], label_type="center", fontsize=9)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    tier_ax.set(title="Participation indicators by tier", xlabel="participation indicators")
    if order:
        tier_ax.legend(loc="lower right", fontsize=8)

    coverage = data.rows("aspect-coverage")
    aspects = sorted({str(row["aspect"]) for row in coverage})
    grid = [[0] * len(aspects) for _ in ids]
    for row in coverage:
        if str(row["id"]) in ids:
            grid[ids.index(str(row["id"]))][aspects.index(str(row["aspect"]))] = int(row["indicators"])
    aspect_ax.imshow(grid or [[0]], cmap="Blues", aspect="auto", vmin=0)
    for i, cells in enumerate(grid):
        for j, n in enumerate(cells):
            aspect_ax.text(j, i, str(n) if n else "·", ha="center", va="center", fontsize=9,
                           color="white" if n and n >= max(map(max, grid)) * 0.6 else "black")  # fmt: skip
    aspect_ax.set_xticks(range(len(aspects)), [textwrap.fill(a, 14) for a in aspects], rotation=45, ha="right")
    aspect_ax.set_title("Indicators per participation aspect")

    for ax in (share_ax, tier_ax, aspect_ax):
        ax.set_yticks(y, ids)
    for ax in (share_ax, tier_ax):  # imshow already draws its first row at the top
        ax.invert_yaxis()
    for tick in share_ax.get_yticklabels():
        tick.set_color(RED if tick.get_text() == audited else "black")
    figure.suptitle(f"The frameworks of the graph compared on participation ({compact(data.framework)} in red)")
    return png(figure)
