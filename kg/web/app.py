"""``kg serve``: a read-only SPARQL 1.1 endpoint over the workspace's graph, its request handler and its life.

    GET  /sparql?query=...            the SPARQL 1.1 protocol (also POST, form or sparql-query body)
    GET  /sparql/inferred?query=...   the same over the graph with the OWL reasoner's inferences
    GET  /                            a SPARQL editor (kg.web.home) and a form for each named query
    GET  /static/...                  the editor's files (kg/web/static: YASGUI, vendored), with an ETag
    GET  /queries/NAME?KEY=VALUE      run a named query; format=html (default), json, xml, csv or tsv;
                                      format=sparql: the query's text with its parameters bound
    GET  /id/..., /ontology           the project's IRIs: 303 to a page (.html) or data (.ttl, .jsonld, .nt)
    GET  /void, /.well-known/void     the VoID description of the dataset
    GET  /sparql (no query)           the SPARQL 1.1 service description (of /sparql/inferred: its own)
    GET  /sitemap.xml, /robots.txt    the sitemap of the pages (kg.web.sitemap) and where it is

This module holds the server's life (``serve``: listen, start the workers, stop on Ctrl-C or
SIGTERM) and the Handler that reads each request, looks its route up in kg.web.routes.ROUTES
and sends the answer. Answers follow the Accept header (kg.web.negotiate: q-values, 406 when
nothing fits; SPARQL JSON or Turtle by default), HEAD and OPTIONS are answered for every page.
Queries and pages are computed by the query workers (kg.web.workers, which run kg.web.answers).
Only queries are answered: the store is never updated, so an UPDATE is refused. It listens on
127.0.0.1 unless told otherwise, and runs until interrupted.

It is built to face clients it cannot trust (see kg.web.connections, kg.web.workers and kg.query.services for
the rest): queries run in worker processes and one past ``timeout`` is killed (503); SERVICE is
refused unless ``allow_service`` names the host (403); every connection has a read timeout and a
deadline for its whole request (settings: kg.web.connections.deadline), at most MAX_CONNECTIONS are
served at once, and a malformed request gets 400 (413 for a body over MAX_BODY), never a traceback.
"""

from __future__ import annotations

import itertools
import json
import signal
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import FrameType
from typing import NoReturn

from kg.errors import KgError
from kg.query.services import parse_allowed
from kg.web.answers import Job
from kg.web.connections import Allowed, Server
from kg.web.discovery import cors_headers, parse_cors
from kg.web.negotiate import base_url
from kg.web.routes import BadRequest, Dataset, Form, decode_dataset, decode_form, route
from kg.web.workers import Busy, ClientGone, Pool, TimedOut, WorkerDied

ALLOW = "GET, HEAD, POST, OPTIONS"
MAX_BODY = 1_000_000
MAX_CONNECTIONS = 128
# what http.server's own log does to a client's text: no terminal escape codes reach the log
_CONTROL_CHARS = str.maketrans({c: rf"\x{c:02x}" for c in itertools.chain(range(0x20), range(0x7F, 0xA0))})
_CONTROL_CHARS[ord("\\")] = r"\\"


class _Answered(Exception):
    """The request was already answered (with an error); nothing more to send."""


class Handler(BaseHTTPRequestHandler):
    """One connection's request: routed by kg.web.routes.ROUTES, answered (or refused in one sentence), closed.

    It is the routes' Exchange: it reads the request (parameters, body), sends answers and
    errors, and hands jobs to the server's query workers under the server's deadline.
    """

    server_version = "smartcity-kg"
    server: Server
    _params: Form
    _dataset: Dataset
    _preflight = False  # an OPTIONS request asking what a cross-origin request may do (CORS)

    @property
    def allowed(self) -> Allowed:
        """The hosts a SERVICE may call (the server's --allow-service)."""
        return self.server.allowed

    def log_message(self, format: str, *args: object) -> None:
        """One line on stderr per request, the client's control characters escaped."""
        message = (format % args).translate(_CONTROL_CHARS)
        sys.stderr.write(f"{self.address_string()} {message}\n")

    def setup(self) -> None:
        """The connection's streams, its socket bound by the server's read timeout."""
        super().setup()
        self.connection.settimeout(self.server.read_timeout)

    def handle(self) -> None:
        """Answer one request (no keep-alive), under the server's deadline for reading it."""
        self.close_connection = True
        self.server.begin_reading(self.connection)
        try:
            self.handle_one_request()
        except OSError:
            self.close_connection = True  # the client went away or was cut off: nothing to answer

    def do_GET(self) -> None:
        """The pages, the SPARQL protocol's GET, named queries, static files (kg.web.routes)."""
        self._guarded(self._route)

    def do_POST(self) -> None:
        """The SPARQL protocol's POST to /sparql or /sparql/inferred (kg.web.routes)."""
        self._guarded(self._route)

    def do_HEAD(self) -> None:
        """What GET answers, without the body."""
        self._guarded(self._route)  # send leaves out the body

    def do_OPTIONS(self) -> None:
        """204 with the methods this server answers (and, with --cors, a CORS preflight's answer)."""
        self.server.end_reading(self.connection)
        self._preflight = "Access-Control-Request-Method" in self.headers
        self.send(HTTPStatus.NO_CONTENT, "", "text/plain; charset=utf-8", {"Allow": ALLOW})

    def _route(self) -> None:
        try:
            url = urllib.parse.urlsplit(self.path)
        except ValueError:
            raise BadRequest("the request's path is not a valid URL.") from None
        handler, match = route(self.command, url.path)
        # The URL's parameters are read whatever the route (a POST has its body to come); one given twice
        # is refused when the route reads it.
        self._params, self._dataset = decode_form(url.query), decode_dataset(url.query)
        if self.command != "POST":
            self.server.end_reading(self.connection)
        handler(self, match)

    def _guarded(self, method: Callable[[], None]) -> None:
        try:
            method()
        except _Answered:
            pass
        except (BadRequest, KgError) as error:
            self.error(HTTPStatus.BAD_REQUEST, str(error))
        except OSError:
            raise
        except Exception as error:
            self.log_message("internal error (a bug): %r", error)
            self.error(HTTPStatus.INTERNAL_SERVER_ERROR, "the server failed on this request (a bug).")

    def params(self) -> Form:
        """The query string's parameters (a copy), decoded strictly before the route was called."""
        return self._params.copy()

    def dataset(self) -> Dataset:
        """The query string's default-graph-uri and named-graph-uri values (copies)."""
        return list(self._dataset[0]), list(self._dataset[1])

    def body(self) -> str:
        """The request body as text; malformed lengths, short bodies and non-UTF-8 are a BadRequest."""
        if "Transfer-Encoding" in self.headers:
            raise BadRequest("send the body with a Content-Length; chunked bodies are not accepted.")
        if len(self.headers.get_all("Content-Length", [])) > 1:
            raise BadRequest("the request has more than one Content-Length header.")
        declared = (self.headers.get("Content-Length") or "").strip()
        if not declared.isdigit() or not declared.isascii():
            raise BadRequest("a POST needs a Content-Length header with the body's size in bytes.")
        length = int(declared)
        if length > MAX_BODY:
            self.error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the request body is over {MAX_BODY:,} bytes.")
            raise _Answered
        try:
            data = self.rfile.read(length)
        except TimeoutError:
            data = b""
        if len(data) < length:
            raise BadRequest(f"the body was shorter than its Content-Length of {length} bytes.")
        self.server.end_reading(self.connection)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the request body is not UTF-8.") from None

    def base(self) -> str:
        """The server's address as the client named it (kg.web.negotiate.base_url)."""
        return base_url(self.headers.get("Host"), tuple(self.server.server_address))

    @property
    def retired(self) -> dict[str, str]:
        """The retired IRIs -> their replacements (kg.web.redirects), read by serve() when it started."""
        return getattr(self.server, "retired", {})

    def send(self, status: int, body: str | bytes, media: str, headers: dict[str, str] | None = None) -> None:
        """Send the answer (the body left out for HEAD); the request has been read by now."""
        self.server.end_reading(self.connection)
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        self.connection.settimeout(self.server.write_timeout)
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(data)))
        headers_in = getattr(self, "headers", None)  # none yet when http.server refuses the request line
        origin = headers_in.get("Origin") if headers_in is not None else None
        cors = cors_headers(self.server.cors, origin, self._preflight)
        # answers follow the Accept header (and, with --cors naming origins, the Origin): caches must key on them
        self.send_header("Vary", "Accept, Origin" if self.server.cors and "*" not in self.server.cors else "Accept")
        for name, value in cors.items():
            self.send_header(name, value)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status == HTTPStatus.SERVICE_UNAVAILABLE:
            self.send_header("Retry-After", "5")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (bad request line, headers, method) as one plain sentence too."""
        self.request_version = "HTTP/1.0"  # a status line even for requests that look like HTTP/0.9
        self.close_connection = True
        if code == HTTPStatus.NOT_IMPLEMENTED:  # http.server's word for a method it has no do_ for (PUT, DELETE...)
            body = f"this server answers {ALLOW} only; see / for what it answers.\n"
            self.send(HTTPStatus.METHOD_NOT_ALLOWED, body, "text/plain; charset=utf-8", {"Allow": ALLOW})
            return
        self.error(HTTPStatus(code), f"{message or HTTPStatus(code).phrase}; see / for what this server answers.")

    def error(self, status: HTTPStatus, message: str) -> None:
        """Send ``status`` with one plain sentence."""
        self.send(status, message + "\n", "text/plain; charset=utf-8")

    def run(self, job: Job, headers: dict[str, str] | None = None) -> None:
        """Send ``job`` (the client's Accept header added) to a query worker, under the deadline; send its answer
        (with ``headers`` if it is a 200)."""
        job.setdefault("accept", self.headers.get("Accept"))
        limit = self.server.query_timeout
        if self.server.pool is None:  # serve() starts the workers before it serves a request
            raise RuntimeError("kg serve answered a request before its query workers started")
        try:
            answer = self.server.pool.run(job, time.monotonic() + limit, self.connection)
        except ClientGone:
            self.log_message("client went away; its query was stopped")
            return
        except TimedOut:
            message = f"the query ran past this server's limit of {limit:g} s and was stopped; "
            self.error(HTTPStatus.SERVICE_UNAVAILABLE, message + "narrow it (a LIMIT, fewer joins) and try again.")
            return
        except Busy:
            self.error(HTTPStatus.SERVICE_UNAVAILABLE, f"every query worker was busy for {limit:g} s; try later.")
            return
        except WorkerDied:
            self.error(HTTPStatus.SERVICE_UNAVAILABLE, "the query's worker process died; try again.")
            return
        if answer["status"] == 200 or "media" in answer:  # an error with a media type is a page (an HTML 404)
            self.send(HTTPStatus(answer["status"]), answer["body"], answer["media"], headers)
        else:
            self.error(HTTPStatus(answer["status"]), answer["body"])


def serve(
    data_files: Sequence[Path | str] = (), host: str = "127.0.0.1", port: int = 7878, *, workers: int = 2,
    timeout: float = 30, allow_service: Sequence[str] = (), max_connections: int = MAX_CONNECTIONS,
    request_timeout: float | None = None, read_timeout: float | None = None, write_timeout: float | None = None,
    cors: Sequence[str] = (),
) -> None:  # fmt: skip
    """Serve the workspace's graph (plus ``data_files``) until interrupted (Ctrl-C or SIGTERM).

    Prints the address on stderr once listening. ``workers`` query processes answer, each query
    stopped after ``timeout`` seconds; ``allow_service`` names the hosts a SERVICE may call
    (kg.query.services). A client has ``request_timeout`` seconds to send its whole request (20),
    may stay silent ``read_timeout`` (10) while sending it, and has ``write_timeout`` (60) to take
    the answer; None reads KG_SERVE_REQUEST_TIMEOUT, KG_SERVE_READ_TIMEOUT, KG_SERVE_WRITE_TIMEOUT
    (kg.web.connections.deadline). ``cors`` names the origins whose pages may read the answers ('*': any;
    kg.web.discovery.parse_cors); none by default. Raises KgError for an option or deadline out of range, an address
    it cannot listen on, or query workers that cannot load the graph.
    """
    allowed, origins = parse_allowed(allow_service), parse_cors(list(cors))
    if not 1 <= workers <= 64 or not 0 < timeout <= 86400:  # NaN fails the comparison too
        raise KgError("--workers must be 1 to 64 and --timeout more than 0 and at most 86400 seconds.")
    try:
        server = Server(
            (host, port), Handler, None, timeout, allowed, max_connections,
            request_timeout=request_timeout, read_timeout=read_timeout, write_timeout=write_timeout,
        )  # fmt: skip
    except OSError as error:
        raise KgError(f"cannot listen on {host}:{port} ({error.strerror}); choose another --port.") from None
    server.cors = origins
    try:
        server.pool = Pool([Path(f) for f in data_files], workers)
        server.retired = read_retired(server.pool, timeout)  # type: ignore[attr-defined]
        address = f"http://{host}:{server.server_address[1]}"
        print(f"serving the graph on {address}/ (SPARQL endpoint {address}/sparql, with the reasoner's inferences "
              f"{address}/sparql/inferred) with {workers} query workers, {timeout:g} s per query; Ctrl-C stops",
              file=sys.stderr, flush=True)  # fmt: skip
        if threading.current_thread() is threading.main_thread():  # under kg's CLI, kg.cli.boundary handles it
            signal.signal(signal.SIGTERM, _interrupt)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if server.pool is not None:
            server.pool.close()


def read_retired(pool: Pool, timeout: float) -> dict[str, str]:
    """The retired IRIs -> their replacements (kg.web.redirects), asked of a query worker; empty if none answers."""
    try:
        answer = pool.run({"kind": "retired"}, time.monotonic() + timeout)
    except (Busy, TimedOut, WorkerDied):
        return {}
    table = json.loads(answer["body"]) if answer.get("status") == 200 else {}
    return {str(old): str(new) for old, new in table.items()}


def _interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt
