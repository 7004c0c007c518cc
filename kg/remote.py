"""Remote SPARQL 1.1 endpoints: queries built by SPARQLWrapper, uploads through the Graph Store Protocol.

Every request names the tool in its User-Agent and is bounded (kg/bounded.py): one deadline for
the whole request, retries and back-off included (default 30 s), and a cap on the answer's size
(default 100 MB). Failures that may pass (connection refused, HTTP 5xx) are retried at most twice
within that deadline. Whatever a server sends back is checked before it becomes a row: a failure
or a malformed answer is a RemoteError, one sentence naming the endpoint. Credentials come from
the environment only (KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD) and never appear in a message:
addresses are shown without their user-info part.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import ipaddress
import os
import re
import time
import urllib.error
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

from . import __version__
from .bounded import Deadline, DeadlinePassed, TooLarge, answered_early, connection_class, opener, read_body
from .errors import RemoteError
from .params import bind_rows
from .results import Results
from .sources import RdfDocument

USER_AGENT = f"smartcity-kg/{__version__} (+https://w3id.org/smartcity-kg)"
TIMEOUT_S = 30.0
MAX_MB = 100.0
RETRIES = 2
BACKOFF_S = 0.5
BULK_HINT_TRIPLES = 1_000_000
PIECE = 64 * 1024  # an upload is sent in pieces this size, looking for an early answer before each
_limits: dict[str, float | None] = {"timeout": None, "max_mb": None}
_set_by = {"timeout": "--timeout", "max_mb": "--max-mb"}  # what set_limits' values came from, for messages


def set_limits(timeout: float | None = None, max_mb: float | None = None, *, option: str = "--timeout") -> None:
    """The defaults for later requests (the CLI's --timeout, named by ``option`` in messages);
    None leaves the environment's or the built-in one."""
    _limits["timeout"], _limits["max_mb"] = timeout, max_mb
    _set_by["timeout"] = option


def _hint(explicit: float | None, name: str, variable: str) -> str:
    """Where a limit came from, for the message that states it."""
    if explicit is not None:
        return ""
    return f" ({_set_by[name] if _limits[name] is not None else variable} sets this limit)"


def _limit(explicit: float | None, name: str, variable: str, default: float) -> float:
    value: object = explicit if explicit is not None else _limits[name]
    source = f"the {name.replace('_', ' ')} {value!r}"
    if value is None:
        value = os.environ.get(variable) or default
        source = f"{variable}={value!r}"
    try:
        number = float(value)  # type: ignore[arg-type]
        if not 0 < number < float("inf"):
            raise ValueError
    except ValueError:
        raise RemoteError(f"{source} is not a positive number; give e.g. {default:g}.") from None
    return number


def timeout_s(timeout: float | None = None) -> float:
    """The total time allowed for one request: argument, set_limits, KG_REMOTE_TIMEOUT, else 30 s."""
    return _limit(timeout, "timeout", "KG_REMOTE_TIMEOUT", TIMEOUT_S)


def cap_mb(cap: float | None = None) -> float:
    """The largest answer read, in MB: argument, set_limits, KG_REMOTE_MAX_MB, else 100."""
    return _limit(cap, "max_mb", "KG_REMOTE_MAX_MB", MAX_MB)


# ------------------------------------------------------------------ addresses and messages


def _printable(text: str, width: int = 120) -> str:
    """Server-chosen text made safe for one line of a terminal."""
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def shown(url: str) -> str:
    """The address without credentials, for messages."""
    try:
        parts = urllib.parse.urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host:
        return _printable(re.sub(r"(?<=//)[^/?#]*@", "", url), 200)
    host = f"[{host}]" if ":" in host else host
    return _printable(
        urllib.parse.urlunsplit(parts._replace(netloc=host + (f":{port}" if port is not None else ""))), 200
    )


def check_url(url: str, what: str = "endpoint address") -> None:
    """RemoteError unless ``url`` is an http(s) address a request can be sent to."""
    problem = None
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as error:
        parts, port = None, None
        problem = "the port must be a number from 1 to 65535" if "ort" in str(error) else "its host is malformed"
        if "[" in url:
            problem = "its IPv6 address is malformed (write it in brackets, e.g. http://[::1]:7878/)"
    if problem is None and any(not c.isprintable() or c.isspace() for c in url):
        problem = "it contains spaces or control characters"
    elif problem is None and parts.scheme not in ("http", "https"):
        problem = "give an http:// or https:// address"
    elif problem is None and not parts.hostname:
        problem = "it names no host"
    elif problem is None and port == 0:
        problem = "the port must be a number from 1 to 65535"
    elif problem is None and "[" in parts.netloc:
        try:
            ipaddress.IPv6Address(parts.hostname.split("%")[0])
        except ValueError:
            problem = "its IPv6 address is malformed (write it in brackets, e.g. http://[::1]:7878/)"
    if problem:
        raise RemoteError(f"the {what} {shown(url)!r} is not usable: {problem}.")


def _ascii(url: str) -> str:
    """The address as a request line needs it: characters beyond ASCII in path and query percent-encoded."""
    return re.sub(r"[^\x00-\x7f]", lambda m: urllib.parse.quote(m.group()), url) if not url.isascii() else url


def _credentials() -> tuple[str, str] | None:
    user = os.environ.get("KG_ENDPOINT_USER")
    return (user, os.environ.get("KG_ENDPOINT_PASSWORD", "")) if user else None


def _http(code: int) -> str:
    try:
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


# An endpoint's HTTP answers, in words a user can act on.
QUERY_REFUSALS = {
    400: "the endpoint refused the query as malformed",
    401: "the endpoint wants credentials (KG_ENDPOINT_USER, KG_ENDPOINT_PASSWORD)",
    404: "no SPARQL endpoint at this address",
    414: "the request is too long for the endpoint",
    500: "the endpoint failed",
}


def _reason(error: BaseException, late: str, cap: str) -> str:
    if isinstance(error, DeadlinePassed):
        return late
    if isinstance(error, TooLarge):
        return f"the answer exceeds {cap}"
    if isinstance(error, urllib.error.HTTPError):
        said = _printable(getattr(error, "said", ""), 200)
        reason = (
            f"HTTP {error.code}: {QUERY_REFUSALS[error.code]}" if error.code in QUERY_REFUSALS else _http(error.code)
        )
        return f"{reason} ({said})" if said else reason
    if isinstance(error, urllib.error.URLError):
        return _printable(str(error.reason))
    if isinstance(error, http.client.RemoteDisconnected):
        return "the server closed the connection without an answer"
    if isinstance(error, (BrokenPipeError, ConnectionResetError)):
        return "the server closed the connection before the request was complete, without an answer"
    if isinstance(error, http.client.IncompleteRead):
        return "the answer was cut off"
    if isinstance(error, http.client.HTTPException):
        return f"the server broke the HTTP protocol ({type(error).__name__})"
    text = _printable(str(error))
    if isinstance(error, OSError) and text:
        return text  # e.g. "[Errno 111] Connection refused"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _passing(error: BaseException) -> bool:
    """Whether trying again may help (a deadline passed or an oversized answer will not)."""
    if isinstance(error, urllib.error.HTTPError):
        return error.code in (500, 502, 503, 504)
    if isinstance(error, urllib.error.URLError):
        error = error.reason if isinstance(error.reason, BaseException) else error
    return isinstance(error, (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected))


def _bounded(action, what: str, url: str, limit: float, late: str, cap: str = "", *, retry=_passing):
    """``action(deadline)`` with retries and back-off, all within one deadline of ``limit`` seconds.

    ``late`` says what a passed deadline means, ``cap`` what the size cap is, both with their limit.
    """
    delay = BACKOFF_S
    with Deadline(limit) as deadline:
        for attempt in range(RETRIES + 1):
            try:
                return action(deadline)
            except (OSError, http.client.HTTPException, DeadlinePassed, TooLarge, ValueError) as error:
                if isinstance(error, ValueError) and not deadline.passed:
                    raise  # not a network failure: a bug, not the server's fault
                if deadline.passed or deadline.remaining() <= 0:
                    error = DeadlinePassed()
                if attempt < RETRIES and _passing(error) and retry(error) and deadline.remaining() > delay:
                    time.sleep(delay)
                    delay *= 2
                    continue
                reason = _reason(error, late, cap)
                advice = "fix the query" if getattr(error, "code", None) == 400 else "check the address and the server"
                problem = f"{what} at {shown(url)} failed: {reason}; {advice}."
                raise RemoteError(problem) from None
    raise AssertionError("unreachable")


# ------------------------------------------------------------------ queries


def remote_sparql(endpoint: str, text: str, *, timeout: float | None = None, max_mb: float | None = None) -> Results:
    """Run a SELECT or ASK query on a SPARQL 1.1 endpoint; the answer as local results.

    ``timeout`` bounds the whole request, retries included; ``max_mb`` the size of the answer.
    """
    from SPARQLWrapper import JSON, N3, POST, URLENCODED, SPARQLWrapper

    check_url(endpoint)
    limit, cap = timeout_s(timeout), cap_mb(max_mb)
    client = SPARQLWrapper(_ascii(endpoint), agent=USER_AGENT)
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
    credentials = _credentials()
    if credentials:
        client.setCredentials(*credentials)
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
                    error.said = read_body(error, deadline, 2000, cut=True).decode("utf-8", "replace")
            raise

    late = f"no complete answer within {limit:g} s{_hint(timeout, 'timeout', 'KG_REMOTE_TIMEOUT')}"
    size = f"{cap:g} MB{_hint(max_mb, 'max_mb', 'KG_REMOTE_MAX_MB')}"
    media, body = _bounded(ask, "the query", endpoint, limit, late, size)
    if graph_form:
        return _triples(endpoint, media, body)
    from .sparqljson import MalformedAnswer, parse_results

    try:
        return parse_results(body, ask=client.queryType == "ASK")
    except MalformedAnswer as problem:
        sent = "" if media == "application/sparql-results+json" else f" (it sent {_printable(media, 60)})"
        raise RemoteError(
            f"{shown(endpoint)} did not answer with usable SPARQL JSON results{sent}: {problem}; "
            "is it a SPARQL endpoint?"
        ) from None


def _triples(endpoint: str, media: str, body: bytes) -> Results:
    """A CONSTRUCT or DESCRIBE answer (N-Triples, or Turtle from a server that ignores Accept) as rows."""
    import pyoxigraph as ox

    # Virtuoso 7 answers text/rdf+n3 (Turtle in practice); N-Triples is a subset of Turtle.
    fmt = ox.RdfFormat.N_TRIPLES if media in ("application/n-triples", "text/plain") else ox.RdfFormat.TURTLE
    try:
        triples = [(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)]
    except (SyntaxError, ValueError) as error:
        detail = _printable(str(getattr(error, "msg", error)), 200)
        raise RemoteError(
            f"{shown(endpoint)} did not answer with readable RDF ({_printable(media, 60)}): {detail}; "
            "is it a SPARQL endpoint?"
        ) from None
    return Results.from_triples(triples)


def missing_on_endpoint(
    endpoint: str, iris: Sequence[str], batch: int = 100, *, timeout: float | None = None
) -> set[str]:
    """The IRIs that appear in no triple (as subject) on the endpoint, asked in batches (each bounded)."""
    from rdflib import URIRef

    check_url(endpoint)
    present: set[str] = set()
    for start in range(0, len(iris), batch):
        rows = [(URIRef(iri),) for iri in iris[start : start + batch]]
        text = bind_rows("SELECT DISTINCT ?iri WHERE { ?iri ?p ?o }", ["iri"], rows)
        present |= {str(row[0]) for row in remote_sparql(endpoint, text, timeout=timeout).rows}
    return set(iris) - present


# ------------------------------------------------------------------ Graph Store Protocol


@dataclass
class NTriplesFile:
    """A graph to upload that is already N-Triples on disk (a workspace's store, dumped), and its size."""

    path: Path
    triples: int


class _AnsweredEarly(Exception):
    """The server answered before the whole body was sent."""


def _ntriples(documents: Sequence[RdfDocument]) -> Iterator[bytes]:
    """The documents' triples as N-Triples, a few thousand lines per chunk: never one huge body."""
    lines: list[str] = []
    for document in documents:
        for quad in document.quads:
            lines.append(f"{quad.subject} {quad.predicate} {quad.object} .\n")
            if len(lines) >= 5000:
                yield "".join(lines).encode("utf-8")
                lines = []
    if lines:
        yield "".join(lines).encode("utf-8")


def _refusal(url: str, status: int) -> str:
    """A Graph Store's refusal of an upload, in words."""
    where, code = shown(url), _http(status)
    if status in (403, 404, 405):
        question = "is this its Graph Store Protocol address, and is it writable?"
        return f"the server at {where} refused the upload ({code}): {question}"
    if status == 401:
        return f"the server at {where} wants credentials ({code}): set KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD."
    if status == 413:
        return f"the server at {where} refused the upload as too large ({code}): use the store's own bulk loader."
    return f"the upload to {where} failed: {code}; check the address and the server."


def _ntriples_file(path: Path) -> Iterator[bytes]:
    """An N-Triples file in chunks of whole lines (about 1 MB each)."""
    with path.open("rb") as handle:
        while chunk := handle.read(2**20):
            yield chunk + handle.readline()


def push(store_url: str, documents: Sequence[RdfDocument] | NTriplesFile, graph: str | None = None,
         replace: bool = False, *, timeout: float | None = None, bulk: bool = False) -> int:  # fmt: skip
    """Upload the documents' triples (or an N-Triples file's) to a Graph Store Protocol endpoint;
    returns how many were sent.

    ``graph`` names the target graph (default: the default graph); ``replace`` uses PUT, which
    replaces the graph, instead of POST, which adds to it. ``bulk`` asks the server for its bulk
    loader (``no_transaction``, which Oxigraph's server understands: several times faster, but not
    atomic). ``timeout`` is a progress deadline: the connection, each chunk, and the answer after
    the last one must each take no longer. Only a connection that could not be opened is retried:
    a repeated upload would add its blank nodes twice.
    """
    from rdflib import URIRef

    check_url(store_url, "Graph Store address")
    limit = timeout_s(timeout)
    parts = urllib.parse.urlsplit(store_url)
    parts = parts._replace(path=_ascii(parts.path), query=_ascii(parts.query))
    target = URIRef(graph) if graph else None
    if graph and not (target.startswith("http://") or target.startswith("https://") or target.startswith("urn:")):
        raise RemoteError(f"--graph {graph!r} is not an IRI.")
    query = urllib.parse.urlencode({"graph": graph}) if graph else "default"
    path = (parts.path or "/") + "?" + "&".join(filter(None, [parts.query, query, "no_transaction" if bulk else ""]))
    if isinstance(documents, NTriplesFile):
        count, chunks = documents.triples, lambda: _ntriples_file(documents.path)
    else:
        count, chunks = sum(len(d.quads) for d in documents), lambda: _ntriples(documents)
    headers = {"Content-Type": "application/n-triples", "User-Agent": USER_AGENT}
    credentials = _credentials()
    if credentials:
        token = base64.b64encode(":".join(credentials).encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    base = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection

    def body(connection: http.client.HTTPConnection, deadline: Deadline) -> Iterator[bytes]:
        for chunk in chunks():
            deadline.restart()
            for start in range(0, len(chunk), PIECE):
                if answered_early(connection.sock, deadline):  # stop sending and read the answer
                    raise _AnsweredEarly
                yield chunk[start : start + PIECE]

    started = [False]  # whether this attempt got as far as sending

    def send(deadline: Deadline) -> int:
        started[0] = False
        connection = connection_class(base, deadline)(parts.hostname, parts.port, timeout=limit)
        try:
            connection.connect()
            started[0] = True
            cut: BaseException | None = None
            try:
                connection.request("PUT" if replace else "POST", path, body=body(connection, deadline),
                                   headers=headers, encode_chunked=True)  # fmt: skip
                deadline.restart()
            except (_AnsweredEarly, OSError) as error:
                cut = error
            try:
                status = connection.getresponse().status  # also after a failed send: the server may have said why
            except (OSError, http.client.HTTPException):
                if cut is None or isinstance(cut, _AnsweredEarly):
                    raise
                raise cut from None
        finally:
            connection.close()
        if isinstance(cut, _AnsweredEarly) and status < 300:
            raise RemoteError(
                f"the server at {shown(store_url)} answered {_http(status)} before the upload was complete; "
                "check what it holds."
            )
        if status >= 300:
            raise RemoteError(_refusal(store_url, status))
        return count

    late = f"the server took more than {limit:g} s to accept a chunk or to answer"
    late += _hint(timeout, "timeout", "KG_REMOTE_TIMEOUT")
    return _bounded(send, "the upload", store_url, limit, late, retry=lambda error: not started[0])
