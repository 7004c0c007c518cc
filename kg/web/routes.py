"""What ``kg serve`` answers at each path: the route table and one function per route.

ROUTES lists (methods, path pattern, handler) entries, tried in order; the first whose pattern
matches the whole path and whose methods include the request's is called with the exchange
(kg.web.app.Handler, seen here through the Exchange protocol) and the pattern's match. HEAD is
answered wherever GET is. Handlers compute nothing heavy themselves: queries and documents go
to the query workers as jobs (kg.web.answers), sent by ``Exchange.run``.

A named query's form (/queries/NAME) sends the worker the query's name and the form's values
as text, as ``kg query -p`` takes them: the worker runs it through KnowledgeGraph.query, the
one named-query path, which checks the parameters (an unknown framework is a 400 with "did you
mean") and runs an ``inferred: true`` query over the reasoner's inferences. /sparql answers over
the graph as asserted, /sparql/inferred over the graph with the OWL reasoner's inferences.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Iterable
from email.message import Message
from functools import cache
from http import HTTPStatus
from typing import Any, Protocol

import pyoxigraph as ox

from kg.graph.named import bind_named
from kg.query.catalog import NamedQuery, list_queries
from kg.query.prologue import declare
from kg.query.services import refusal
from kg.web.access import FAVICON
from kg.web.answers import Job
from kg.web.connections import Allowed
from kg.web.dataset import dataset, script
from kg.web.discovery import home_link_header, link_header, robots_txt
from kg.web.home import CACHE_CONTROL, home_page, static_file
from kg.web.negotiate import DOCUMENT, MEDIA_TYPES, document_path, not_acceptable, see_other
from kg.web.redirects import moved_to, path_extension
from kg.web.resources import local_path
from kg.web.search import search
from kg.web.sitemap import INDEX
from kg.web.void import INFERRED_ENDPOINT

NAMED_FORMATS = ("json", "xml", "csv", "tsv", "html")  # of a named query's answer (format=...), besides sparql
GET, POST = frozenset({"GET", "HEAD"}), frozenset({"POST"})
POST_MEDIA = ("application/x-www-form-urlencoded", "application/sparql-query", "application/sparql-update")
PLAIN = "text/plain; charset=utf-8"
DATASET_KEYS = ("default-graph-uri", "named-graph-uri")  # the protocol's dataset: each may be given more than once
Dataset = tuple[list[str], list[str]]  # default graph IRIs, named graph IRIs


class BadRequest(Exception):
    """A malformed request: its message is the one sentence the client gets with a 400."""


class Exchange(Protocol):
    """What a route's handler uses of the request being answered (kg.web.app.Handler implements it)."""

    headers: Message

    @property
    def allowed(self) -> Allowed:
        """The hosts a SERVICE may call (kg.query.services.parse_allowed)."""
        ...

    def params(self) -> Form:
        """The query string's parameters (a copy), decoded strictly before the route was called."""
        ...

    def dataset(self) -> Dataset:
        """The query string's default-graph-uri and named-graph-uri values (kg.web.routes.decode_dataset)."""
        ...

    def body(self) -> str:
        """The request body as text (a BadRequest if malformed; 413 sent if too long)."""
        ...

    def send(self, status: int, body: str | bytes, media: str, headers: dict[str, str] | None = None) -> None:
        """Send the answer: status, body, media type and any further headers."""
        ...

    def error(self, status: HTTPStatus, message: str) -> None:
        """Send an error: its status and one plain sentence."""
        ...

    def run(self, job: Job, headers: dict[str, str] | None = None) -> None:
        """Send ``job`` (the client's Accept header added) to a query worker, under the deadline; send its answer
        (with ``headers`` if it is a 200)."""
        ...

    def base(self) -> str:
        """The server's address as the client named it (for IRIs in documents)."""
        ...

    @property
    def retired(self) -> dict[str, str]:
        """The retired IRIs -> their replacements, read when the server started (kg.web.redirects)."""
        ...


RouteHandler = Callable[[Exchange, re.Match[str]], None]  # what a route calls


@cache
def named_queries() -> dict[str, NamedQuery]:
    """The named queries the server answers at /queries/NAME, by name (read once)."""
    return {query.name: query for query in list_queries()}


def home(exchange: Exchange, match: re.Match[str]) -> None:
    """The home page: the editor and a form for each named query; the schema.org Dataset, a Link to the VoID."""
    described = script(dataset(exchange.base() + "/"))
    page = home_page(list(named_queries().values()), described)
    exchange.send(HTTPStatus.OK, page, MEDIA_TYPES["html"], {"Link": home_link_header()})


def robots(exchange: Exchange, match: re.Match[str]) -> None:
    """robots.txt: every page may be read; where the sitemap is."""
    exchange.send(HTTPStatus.OK, robots_txt(f"{exchange.base()}/{INDEX}"), "text/plain; charset=utf-8")


def sitemap(exchange: Exchange, match: re.Match[str]) -> None:
    """The sitemap of the pages this server answers (kg.web.sitemap), or one of its parts."""
    document(exchange, {"kind": "sitemap", "file": match.group()[1:]}, None)


def static(exchange: Exchange, match: re.Match[str]) -> None:
    """A file of the editor (kg/web/static), with an ETag; 304 when the client has it already."""
    send_static(exchange, match.group())


def favicon(exchange: Exchange, match: re.Match[str]) -> None:
    """The site's icon (kg.web.access): at /favicon.svg, as pages link it, and /favicon.ico, where browsers look."""
    send_static(exchange, f"/static/{FAVICON}")


def send_static(exchange: Exchange, path: str) -> None:
    """The file of kg/web/static at ``path`` (/static/NAME), with an ETag; 304 when the client has it already."""
    found = static_file(path)
    if found is None:
        exchange.error(HTTPStatus.NOT_FOUND, "no such file under /static/; see / for the editor")
        return
    data, media, etag = found
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"}
    if etag in (exchange.headers.get("If-None-Match") or ""):
        exchange.send(HTTPStatus.NOT_MODIFIED, b"", media, headers)
    else:
        exchange.send(HTTPStatus.OK, data, media, headers)


def sparql_get(exchange: Exchange, match: re.Match[str]) -> None:
    """The SPARQL protocol's GET; without a query, the endpoint's service description."""
    params, inferred = exchange.params(), bool(match.group("inferred"))
    dataset = exchange.dataset()
    if "query" not in params and "update" not in params and not any(dataset):
        document(exchange, {"kind": "service", "inferred": inferred}, None)
    else:
        sparql(exchange, params.get("query"), params.get("update"), dataset, match)


def sparql_post(exchange: Exchange, match: re.Match[str]) -> None:
    """The SPARQL protocol's POST: a form, or a sparql-query or sparql-update body (UTF-8), the dataset in the URL.

    A query or update in the URL of a POST (its body holds one, or should) and any other media type are refused.
    """
    if {"query", "update"} & set(exchange.params()):
        raise BadRequest("a POST sends its query in the body; this one has 'query' or 'update' in its URL too.")
    body, dataset = exchange.body(), exchange.dataset()  # read first: a malformed body is refused as such
    media, _, options = (exchange.headers.get("Content-Type") or "").partition(";")
    media = media.strip().lower()
    if media not in POST_MEDIA:
        kinds = ", ".join(POST_MEDIA)
        exchange.error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f"send a POST's body as {kinds} (its Content-Type).")
        return
    charset = re.search(r"charset\s*=\s*\"?([^\";\s]+)", options, re.IGNORECASE)
    if charset and charset.group(1).lower() not in ("utf-8", "utf8"):
        raise BadRequest(f"the body must be UTF-8 (the SPARQL protocol's encoding), not {charset.group(1)}.")
    if media == "application/sparql-query":
        sparql(exchange, body, None, dataset, match)
    elif media == "application/sparql-update":
        sparql(exchange, None, body, dataset, match)
    else:
        form, in_body = decode_form(body), decode_dataset(body)
        sparql(
            exchange, form.get("query"), form.get("update"), (dataset[0] + in_body[0], dataset[1] + in_body[1]), match
        )


def sparql(exchange: Exchange, query: str | None, update: str | None, dataset: Dataset, match: re.Match[str]) -> None:
    """Run a protocol query (never an update) over the graph, with the reasoner's inferences at /sparql/inferred.

    A dataset given (default-graph-uri, named-graph-uri) replaces the query's FROM and FROM NAMED, as the
    protocol says; the graph's own default graph is the union of its sources and it has no named graphs, so
    a dataset naming graphs gives what FROM <that graph> gives: nothing. Relative IRIs resolve against
    the endpoint's address.
    """
    if update is not None:
        if query is not None:
            exchange.error(HTTPStatus.BAD_REQUEST, "give a query or an update, not both (updates are refused here)")
        else:
            exchange.error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused")
    elif not query:
        exchange.error(HTTPStatus.BAD_REQUEST, "give a SPARQL query in the 'query' parameter")
    elif _allowed(exchange, query):  # the format follows the Accept header and the query's form
        job: Job = {"query": declare(query), "format": None, "title": "Results", "inferred": bool(match["inferred"])}
        job["base_iri"] = exchange.base() + match.group()
        if any(dataset):
            job["dataset"] = [dataset[0], dataset[1]]
        exchange.run(job)


def _allowed(exchange: Exchange, text: str) -> bool:
    """Whether every SERVICE the text (its prefixes declared, as it runs) calls is allowed; else 403 sent."""
    refused = refusal(declare(text), exchange.allowed)
    if refused:
        exchange.error(HTTPStatus.FORBIDDEN, refused)
    return not refused


def named(exchange: Exchange, match: re.Match[str]) -> None:
    """A named query run from its form; format=sparql: its text, parameters bound, for the editor."""
    query = named_queries().get(match.group("name"))
    if query is None:
        not_found(exchange, match)
        return
    params = exchange.params()
    if any(exchange.dataset()):
        raise BadRequest("default-graph-uri and named-graph-uri apply to /sparql only, not to a named query.")
    fmt = params.pop("format", "html")
    if fmt not in NAMED_FORMATS and fmt != "sparql":
        exchange.error(HTTPStatus.BAD_REQUEST, f"format {fmt!r} is not one of {', '.join(NAMED_FORMATS)}, sparql")
        return
    given = {key: value for key, value in params.every().items() if value != ""}  # an empty field: the default
    asked = [p.name for p in query.parameters.values() if p.type == "service" and p.name not in given]
    if asked:  # a SERVICE's default names another server (Oxigraph's /query), none of this one's paths
        raise BadRequest(f"give {asked[0]}: the SPARQL endpoint {query.name} calls through SERVICE (this server "
                         "calls one only when started with --allow-service HOST).")  # fmt: skip
    if fmt == "sparql":  # the worker checks the parameters against the graph, as for a run
        exchange.run({"named": query.name, "params": given, "format": "sparql", "where": query.name})
    # The text is bound here only to check its SERVICE calls (a service parameter names one); the
    # worker runs the query by name, through KnowledgeGraph.query.
    elif _allowed(exchange, bind_named(query, given)):
        exchange.run({"named": query.name, "params": given, "format": fmt, "title": query.title, "where": query.name})


def void(exchange: Exchange, match: re.Match[str]) -> None:
    """The VoID description of the dataset."""
    document(exchange, {"kind": "void"}, None)


def resource(exchange: Exchange, match: re.Match[str]) -> None:
    """A project IRI: 303 to the page or data the Accept header asks for (kg.web.pages), or that document;
    a retired IRI (kg.web.redirects): 301 to its replacement."""
    found = document_path(match.group())
    if found is None:
        not_found(exchange, match)
        return
    iri, fmt, path = found
    links = local_path(iri)  # the Link headers name the documents (kg.web.discovery)
    if (moved := moved_to(exchange.retired, iri, path_extension(match.group(), fmt))) is not None:
        exchange.send(HTTPStatus.MOVED_PERMANENTLY, f"Moved to {moved}\n", PLAIN, {"Location": moved})
    elif fmt is not None:
        headers = {"Link": link_header(links, fmt)} if links is not None else {}
        document(exchange, {"kind": "resource", "iri": iri}, fmt, headers)
    elif (target := see_other(path, exchange.headers.get("Accept"))) is None:
        exchange.error(HTTPStatus.NOT_ACCEPTABLE, not_acceptable(DOCUMENT))
    else:
        headers = {"Location": target} | ({"Link": link_header(links, None)} if links is not None else {})
        exchange.send(HTTPStatus.SEE_OTHER, f"See {target}\n", "text/plain; charset=utf-8", headers)


def document(exchange: Exchange, job: Job, fmt: str | None, headers: dict[str, str] | None = None) -> None:
    """A page the workers build (kg.web.answers): a resource, VoID, a service description, a sitemap."""
    job.update({"format": fmt, "accept": exchange.headers.get("Accept"), "base": exchange.base()})
    exchange.run(job, headers)


def not_found(exchange: Exchange, match: re.Match[str]) -> None:
    """404 for a GET of a path nothing answers."""
    exchange.error(HTTPStatus.NOT_FOUND, "no such page; see / for the named queries and /sparql")


def post_elsewhere(exchange: Exchange, match: re.Match[str]) -> None:
    """404 for a POST anywhere but a SPARQL endpoint."""
    exchange.error(HTTPStatus.NOT_FOUND, f"POST goes to /sparql or {INFERRED_ENDPOINT}")


_SPARQL = r"/sparql(?P<inferred>/inferred)?"
ROUTES: list[tuple[frozenset[str], re.Pattern[str], RouteHandler]] = [
    (GET, re.compile(r"/"), home),
    (GET, re.compile(r"/static/.*", re.DOTALL), static),
    (GET, re.compile(r"/favicon\.(?:svg|ico)"), favicon),
    (GET, re.compile(_SPARQL), sparql_get),
    (POST, re.compile(_SPARQL), sparql_post),
    (GET, re.compile(r"/queries/(?P<name>[^/]+)"), named),
    (GET, re.compile(r"/void|/\.well-known/void"), void),
    (GET, re.compile(r"/robots\.txt"), robots),
    (GET, re.compile(r"/sitemap(?:-[1-9][0-9]*)?\.xml"), sitemap),
    (GET, re.compile(r"/search"), search),  # kg.web.search
    (GET, re.compile(r".*", re.DOTALL), resource),  # /id/... and /ontology (percent-encoded too), else 404
    (POST, re.compile(r".*", re.DOTALL), post_elsewhere),
]


def route(method: str, path: str) -> tuple[RouteHandler, re.Match[str]]:
    """The handler of the first route for ``method`` whose pattern matches all of ``path``, and the match."""
    for methods, pattern, handler in ROUTES:
        if method in methods and (match := pattern.fullmatch(path)) is not None:
            return handler, match
    raise LookupError(f"no route for {method}")  # a bug: the table ends with a route for any path


_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def decode_pairs(text: str) -> list[tuple[str, str]]:
    """Decode ``a=1&b=2`` strictly: a stray ``%`` or bytes that are not UTF-8 are a BadRequest."""
    if _BAD_PERCENT.search(text):
        raise BadRequest("the request has a '%' that does not start a %XX escape; percent-encode it as %25.")
    try:
        return urllib.parse.parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise BadRequest("the request's percent-encoded text is not UTF-8.") from None


class Form(dict[str, str]):
    """A request's parameters, but the dataset's; reading one that was given twice is a BadRequest.

    No value silently wins over another (``query=ASK{}&query=SELECT...`` is refused, not run), while a
    parameter the route never reads may repeat: SPARQLWrapper sends ``format=json-ld&format=application/ld+json``
    beside its query, and /sparql answers by the Accept header whatever those say.
    """

    def __init__(self, pairs: Iterable[tuple[str, str]] = (), repeated: Iterable[str] = ()) -> None:
        super().__init__(pairs)
        self.repeated = set(repeated)

    def _once(self, key: str) -> None:
        if key in self.repeated:
            raise BadRequest(f"the parameter {key!r} is given twice; give it once.")

    def __getitem__(self, key: str) -> str:
        self._once(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        """dict.get, refused for a parameter given twice."""
        self._once(key)
        return super().get(key, default)

    def pop(self, key: str, *default: Any) -> Any:
        """dict.pop, refused for a parameter given twice."""
        self._once(key)
        return super().pop(key, *default)

    def every(self) -> dict[str, str]:
        """All the parameters, for a route that reads each (a named query's); BadRequest if one is repeated."""
        for key in sorted(self.repeated & set(self)):
            self._once(key)
        return dict(self)

    def copy(self) -> Form:
        """A copy that remembers, as this one does, which parameters were given twice."""
        return Form(self.items(), self.repeated)


def decode_form(text: str) -> Form:
    """The parameters of ``a=1&b=2`` but the dataset's (decode_dataset), remembering which were given twice."""
    pairs: dict[str, str] = {}
    repeated = set()
    for key, value in decode_pairs(text):
        if key in DATASET_KEYS:
            continue
        if key in pairs:
            repeated.add(key)
        pairs[key] = value
    return Form(pairs.items(), repeated)


def decode_dataset(text: str) -> Dataset:
    """The default-graph-uri and named-graph-uri values of ``a=1&b=2``, each an absolute IRI (else a BadRequest)."""
    dataset: Dataset = ([], [])
    for key, value in decode_pairs(text):
        if key in DATASET_KEYS:
            try:
                ox.NamedNode(value)
            except ValueError:
                raise BadRequest(f"{key} {value[:200]!r} is not an absolute IRI.") from None
            dataset[DATASET_KEYS.index(key)].append(value)
    return dataset
