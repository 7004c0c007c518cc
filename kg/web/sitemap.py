"""Sitemaps (the sitemaps.org protocol): every HTML page of a site or of ``kg serve``, for crawlers.

A sitemap lists at most MAX_URLS absolute URLs (and is at most MAX_BYTES); more are split into
``sitemap-1.xml``, ``sitemap-2.xml``, ... and ``sitemap.xml`` becomes their sitemap index, so the
one address to give (robots.txt's ``Sitemap:`` line, kg.web.discovery.robots_txt) is always
``sitemap.xml``. URLs are percent-encoded and XML-escaped, as the protocol asks. ``kg publish``
writes them (:func:`site_sitemaps`, from the HTML files it wrote and its ``--base-url``); ``kg
serve`` answers /sitemap.xml from its graph (:func:`served_pages`) at the address the client used.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

import pyoxigraph as ox

from kg.errors import KgError
from kg.web.resources import local_path

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
MAX_URLS = 50_000  # per sitemap file, and sitemap files per index (sitemaps.org)
MAX_BYTES = 50 * 1024 * 1024  # per file, uncompressed
INDEX = "sitemap.xml"
LEFT_OUT = frozenset({"404.html"})  # a page no link leads to on purpose
# What a base URL may hold: a host, maybe a port, a path of unreserved characters (no quoting needed anywhere).
SAFE_URL = r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?"
DEFAULT_BASE_URL = "https://w3id.org/smartcity-kg/"  # where the IRIs live: w3id redirects there to the pages


def check_base_url(url: str) -> str:
    """``url`` as the root of a site's URLs: absolute http(s), no query or fragment, ending in '/'.

    Raises KgError (one sentence) for anything else.
    """
    parts = urllib.parse.urlsplit(url.strip())
    plain = re.fullmatch(SAFE_URL, url.strip())  # it is written into .htaccess rules too (kg.web.deploy)
    if not plain or parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise KgError(
            f"--base-url {url!r} is not the address of a site; give an absolute http(s) URL such as "
            f"{DEFAULT_BASE_URL} (no query, no '#')."
        )
    return url.strip() if url.strip().endswith("/") else url.strip() + "/"


def _urlset(urls: list[str]) -> bytes:
    rows = "".join(f"<url><loc>{escape(url)}</loc></url>\n" for url in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NS}">\n{rows}</urlset>\n'.encode()


def _index(urls: list[str]) -> bytes:
    rows = "".join(f"<sitemap><loc>{escape(url)}</loc></sitemap>\n" for url in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{NS}">\n{rows}</sitemapindex>\n'.encode()


def sitemaps(base: str, paths: Iterable[str], per_file: int = MAX_URLS) -> dict[str, bytes]:
    """The sitemap files (name -> bytes) listing ``base`` + each of ``paths`` (unquoted, relative to ``base``).

    One ``sitemap.xml`` for up to ``per_file`` URLs; beyond, ``sitemap-N.xml`` files and ``sitemap.xml``
    their index. Raises KgError when even that cannot hold them (over MAX_URLS files).
    """
    urls = sorted({base + urllib.parse.quote(path, safe="/:@!$&'()*+,;=-._~") for path in paths})
    chunks = [urls[i : i + per_file] for i in range(0, len(urls), per_file)] or [[]]
    if len(chunks) == 1:
        files = {INDEX: _urlset(chunks[0])}
    elif len(chunks) > MAX_URLS:
        raise KgError(f"{len(urls):,} pages are more than one sitemap index can list.")
    else:
        files = {f"sitemap-{n}.xml": _urlset(chunk) for n, chunk in enumerate(chunks, 1)}
        files[INDEX] = _index([base + name for name in files])
    too_big = [name for name, data in files.items() if len(data) > MAX_BYTES]
    if too_big:  # 50,000 URLs of 1 KB each would be: split by count further
        return sitemaps(base, paths, per_file // 2)
    return files


def site_pages(root: Path) -> list[str]:
    """The HTML pages under ``root`` (a site being built), relative with '/'; index.html as '' (the site's root)."""
    pages = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            if name.endswith(".html"):
                relative = Path(folder, name).relative_to(root).as_posix()
                if relative not in LEFT_OUT:
                    pages.append("" if relative == "index.html" else relative)
    return pages


def served_pages(store: ox.Store) -> list[str]:
    """The HTML pages ``kg serve`` answers for its graph, relative to its root: home, VoID, ontology, each resource."""
    found = {"", "void", "ontology.html"}
    for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode):
                local = local_path(term.value)
                if local is not None and local.startswith("/id/") and "#" not in local:
                    found.add(local[1:] + ".html")
    return sorted(found)
