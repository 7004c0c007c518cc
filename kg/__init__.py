"""smartcity-kg: smart-city indicator frameworks as a queryable, validated knowledge graph.

The public API, for notebooks and scripts:

>>> import kg
>>> graph = kg.KnowledgeGraph.load()                 # in memory: ontology + bundled framework data
>>> results = graph.query("participation-kpis")      # a named query, default parameters
>>> len(results), results.variables[:3]
(3, ['kpi', 'code', 'name'])
>>> [row.name for row in results]                    # rows are named tuples of Python values
['Open Data', 'e-Government', 'Voter Participation']
>>> graph.query("kpi-details", code="SC: SH: SI: 4C").dicts()[0]["name"]
'Voter Participation'
>>> graph.query("indicator-count", stated=91).dicts()  # Python values bound as typed RDF terms
[{'value': '91', 'holds': True}]

``kg.KnowledgeGraph.open()`` is your workspace (the bundled data plus what you added), as the
``kg`` command uses it; ``kg.validate(["my-framework.ttl"])`` checks files against the SHACL
shapes. Every error is a :class:`kg.KgError` subclass with one sentence saying what to do.
Parameter values: text (as ``kg query --param`` takes it), or ``int``, ``float``/``Decimal``,
``bool``, ``datetime.date`` and :data:`kg.IRI` (pyoxigraph's ``NamedNode``) for parameters of
those types (see :mod:`kg.query.params`).
"""

from kg import aliases as _aliases
from kg.errors import (
    BadFrameworkId,
    ImportProblems,
    InconsistentData,
    InputError,
    KgError,
    MissingExtra,
    MissingParameter,
    OutputError,
    QueryError,
    ReasoningError,
    RemoteError,
    ReportError,
    SheetProblems,
    StoreDamaged,
    UnsupportedShape,
    ValidationError,
    WorkspaceError,
)
from kg.graph.embedded import KnowledgeGraph
from kg.graph.remote.endpoint import RemoteGraph
from kg.ingest.workspace import Workspace
from kg.query.catalog import NamedQuery, get_query, list_queries
from kg.query.params import IRI, ParameterValue
from kg.query.results import Results, render
from kg.validation import ValidationReport, format_report, validate
from kg.version import __version__

_aliases.install()  # the 0.1 module paths (kg.claims, kg.store, ...) keep importing, with a warning

__all__ = [
    "IRI",
    "BadFrameworkId",
    "ImportProblems",
    "InconsistentData",
    "InputError",
    "KgError",
    "KnowledgeGraph",
    "MissingExtra",
    "MissingParameter",
    "NamedQuery",
    "OutputError",
    "ParameterValue",
    "QueryError",
    "ReasoningError",
    "RemoteError",
    "RemoteGraph",
    "ReportError",
    "Results",
    "SheetProblems",
    "StoreDamaged",
    "UnsupportedShape",
    "ValidationError",
    "ValidationReport",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "format_report",
    "get_query",
    "list_queries",
    "render",
    "validate",
]
