"""SERVICE calls of local queries, each bounded by a deadline: Oxigraph calls them through a relay of ours.

Oxigraph sends a query's SERVICE requests itself, with no timeout, and pyoxigraph offers neither a
timeout nor a hook for them (``Store.query`` takes no such option, 0.5): an endpoint that never
answers, or sends a byte a second, holds the query for ever. A thread with a deadline around the
query would leave Oxigraph's call running in the process (a Python program using kg goes on with
a stuck thread and a socket held open), so the calls are made by kg instead. Each SERVICE target is
rewritten to an address on a relay this process runs on 127.0.0.1 (a random token per target, per
query); the relay forwards the request through kg.graph.remote.call, the same bounded HTTP as
``--endpoint`` (one deadline for the whole call: KG_REMOTE_TIMEOUT, default 30 s, or the command's
``--timeout``; answers capped by KG_REMOTE_MAX_MB), and answers Oxigraph with the endpoint's answer or,
on failure, with 502 and the sentence that says why, which :meth:`Routed.failure` gives back.

Only targets whose address is known before the query runs can be routed: an absolute http(s) IRI or
a prefixed name. A relative IRI, another scheme, or a SERVICE glued to what follows ("SERVICEx:q",
which Oxigraph still reads as a call) is refused (QueryError). ``SERVICE ?var`` is left alone: Oxigraph
never calls it (it reports the variable unbound, however it is bound).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kg.errors import KgError, QueryError
from kg.graph.remote.call import (
    USER_AGENT,
    ascii_url,
    bounded_call,
    cap_mb,
    limit_hint,
    one_line,
    shown_address,
    timeout_s,
)
from kg.graph.remote.http import Deadline, opener, read_body
from kg.query.services import services

_READ_S = 10.0  # how long the relay waits for Oxigraph's own request (local, already written)


@dataclass
class Routed:
    """A query's text with its SERVICE targets on the relay; ``close()`` when its answer has been read."""

    text: str
    targets: dict[str, str] = field(default_factory=dict)  # token -> the SERVICE address
    failures: dict[str, str] = field(default_factory=dict)  # token -> why its call failed, one sentence

    def failure(self, oxigraph_message: str) -> str | None:
        """Why a SERVICE call failed, if Oxigraph's error is about one of this query's calls."""
        for token, reason in list(self.failures.items()):
            if token in oxigraph_message:
                return reason
        return next(iter(self.failures.values()), None)

    def close(self) -> None:
        """Forget the routes: the relay refuses them from now on."""
        relay = _relay_of_process()
        for token in self.targets:
            relay.routes.pop(token, None)

    def __enter__(self) -> Routed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def route(text: str, where: str = "query") -> Routed:
    """``text`` with every SERVICE target rewritten to the relay; the text unchanged if it calls none.

    Raises QueryError (naming ``where``) for a SERVICE whose address cannot be known before the query runs.
    """
    found = [service for service in services(text) if not service.text.startswith(("?", "$"))]
    if not found:
        return Routed(text)
    routed = Routed(text)
    relay = _relay_of_process()
    pieces: list[str] = []
    end = 0
    for service in found:
        iri = service.iri
        scheme = urllib.parse.urlsplit(iri).scheme.lower() if iri else ""
        if service.span is None or iri is None or scheme not in ("http", "https"):
            routed.close()
            what = repr(one_line(service.text, 80)) if service.span is None else f"SERVICE {one_line(service.text, 80)}"
            raise QueryError(
                f"{where}: {what} cannot be called: kg calls other endpoints only at an absolute http(s) address "
                "written apart after SERVICE (e.g. SERVICE <https://example.org/sparql> { ... }); write it so."
            )
        token = secrets.token_hex(16)
        routed.targets[token] = iri
        relay.routes[token] = (iri, routed)
        pieces += [text[end : service.span[0]], f"<{relay.address}/{token}>"]
        end = service.span[1]
    routed.text = "".join(pieces) + text[end:]
    return routed


class _Relay(ThreadingHTTPServer):
    """The process's relay: the routes of the queries running now, by token."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.address = f"http://127.0.0.1:{self.server_address[1]}"
        self.routes: dict[str, tuple[str, Routed]] = {}


class _Forward(BaseHTTPRequestHandler):
    """One SERVICE request from Oxigraph: sent on to its endpoint within the deadline, the answer sent back."""

    server: _Relay
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the query's error says what went wrong."""

    def setup(self) -> None:
        """Oxigraph's request is read within _READ_S."""
        super().setup()
        self.connection.settimeout(_READ_S)

    def do_POST(self) -> None:
        """Oxigraph sends SERVICE queries as POST application/sparql-query."""
        self._forward()

    def do_GET(self) -> None:
        """A GET is forwarded as it came, should Oxigraph send one."""
        self._forward()

    def _forward(self) -> None:
        token = self.path.lstrip("/").split("?")[0]
        found = self.server.routes.get(token)
        if found is None:
            self._answer(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"no such route\n")
            return
        target, routed = found
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if self.command == "POST" else None
        headers = {"User-Agent": USER_AGENT, "Accept": self.headers.get("Accept") or "*/*"}
        if body is not None:
            headers["Content-Type"] = self.headers.get("Content-Type") or "application/sparql-query"
        request = urllib.request.Request(ascii_url(target), data=body, headers=headers, method=self.command)
        limit, cap = timeout_s(), cap_mb()

        def ask(deadline: Deadline) -> tuple[str, bytes]:
            with opener(deadline).open(request, timeout=deadline.check()) as response:
                media = response.headers.get("Content-Type") or "application/octet-stream"
                return media, read_body(response, deadline, int(cap * 1_000_000))

        late = f"no complete answer within {limit:g} s{limit_hint(None, 'timeout', 'KG_REMOTE_TIMEOUT')}"
        size = f"{cap:g} MB{limit_hint(None, 'max_mb', 'KG_REMOTE_MAX_MB')}"
        try:
            media, answer = bounded_call(ask, "the SERVICE call", target, limit, late, size)
        except KgError as error:
            self._fail(token, routed, str(error))
            return
        except ValueError as error:  # an address urllib cannot use
            self._fail(token, routed, f"the SERVICE call at {shown_address(target)} failed: {one_line(str(error))}.")
            return
        self._answer(HTTPStatus.OK, media, answer)

    def _fail(self, token: str, routed: Routed, reason: str) -> None:
        routed.failures[token] = reason
        self._answer(HTTPStatus.BAD_GATEWAY, "text/plain; charset=utf-8", reason.encode("utf-8"))

    def _answer(self, status: HTTPStatus, media: str, body: bytes) -> None:
        with contextlib.suppress(OSError):  # Oxigraph gave up (the query was stopped): nothing to tell it
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)


_relays: dict[int, _Relay] = {}  # by process id: a worker forked from a process with a relay starts its own
_start = threading.Lock()


def _relay_of_process() -> _Relay:
    """This process's relay, started on first use (a daemon thread; it ends with the process)."""
    with _start:
        relay = _relays.get(os.getpid())
        if relay is None:
            relay = _relays[os.getpid()] = _Relay()
            threading.Thread(target=relay.serve_forever, daemon=True, name="kg-service-relay").start()
        return relay
