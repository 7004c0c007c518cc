"""Uploads to a triple store through the SPARQL 1.1 Graph Store Protocol (``kg push``).

The body is N-Triples sent in chunks, never built whole in memory: a list of parsed documents
is written a few thousand lines at a time, and a workspace's store is dumped by Oxigraph to a
file first (``dumped``) and read back in pieces. The request is bounded by kg.graph.remote.call's limits,
with ``timeout`` as a progress deadline; a server that answers before the body is complete
(a refusal) is heard rather than written to until the deadline passes.

``kg push --inferred`` adds the reasoner's inferences and a marker saying the graph holds them
(``inference_marker``: an sck:InferenceSet with its PROV provenance), by which a client tells an
endpoint whose inferred queries can be trusted from one where they would silently find nothing.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.client
import os
import tempfile
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from kg.errors import RemoteError
from kg.graph.remote.call import (
    USER_AGENT,
    ascii_url,
    bounded_call,
    check_url,
    credentials,
    http_status,
    limit_hint,
    shown_address,
    timeout_s,
)
from kg.graph.remote.http import Deadline, answered_early, bounded_connection
from kg.namespaces import ID, PREFIXES, SCK
from kg.output import track_temporary, untrack_temporary
from kg.sources.files import RdfDocument

BULK_HINT_TRIPLES = 1_000_000
INFERENCES = ID + "inferences"  # the marker's subject: what RemoteGraph asks for (ASK { ?set a sck:InferenceSet })
PIECE = 64 * 1024  # an upload is sent in pieces this size, looking for an early answer before each


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
    where, code = shown_address(url), http_status(status)
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
    """Upload the documents' triples (or an N-Triples file's) to a Graph Store Protocol endpoint
    at ``store_url``; returns how many were sent.

    ``graph`` names the target graph (default: the default graph); ``replace`` uses PUT, which
    replaces the graph, instead of POST, which adds to it. ``bulk`` asks the server for its bulk
    loader (``no_transaction``, which Oxigraph's server understands: several times faster, but not
    atomic). ``timeout`` is a progress deadline: the connection, each chunk, and the answer after
    the last one must each take no longer. Only a connection that could not be opened is retried:
    a repeated upload would add its blank nodes twice.

    Raises RemoteError if the address or ``graph`` is unusable, the server cannot be reached or
    refuses the upload (in words: not writable, wants credentials, too large), or a deadline passes.
    """
    check_url(store_url, "Graph Store address")
    limit = timeout_s(timeout)
    parts = urllib.parse.urlsplit(store_url)
    parts = parts._replace(path=ascii_url(parts.path), query=ascii_url(parts.query))
    if graph and not graph.startswith(("http://", "https://", "urn:")):
        raise RemoteError(f"the graph name {graph!r} is not an IRI; give an http://, https:// or urn: IRI.")
    query = urllib.parse.urlencode({"graph": graph}) if graph else "default"
    path = (parts.path or "/") + "?" + "&".join(filter(None, [parts.query, query, "no_transaction" if bulk else ""]))
    chunks: Callable[[], Iterator[bytes]]
    # The length is sent, not chunked transfer encoding: Virtuoso's Graph Store reads no chunked
    # body (it answered 201 Created to an upload it had not read), and every server reads a length.
    if isinstance(documents, NTriplesFile):
        count, chunks = documents.triples, functools.partial(_ntriples_file, documents.path)
        size = documents.path.stat().st_size
    else:
        data = b"".join(_ntriples(documents))  # the documents are in memory already
        count, chunks, size = sum(len(d.quads) for d in documents), functools.partial(iter, [data]), len(data)
    headers = {"Content-Type": "application/n-triples", "User-Agent": USER_AGENT, "Content-Length": str(size)}
    user = credentials()
    if user:
        token = base64.b64encode(":".join(user).encode()).decode()
        headers["Authorization"] = f"Basic {token}"

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
        connection = bounded_connection(parts.scheme == "https", parts.hostname or "", parts.port, deadline, limit)
        try:
            connection.connect()
            started[0] = True
            cut: BaseException | None = None
            try:
                connection.request("PUT" if replace else "POST", path, body=body(connection, deadline), headers=headers)
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
                f"the server at {shown_address(store_url)} answered {http_status(status)} before the upload was "
                "complete; check what it holds."
            )
        if status >= 300:
            raise RemoteError(_refusal(store_url, status))
        return count

    late = f"the server took more than {limit:g} s to accept a chunk or to answer"
    late += limit_hint(timeout, "timeout", "KG_REMOTE_TIMEOUT")
    return bounded_call(send, "the upload", store_url, limit, late, retry=lambda error: not started[0])


def inference_marker(reasoner: str, triples: int, created: datetime | None = None) -> RdfDocument:
    """The statement that a pushed graph holds ``triples`` inferred by ``reasoner``, made at ``created`` (now).

    ``<.../id/inferences> a sck:InferenceSet``, with dcterms:created, void:triples and
    prov:wasGeneratedBy an activity of OWL reasoning that names the reasoner and kg's agent.
    """
    prov, dcterms, xsd = PREFIXES["prov"], PREFIXES["dcterms"], PREFIXES["xsd"]
    rdf, rdfs = PREFIXES["rdf"], PREFIXES["rdfs"]
    count = ox.Literal(str(triples), datatype=ox.NamedNode(xsd + "integer"))
    when = ox.Literal((created or datetime.now(UTC)).isoformat(timespec="seconds"),
                      datatype=ox.NamedNode(xsd + "dateTime"))  # fmt: skip
    inferences, activity = ox.NamedNode(INFERENCES), ox.NamedNode(INFERENCES + "/activity")
    statements: list[tuple[ox.NamedNode, str, ox.NamedNode | ox.Literal]] = [
        (inferences, rdf + "type", ox.NamedNode(SCK + "InferenceSet")),
        (inferences, rdfs + "label", ox.Literal(f"What the OWL reasoner {reasoner} inferred", language="en")),
        (inferences, dcterms + "created", when),
        (inferences, "http://rdfs.org/ns/void#triples", count),
        (inferences, prov + "wasGeneratedBy", activity),
        (activity, rdf + "type", ox.NamedNode(prov + "Activity")),
        (activity, rdfs + "label", ox.Literal(f"OWL reasoning with {reasoner}", language="en")),
        (activity, prov + "endedAtTime", when),
        (activity, prov + "wasAssociatedWith", ox.NamedNode(ID + "agent/smartcity-kg")),
    ]
    quads = [ox.Quad(s, ox.NamedNode(p), o, ox.DefaultGraph()) for s, p, o in statements]
    return RdfDocument(Path("(inference marker)"), quads)


@contextlib.contextmanager
def dumped(store: ox.Store, triples: int, folder: Path, extra: Sequence[RdfDocument] = ()) -> Iterator[NTriplesFile]:
    """The default graph of ``store`` (which holds ``triples``) as an N-Triples file written by Oxigraph
    (nothing parsed in Python) in ``folder``, followed by the ``extra`` documents' triples (``kg push
    --inferred``: the inferences and their marker), removed afterwards: what ``kg push`` uploads of a workspace."""
    handle, name = tempfile.mkstemp(prefix=".push-", suffix=".nt", dir=folder)
    path = Path(name)
    track_temporary(path)
    try:
        with os.fdopen(handle, "wb") as out:
            store.dump(out, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
            for chunk in _ntriples(extra):
                out.write(chunk)
        yield NTriplesFile(path, triples + sum(len(d.quads) for d in extra))
    finally:
        path.unlink(missing_ok=True)
        untrack_temporary(path)
