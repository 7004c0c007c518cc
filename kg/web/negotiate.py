"""HTTP content negotiation for ``kg serve``: which format to answer in, and which document a path names.

The SPARQL 1.1 Protocol lets a client ask for any results format by media type; a server
answers with one the client accepts, or 406. Each kind of answer offers its formats in the
server's order of preference (the first is what ``Accept: */*`` or no Accept gets); the
client's q-values come first, then the server's order, and a more specific media range of
the header decides a type's q-value (RFC 9110, 12.5.1).

The project's IRIs are served at the path that mirrors them (``https://w3id.org/smartcity-kg/id/X``
at ``/id/X``; the ontology and its hash terms at ``/ontology``). Following "Cool URIs for the
Semantic Web", the IRI itself answers 303 See Other to a document chosen by the Accept header
(``/id/X.html``, ``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``): :func:`document_path` and :func:`see_other`.
"""

from __future__ import annotations

import re
import urllib.parse

from kg.namespaces import ID
from kg.query.rdfout import EXTENSIONS
from kg.web.resources import ONTOLOGY

# format name -> the media type sent with it
MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "turtle": "text/turtle; charset=utf-8",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}

# What each kind of answer can be given as: (media type a client may ask for, format), best first.
# Aliases that clients send (SPARQLWrapper's JSON asks for application/json, Turtle also as
# application/x-turtle, N-Triples as text/plain) come after the registered types.
SOLUTIONS = [
    ("application/sparql-results+json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
    ("text/html", "html"),
    ("application/json", "json"),
    ("application/xml", "xml"),
    ("text/xml", "xml"),
]
GRAPH = [
    ("text/turtle", "turtle"),
    ("application/n-triples", "ntriples"),
    ("application/ld+json", "jsonld"),
    ("application/rdf+xml", "rdfxml"),
    ("text/html", "html"),
    ("application/x-turtle", "turtle"),
    ("application/turtle", "turtle"),
    ("application/x-json+ld", "jsonld"),
    ("text/rdf+n3", "turtle"),  # Turtle is N3 for the triples a query returns; Virtuoso's clients ask for it
    ("text/n3", "turtle"),
    ("application/json", "jsonld"),
    ("text/plain", "ntriples"),
]
# A resource page, the VoID description and the service description: HTML for browsers, else RDF.
DOCUMENT = [("text/html", "html"), *GRAPH[:4], *GRAPH[5:]]


def parse_accept(header: str) -> list[tuple[str, float]]:
    """(media range, q) for each part of an Accept header; a malformed q counts as 0, parameters are dropped."""
    ranges = []
    for part in header.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
                q = q if q == q else 0.0  # NaN
        ranges.append((media.lower(), q))
    return ranges


def _quality(media: str, ranges: list[tuple[str, float]]) -> float:
    """The q the header gives ``media``: its most specific matching range's (exact, then type/*, then */*)."""
    kind = media.split("/")[0]
    best, specificity = 0.0, -1
    for candidate, q in ranges:
        level = 2 if candidate == media else 1 if candidate == f"{kind}/*" else 0 if candidate == "*/*" else -1
        if level > specificity:
            best, specificity = q, level
    return best if specificity >= 0 else 0.0


def choose_format(header: str | None, offers: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The (media type, format) to answer with, or None when the header accepts none of ``offers``."""
    if not header or not header.strip():
        return offers[0]
    ranges = parse_accept(header)
    best, best_q = None, 0.0
    for offer in offers:  # the server's order breaks ties: the first offer with the highest q wins
        q = _quality(offer[0], ranges)
        if q > best_q:
            best, best_q = offer, q
    return best


def not_acceptable(offers: list[tuple[str, str]]) -> str:
    """The body of a 406: what this answer can be given as."""
    types = ", ".join(dict.fromkeys(media for media, _ in offers))
    return f"none of the media types in the Accept header can be given for this answer; this server gives: {types}."


PAGE_EXTENSIONS = {**EXTENSIONS, "html": "html"}
EXTENSION_OF = {fmt: ext for ext, fmt in PAGE_EXTENSIONS.items()}  # a document format's file extension
_HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def document_path(path: str) -> tuple[str, str | None, str] | None:
    """(IRI, format or None for the IRI itself, raw path) for a request path under /id/ or /ontology, else None."""
    stem, dot, extension = path.rpartition(".")
    fmt = PAGE_EXTENSIONS.get(extension) if dot and "/" not in extension else None
    base = stem if fmt else path
    try:
        decoded = urllib.parse.unquote(base, errors="strict")
    except UnicodeDecodeError:
        return None
    if decoded == "/ontology":
        return ONTOLOGY, fmt, base
    if decoded.startswith("/id/") and len(decoded) > len("/id/"):
        return ID + decoded[len("/id/") :], fmt, base
    return None


def base_url(host_header: str | None, address: tuple[object, ...]) -> str:
    """The server's address for the service description and VoID: as the client named it, if well formed.

    The Host header is the client's, so it is used only when it is a plain host[:port] (it ends up
    inside IRIs); otherwise ``address``, the (host, port, ...) the server listens on.
    """
    if host_header and _HOST.fullmatch(host_header.strip()):
        return f"http://{host_header.strip()}"
    host, port = str(address[0]), address[1]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def see_other(path: str, accept: str | None) -> str | None:
    """Where a project IRI's path sends a client (303): its document in the format ``accept`` prefers; None: 406."""
    chosen = choose_format(accept, DOCUMENT)
    if chosen is None:
        return None
    return urllib.parse.quote(path, safe="/%:@!$&'()*+,;=-._~") + "." + EXTENSION_OF[chosen[1]]
