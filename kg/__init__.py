"""smartcity-kg: smart-city indicator frameworks as a queryable, validated knowledge graph.

The public API, for notebooks and scripts::

    import kg
    graph = kg.KnowledgeGraph.open()                     # your workspace: bundled data + what you added
    graph = kg.KnowledgeGraph.load()                     # in memory: ontology + bundled framework data
    rows = graph.query("participation-kpis").dicts()     # a named query, default parameters
    graph.query("kpi-details", code="SC: SH: SI: 4C")    # parameters bound as RDF terms
    report = kg.validate(["my-framework.ttl"])           # SHACL, grouped by focus node
    print(kg.format_report(report))
"""

__version__ = "0.1.0"  # the one place the version is written (pyproject.toml reads it)

from .catalog import NamedQuery, get_query, list_queries
from .errors import InputError, KgError, QueryError
from .query import KnowledgeGraph
from .results import Results, render
from .validation import ValidationReport, format_report, validate

__all__ = [
    "InputError",
    "KgError",
    "KnowledgeGraph",
    "NamedQuery",
    "QueryError",
    "Results",
    "ValidationReport",
    "__version__",
    "format_report",
    "get_query",
    "list_queries",
    "render",
    "validate",
]
