"""Run named or ad-hoc SPARQL queries on the embedded graph.

>>> import kg
>>> graph = kg.KnowledgeGraph.load()                  # the bundled graph
>>> graph.query("core-participation-kpis").dicts()  # doctest: +ELLIPSIS
[{'kpi': 'https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C', 'code': 'SC: SH: SI: 4C', ...}]
>>> len(graph.query("participation-kpis", framework="fw:u4ssc"))
3
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pyoxigraph as ox

from kg.errors import QueryError, WorkspaceError
from kg.graph.generations import open_shared
from kg.graph.workspace import Workspace, open_workspace, read_manifest
from kg.namespaces import compact
from kg.query.catalog import NamedQuery, get_query, load_query_file
from kg.query.params import ParameterValue, bind, bind_parameters, resolve
from kg.query.prologue import declare, user_line
from kg.query.results import Results
from kg.sources.documents import read_documents, store_from
from kg.sources.files import RdfDocument, read_text
from kg.terms import rdflib_graph

if TYPE_CHECKING:
    from rdflib import Graph


class SparqlGraph(Protocol):
    """Any graph that runs named queries and SPARQL text: the embedded one here, or a remote endpoint's."""

    def query(self, query: str | NamedQuery, /, **params: ParameterValue) -> Results:
        """Run a named query with parameter values as strings."""
        ...

    def sparql(self, text: str, *, where: str = "query") -> Results:
        """Run SPARQL text as it is; ``where`` names it in error messages."""
        ...


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
        made = self.__dict__.setdefault("_inferred", {})  # WorkspaceGraph's __init__ sets no dataclass field
        if reasoner not in made:
            workspace = self.workspace if isinstance(self, WorkspaceGraph) else None
            document = inferred_document(lambda: self.documents, workspace, reasoner)
            made[reasoner] = KnowledgeGraph([*self.documents, document], inferred=True)
        inferred: KnowledgeGraph = made[reasoner]
        return inferred

    @cached_property
    def store(self) -> ox.Store:
        """The Oxigraph store over all the documents (built when first used)."""
        return store_from(self.documents)

    def rdflib_graph(self) -> Graph:
        """The documents as a plain rdflib Graph (what pySHACL and Owlready2 read)."""
        return rdflib_graph(self.documents)

    def __len__(self) -> int:
        return len(self.store)

    def query(self, query: str | NamedQuery, /, **params: ParameterValue) -> Results:
        """Run a named query (by name or object); parameter values as text or Python values (kg.query.params).

        A query whose header says ``inferred: true`` runs over the reasoner's inferences too.
        Raises QueryError for an unknown query, a bad or unknown parameter value, or a failing query.
        """
        named = query if isinstance(query, NamedQuery) else get_query(query)
        if named.inferred and not self.inferred:
            return self.with_inferences().query(named, **params)
        terms = resolve(named.parameters, params, query=named.name)
        self._check_known(named, terms)
        return self.sparql(bind_parameters(named.text, named.parameters, terms), where=str(named.path or named.name))

    def _check_known(self, named: NamedQuery, terms: dict[str, object]) -> None:
        """An IRI parameter must name something in the graph: an unknown one would match nothing.

        An empty answer to ``framework=fw:nosuch`` would read as "this framework has none", a
        wrong answer; this says the name is unknown, with the closest names of the same kind.
        """
        for name, term in unknown_iris(self, named, terms):
            raise QueryError(f"query {named.name!r}: {name}={compact(term.value)} {_not_in_graph(self.store, term)}")

    def query_file(self, path: Path | str, /, **params: ParameterValue) -> Results:
        """Run a ``.rq`` file; a ``#+`` header is optional, and if present declares its parameters.

        Raises InputError if the file cannot be read, QueryError as ``query`` does.
        """
        return run_query_file(self, path, params)

    def sparql(self, text: str, *, where: str = "query") -> Results:
        """Run SPARQL text as it is; ``where`` names it in error messages.

        Raises QueryError for a syntax error (located at its line), an UPDATE, or a query that fails.
        """
        try:
            # No named graphs: the workspace keeps one per source, and the in-memory graph has none.
            answer = self.store.query(declare(text), named_graphs=[])
            # Solutions are computed while they are read: a failing SERVICE call or a type error
            # surfaces here, so reading them belongs inside the same try.
            if isinstance(answer, ox.QueryBoolean):
                return Results([], [], boolean=bool(answer))
            if isinstance(answer, ox.QuerySolutions):
                variables = [v.value for v in answer.variables]
                return Results(variables, raw=[tuple(solution) for solution in answer])
            triples = [(t.subject, t.predicate, t.object) for t in answer]
            return Results.from_triples(triples)
        except SyntaxError as error:
            if _is_update(text):
                raise QueryError(
                    f"{where}: this is a SPARQL UPDATE; kg runs queries only (SELECT, ASK, CONSTRUCT, "
                    "DESCRIBE) and never changes the graph: add the data as a file instead."
                ) from None
            raise QueryError(f"{where}: {syntax_error_sentence(declare(text), str(error))}; fix the query.") from None
        except (OSError, RuntimeError, ValueError) as error:
            detail = " ".join(str(error).split())[:300] or type(error).__name__
            if isinstance(error, OSError) and re.search(r"\bSERVICE\b", text, re.IGNORECASE):
                raise QueryError(
                    f"{where}: the query failed calling a SERVICE endpoint ({detail}); check that the endpoint "
                    "runs and that its address is right."
                ) from None
            raise QueryError(f"{where}: the query failed: {detail}.") from None


class WorkspaceGraph(KnowledgeGraph):
    """The graph of a workspace: its on-disk store read-only, its documents read back from it when asked for."""

    def __init__(self, workspace: Workspace) -> None:
        """The graph of ``workspace``; WorkspaceError if its store is missing."""
        self.workspace, self.inferred = workspace, False
        for _attempt in range(20):
            try:
                generation = workspace.manifest["generation"]
                self.__dict__["store"], self._lock = open_shared(workspace.store_folder, generation)
                break
            except FileNotFoundError:  # a writer committed a newer generation and removed this one: read it again
                workspace.manifest = read_manifest(workspace.folder)
                if workspace.manifest["generation"] == generation:
                    raise WorkspaceError(
                        f"the workspace {workspace.folder} is damaged: its store "
                        f"{workspace.store_folder / str(generation)} "
                        "is missing; make a new one with 'kg init' and add the sources again ('kg sources' lists them)."
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


# Whether an IRI occurs in the graph the queries read, as subject or object.
MENTIONED = "ASK WHERE { { ?x ?p ?o } UNION { ?s ?p ?x } }"


def unknown_iris(graph: SparqlGraph, named: NamedQuery, terms: dict[str, object]) -> list[tuple[str, ox.NamedNode]]:
    """The IRI parameters (name, term) that name nothing in ``graph``, embedded or an endpoint's (one ASK each)."""
    return [
        (name, term)
        for name, term in terms.items()
        if named.parameters[name].type == "iri"
        and isinstance(term, ox.NamedNode)
        and not graph.sparql(bind(MENTIONED, {"x": term})).boolean
    ]


def _not_in_graph(store: ox.Store, term: ox.NamedNode) -> str:
    """The rest of the sentence for an IRI the graph does not hold: the nearest names of its kind."""
    namespace = term.value[: max(term.value.rfind("/"), term.value.rfind("#")) + 1]
    answer = store.query(bind(_SUBJECTS_IN, {"ns": ox.Literal(namespace)})) if namespace else None
    rows: Iterable[ox.QuerySolution] = answer if isinstance(answer, ox.QuerySolutions) else []
    known = sorted({compact(row[0].value) for row in rows if isinstance(row[0], ox.NamedNode)})
    close = difflib.get_close_matches(compact(term.value), known, n=3, cutoff=0.5)
    if close:
        return f"is not in the graph; did you mean {' or '.join(close)}?"
    if known and len(known) <= 12:
        return f"is not in the graph; known: {', '.join(known)}."
    return "is not in the graph; check the name ('kg query frameworks' lists the frameworks)."


_SUBJECTS_IN = "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?ns)) } LIMIT 5000"


def run_query_file(graph: SparqlGraph, path: Path | str, params: dict[str, ParameterValue]) -> Results:
    """A ``.rq`` file run on any graph with ``query`` and ``sparql`` (embedded or an endpoint's).

    Raises InputError if the file cannot be read; QueryError for parameters the file does not declare.
    """
    path = Path(path)
    text = read_text(path)
    if text.startswith("#+"):
        return graph.query(load_query_file(path), **params)
    if params:
        raise QueryError(
            f"{path}: declares no parameters, so {', '.join(params)} cannot be given; "
            "declare them in a '#+ parameters:' header."
        )
    return graph.sparql(text, where=str(path))


def prepare(named: NamedQuery, params: dict[str, str]) -> str:
    """The query text with its parameters (values as strings) bound, ready for any SPARQL engine.

    Raises QueryError for a missing, unknown or malformed parameter value.
    """
    return bind_parameters(named.text, named.parameters, resolve(named.parameters, params, query=named.name))


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
