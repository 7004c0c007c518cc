"""A read-only SPARQL 1.1 endpoint over the embedded graph, with a page of the named queries.

    GET  /sparql?query=...            the SPARQL 1.1 protocol (also POST, form or sparql-query body)
    GET  /                            a SPARQL editor (kg.web.home) and a form for each named query
    GET  /static/...                  the editor's files (kg/static: YASGUI, vendored), with an ETag
    GET  /queries/NAME?KEY=VALUE      run a named query; format=html (default), json, xml, csv or tsv;
                                      format=sparql: the query's text with its parameters bound
    GET  /id/..., /ontology           the project's IRIs: 303 to a page (.html) or data (.ttl, .jsonld, .nt)
    GET  /void, /.well-known/void     the VoID description of the dataset
    GET  /sparql (no query)           the SPARQL 1.1 service description

This module reads requests and routes them. Answers follow the Accept header (kg.web.negotiate:
q-values, 406 when nothing fits; SPARQL JSON or Turtle by default), HEAD and OPTIONS are
answered for every page. Queries and pages are computed by the query workers (kg.web.workers, which
run kg.web.answers). Only queries are answered: the store is never updated, so an UPDATE is refused.
It listens on 127.0.0.1 unless told otherwise, and runs until interrupted.

It is built to face clients it cannot trust (see kg.web.connections, kg.web.workers and kg.query.services for
the rest): queries run in worker processes and one past ``timeout`` is killed (503); SERVICE is
refused unless ``allow_service`` names the host (403); every connection has a read timeout and a
deadline for its whole request, at most MAX_CONNECTIONS are served at once, and a malformed
request gets 400 (413 for a body over MAX_BODY), never a traceback.
"""

from __future__ import annotations

import itertools
import re
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
from kg.query.catalog import NamedQuery, list_queries
from kg.query.prologue import declare
from kg.query.services import parse_allowed, refusal
from kg.web.answers import Job
from kg.web.connections import Server
from kg.web.home import CACHE_CONTROL, home_page, static_file
from kg.web.negotiate import DOCUMENT, MEDIA_TYPES, base_url, document_path, not_acceptable, see_other
from kg.web.workers import Busy, ClientGone, Pool, TimedOut, WorkerDied

NAMED_FORMATS = ("json", "xml", "csv", "tsv", "html")  # of a named query's answer (format=...), besides sparql
ALLOW = "GET, HEAD, POST, OPTIONS"
MAX_BODY = 1_000_000
MAX_CONNECTIONS = 128
READ_TIMEOUT = 10  # seconds a connection may stay silent while sending its request
WRITE_TIMEOUT = 60  # seconds to take the whole answer
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# what http.server's own log does to a client's text: no terminal escape codes reach the log
_CONTROL_CHARS = str.maketrans({c: rf"\x{c:02x}" for c in itertools.chain(range(0x20), range(0x7F, 0xA0))})
_CONTROL_CHARS[ord("\\")] = r"\\"


class BadRequest(Exception):
    """A malformed request: its message is the one sentence the client gets with a 400."""


def _split(path: str) -> urllib.parse.SplitResult:
    try:
        return urllib.parse.urlsplit(path)
    except ValueError:
        raise BadRequest("the request's path is not a valid URL.") from None


def _decode_form(text: str) -> dict[str, str]:
    """Decode ``a=1&b=2`` strictly: a stray ``%`` or bytes that are not UTF-8 are a BadRequest."""
    if _BAD_PERCENT.search(text):
        raise BadRequest("the request has a '%' that does not start a %XX escape; percent-encode it as %25.")
    try:
        return dict(urllib.parse.parse_qsl(text, keep_blank_values=True, errors="strict"))
    except UnicodeDecodeError:
        raise BadRequest("the request's percent-encoded text is not UTF-8.") from None


def make_handler() -> type[BaseHTTPRequestHandler]:
    """The request handler class of ``kg serve``, which knows the named queries."""
    queries = {query.name: query for query in list_queries()}

    class Handler(BaseHTTPRequestHandler):
        """One connection's request: routed, answered (or refused in one sentence), then the connection closed."""

        server_version = "smartcity-kg"
        timeout = READ_TIMEOUT  # StreamRequestHandler applies it to the socket
        server: Server

        def log_message(self, format: str, *args: object) -> None:
            """One line on stderr per request, the client's control characters escaped."""
            message = (format % args).translate(_CONTROL_CHARS)
            sys.stderr.write(f"{self.address_string()} {message}\n")

        def handle(self) -> None:
            """Answer one request (no keep-alive), under the server's deadline for reading it."""
            self.close_connection = True
            self.server.begin_reading(self.connection)
            try:
                self.handle_one_request()
            except OSError:
                self.close_connection = True  # the client went away or was cut off: nothing to answer

        def _send(self, status: int, body: str | bytes, media: str, headers: dict[str, str] | None = None) -> None:
            self.server.end_reading(self.connection)
            data = body if isinstance(body, bytes) else body.encode("utf-8")
            self.connection.settimeout(WRITE_TIMEOUT)
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Vary", "Accept")  # answers follow the Accept header: caches must key on it
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
            self._error(HTTPStatus(code), f"{message or HTTPStatus(code).phrase}; see / for what this server answers.")

        def _error(self, status: HTTPStatus, message: str) -> None:
            self._send(status, message + "\n", "text/plain; charset=utf-8")

        def _guarded(self, method: Callable[[], None]) -> None:
            try:
                method()
            except _Answered:
                pass
            except BadRequest as error:
                self._error(HTTPStatus.BAD_REQUEST, str(error))
            except KgError as error:
                self._error(HTTPStatus.BAD_REQUEST, str(error))
            except OSError:
                raise
            except Exception as error:
                self.log_message("internal error (a bug): %r", error)
                self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "the server failed on this request (a bug).")

        def do_GET(self) -> None:
            """The pages, the SPARQL protocol's GET, named queries, static files (routed by path)."""
            self._guarded(self._get)

        def do_POST(self) -> None:
            """The SPARQL protocol's POST to /sparql (a form, or a sparql-query or sparql-update body)."""
            self._guarded(self._post)

        def do_HEAD(self) -> None:
            """What GET answers, without the body."""
            self._guarded(self._get)  # _send leaves out the body

        def do_OPTIONS(self) -> None:
            """204 with the methods this server answers."""
            self.server.end_reading(self.connection)
            self._send(HTTPStatus.NO_CONTENT, "", "text/plain; charset=utf-8", {"Allow": ALLOW})

        def _get(self) -> None:
            url = _split(self.path)
            params = _decode_form(url.query)
            self.server.end_reading(self.connection)
            if url.path == "/":
                self._send(HTTPStatus.OK, home_page(list(queries.values())), MEDIA_TYPES["html"])
            elif url.path.startswith("/static/"):
                self._static(url.path)
            elif url.path == "/sparql" and "query" not in params and "update" not in params:
                self._document({"kind": "service"}, None)
            elif url.path == "/sparql":
                self._sparql(params.get("query"), params.get("update"))
            elif url.path.startswith("/queries/") and url.path.removeprefix("/queries/") in queries:
                self._named(queries[url.path.removeprefix("/queries/")], params)
            elif url.path in ("/void", "/.well-known/void"):
                self._document({"kind": "void"}, None)
            elif (found := document_path(url.path)) is not None:
                self._resource(*found)
            else:
                self._error(HTTPStatus.NOT_FOUND, "no such page; see / for the named queries and /sparql")

        def _static(self, path: str) -> None:
            found = static_file(path)
            if found is None:
                self._error(HTTPStatus.NOT_FOUND, "no such file under /static/; see / for the editor")
                return
            data, media, etag = found
            headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"}
            if etag in (self.headers.get("If-None-Match") or ""):
                self._send(HTTPStatus.NOT_MODIFIED, b"", media, headers)
            else:
                self._send(HTTPStatus.OK, data, media, headers)

        def _post(self) -> None:
            url = _split(self.path)
            if url.path != "/sparql":
                self._error(HTTPStatus.NOT_FOUND, "POST goes to /sparql")
                return
            body = self._body()
            self.server.end_reading(self.connection)
            media = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if media == "application/sparql-query":
                self._sparql(body, None)
            elif media == "application/sparql-update":
                self._sparql(None, body)
            else:
                form = _decode_form(body)
                self._sparql(form.get("query"), form.get("update"))

        def _body(self) -> str:
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
                self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the request body is over {MAX_BODY:,} bytes.")
                raise _Answered
            try:
                data = self.rfile.read(length)
            except TimeoutError:
                data = b""
            if len(data) < length:
                raise BadRequest(f"the body was shorter than its Content-Length of {length} bytes.")
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                raise BadRequest("the request body is not UTF-8.") from None

        def _sparql(self, query: str | None, update: str | None) -> None:
            if update is not None:
                self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused")
            elif not query:
                self._error(HTTPStatus.BAD_REQUEST, "give a SPARQL query in the 'query' parameter")
            else:
                self._run(query, None)  # the format follows the Accept header and the query's form

        def _resource(self, iri: str, fmt: str | None, path: str) -> None:
            """A project IRI: 303 to the page or data the Accept header asks for (kg.web.pages), or that document."""
            if fmt is not None:
                self._document({"kind": "resource", "iri": iri}, fmt)
            elif (target := see_other(path, self.headers.get("Accept"))) is None:
                self._error(HTTPStatus.NOT_ACCEPTABLE, not_acceptable(DOCUMENT))
            else:
                self._send(HTTPStatus.SEE_OTHER, f"See {target}\n", "text/plain; charset=utf-8", {"Location": target})

        def _document(self, job: Job, fmt: str | None) -> None:
            """A page the workers build (kg.web.answers): a resource, VoID, the service description."""
            base = base_url(self.headers.get("Host"), tuple(self.server.server_address))
            job.update({"format": fmt, "accept": self.headers.get("Accept"), "base": base})
            self._run("", fmt, job=job)

        def _named(self, query: NamedQuery, params: dict[str, str]) -> None:
            from kg.graph.embedded import prepare

            fmt = params.pop("format", "html")
            if fmt not in NAMED_FORMATS and fmt != "sparql":
                self._error(HTTPStatus.BAD_REQUEST, f"format {fmt!r} is not one of {', '.join(NAMED_FORMATS)}, sparql")
                return
            given = {key: value for key, value in params.items() if value != ""}
            text = prepare(query, given)  # parameters checked and bound here; SERVICE is then checked as text
            if fmt == "sparql":  # the editor opens a named query with this text (kg/static/editor.js)
                text = "\n".join(line for line in text.splitlines() if not line.startswith("#+")).lstrip("\n")
                note = " ".join(f"{query.title}: {query.question}".split())  # one comment line
                if query.inferred:  # /sparql does not reason: say so where the answer is read
                    note += "\n# Run from its form (or kg query), this query sees the OWL reasoner's inferences;"
                    note += "\n# /sparql does not infer, so here it may miss the rows that rest on them."
                text = f"# {note}\n" + declare(text, mark=False)  # and the PREFIX lines for what it uses
                self._send(HTTPStatus.OK, text, "application/sparql-query; charset=utf-8")
                return
            self._run(text, fmt, query.title, inferred=query.inferred, where=query.name)

        def _run(
            self, text: str, fmt: str | None, title: str = "Results", inferred: bool = False, where: str = "query",
            job: Job | None = None,
        ) -> None:  # fmt: skip
            text = declare(text)  # the project's prefixes, unless the query declares them; SERVICE is checked after
            refused = refusal(text, self.server.allowed)
            if refused:
                self._error(HTTPStatus.FORBIDDEN, refused)
                return
            limit = self.server.query_timeout
            job = job or {"query": text, "format": fmt, "title": title, "inferred": inferred, "where": where}
            job.setdefault("accept", self.headers.get("Accept"))
            if self.server.pool is None:  # serve() starts the workers before it serves a request
                raise RuntimeError("kg serve answered a request before its query workers started")
            try:
                answer = self.server.pool.run(job, time.monotonic() + limit, self.connection)
            except ClientGone:
                self.log_message("client went away; its query was stopped")
                return
            except TimedOut:
                message = f"the query ran past this server's limit of {limit:g} s and was stopped; "
                self._error(HTTPStatus.SERVICE_UNAVAILABLE, message + "narrow it (a LIMIT, fewer joins) and try again.")
                return
            except Busy:
                self._error(HTTPStatus.SERVICE_UNAVAILABLE, f"every query worker was busy for {limit:g} s; try later.")
                return
            except WorkerDied:
                self._error(HTTPStatus.SERVICE_UNAVAILABLE, "the query's worker process died; try again.")
                return
            if answer["status"] == 200:
                self._send(HTTPStatus.OK, answer["body"], answer["media"])
            else:
                self._error(HTTPStatus(answer["status"]), answer["body"])

    return Handler


class _Answered(Exception):
    """The request was already answered (with an error); nothing more to send."""


def serve(
    data_files: Sequence[Path | str] = (), host: str = "127.0.0.1", port: int = 7878, *, workers: int = 2,
    timeout: float = 30, allow_service: Sequence[str] = (), max_connections: int = MAX_CONNECTIONS,
) -> None:  # fmt: skip
    """Serve the workspace's graph (plus ``data_files``) until interrupted (Ctrl-C or SIGTERM).

    Prints the address on stderr once listening. ``workers`` query processes answer, each query
    stopped after ``timeout`` seconds; ``allow_service`` names the hosts a SERVICE may call
    (kg.query.services). Raises KgError for an option out of range, an address it cannot listen on, or
    query workers that cannot load the graph.
    """
    allowed = parse_allowed(allow_service)
    if not 1 <= workers <= 64 or not 0 < timeout <= 86400:  # NaN fails the comparison too
        raise KgError("--workers must be 1 to 64 and --timeout more than 0 and at most 86400 seconds.")
    try:
        server = Server((host, port), make_handler(), None, timeout, allowed, max_connections)
    except OSError as error:
        raise KgError(f"cannot listen on {host}:{port} ({error.strerror}); choose another --port.") from None
    try:
        server.pool = Pool([Path(f) for f in data_files], workers)
        address = f"http://{host}:{server.server_address[1]}"
        print(f"serving the graph on {address}/ (SPARQL endpoint {address}/sparql) with {workers} query workers, "
              f"{timeout:g} s per query; Ctrl-C stops", file=sys.stderr, flush=True)  # fmt: skip
        if threading.current_thread() is threading.main_thread():  # under kg's CLI, kg.cli.boundary handles it
            signal.signal(signal.SIGTERM, _interrupt)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if server.pool is not None:
            server.pool.close()


def _interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt
