"""Remote SPARQL 1.1 endpoints: query through SPARQLWrapper, upload through the Graph Store Protocol.

Every request names the tool in its User-Agent, has a timeout and at most two retries with
back-off for failures that may pass (connection refused, timeouts, HTTP 5xx). Credentials come
from the environment only (KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD) and never appear in a
message: addresses are shown without their user-info part.
"""

from __future__ import annotations

import base64
import http.client
import os
import socket
import time
import urllib.error
import urllib.parse
from collections.abc import Iterator, Sequence

from rdflib import BNode, Literal, URIRef

from . import __version__
from .errors import KgError
from .params import bind_rows
from .results import Results
from .sources import RdfDocument

USER_AGENT = f"smartcity-kg/{__version__} (+https://w3id.org/smartcity-kg)"
TIMEOUT_S = 30
RETRIES = 2
BACKOFF_S = 0.5
BULK_HINT_TRIPLES = 1_000_000


class RemoteError(KgError):
    """An endpoint cannot be reached or refuses a request."""


def shown(url: str) -> str:
    """The address without credentials, for messages."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")))


def _credentials() -> tuple[str, str] | None:
    user = os.environ.get("KG_ENDPOINT_USER")
    return (user, os.environ.get("KG_ENDPOINT_PASSWORD", "")) if user else None


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteError(f"{url!r} is not an http(s) endpoint address.")


# SPARQLWrapper's exceptions for HTTP answers, in words a user can act on.
SPARQLWRAPPER_ERRORS = {
    "EndPointNotFound": "HTTP 404: no SPARQL endpoint at this address",
    "QueryBadFormed": "HTTP 400: the endpoint refused the query as malformed",
    "Unauthorized": "HTTP 401: the endpoint wants credentials (KG_ENDPOINT_USER, KG_ENDPOINT_PASSWORD)",
    "URITooLong": "HTTP 414: the request is too long for the endpoint",
    "EndPointInternalError": "HTTP 500: the endpoint failed",
}


def _passing(error: BaseException) -> bool:
    """Whether trying again may help."""
    if type(error).__name__ == "EndPointInternalError":
        return True
    if isinstance(error, urllib.error.HTTPError):
        return error.code >= 500
    return isinstance(error, (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError))


def _retrying(action, what: str, url: str):
    delay = BACKOFF_S
    for attempt in range(RETRIES + 1):
        try:
            return action()
        except RemoteError:
            raise
        except Exception as error:
            if attempt < RETRIES and _passing(error):
                time.sleep(delay)
                delay *= 2
                continue
            raise RemoteError(
                f"{what} at {shown(url)} failed: {_reason(error)}; check the address and the server."
            ) from None
    raise AssertionError("unreachable")


def _reason(error: BaseException) -> str:
    if type(error).__name__ in SPARQLWRAPPER_ERRORS:
        return SPARQLWRAPPER_ERRORS[type(error).__name__]
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    if isinstance(error, (socket.timeout, TimeoutError)):
        return f"no answer within {TIMEOUT_S} s"
    name = type(error).__name__
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{name}: {text}" if text else name


# ------------------------------------------------------------------ queries


def _term(value: dict[str, str]):
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if "xml:lang" in value:
        return Literal(value["value"], lang=value["xml:lang"])
    datatype = value.get("datatype")
    return Literal(value["value"], datatype=URIRef(datatype) if datatype else None)


def remote_sparql(endpoint: str, text: str, *, timeout: float = TIMEOUT_S) -> Results:
    """Run a SELECT or ASK query on a SPARQL 1.1 endpoint; the answer as local results."""
    from SPARQLWrapper import JSON, POST, URLENCODED, SPARQLWrapper

    _check_url(endpoint)
    client = SPARQLWrapper(endpoint, agent=USER_AGENT)
    # Comment lines (a named query's '#+' header) are not sent: SPARQLWrapper reads the query
    # type from the text and would take a word such as "address" in a comment for ADD.
    client.setQuery("\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    if client.queryType not in ("SELECT", "ASK"):
        raise RemoteError(f"only SELECT and ASK queries run on an endpoint; this one is {client.queryType}.")
    client.setReturnFormat(JSON)
    client.setMethod(POST)
    client.setRequestMethod(URLENCODED)
    client.setTimeout(int(timeout))
    credentials = _credentials()
    if credentials:
        client.setCredentials(*credentials)
    answer = _retrying(lambda: client.queryAndConvert(), "the query", endpoint)
    if not isinstance(answer, dict) or "head" not in answer:
        raise RemoteError(f"{shown(endpoint)} did not answer with SPARQL JSON results; is it a SPARQL endpoint?")
    if "boolean" in answer:
        return Results([], [], boolean=bool(answer["boolean"]))
    variables = answer["head"].get("vars", [])
    rows = [
        tuple(_term(binding[v]) if v in binding else None for v in variables)
        for binding in answer["results"]["bindings"]
    ]
    return Results(variables, rows)


def missing_on_endpoint(endpoint: str, iris: Sequence[str], batch: int = 100) -> set[str]:
    """The IRIs that appear in no triple (as subject) on the endpoint, asked in batches."""
    present: set[str] = set()
    for start in range(0, len(iris), batch):
        rows = [(URIRef(iri),) for iri in iris[start : start + batch]]
        text = bind_rows("SELECT DISTINCT ?iri WHERE { ?iri ?p ?o }", ["iri"], rows)
        present |= {str(row[0]) for row in remote_sparql(endpoint, text).rows}
    return set(iris) - present


# ------------------------------------------------------------------ Graph Store Protocol


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


def push(store_url: str, documents: Sequence[RdfDocument], graph: str | None = None, replace: bool = False) -> int:
    """Upload the documents' triples to a Graph Store Protocol endpoint; returns how many were sent.

    ``graph`` names the target graph (default: the default graph); ``replace`` uses PUT, which
    replaces the graph, instead of POST, which adds to it.
    """
    _check_url(store_url)
    parts = urllib.parse.urlsplit(store_url)
    target = URIRef(graph) if graph else None
    if graph and not (target.startswith("http://") or target.startswith("https://") or target.startswith("urn:")):
        raise RemoteError(f"--graph {graph!r} is not an IRI.")
    query = urllib.parse.urlencode({"graph": graph}) if graph else "default"
    path = (parts.path or "/") + "?" + "&".join(filter(None, [parts.query, query]))
    count = sum(len(d.quads) for d in documents)
    headers = {"Content-Type": "application/n-triples", "User-Agent": USER_AGENT}
    credentials = _credentials()
    if credentials:
        token = base64.b64encode(":".join(credentials).encode()).decode()
        headers["Authorization"] = f"Basic {token}"

    def send() -> int:
        connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = connection_class(parts.hostname, parts.port, timeout=TIMEOUT_S)
        try:
            connection.request("PUT" if replace else "POST", path, body=_ntriples(documents), headers=headers,
                               encode_chunked=True)  # fmt: skip
            response = connection.getresponse()
            response.read()
            if response.status >= 300:
                raise urllib.error.HTTPError(store_url, response.status, response.reason, response.headers, None)
            return count
        finally:
            connection.close()

    return _retrying(send, "the upload", store_url)
