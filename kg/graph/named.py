"""The one path a named query takes on any graph: resolve, check, bind, run.

:func:`run_named` is what ``KnowledgeGraph.query``, ``RemoteGraph.query`` and ``kg serve``'s
workers (kg.web.answers) call, so every door gives the same answer and the same errors:

1. resolve the named query (a name, or a NamedQuery read from a file); SPARQL text given as a
   name is refused with a pointer to ``graph.sparql``;
2. turn the parameter values into RDF terms (kg.query.params): a missing, unknown or malformed
   value is a QueryError;
3. a query whose header says ``inferred: true`` needs a graph that holds the OWL reasoner's
   inferences: on an endpoint without them it is an error naming ``kg push --inferred``, never
   an empty answer (the embedded graph adds its inferences before it gets here);
4. an IRI parameter must name something in the graph (one ASK each): an unknown framework would
   otherwise read as "this framework has none". It is a BadFrameworkId with the nearest names;
5. bind the terms into the text (a VALUES block, never pasted text) and run it with the graph's
   ``sparql``.

:func:`inference_hint` and :func:`query_hint` add the opposite note: a query that names a
defined class but runs without inferences.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.errors import BadFrameworkId, QueryError
from kg.namespaces import compact
from kg.query.binding import bind, bind_parameters
from kg.query.catalog import NamedQuery, get_query, load_query_file
from kg.query.params import Node, ParameterValue, resolve
from kg.query.prologue import mentioned_iris
from kg.sources.files import read_text

if TYPE_CHECKING:
    from kg.graph.protocol import Graph
    from kg.query.results import Results

__all__ = ["bind_named", "inference_hint", "named_query", "query_hint", "run_named", "run_query_file"]
__all__ += ["checked_text", "unknown_iris"]

NO_INFERENCES = "the endpoint holds no OWL inferences; push them with kg push --inferred"


def named_query(query: str | NamedQuery) -> NamedQuery:
    """The named query ``query`` names (or ``query`` itself).

    Raises QueryError for an unknown name (suggesting close ones), and for SPARQL text given as
    a name: ``graph.query`` runs named queries, ``graph.sparql`` runs text.
    """
    if isinstance(query, NamedQuery):
        return query
    if re.search(r"[\s{}]", query):  # names are file stems: no spaces, no braces
        shown = " ".join(query.split())
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        raise QueryError(
            f"{shown!r} is SPARQL text, not the name of a query: query() runs a named query ('kg queries' "
            "lists them); run SPARQL text with graph.sparql(text) (on the command line: kg query --file Q.rq)."
        )
    return get_query(query)


def bind_named(named: NamedQuery, params: Mapping[str, ParameterValue]) -> str:
    """The query text with its parameters bound as RDF terms, ready for any SPARQL engine (no graph asked).

    Raises QueryError for a missing, unknown or malformed parameter value.
    """
    return bind_parameters(named.text, named.parameters, resolve(named.parameters, params, query=named.name))


def run_named(graph: Graph, query: str | NamedQuery, params: Mapping[str, ParameterValue]) -> Results:
    """Run a named query on ``graph``: resolve it, check and bind its parameters, run it (see the module).

    Raises QueryError as :func:`named_query` and kg.query.params.resolve do; QueryError when the query
    needs inferences ``graph`` does not hold; BadFrameworkId (a QueryError) for an IRI parameter that
    names nothing in ``graph``; and what ``graph.sparql`` raises.
    """
    named = named_query(query)
    terms = resolve(named.parameters, params, query=named.name)  # a missing or malformed value is said first
    if named.inferred and not graph.holds_inferences():
        raise QueryError(f"query {named.name!r} reads the OWL reasoner's inferences, but {NO_INFERENCES}.")
    return graph.sparql(_bound_if_known(graph, named, terms), where=str(named.path or named.name))


def checked_text(graph: Graph, named: NamedQuery, params: Mapping[str, ParameterValue]) -> str:
    """The query's text with its parameters bound, once each IRI parameter is known to name something in ``graph``.

    What the editor opens (``kg serve``'s ``format=sparql``); :func:`run_named` runs the same text.
    Raises QueryError for a missing or malformed value, BadFrameworkId for an IRI that names nothing.
    """
    return _bound_if_known(graph, named, resolve(named.parameters, params, query=named.name))


def _bound_if_known(graph: Graph, named: NamedQuery, terms: Mapping[str, Node]) -> str:
    """The text with ``terms`` bound; BadFrameworkId for the first IRI term that names nothing in ``graph``."""
    for name, term in unknown_iris(graph, named, terms):
        raise BadFrameworkId(f"query {named.name!r}: {name}={compact(term.value)} {_not_in_graph(graph, term)}")
    return bind_parameters(named.text, named.parameters, dict(terms))


# Whether an IRI occurs in the graph the queries read, as subject or object.
MENTIONED = "ASK WHERE { { ?x ?p ?o } UNION { ?s ?p ?x } }"


def unknown_iris(graph: Graph, named: NamedQuery, terms: Mapping[str, Node]) -> list[tuple[str, ox.NamedNode]]:
    """The IRI parameters (name, term) that name nothing in ``graph`` (one ASK each)."""
    return [
        (name, term)
        for name, term in terms.items()
        if named.parameters[name].type == "iri"
        and isinstance(term, ox.NamedNode)
        and not graph.sparql(bind(MENTIONED, {"x": term})).boolean
    ]


_SUBJECTS_IN = "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?ns)) } LIMIT 5000"


def _not_in_graph(graph: Graph, term: ox.NamedNode) -> str:
    """The rest of the sentence for an IRI the graph does not hold: the nearest names of its kind."""
    namespace = term.value[: max(term.value.rfind("/"), term.value.rfind("#")) + 1]
    rows = graph.sparql(bind(_SUBJECTS_IN, {"ns": ox.Literal(namespace)})).terms() if namespace else []
    known = sorted({compact(row[0].value) for row in rows if isinstance(row[0], ox.NamedNode)})
    close = difflib.get_close_matches(compact(term.value), known, n=3, cutoff=0.5)
    if close:
        return f"is not in the graph; did you mean {' or '.join(close)}?"
    if known and len(known) <= 12:
        return f"is not in the graph; known: {', '.join(known)}."
    return "is not in the graph; check the name ('kg query frameworks' lists the frameworks)."


def run_query_file(graph: Graph, path: Path | str, params: Mapping[str, ParameterValue]) -> Results:
    """A ``.rq`` file run on ``graph``: with a ``#+`` header as a named query, else as SPARQL text.

    Raises InputError if the file cannot be read; QueryError for parameters the file does not declare.
    """
    path = Path(path)
    text = read_text(path)
    if text.startswith("#+"):
        return run_named(graph, load_query_file(path), params)
    if params:
        raise QueryError(
            f"{path}: declares no parameters, so {', '.join(params)} cannot be given; "
            "declare them in a '#+ parameters:' header."
        )
    return graph.sparql(text, where=str(path))


# The classes an OWL reasoner fills in: named classes with an equivalent class expression.
DEFINED_CLASSES = """
SELECT DISTINCT ?class
WHERE { ?class <http://www.w3.org/2002/07/owl#equivalentClass> ?definition FILTER(isIRI(?class)) }
ORDER BY ?class
"""


def inference_hint(graph: Graph, text: str) -> str | None:
    """One sentence for a query that names a defined class but runs without the reasoner's inferences, else None.

    The defined classes are those of ``graph``'s ontology (named classes with an
    owl:equivalentClass), so a class a user's ontology adds counts too. Raises what
    ``graph.sparql`` raises (QueryError; for an endpoint, its RemoteError).
    """
    mentioned = mentioned_iris(text)
    defined = [str(iri) for iri in graph.sparql(DEFINED_CLASSES).column("class")] if mentioned else []
    named = [compact(iri) for iri in defined if iri in mentioned]
    if not named:
        return None
    which = f"the defined class {named[0]}" if len(named) == 1 else f"the defined classes {', '.join(named)}"
    return (
        f"note: the query names {which}, whose members the OWL reasoner infers; without --inferred it "
        "matches only what the data asserts, so you probably want --inferred."
    )


def query_hint(graph: Graph, query_file: Path | None, name: str | None) -> str | None:
    """:func:`inference_hint` for ``kg query``'s query file or named query, unless its header asks for inferences.

    Raises what kg.sources.files.read_text and kg.query.catalog raise for a file or name they cannot read
    (InputError, QueryError); None when neither is given.
    """
    if query_file:
        text = read_text(query_file)
        inferred = text.startswith("#+") and load_query_file(query_file).inferred
    elif name is not None:
        named = get_query(name)
        text, inferred = named.text, named.text.startswith("#+") and named.inferred
    else:
        return None
    if inferred:
        return None  # the query runs over the inferences anyway
    return inference_hint(graph, text)
