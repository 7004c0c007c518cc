"""A SPARQL 1.1 endpoint read through the same API as the embedded graph.

:class:`RemoteGraph` answers ``query`` (named queries, parameters bound as RDF terms),
``query_file`` and ``sparql`` like :class:`kg.KnowledgeGraph`, so that everything built on
those (``kg claims``, ``kg report``, ``kg check``, ``kg suggest``) runs unchanged on a server::

    >>> import kg.endpoint
    >>> remote = kg.endpoint.RemoteGraph("http://127.0.0.1:7878/query")   # doctest: +SKIP
    >>> remote.query("core-participation-kpis").dicts()                     # doctest: +SKIP

As on the embedded graph, an IRI parameter must name something the graph holds: the endpoint
is asked (one ASK) before the query runs, so that an unknown framework is an error rather than
an empty answer. Queries whose header says ``inferred: true`` read whatever inferences the
server holds: push them with ``kg push --inferred``.
"""

from __future__ import annotations

from pathlib import Path

from .catalog import NamedQuery, get_query
from .errors import QueryError
from .namespaces import compact
from .params import bind_parameters, resolve
from .query import run_query_file, unknown_iris
from .results import Results
from .sources import RdfDocument


class RemoteGraph:
    """The graph held by a SPARQL 1.1 endpoint (every query form, through kg.remote with its limits)."""

    def __init__(self, endpoint: str) -> None:
        from .remote import check_url

        check_url(endpoint)
        self.endpoint = endpoint

    def __repr__(self) -> str:
        from .remote import shown

        return f"RemoteGraph({shown(self.endpoint)!r})"

    def query(self, query: str | NamedQuery, /, **params: str) -> Results:
        """Run a named query (by name or object) with parameter values as strings."""
        named = query if isinstance(query, NamedQuery) else get_query(query)
        terms = resolve(named.parameters, params, query=named.name)
        for name, term in unknown_iris(self, named, terms):
            raise QueryError(
                f"query {named.name!r}: {name}={compact(term.value)} is not in the graph at {self.endpoint}; "
                "check the name."
            )
        return self.sparql(bind_parameters(named.text, named.parameters, terms), where=str(named.path or named.name))

    def query_file(self, path: Path | str, /, **params: str) -> Results:
        """Run a ``.rq`` file; a ``#+`` header is optional, and if present declares its parameters."""
        return run_query_file(self, path, params)

    def documents(self) -> list[RdfDocument]:
        """The endpoint's whole graph as one document (for validation), read with one bounded CONSTRUCT."""
        import urllib.parse

        import pyoxigraph as ox

        triples = self.sparql("CONSTRUCT WHERE { ?s ?p ?o }").terms()
        parts = urllib.parse.urlsplit(self.endpoint)  # host:port/path names it in reports ('//' would not survive Path)
        label = Path(f"{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}")
        return [RdfDocument(label, [ox.Quad(*triple) for triple in triples])]

    def sparql(self, text: str, *, where: str = "query") -> Results:
        """Run SPARQL text on the endpoint (``where`` is accepted for the embedded graph's signature).

        The project's prefixes the text uses without declaring are declared in the text sent.
        """
        from .prologue import declare
        from .remote import remote_sparql

        return remote_sparql(self.endpoint, declare(text, mark=False))
