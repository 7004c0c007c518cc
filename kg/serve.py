"""A read-only SPARQL 1.1 endpoint over the embedded graph, with a page of the named queries.

    GET  /sparql?query=...            the SPARQL 1.1 protocol (also POST, form or sparql-query body)
    GET  /                            the named queries, each with a form for its parameters
    GET  /queries/NAME?KEY=VALUE      run a named query; format=html (default), json, csv or tsv

Results follow the Accept header (SPARQL JSON by default; CSV and TSV). Only queries are
answered: the store is never updated, so an UPDATE is refused. It listens on 127.0.0.1 unless
told otherwise, and runs until interrupted.
"""

from __future__ import annotations

import html
import sys
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .catalog import NamedQuery, list_queries
from .errors import KgError
from .namespaces import compact
from .query import KnowledgeGraph
from .results import Results, render

MEDIA = {
    "json": "application/sparql-results+json",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
ACCEPT = {"application/sparql-results+json": "json", "application/json": "json", "text/csv": "csv"}
ACCEPT |= {"text/tab-separated-values": "tsv", "text/html": "html"}
MAX_BODY = 1_000_000


def _format_from_accept(accept: str, default: str = "json") -> str:
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in ACCEPT:
            return ACCEPT[media]
    return default


def _page(title: str, body: str) -> str:
    style = "body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:collapse}"
    style += "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}code{background:#f4f4f4}"
    return f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>" \
        f"<style>{style}</style></head><body>{body}</body></html>"  # fmt: skip


def index_page(queries: list[NamedQuery]) -> str:
    items = []
    for query in queries:
        fields = "".join(
            f"<label>{html.escape(p.name)} <input name='{html.escape(p.name)}' "
            f"value='{html.escape(p.default or '')}' placeholder='{html.escape(p.type)}'></label> "
            for p in query.parameters.values()
        )
        items.append(
            f"<li><h3>{html.escape(query.title)}</h3><p>{html.escape(query.question)}</p>"
            f"<form action='/queries/{html.escape(query.name)}'>{fields}"
            f"<button>Run {html.escape(query.name)}</button></form></li>"
        )
    body = "<h1>smartcity-kg</h1><p>A read-only SPARQL 1.1 endpoint is at <code>/sparql</code>.</p>"
    return _page("smartcity-kg", body + f"<h2>Named queries</h2><ul>{''.join(items)}</ul>")


def results_page(title: str, results: Results) -> str:
    if results.boolean is not None:
        return _page(title, f"<h1>{html.escape(title)}</h1><p>{str(results.boolean).lower()}</p>")
    head = "".join(f"<th>{html.escape(v)}</th>" for v in results.variables)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if t is None else compact(str(t)))}</td>" for t in row) + "</tr>"
        for row in results.rows
    )
    body = f"<h1>{html.escape(title)}</h1><p>{len(results)} rows. <a href='/'>All queries</a></p>"
    return _page(title, body + f"<table><tr>{head}</tr>{rows}</table>")


def make_handler(graph: KnowledgeGraph) -> type[BaseHTTPRequestHandler]:
    queries = {query.name: query for query in list_queries()}

    class Handler(BaseHTTPRequestHandler):
        server_version = "smartcity-kg"

        def log_message(self, format: str, *args: object) -> None:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

        def _send(self, status: int, body: str, media: str) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: HTTPStatus, message: str) -> None:
            self._send(status, message + "\n", "text/plain; charset=utf-8")

        def _answer(self, run, fmt: str, title: str = "Results") -> None:
            try:
                results = run()
            except KgError as error:
                self._error(HTTPStatus.BAD_REQUEST, str(error))
                return
            body = results_page(title, results) if fmt == "html" else render(results, fmt)
            self._send(HTTPStatus.OK, body, MEDIA[fmt])

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            params = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
            if url.path == "/":
                self._send(HTTPStatus.OK, index_page(list(queries.values())), MEDIA["html"])
            elif url.path == "/sparql":
                self._sparql(params.get("query"), params.get("update"))
            elif url.path.startswith("/queries/") and url.path.removeprefix("/queries/") in queries:
                self._named(queries[url.path.removeprefix("/queries/")], params)
            else:
                self._error(HTTPStatus.NOT_FOUND, "no such page; see / for the named queries and /sparql")

        def do_POST(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if url.path != "/sparql":
                self._error(HTTPStatus.NOT_FOUND, "POST goes to /sparql")
                return
            if length > MAX_BODY:
                self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "the query is too long")
                return
            body = self.rfile.read(length).decode("utf-8", errors="replace")
            media = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if media == "application/sparql-query":
                self._sparql(body, None)
            elif media == "application/sparql-update":
                self._sparql(None, body)
            else:
                form = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
                self._sparql(form.get("query"), form.get("update"))

        def _sparql(self, query: str | None, update: str | None) -> None:
            if update is not None:
                self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused")
            elif not query:
                self._error(HTTPStatus.BAD_REQUEST, "give a SPARQL query in the 'query' parameter")
            else:
                self._answer(lambda: graph.sparql(query), _format_from_accept(self.headers.get("Accept", "")))

        def _named(self, query: NamedQuery, params: dict[str, str]) -> None:
            fmt = params.pop("format", "html")
            if fmt not in MEDIA:
                self._error(HTTPStatus.BAD_REQUEST, f"format {fmt!r} is not one of {', '.join(MEDIA)}")
                return
            given = {key: value for key, value in params.items() if value != ""}
            self._answer(lambda: graph.query(query, **given), fmt, query.title)

    return Handler


def serve(graph: KnowledgeGraph, host: str = "127.0.0.1", port: int = 7878) -> None:
    """Serve until interrupted; prints the address on stderr once listening."""
    len(graph)  # build the store before the first request
    try:
        server = ThreadingHTTPServer((host, port), make_handler(graph))
    except OSError as error:
        raise KgError(f"cannot listen on {host}:{port} ({error.strerror}); choose another --port.") from None
    address = f"http://{host}:{server.server_address[1]}"
    print(
        f"serving the graph on {address}/ (SPARQL endpoint {address}/sparql); Ctrl-C stops", file=sys.stderr, flush=True
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
