"""Queries to a remote SPARQL 1.1 endpoint: built by SPARQLWrapper, sent and read within kg.graph.remote.call's limits.

Whatever a server sends back is checked before it becomes a row (kg.graph.remote.sparqljson for SELECT and
ASK, Oxigraph's parser for CONSTRUCT and DESCRIBE): a failure or a malformed answer is a
RemoteError, one sentence naming the endpoint, never a row that says something it did not.
"""

from __future__ import annotations

import contextlib
import http.client
import urllib.error
from collections.abc import Sequence

import pyoxigraph as ox

from kg.errors import RemoteError
from kg.graph.remote.call import (
    USER_AGENT,
    ascii_url,
    bounded_call,
    cap_mb,
    check_url,
    credentials,
    limit_hint,
    one_line,
    shown_address,
    timeout_s,
)
from kg.graph.remote.http import Deadline, DeadlinePassed, opener, read_body
from kg.graph.remote.sparqljson import MalformedAnswer, parse_results
from kg.query.binding import bind_rows
from kg.query.params import Node
from kg.query.results import Results


def remote_sparql(endpoint: str, text: str, *, timeout: float | None = None, max_mb: float | None = None) -> Results:
    """Run a query (SELECT, ASK, CONSTRUCT or DESCRIBE) on a SPARQL 1.1 endpoint; the answer as local results.

    ``timeout`` bounds the whole request, retries included; ``max_mb`` the size of the answer.
    Raises RemoteError if the address is unusable, the text is not a query, the endpoint cannot be
    reached, refuses, runs out of time or answers something that is not well-formed results.
    """
    from SPARQLWrapper import JSON, N3, POST, URLENCODED, SPARQLWrapper  # its import takes time: only when asked

    check_url(endpoint)
    limit, cap = timeout_s(timeout), cap_mb(max_mb)
    client = SPARQLWrapper(ascii_url(endpoint), agent=USER_AGENT)
    # Comment lines (a named query's '#+' header) are not sent: SPARQLWrapper reads the query
    # type from the text and would take a word such as "address" in a comment for ADD.
    client.setQuery("\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    graph_form = client.queryType in ("CONSTRUCT", "DESCRIBE")
    if client.queryType not in ("SELECT", "ASK") and not graph_form:
        raise RemoteError(
            f"only queries run on an endpoint (SELECT, ASK, CONSTRUCT, DESCRIBE); this is {client.queryType}."
        )
    client.setReturnFormat(N3 if graph_form else JSON)
    client.setMethod(POST)
    client.setRequestMethod(URLENCODED)
    user = credentials()
    if user:
        client.setCredentials(*user)
    # SPARQLWrapper builds the request; sending it and reading the answer are bounded here.
    request = client._createRequest()
    if graph_form:  # N-Triples: the one RDF format every SPARQL server writes and any parser reads line by line
        request.add_header("Accept", "application/n-triples, text/plain;q=0.9")

    def ask(deadline: Deadline) -> tuple[str, bytes]:
        try:
            with opener(deadline).open(request, timeout=deadline.check()) as response:
                return response.headers.get_content_type(), read_body(response, deadline, int(cap * 1_000_000))
        except urllib.error.HTTPError as error:
            if error.code == 400:  # the endpoint's words on what is wrong with the query help to fix it
                with contextlib.suppress(OSError, http.client.HTTPException, DeadlinePassed):
                    said = read_body(error, deadline, 2000, cut=True).decode("utf-8", "replace")
                    setattr(error, "said", said)  # noqa: B010 (kg.graph.remote.call words it; HTTPError has no such field)
            raise

    late = f"no complete answer within {limit:g} s{limit_hint(timeout, 'timeout', 'KG_REMOTE_TIMEOUT')}"
    size = f"{cap:g} MB{limit_hint(max_mb, 'max_mb', 'KG_REMOTE_MAX_MB')}"
    media, body = bounded_call(ask, "the query", endpoint, limit, late, size)
    if graph_form:
        return _triples(endpoint, media, body)
    try:
        return parse_results(body, ask=client.queryType == "ASK")
    except MalformedAnswer as problem:
        sent = "" if media == "application/sparql-results+json" else f" (it sent {one_line(media, 60)})"
        raise RemoteError(
            f"{shown_address(endpoint)} did not answer with usable SPARQL JSON results{sent}: {problem}; "
            "is it a SPARQL endpoint?"
        ) from None


def _triples(endpoint: str, media: str, body: bytes) -> Results:
    """A CONSTRUCT or DESCRIBE answer (N-Triples, or Turtle from a server that ignores Accept) as rows."""
    # Virtuoso 7 answers text/rdf+n3 (Turtle in practice); N-Triples is a subset of Turtle.
    fmt = ox.RdfFormat.N_TRIPLES if media in ("application/n-triples", "text/plain") else ox.RdfFormat.TURTLE
    try:
        triples = [(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)]
    except (SyntaxError, ValueError) as error:
        detail = one_line(str(error.msg if isinstance(error, SyntaxError) else error), 200)
        raise RemoteError(
            f"{shown_address(endpoint)} did not answer with readable RDF ({one_line(media, 60)}): {detail}; "
            "is it a SPARQL endpoint?"
        ) from None
    return Results.from_triples(triples)


def missing_on_endpoint(
    endpoint: str, iris: Sequence[str], batch: int = 100, *, timeout: float | None = None
) -> set[str]:
    """The IRIs that appear in no triple (as subject) on the endpoint, asked ``batch`` at a time (each bounded).

    A string that is not an IRI is among them. Raises RemoteError as remote_sparql does.
    """
    check_url(endpoint)
    valid = [iri for iri in iris if _is_iri(iri)]
    present: set[str] = set()
    for start in range(0, len(valid), batch):
        rows: list[tuple[Node, ...]] = [(ox.NamedNode(iri),) for iri in valid[start : start + batch]]
        text = bind_rows("SELECT DISTINCT ?iri WHERE { ?iri ?p ?o }", ["iri"], rows)
        answer = remote_sparql(endpoint, text, timeout=timeout).terms()
        present |= {row[0].value for row in answer if isinstance(row[0], ox.NamedNode)}
    return set(iris) - present


def _is_iri(text: str) -> bool:
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True
