"""Run named or ad-hoc SPARQL queries on the embedded graph.

>>> import kg
>>> graph = kg.KnowledgeGraph.load()                  # the bundled graph
>>> graph.query("core-participation-kpis").dicts()  # doctest: +ELLIPSIS
[{'kpi': 'https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C', 'code': 'SC: SH: SI: 4C', ...}]
>>> len(graph.query("participation-kpis", framework="fw:u4ssc"))
3
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.errors import QueryError
from kg.graph import integrity
from kg.graph.generations import open_shared
from kg.graph.named import named_query, run_named, run_query_file
from kg.graph.workspace import Workspace, open_workspace, read_manifest
from kg.query.catalog import NamedQuery
from kg.query.params import ParameterValue
from kg.query.prologue import declare, user_line
from kg.query.results import Results
from kg.sources.documents import read_documents, store_from
from kg.sources.files import RdfDocument
from kg.terms import rdflib_graph

if TYPE_CHECKING:
    from rdflib import Graph as RdflibGraph

    from kg.graph.protocol import Graph


@dataclass
class KnowledgeGraph:
    """Parsed RDF files and an Oxigraph store over all of them."""

    documents: list[RdfDocument] = field(repr=False)
    inferred: bool = False  # whether the documents include the OWL reasoner's inferences
    # with_inferences's graphs, by reasoner: one per graph, however often it is asked for
    _inferred: dict[str, KnowledgeGraph] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __repr__(self) -> str:
        return f"KnowledgeGraph({len(self.documents)} files, {len(self)} triples)"

    @classmethod
    def load(cls, files: Sequence[Path | str] = (), *, bundled: bool = True) -> KnowledgeGraph:
        """The bundled graph (ontology, schemes, framework data) plus ``files``, parsed into memory.

        ``bundled=False`` leaves the bundled graph out. Raises InputError for a file that cannot be read.
        """
        return cls(read_documents(files, bundled=bundled))

    @classmethod
    def open(cls, files: Sequence[Path | str] = (), *, workspace: Path | str | None = None) -> KnowledgeGraph:
        """The workspace's graph (see kg.graph.workspace; by default the one ``kg`` would use), plus ``files``.

        Without ``files`` the graph is the on-disk store, opened read-only: nothing is parsed. With
        them, the workspace's documents and the files are joined in memory for this graph only.
        Raises WorkspaceError if the workspace cannot be used, InputError if a file cannot be read.
        """
        folder = Path(workspace).expanduser().absolute() if workspace is not None else None
        opened = open_workspace(folder)
        if files:
            return cls([*opened.documents(), *read_documents(files, bundled=False)])
        return WorkspaceGraph(opened)

    def with_inferences(self, reasoner: str = "hermit") -> KnowledgeGraph:
        """This graph plus what the OWL reasoner (``reasoner``: hermit or pellet) infers from it.

        Made once per graph and reasoner, then the same object is returned. A workspace's graph reads
        the inferences the workspace keeps (kg.graph.inferences), reasoning only when its sources changed;
        any other graph's are cached on disk (see kg.reasoning.reasoner). Raises ReasoningError if the
        reasoner cannot run, InconsistentData if the data contradicts the ontology.
        """
        from kg.graph.inferences import inferred_document  # Owlready2 and rdflib: imported only when reasoning

        if self.inferred:
            return self
        if reasoner not in self._inferred:
            workspace = self.workspace if isinstance(self, WorkspaceGraph) else None
            document = inferred_document(lambda: self.documents, workspace, reasoner)
            self._inferred[reasoner] = KnowledgeGraph([*self.documents, document], inferred=True)
        return self._inferred[reasoner]

    @cached_property
    def store(self) -> ox.Store:
        """The Oxigraph store over all the documents (built when first used)."""
        return store_from(self.documents)

    def rdflib_graph(self) -> RdflibGraph:
        """The documents as a plain rdflib Graph (what pySHACL and Owlready2 read)."""
        return rdflib_graph(self.documents)

    def __len__(self) -> int:
        return len(self.store)

    def holds_inferences(self) -> bool:
        """Whether the documents include the OWL reasoner's inferences (see :meth:`with_inferences`)."""
        return self.inferred

    def dump(self) -> list[RdfDocument]:
        """The graph's documents (the protocol's way to read any graph whole, kg.graph.protocol)."""
        return self.documents

    def query(self, query: str | NamedQuery, /, **params: ParameterValue) -> Results:
        """Run a named query (by name or object); parameter values as text or Python values (kg.query.params).

        A query whose header says ``inferred: true`` runs over the reasoner's inferences too.
        Raises QueryError for an unknown query, SPARQL text instead of a name (use :meth:`sparql`),
        a bad or unknown parameter value, or a failing query; BadFrameworkId (a QueryError) for an
        IRI parameter that names nothing in the graph (see kg.graph.named.run_named).
        """
        named = named_query(query)
        if named.inferred and not self.inferred:
            return self.with_inferences().query(named, **params)
        return run_named(self, named, params)

    def query_file(self, path: Path | str, /, **params: ParameterValue) -> Results:
        """Run a ``.rq`` file; a ``#+`` header is optional, and if present declares its parameters.

        Raises InputError if the file cannot be read, QueryError as ``query`` does.
        """
        return run_query_file(self, path, params)

    def sparql(
        self, text: str, *, where: str = "query", max_rows: int | None = None,
        dataset: tuple[Sequence[str], Sequence[str]] | None = None, base_iri: str | None = None,
    ) -> Results:  # fmt: skip
        """Run SPARQL text as it is; ``where`` names it in error messages.

        ``max_rows`` bounds the answer (``kg serve`` holds each answer whole): more is a QueryError
        saying to add a LIMIT, raised before the rest is computed. ``dataset`` (default graph IRIs,
        named graph IRIs) replaces the query's FROM and FROM NAMED, as the SPARQL protocol's
        default-graph-uri and named-graph-uri do; ``base_iri`` resolves the query's relative IRIs.
        Each SERVICE call is bounded as ``--endpoint`` requests are (kg.graph.remote.service:
        KG_REMOTE_TIMEOUT, default 30 s). Raises QueryError for a syntax error (located at its line),
        an UPDATE, a SERVICE call that fails or runs out of time, or a query that fails.
        """
        routed = None
        try:
            ran = declare(text)
            if "service" in text.lower():  # SERVICE calls go through kg's relay, each within a deadline
                from kg.graph.remote.service import route

                routed = route(ran, where)
                ran = routed.text
            if dataset is None:  # no named graphs: the workspace's store has none, nor has the in-memory graph
                answer = self.store.query(ran, named_graphs=[], base_iri=base_iri)
            else:
                defaults: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.NamedNode(i) for i in dataset[0]]
                named: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(i) for i in dataset[1]]
                answer = self.store.query(ran, default_graph=defaults, named_graphs=named, base_iri=base_iri)
            # Solutions are computed while they are read: a failing SERVICE call or a type error
            # surfaces here, so reading them belongs inside the same try.
            if isinstance(answer, ox.QueryBoolean):
                return Results([], [], boolean=bool(answer))
            rows = [tuple(row) for row in itertools.islice(answer, None if max_rows is None else max_rows + 1)]
            if max_rows is not None and len(rows) > max_rows:
                raise QueryError(f"{where}: the answer has more than {max_rows:,} rows; add a LIMIT.")
            if isinstance(answer, ox.QuerySolutions):
                return Results([v.value for v in answer.variables], raw=rows)
            return Results.from_triples([(s, p, o) for s, p, o in rows])
        except SyntaxError as error:
            if _is_update(text):
                raise QueryError(
                    f"{where}: this is a SPARQL UPDATE; kg runs queries only (SELECT, ASK, CONSTRUCT, "
                    "DESCRIBE) and never changes the graph: add the data as a file instead."
                ) from None
            raise QueryError(f"{where}: {syntax_error_sentence(declare(text), str(error))}; fix the query.") from None
        except (OSError, RuntimeError, ValueError) as error:
            if isinstance(self, WorkspaceGraph) and integrity.says_corruption(error):
                folder, number = self.workspace.store_folder, self.workspace.manifest["generation"]
                raise integrity.engine_damage(folder, number, error) from None
            detail = " ".join(str(error).split())[:300] or type(error).__name__
            if isinstance(error, OSError) and routed and (failure := routed.failure(str(error))):
                raise QueryError(f"{where}: {failure}") from None
            if isinstance(error, OSError) and re.search(r"\bSERVICE\b", text, re.IGNORECASE):
                raise QueryError(
                    f"{where}: the query failed calling a SERVICE endpoint ({detail}); check that the endpoint "
                    "runs and that its address is right."
                ) from None
            raise QueryError(f"{where}: the query failed: {detail}.") from None
        finally:
            if routed is not None:
                routed.close()


class WorkspaceGraph(KnowledgeGraph):
    """The graph of a workspace: its on-disk store read-only, its documents read back from it when asked for."""

    def __init__(self, workspace: Workspace) -> None:
        """The graph of ``workspace``; WorkspaceError if its store is missing."""
        self.workspace, self.inferred, self._inferred = workspace, False, {}
        for _attempt in range(20):
            try:
                generation = workspace.manifest["generation"]
                self.__dict__["store"], self._lock = open_shared(workspace.store_folder, generation)
                break
            except FileNotFoundError:  # a writer committed a newer generation and removed this one: read it again
                workspace.manifest = read_manifest(workspace.folder)
                if workspace.manifest["generation"] == generation:
                    raise integrity.damaged(
                        workspace.store_folder, f"its store generation {generation} is missing"
                    ) from None
        else:
            raise QueryError(f"the workspace {workspace.folder} changes too often to be read; try again.")

    def __repr__(self) -> str:
        return f"KnowledgeGraph(workspace {self.workspace.folder}, {len(self)} triples)"

    @cached_property
    def documents(self) -> list[RdfDocument]:  # type: ignore[override]  # the base's field, read lazily here
        """The workspace's documents, parsed from its files when first asked for (see Workspace.documents)."""
        return self.workspace.documents()

    def __len__(self) -> int:
        return int(self.workspace.manifest["triples"])


if TYPE_CHECKING:  # mypy checks here that both implement the one graph protocol
    _implements: tuple[type[Graph], ...] = (KnowledgeGraph, WorkspaceGraph)


_UPDATE = re.compile(
    r"^\s*(?:(?:PREFIX\s+\S*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*"
    r"(?:INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)


def _is_update(text: str) -> bool:
    """Whether the text (comments aside) starts as a SPARQL UPDATE operation does."""
    return bool(_UPDATE.match(re.sub(r"(?m)^\s*#.*$", "", text)))


def syntax_error_sentence(text: str, oxigraph_message: str) -> str:
    """One sentence locating a SPARQL syntax error, at its line in the user's text.

    ``text`` is the text that ran: the lines kg.query.prologue declared in front of it are not
    counted. Oxigraph often places an unclosed pattern's error at the end of the query; rdflib's parser
    points at the start of the broken statement and names the token, so it is asked second,
    only when a query has already failed.
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    match = re.match(r"error at (\d+):(\d+): (.*)", oxigraph_message, re.DOTALL)
    line, column, detail = match.groups() if match else (None, None, oxigraph_message)
    try:
        translateQuery(parseQuery(text))
    except ParseException as error:
        found = re.search(r"found ('[^']*'|end of text)", str(error))
        line, column = error.lineno, error.col
        detail = f"unexpected {found.group(1)}" if found else detail
    except Exception as error:  # rdflib names unknown prefixes and the like in its own words
        detail = str(error).strip() or detail
    where = f" at line {user_line(text, int(line))}, column {column}" if line else ""
    return f"SPARQL syntax error{where}: {detail.strip()}"
