"""Checking the SSSOM mapping tables (``kg links check``).

Well-formed IRIs in known namespaces, SKOS mapping predicates, subjects (and objects of the
project's own namespace) that exist in the graph, no pair both exact and related, dates and
confidences in range, and optionally objects that exist on a SPARQL endpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from kg.graph.remote.call import shown
from kg.graph.remote.client import missing_on_endpoint
from kg.namespaces import ID
from kg.sources.files import RdfDocument
from kg.sources.sssom import (
    DATE,
    IRI_PATTERN,
    KNOWN_NAMESPACES,
    MATCHES,
    SKOS,
    LinkProblem,
    Mapping,
    read_mapping_table,
)


def check_mappings(path: Path, mappings: Sequence[Mapping], subjects: set[str]) -> list[LinkProblem]:
    """Problems that need no network: form, namespaces, existing subjects, contradictions."""
    problems = []
    predicates_of: dict[tuple[str, str], dict[str, int]] = {}
    for m in mappings:
        for role, value in (("subject", m.subject), ("predicate", m.predicate), ("object", m.object)):
            if not IRI_PATTERN.fullmatch(value):
                problems.append(LinkProblem(path, m.line, f"{role} {value!r} is not a well-formed IRI or known CURIE"))
        if IRI_PATTERN.fullmatch(m.object) and not any(m.object.startswith(ns) for ns in KNOWN_NAMESPACES):
            known = ", ".join(KNOWN_NAMESPACES)
            problems.append(LinkProblem(path, m.line, f"object {m.object} is in no known namespace ({known})"))
        if IRI_PATTERN.fullmatch(m.predicate) and m.predicate not in MATCHES:
            problems.append(LinkProblem(path, m.line, f"predicate {m.predicate} is not a SKOS mapping property"))
        if IRI_PATTERN.fullmatch(m.subject) and m.subject not in subjects:
            problems.append(LinkProblem(path, m.line, f"subject {m.subject} is not in the graph"))
        if m.object.startswith(ID) and m.object not in subjects:  # the project's own terms are all here
            problems.append(LinkProblem(path, m.line, f"object {m.object} is not in the graph"))
        for role, value in (("author_id", m.author), ("reviewer_id", m.reviewer), ("see_also", m.see_also)):
            if value and not IRI_PATTERN.fullmatch(value):
                problems.append(LinkProblem(path, m.line, f"{role} {value!r} is not a well-formed IRI or known CURIE"))
        if m.date and not DATE.fullmatch(m.date):
            problems.append(LinkProblem(path, m.line, f"mapping_date {m.date!r} is not a date (YYYY-MM-DD)"))
        if m.confidence:
            try:
                if not 0 <= float(m.confidence) <= 1:
                    raise ValueError
            except ValueError:
                problems.append(LinkProblem(path, m.line, f"confidence {m.confidence!r} is not a number from 0 to 1"))
        predicates_of.setdefault((m.subject, m.object), {})[m.predicate] = m.line
    for (subject, obj), lines in predicates_of.items():
        if SKOS + "exactMatch" in lines and SKOS + "relatedMatch" in lines:
            line = max(lines[SKOS + "exactMatch"], lines[SKOS + "relatedMatch"])
            problems.append(LinkProblem(path, line, f"{subject} is both an exactMatch and a relatedMatch of {obj}"))
    return problems


def check_links(tables: Sequence[Path], graph_documents: Sequence[RdfDocument], endpoint: str | None = None,
                batch: int = 100) -> list[LinkProblem]:  # fmt: skip
    """Every problem of the given tables, checked against the subjects of ``graph_documents``.

    With ``endpoint``, also objects the endpoint lacks (asked ``batch`` at a time). Raises
    InputError if a table cannot be read, RemoteError if the endpoint fails.
    """
    tables_set = {Path(t).resolve() for t in tables}
    subjects = {
        q.subject.value
        for d in graph_documents
        if d.path.resolve() not in tables_set
        for q in d.quads
        if isinstance(q.subject, ox.NamedNode)
    }
    problems: list[LinkProblem] = []
    all_mappings: list[tuple[Path, Mapping]] = []
    for table in tables:
        mappings = read_mapping_table(Path(table))
        problems += check_mappings(Path(table), mappings, subjects)
        all_mappings += [(Path(table), m) for m in mappings]
    if endpoint:
        objects = sorted({m.object for _, m in all_mappings if IRI_PATTERN.fullmatch(m.object)})
        missing = missing_on_endpoint(endpoint, objects, batch=batch)
        for table, m in all_mappings:
            if m.object in missing:
                problems.append(LinkProblem(table, m.line, f"object {m.object} does not exist on {shown(endpoint)}"))
    return sorted(problems, key=lambda p: (str(p.path), p.line, p.message))
