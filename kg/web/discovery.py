"""How machines find the data: ``rel="alternate"`` links and ``Link`` headers, robots.txt, and the CORS setting.

Every resource page names each RDF form of it in its head (``<link rel="alternate" type=...>``,
HTML's way, as W3C's "Best Practices for Publishing Linked Data" asks for machine-readable forms
beside the human one), and ``kg serve`` says the same in ``Link`` headers (RFC 8288): the 303 of a
project IRI points to each of its documents with ``rel="describedby"`` (POWDER's relation: the
document describes the IRI), each document to its other forms with ``rel="alternate"`` and to the
HTML page with ``rel="canonical"`` only from the page itself. The home page points to the VoID
description (``rel="describedby"``, at the well-known /.well-known/void of the VoID guide, 7.2).
The forms are one list, kg.web.markup.data_links (a static site's and kg serve's), read here.

CORS (the Fetch standard) is off unless ``kg serve --cors ORIGIN`` names the origins whose pages
may read the answers from a browser: a server on a laptop or an intranet should not let any web
page the user visits query it.
"""

from __future__ import annotations

import re
import urllib.parse

from kg.errors import KgError
from kg.query.rdfout import EXTENSIONS
from kg.web.markup import data_links, esc, site_link
from kg.web.negotiate import MEDIA_TYPES

ALLOW_METHODS = "GET, HEAD, POST, OPTIONS"
ALLOW_HEADERS = "Accept, Content-Type"  # what the SPARQL protocol's POST sends besides the CORS-safe ones
EXPOSE_HEADERS = "Link, Location"  # what a script may read of an answer besides the CORS-safe headers
PREFLIGHT_MAX_AGE = "86400"  # seconds a browser may keep a preflight's answer
VOID_PATH = "/.well-known/void"
_ORIGIN = re.compile(r"https?://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def media_type(extension: str) -> str:
    """The media type of a data document's ``extension`` (ttl, jsonld, nt, rdf), without parameters."""
    return MEDIA_TYPES[EXTENSIONS[extension]].partition(";")[0]


def forms(path: str) -> list[tuple[str, str, str]]:
    """(link, media type, name) of each RDF form of the resource at ``path`` ('/id/x', unquoted), from this page.

    Links are absolute paths on kg serve, relative in a static site (kg.web.markup.site_link).
    """
    quoted = urllib.parse.quote(path)
    return [(site_link(f"{quoted}.{ext}"), media_type(ext), name) for ext, name in data_links()]


def alternates(path: str) -> str:
    """The ``<link rel="alternate">`` elements of the page of the resource at ``path``: one per RDF form."""
    return "".join(
        f"<link rel='alternate' type='{esc(media)}' href='{esc(link)}' title='{esc(name)}'>"
        for link, media, name in forms(path)
    )


def link_header(path: str, fmt: str | None) -> str:
    """The ``Link`` header of kg serve's answer for the resource at ``path`` ('/id/x'; format None: its 303).

    The 303 of the IRI names its documents (``describedby``); a document names the other forms
    (``alternate``) and the HTML page; the page names itself ``canonical``.
    """
    quoted = urllib.parse.quote(path)
    links = [(f"{quoted}.html", "text/html")] + [(link, media) for link, media, _ in forms(path)]
    if fmt is None:
        return ", ".join(f'<{link}>; rel="describedby"; type="{media}"' for link, media in links)
    own = next((link for link, media in links if link.endswith("." + _extension(fmt))), None)
    parts = [f'<{link}>; rel="alternate"; type="{media}"' for link, media in links if link != own]
    if fmt == "html":
        parts.append(f'<{own}>; rel="canonical"')
    return ", ".join(parts)


def _extension(fmt: str) -> str:
    return "html" if fmt == "html" else {name: ext for ext, name in EXTENSIONS.items()}[fmt]


def home_link_header() -> str:
    """The home page's ``Link`` header: the VoID description of the dataset (it names the endpoint and the rest)."""
    return f'<{VOID_PATH}>; rel="describedby"; type="text/turtle"'


def parse_cors(origins: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The origins ``--cors`` gives, checked: '*' (any) alone, or scheme://host[:port] each (no path, no '/').

    Raises KgError naming the first that is neither.
    """
    checked = []
    for origin in origins:
        origin = origin.strip()
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise KgError(
                f"--cors {origin!r} is not an origin; give '*' or scheme://host[:port] such as https://example.org "
                "(no path, no trailing '/')."
            )
        checked.append(origin)
    if "*" in checked and len(checked) > 1:
        raise KgError("--cors '*' allows every origin; give it alone, or give the origins one by one.")
    return tuple(dict.fromkeys(checked))


def cors_headers(allowed: tuple[str, ...], origin: str | None, preflight: bool = False) -> dict[str, str]:
    """The CORS headers of an answer to a request from ``origin`` (its Origin header) when ``allowed`` are let in.

    Nothing when CORS is off (``allowed`` empty) or the origin is not allowed; ``Vary: Origin`` is
    kg.web.app's to add when the answer depends on the origin (not for '*'). ``preflight``: the
    answer to an OPTIONS preflight, which also says the methods and headers a request may use.
    """
    if not allowed:
        return {}
    if "*" in allowed:
        given = "*"
    elif origin is not None and origin in allowed:
        given = origin
    else:
        return {}
    headers = {"Access-Control-Allow-Origin": given, "Access-Control-Expose-Headers": EXPOSE_HEADERS}
    if preflight:
        headers.update(
            {
                "Access-Control-Allow-Methods": ALLOW_METHODS,
                "Access-Control-Allow-Headers": ALLOW_HEADERS,
                "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
            }
        )
    return headers


def robots_txt(sitemap: str) -> str:
    """robots.txt: every page may be crawled; the sitemap's absolute URL."""
    head = "# smartcity-kg: every page may be read; the sitemap lists them.\n"
    return f"{head}User-agent: *\nAllow: /\n\nSitemap: {sitemap}\n"
