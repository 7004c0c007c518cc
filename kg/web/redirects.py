"""Retired IRIs: which of the project's published IRIs moved, and where ``kg serve`` sends them (301).

A retired IRI is one the data describes only as replaced: it has ``dcterms:isReplacedBy`` and no
``rdf:type`` (kg.ingest.groupings writes them for SDG goals and targets once named by their whole
sentence). The same predicate on a typed resource is not a move: an indicator of the 2019 SDG edition
``dcterms:isReplacedBy`` one of the 2025 edition stays a resource of its own (docs/guide/editions.md).

``kg serve`` reads the table once, from a query worker, when it starts (kg.web.app.read_retired); a request
for a retired IRI, bare or with a document extension (.html, .ttl ...), is answered 301 Moved
Permanently to the replacement's path with the same extension.
"""

from __future__ import annotations

import urllib.parse

import pyoxigraph as ox

from kg.namespaces import ID, PREFIXES

# The one definition of "retired": the static site's redirect rules may read it too.
RETIRED_QUERY = f"""
SELECT ?old ?new WHERE {{
  ?old <{PREFIXES["dcterms"]}isReplacedBy> ?new .
  FILTER (isIRI(?old) && isIRI(?new) && STRSTARTS(STR(?old), "{ID}") && STRSTARTS(STR(?new), "{ID}"))
  FILTER NOT EXISTS {{ ?old a ?type }}
}}
ORDER BY ?old
"""


def retired_iris(store: ox.Store) -> dict[str, str]:
    """Every retired project IRI in ``store`` -> the IRI that replaces it (the first, should there be two)."""
    table: dict[str, str] = {}
    solutions = store.query(RETIRED_QUERY)
    assert isinstance(solutions, ox.QuerySolutions)  # a SELECT
    for solution in solutions:
        old, new = solution["old"], solution["new"]
        assert isinstance(old, ox.NamedNode) and isinstance(new, ox.NamedNode)  # the query's FILTER
        table.setdefault(old.value, new.value)
    return table


def moved_to(table: dict[str, str], iri: str, extension: str | None) -> str | None:
    """The path a request for ``iri`` (with a document ``extension``, or None for the IRI itself) moved to."""
    new = table.get(iri)
    if new is None:
        return None
    path = urllib.parse.quote("/id/" + new[len(ID) :], safe="/%:@!$&'()*+,;=-._~")
    return path + (f".{extension}" if extension else "")


def path_extension(path: str, fmt: str | None) -> str | None:
    """The document extension a request path ends with (``fmt`` says there is one), as the client wrote it."""
    return path.rpartition(".")[2] if fmt is not None else None
