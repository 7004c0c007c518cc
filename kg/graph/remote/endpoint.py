"""A SPARQL 1.1 endpoint read through the same API as the embedded graph.

:class:`RemoteGraph` answers ``query`` (named queries, parameters bound as RDF terms),
``query_file`` and ``sparql`` like :class:`kg.KnowledgeGraph`, so that everything built on
those (``kg claims``, ``kg report``, ``kg check``, ``kg suggest``) runs unchanged on a server::

    >>> import kg.graph.remote.endpoint
    >>> remote = kg.graph.remote.endpoint.RemoteGraph("http://127.0.0.1:7878/query")   # doctest: +SKIP
    >>> remote.query("core-participation-kpis").dicts()                     # doctest: +SKIP

Named queries run through kg.graph.named.run_named, as on the embedded graph: an IRI parameter
must name something the graph holds (the endpoint is asked, one ASK, before the query runs), so
that an unknown framework is an error with the nearest names rather than an empty answer. A
query whose header says ``inferred: true`` needs the OWL reasoner's inferences on the server:
:meth:`RemoteGraph.holds_inferences` asks for the marker ``kg push --inferred`` writes (a
resource of type ``sck:InferenceSet``), and without it the query is an error naming
``kg push --inferred``, not 0 rows.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.errors import RemoteError
from kg.graph.named import run_named, run_query_file

# kg.graph.remote.call and .client (http.client, ssl, SPARQLWrapper: about 80 ms) are imported when an
# endpoint is used, not when ``import kg`` makes RemoteGraph available: ``kg query`` never needs them.
from kg.query.catalog import NamedQuery
from kg.query.params import ParameterValue
from kg.query.prologue import declare
from kg.query.results import Results
from kg.sources.files import RdfDocument

if TYPE_CHECKING:
    from kg.graph.protocol import Graph

# The marker `kg push --inferred` writes beside the inferences: <.../id/inferences> a sck:InferenceSet.
INFERENCE_MARKER = "ASK { ?set a <https://w3id.org/smartcity-kg/ontology#InferenceSet> }"


class RemoteGraph:
    """The graph held by a SPARQL 1.1 endpoint (every query form, through kg.graph.remote.client with its limits)."""

    def __init__(self, endpoint: str) -> None:
        """The graph at the SPARQL endpoint address ``endpoint``; RemoteError if it is not a usable http(s) address."""
        from kg.graph.remote.call import check_url

        check_url(endpoint)
        self.endpoint = endpoint
        self._inferences: bool | None = None  # asked once (holds_inferences)

    def __repr__(self) -> str:
        from kg.graph.remote.call import shown_address

        return f"RemoteGraph({shown_address(self.endpoint)!r})"

    def query(self, query: str | NamedQuery, /, **params: ParameterValue) -> Results:
        """Run a named query (by name or object); parameter values as text or Python values (kg.query.params).

        Raises QueryError for an unknown query, SPARQL text instead of a name, a bad parameter, or a
        query that needs inferences the endpoint does not hold; BadFrameworkId (a QueryError) for an
        IRI parameter naming nothing on the endpoint; RemoteError if the endpoint fails or answers
        something unusable (see kg.graph.named.run_named).
        """
        return run_named(self, query, params)

    def holds_inferences(self) -> bool:
        """Whether the endpoint holds the OWL reasoner's inferences: the marker ``kg push --inferred`` writes.

        Asked once per RemoteGraph (one ASK). Raises RemoteError as :meth:`sparql` does.
        """
        if self._inferences is None:
            self._inferences = bool(self.sparql(INFERENCE_MARKER))
        return self._inferences

    def __len__(self) -> int:
        """The number of triples in the endpoint's default graph (one COUNT); RemoteError as :meth:`sparql`."""
        [count] = self.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").column("n")
        return int(count)

    def query_file(self, path: Path | str, /, **params: ParameterValue) -> Results:
        """Run a ``.rq`` file; a ``#+`` header is optional, and if present declares its parameters.

        Raises InputError if the file cannot be read; QueryError and RemoteError as ``query`` does.
        """
        return run_query_file(self, path, params)

    def documents(self) -> list[RdfDocument]:
        """The endpoint's whole graph as one document: :meth:`dump` (its name before the graph protocol)."""
        return self.dump()

    def dump(self) -> list[RdfDocument]:
        """The endpoint's whole graph as one document (for validation), read with one bounded CONSTRUCT.

        Raises RemoteError if the endpoint fails, or its graph exceeds the size cap (kg.graph.remote.call).
        """
        triples = self.sparql("CONSTRUCT WHERE { ?s ?p ?o }").terms()
        parts = urllib.parse.urlsplit(self.endpoint)  # host:port/path names it in reports ('//' would not survive Path)
        label = Path(f"{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}")
        quads = []
        for s, p, o in triples:  # a CONSTRUCT answer is parsed RDF: every row is a whole triple
            if not (isinstance(s, ox.NamedNode | ox.BlankNode) and isinstance(p, ox.NamedNode) and o is not None):
                from kg.graph.remote.call import shown_address

                raise RemoteError(
                    f"{shown_address(self.endpoint)} answered the CONSTRUCT with a row that is no triple."
                )
            quads.append(ox.Quad(s, p, o))
        return [RdfDocument(label, quads)]

    def sparql(self, text: str, *, where: str = "query") -> Results:
        """Run SPARQL text on the endpoint (``where`` is accepted for the embedded graph's signature).

        The project's prefixes the text uses without declaring are declared in the text sent.
        Raises RemoteError if the endpoint fails, refuses the query or answers something unusable.
        """
        from kg.graph.remote.client import remote_sparql

        return remote_sparql(self.endpoint, declare(text, mark=False))


if TYPE_CHECKING:  # mypy checks here that the endpoint's graph implements the one graph protocol
    _implements: type[Graph] = RemoteGraph
