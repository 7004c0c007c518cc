"""The one interface every graph implements: the embedded graph, the workspace's and an endpoint's.

:class:`Graph` is what the library's functions (claims, report, suggest, check) and the ``kg``
commands take, so that each runs unchanged on :class:`kg.KnowledgeGraph` (in memory),
``WorkspaceGraph`` (the workspace's on-disk store) and ``RemoteGraph`` (a SPARQL 1.1 endpoint).
It is a structural type (``typing.Protocol``): a class implements it by having the methods, and
mypy checks that each of the three does (the ``_implements`` lines beside them).

Named queries run through one function, :func:`kg.graph.named.run_named`, whatever the graph:
resolve the query, check its parameters (an IRI that names nothing is an error with "did you
mean"), bind them as RDF terms, and run the text with the graph's :meth:`Graph.sparql`.

>>> import kg
>>> from kg.graph.protocol import Graph
>>> graph: Graph = kg.KnowledgeGraph.load()
>>> bool(graph.sparql("ASK { ?s a <https://w3id.org/smartcity-kg/ontology#Framework> }"))
True
>>> graph.holds_inferences()
False
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from kg.query.catalog import NamedQuery
    from kg.query.params import ParameterValue
    from kg.query.results import Results
    from kg.sources.files import RdfDocument

__all__ = ["Graph"]


class Graph(Protocol):
    """A graph that answers named queries and SPARQL text, says its size, and can be read whole."""

    def query(self, query: str | NamedQuery, /, **params: ParameterValue) -> Results:
        """Run a named query (by name or object) with parameter values as text or Python values.

        Raises QueryError for an unknown query or parameter, SPARQL text given instead of a name
        (run it with :meth:`sparql`), an IRI parameter naming nothing in the graph (BadFrameworkId,
        with the closest names), or a query that needs inferences the graph does not hold.
        """
        ...

    def query_file(self, path: Path | str, /, **params: ParameterValue) -> Results:
        """Run a ``.rq`` file; a ``#+`` header is optional, and if present declares its parameters."""
        ...

    def sparql(self, text: str, *, where: str = "query") -> Results:
        """Run SPARQL text as it is; ``where`` names it in error messages (a file, a query name)."""
        ...

    def __len__(self) -> int:
        """The number of triples the graph holds."""
        ...

    def dump(self) -> list[RdfDocument]:
        """The whole graph as documents (what validation reads)."""
        ...

    def holds_inferences(self) -> bool:
        """Whether the graph holds the OWL reasoner's inferences (which ``inferred: true`` queries need)."""
        ...
