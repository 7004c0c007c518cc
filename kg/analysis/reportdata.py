"""What the participation report shows, collected once: every query's answer for one framework.

:func:`collect` runs the report's named queries (and the claims check) into a :class:`ReportData`;
kg.analysis.report writes it as Markdown and HTML, kg.analysis.reportcharts and kg.analysis.compare draw from it. The
blocks a section is made of (:class:`Chart`, :class:`Table`, paragraphs) are defined here too,
so that kg.analysis.report and kg.analysis.compare share them without importing each other.

>>> import kg
>>> data = collect(kg.KnowledgeGraph.load(), framework="fw:u4ssc")
>>> sorted(participation(data))[-1]
'https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C'
>>> data.parameters["participation-kpis"]
{'framework': 'fw:u4ssc'}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kg.analysis.agreement import agreements
from kg.analysis.agreement import as_results as agreement_table
from kg.analysis.claims import check_claims, verdict_table
from kg.namespaces import compact
from kg.query.catalog import get_query
from kg.query.params import framework_iri, unknown_framework

if TYPE_CHECKING:
    from kg.graph.protocol import Graph
    from kg.query.results import Results

DEFAULT_FRAMEWORK = "fw:u4ssc"
# The comparison's queries (kg.analysis.compare draws them): every framework of the graph, side by side.
COMPARE_QUERIES: tuple[str, ...] = ("compare-participation", "compare-tiers", "aspect-coverage", "compare-rungs")
COMPARE_QUERIES += ("participation-by-framework",)
QUERIES: tuple[str, ...] = ("frameworks", "kpis-by-dimension", "participation-kpis", "participation-levels")
QUERIES += ("helix-coverage",)
QUERIES += ("ideology-evidence", "citizen-framings", "ladders", *COMPARE_QUERIES)
CLAIMS = "kg claims"  # the key of the study's claim verdicts in ReportData.results
PROJECT_CLAIMS = "kg claims (smartcity-kg's)"  # the key of the project's claim verdicts
AGREEMENT = "kg suggest agreement"  # the key of kg.analysis.agreement's table


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows: each query's answer, keyed by query name.

    ``framework`` is the audited framework's IRI; ``parameters`` the values each query ran with,
    IRIs compacted (for the tables' captions).
    """

    framework: str
    results: dict[str, Results]
    parameters: dict[str, dict[str, str]]

    def rows(self, name: str) -> list[dict[str, Any]]:
        """The answer of query ``name`` as dicts of Python values (kg.query.results.Results.dicts)."""
        return self.results[name].dicts()

    @property
    def framework_row(self) -> dict[str, Any]:
        """The audited framework's row of the ``frameworks`` query (title, KPIs, ...)."""
        return next(row for row in self.rows("frameworks") if row["framework"] == self.framework)


def collect(graph: Graph, framework: str = DEFAULT_FRAMEWORK, editions: str = "current") -> ReportData:
    """Run every query the report shows, passing ``framework`` (an id, CURIE or IRI) to those that take it,
    and ``editions`` ('current': the latest edition of each framework; 'all') to those that compare frameworks.

    Raises BadFrameworkId when ``framework`` is none of those or the graph has no such framework
    (naming the closest one), QueryError when a claim's query fails.
    """
    iri = framework_iri(framework).value
    results: dict[str, Results] = {}
    parameters: dict[str, dict[str, str]] = {}
    known = [str(f) for f in graph.query("frameworks").column("framework")]
    if iri not in known:
        raise unknown_framework(iri, known)
    for name in QUERIES:
        query = get_query(name)
        given = {"framework": iri} if "framework" in query.parameters else {}
        given |= {"editions": editions} if "editions" in query.parameters else {}
        results[name] = graph.query(query, **given)
        parameters[name] = {key: compact(given.get(key, p.default or "")) for key, p in query.parameters.items()}
    verdicts = check_claims(graph)  # the study's in their section, the project's in the comparison
    results[CLAIMS] = verdict_table([v for v in verdicts if not v.claim.by_project], brief=True)
    results[PROJECT_CLAIMS] = verdict_table([v for v in verdicts if v.claim.by_project], brief=True)
    results[AGREEMENT] = agreement_table(agreements(graph))
    parameters[CLAIMS] = parameters[PROJECT_CLAIMS] = parameters[AGREEMENT] = {}
    return ReportData(iri, results, parameters)


@dataclass(frozen=True)
class Chart:
    """A chart in a section: its PNG file name (kg.analysis.reportcharts and kg.analysis.compare draw them)."""

    file: str


@dataclass(frozen=True)
class Table:
    """A table in a section: the rows of ``results`` under a caption naming the query (or ``kg claims``)."""

    caption: str
    results: Results


Block = str | Chart | Table  # a str is a paragraph; `backticks` mark code


def table(data: ReportData, name: str) -> Table:
    """Query ``name``'s answer as a table, captioned with the query and the values it ran with."""
    values = ", ".join(f"{key} = {value}" for key, value in data.parameters[name].items())
    return Table(f"Query `{name}`" + (f", {values}" if values else "") + ".", data.results[name])


def participation(data: ReportData) -> dict[str, dict[str, Any]]:
    """The participation KPIs by IRI, one entry per KPI (the query has one row per KPI and aspect)."""
    return {str(row["kpi"]): row for row in data.rows("participation-kpis")}
