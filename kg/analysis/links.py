"""Checking the SSSOM mapping tables (``kg links check``), and finding the mappings a removal leaves dangling.

Well-formed IRIs in known namespaces, SKOS mapping predicates, subjects (and objects of the
project's own namespace) that exist in the graph, no pair both exact and related, dates and
confidences in range, a measure_difference that fits the predicate (data/links/README.md: an
exactMatch differs in nothing, any other match in something, a relatedMatch in its numerator), and
optionally objects that exist on a SPARQL endpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.graph.remote.call import shown_address
from kg.graph.remote.client import missing_on_endpoint
from kg.namespaces import ID
from kg.query.binding import bind
from kg.sources.files import RdfDocument
from kg.sources.sssom import (
    DATE,
    IRI_PATTERN,
    KNOWN_NAMESPACES,
    MATCHES,
    MEASURE_PARTS,
    SKOS,
    LinkProblem,
    Mapping,
    read_mapping_table,
)

if TYPE_CHECKING:
    from kg.graph.protocol import Graph


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
        problems += [LinkProblem(path, m.line, message) for message in difference_problems(m)]
        predicates_of.setdefault((m.subject, m.object), {})[m.predicate] = m.line
    for (subject, obj), lines in predicates_of.items():
        if SKOS + "exactMatch" in lines and SKOS + "relatedMatch" in lines:
            line = max(lines[SKOS + "exactMatch"], lines[SKOS + "relatedMatch"])
            problems.append(LinkProblem(path, line, f"{subject} is both an exactMatch and a relatedMatch of {obj}"))
    return problems


def difference_problems(m: Mapping) -> list[str]:
    """What is wrong with a row's measure_difference, given its predicate (nothing if the row has none)."""
    if not m.difference:
        return []
    parts = m.difference.split("|")
    if m.difference != "none" and (
        any(p not in MEASURE_PARTS for p in parts) or parts != sorted(set(parts), key=MEASURE_PARTS.index)
    ):
        allowed = "|".join(MEASURE_PARTS)
        return [f"measure_difference {m.difference!r} is not 'none' nor parts of {allowed} in that order"]
    name = m.predicate.removeprefix(SKOS)
    if name == "exactMatch" and m.difference != "none":
        return [f"an exactMatch cannot differ in its measure ({m.difference}): use a close, broad or narrow match"]
    if name != "exactMatch" and m.difference == "none":
        return [f"a {name} whose measures differ in nothing is an exactMatch: name the part that differs"]
    if name == "relatedMatch" and "numerator" not in parts:
        return ["a relatedMatch measures another quantity: its measure_difference must include numerator"]
    return []


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
                problems.append(
                    LinkProblem(table, m.line, f"object {m.object} does not exist on {shown_address(endpoint)}")
                )
    return sorted(problems, key=lambda p: (str(p.path), p.line, p.message))


# Whether the graph states anything about ?x besides mappings: a mapping table states its rows'
# subjects' mappings itself, which does not define them.
_DEFINED = "ASK WHERE { ?x ?p ?o FILTER(?p NOT IN (" + ", ".join(f"<{match}>" for match in sorted(MATCHES)) + ")) }"


def defined_terms(graph: Graph, tables: Sequence[Path]) -> list[tuple[Path, Mapping, str]]:
    """(table, row, IRI) for each subject or object of the tables' rows that ``graph`` defines (states
    something about besides mappings): what :func:`undefined_now` checks again after a change.

    Raises InputError if a table cannot be read.
    """
    defined: dict[str, bool] = {}
    found = []
    for table in tables:
        for mapping in read_mapping_table(table):
            for iri in dict.fromkeys((mapping.subject, mapping.object)):
                if iri not in defined:
                    defined[iri] = bool(IRI_PATTERN.fullmatch(iri)) and _defines(graph, iri)
                if defined[iri]:
                    found.append((table, mapping, iri))
    return found


def undefined_now(graph: Graph, watched: Sequence[tuple[Path, Mapping, str]]) -> list[tuple[Path, Mapping, str]]:
    """Those of ``watched`` (from :func:`defined_terms`) whose IRI ``graph`` no longer defines: dangling mappings."""
    gone = {iri for iri in {iri for _, _, iri in watched} if not _defines(graph, iri)}
    return [entry for entry in watched if entry[2] in gone]


def _defines(graph: Graph, iri: str) -> bool:
    try:
        term = ox.NamedNode(iri)
    except ValueError:
        return False
    return bool(graph.sparql(bind(_DEFINED, {"x": term})).boolean)
