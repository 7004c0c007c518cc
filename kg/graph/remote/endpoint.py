"""A SPARQL 1.1 endpoint read through the same API as the embedded graph.

:class:`RemoteGraph` answers ``query`` (named queries, parameters bound as RDF terms),
``query_file`` and ``sparql`` like :class:`kg.KnowledgeGraph`, so that everything built on
those (``kg claims``, ``kg report``, ``kg check``, ``kg suggest``) runs unchanged on a server::

    >>> import kg.graph.remote.endpoint
    >>> remote = kg.graph.remote.endpoint.RemoteGraph("http://127.0.0.1:7878/query")   # doctest: +SKIP
    >>> remote.query("core-participation-kpis").dicts()                     # doctest: +SKIP

As on the embedded graph, an IRI parameter must name something the graph holds: the endpoint
is asked (one ASK) before the query runs, so that an unknown framework is an error rather than
an empty answer. Queries whose header says ``inferred: true`` read whatever inferences the
server holds: push them with ``kg push --inferred``.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pyoxigraph as ox

from kg.errors import QueryError, RemoteError
from kg.graph.embedded import run_query_file, unknown_iris
from kg.graph.remote.call import check_url, shown
from kg.graph.remote.client import remote_sparql
from kg.namespaces import compact
from kg.query.catalog import NamedQuery, get_query
from kg.query.params import ParameterValue, bind_parameters, resolve
from kg.query.prologue import declare
from kg.query.results import Results
from kg.sources.files import RdfDocument


class RemoteGraph:
    """The graph held by a SPARQL 1.1 endpoint (every query form, through kg.graph.remote.client with its limits)."""

    def __init__(self, endpoint: str) -> None:
        """The graph at the SPARQL endpoint address ``endpoint``; RemoteError if it is not a usable http(s) address."""
        check_url(endpoint)
        self.endpoint = endpoint

    def __repr__(self) -> str:
        return f"RemoteGraph({shown(self.endpoint)!r})"

    def query(self, query: str | NamedQuery, /, **params: ParameterValue) -> Results:
        """Run a named query (by name or object); parameter values as text or Python values (kg.query.params).

        Raises QueryError for an unknown query or a bad parameter, or an IRI parameter naming
        nothing on the endpoint; RemoteError if the endpoint fails or answers something unusable.
        """
        named = query if isinstance(query, NamedQuery) else get_query(query)
        terms = resolve(named.parameters, params, query=named.name)
        for name, term in unknown_iris(self, named, terms):
            raise QueryError(
                f"query {named.name!r}: {name}={compact(term.value)} is not in the graph at {self.endpoint}; "
                "check the name."
            )
        return self.sparql(bind_parameters(named.text, named.parameters, terms), where=str(named.path or named.name))

    def query_file(self, path: Path | str, /, **params: ParameterValue) -> Results:
        """Run a ``.rq`` file; a ``#+`` header is optional, and if present declares its parameters.

        Raises InputError if the file cannot be read; QueryError and RemoteError as ``query`` does.
        """
        return run_query_file(self, path, params)

    def documents(self) -> list[RdfDocument]:
        """The endpoint's whole graph as one document (for validation), read with one bounded CONSTRUCT.

        Raises RemoteError if the endpoint fails, or its graph exceeds the size cap (kg.graph.remote.call).
        """
        triples = self.sparql("CONSTRUCT WHERE { ?s ?p ?o }").terms()
        parts = urllib.parse.urlsplit(self.endpoint)  # host:port/path names it in reports ('//' would not survive Path)
        label = Path(f"{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}")
        quads = []
        for s, p, o in triples:  # a CONSTRUCT answer is parsed RDF: every row is a whole triple
            if not (isinstance(s, ox.NamedNode | ox.BlankNode) and isinstance(p, ox.NamedNode) and o is not None):
                raise RemoteError(f"{shown(self.endpoint)} answered the CONSTRUCT with a row that is no triple.")
            quads.append(ox.Quad(s, p, o))
        return [RdfDocument(label, quads)]

    def sparql(self, text: str, *, where: str = "query") -> Results:
        """Run SPARQL text on the endpoint (``where`` is accepted for the embedded graph's signature).

        The project's prefixes the text uses without declaring are declared in the text sent.
        Raises RemoteError if the endpoint fails, refuses the query or answers something unusable.
        """
        return remote_sparql(self.endpoint, declare(text, mark=False))
