"""The deployment files of a published site: Apache rules for the site's own host and for w3id.org, and a 404 page.

``kg publish`` writes them from the graph it publishes (kg.web.publish):

- ``.htaccess`` at the site's root, for an Apache httpd that serves the site's folder itself
  (mod_rewrite, mod_headers, mod_mime; ``AllowOverride All``): a project IRI's path (``/id/X``,
  ``/ontology``) and ``/void`` answer 303 See Other to the file the ``Accept`` header prefers,
  a retired IRI (replaced by another, ``dcterms:isReplacedBy``, and untyped) answers 301 to it, and a missing file
  gets the site's ``404.html``;
- ``w3id.htaccess`` (with ``--base-url``), the rules for https://w3id.org/smartcity-kg/ (the
  ``smartcity-kg/.htaccess`` of the w3id.org repository): the same choices, pointing at the
  address the site is published at.

The 303 follows kg.web.negotiate as far as mod_rewrite can: the offers are kg serve's
(``negotiate.DOCUMENT``: its media types, aliases included, in its order), q-values are compared
to the first decimal (``q=0.85`` and ``q=0.8`` weigh the same here, not in kg serve), ``q=0``
excludes a type, an exact media type overrides ``type/*`` which overrides ``*/*``, no or an empty
Accept header gets HTML, and a header that accepts none of the offers gets 406. Every negotiated
answer carries ``Vary: Accept``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from kg.namespaces import ID, PREFIXES
from kg.query.rdfout import serialize_triples
from kg.web.discovery import media_type
from kg.web.markup import SEGMENT_BYTES, esc, file_path, layout, site_link, written_at
from kg.web.negotiate import DOCUMENT, EXTENSION_OF
from kg.web.pages import triples_page
from kg.web.redirects import retired_iris
from kg.web.resources import local_path
from kg.web.site import DATA, DUMP_STEM, DUMPS, VOID_BASE, site_path
from kg.web.void import PREFIXES_HERE, void_triples

REPLACED_BY = PREFIXES["dcterms"] + "isReplacedBy"
DOCUMENTS = ("html", *DATA)  # the files of a resource, the ontology and VoID (kg.web.site)
NEGOTIATED = "KG_NEGOTIATED"  # the environment variable the negotiated answers set, for their Vary header
# q-value classes as two digits, best first: 10 (q=1 or none), 09 (0.9x) ... 01 (0.1x), 00 (0.0x above 0)
TIERS = ["10", *(f"0{d}" for d in range(9, -1, -1))]
_OTHER_PARAMS = r"(?:\s*;(?!\s*q\s*=)[^,;]*)*"  # media-range parameters other than q
_Q = r"\s*;\s*q\s*=\s*"
_END = _OTHER_PARAMS + r"\s*(?:,|$)"
# a path under id/ that is not a document's (kg.web.negotiate.document_path: a known extension names a document)
_THING = r"id/.+(?<!\.html|\.ttl|\.jsonld|\.nt|\.rdf)"
NEGOTIABLE = f"^(?:{_THING}|ontology|void)$"


def replaced(memory: ox.Store) -> dict[str, str]:
    """Every retired project IRI (kg.web.redirects: ``dcterms:isReplacedBy`` a project IRI, and no type of its
    own) under id/, and the IRI that replaces it. An IRI that is replaced but still typed, such as an indicator
    of an earlier edition, keeps its own page: it is not redirected."""
    return {old: new for old, new in retired_iris(memory).items() if old != new and _path(old) and _path(new)}


def _path(iri: str) -> str | None:
    """The path of a project IRI under id/ relative to the project's root (``id/X``), else None."""
    local = local_path(iri)
    return local[1:] if local and local.startswith("/id/") and "#" not in local else None


def _name(media: str) -> str:
    return re.sub(r"[^a-z0-9]", "_", media)


def _weights(media: str) -> list[str]:
    """Rules setting Q_<media> to the q class the Accept header gives the media range ``media`` (TIERS), ``z`` when
    it names it with q=0 (or a q that is no decimal), empty when it does not name it."""
    start, var = r"(?:^|,)\s*" + re.escape(media), "Q_" + _name(media)
    return [
        f'RewriteCond %{{HTTP_ACCEPT}} "{start}\\s*(?:;|,|$)" [NC]',
        f"RewriteRule ^ - [E={var}:z]",
        f'RewriteCond %{{HTTP_ACCEPT}} "{start}{_OTHER_PARAMS}{_Q}0*\\.0*[1-9]" [NC]',
        f"RewriteRule ^ - [E={var}:00]",
        f'RewriteCond %{{HTTP_ACCEPT}} "{start}{_OTHER_PARAMS}{_Q}0*\\.([1-9])" [NC]',
        f"RewriteRule ^ - [E={var}:0%1]",
        f'RewriteCond %{{HTTP_ACCEPT}} "{start}{_OTHER_PARAMS}(?:{_Q}0*1(?:\\.0*)?)?{_END}" [NC]',
        f"RewriteRule ^ - [E={var}:10]",
    ]


def _negotiation(target: str) -> list[str]:
    """The rules sending a request for a NEGOTIABLE path to ``target``.EXT, EXT chosen by the Accept header, else 406.

    As kg.web.negotiate.choose_format: each offer's q is its own media type's, else its type/*'s, else */*'s
    (W_<media>); the first offer (in DOCUMENT's order) of the best q class wins.
    """
    flags = f"[R=303,L,E={NEGOTIATED}:1]"
    kinds = sorted({media.split("/")[0] + "/*" for media, _ in DOCUMENT})
    lines = []
    for ext in DOCUMENTS:  # each document's file: the path's, unless a long segment gave it another name
        lines += [f"RewriteCond %{{ENV:KG_F_{ext}}} ^$", f"RewriteRule ^(.*)$ - [E=KG_F_{ext}:$1]"]
    first = EXTENSION_OF[DOCUMENT[0][1]]
    lines += [r"RewriteCond %{HTTP_ACCEPT} ^\s*$", f"RewriteRule ^ {target}%{{ENV:KG_F_{first}}}.{first} {flags}"]
    for media in ["*/*", *kinds, *dict.fromkeys(media for media, _ in DOCUMENT)]:
        lines += _weights(media)
    for media in dict.fromkeys(media for media, _ in DOCUMENT):
        var, kind = "W_" + _name(media), "Q_" + _name(media.split("/")[0] + "/*")
        lines += [f"RewriteRule ^ - [E={var}:%{{ENV:Q_{_name('*/*')}}}]", f"RewriteCond %{{ENV:{kind}}} !^$",
                  f"RewriteRule ^ - [E={var}:%{{ENV:{kind}}}]", f"RewriteCond %{{ENV:Q_{_name(media)}}} !^$",
                  f"RewriteRule ^ - [E={var}:%{{ENV:Q_{_name(media)}}}]"]  # fmt: skip
    for tier in TIERS:
        for media, fmt in DOCUMENT:
            lines += [
                f"RewriteCond %{{ENV:W_{_name(media)}}} ={tier}",
                f"RewriteRule ^ {target}%{{ENV:KG_F_{EXTENSION_OF[fmt]}}}.{EXTENSION_OF[fmt]} {flags}",
            ]
    lines.append(f"RewriteRule ^ - [R=406,L,E={NEGOTIATED}:1]")
    rules = sum(line.startswith("RewriteRule") for line in lines)
    return [f"RewriteRule !{NEGOTIABLE} - [S={rules}]", *lines]


def _literal(path: str) -> str:
    """A path as a RewriteRule pattern matching it exactly (mod_rewrite matches the decoded path), without ^ and $."""
    return re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", path).replace(" ", r"\x20")


def _literal_string(path: str) -> str:
    """A path as the right side of a RewriteCond string comparison (=): spaces and quotes escaped."""
    return path.replace("\\", "\\\\").replace(" ", "\\ ").replace('"', '\\"')


def _quoted(path: str) -> str:
    """A path as a substitution: mod_rewrite escapes it for the Location header (no NE on these rules)."""
    return path.replace("$", r"\$").replace("%", r"\%").replace(" ", r"\x20")


def htaccess(
    memory: ox.Store, files: dict[str, dict[str, str]], base_url: str | None = None, *, w3id: bool = False
) -> str:
    """The Apache rules: for the site's own host, or (``w3id``) for w3id.org pointing at ``base_url``.

    ``files`` maps the path of each project IRI under id/ whose files have other names (a long
    segment shortened, kg.web.markup.file_path) to those names by extension (:func:`shortened`). ``base_url``
    is where the site is published (its path is the RewriteBase of the site's own rules).
    """
    base = (base_url or "/").rstrip("/") + "/"
    path = re.sub(r"^[a-z]+://[^/]+", "", base) or "/"
    target = base if w3id else ""
    lines = [
        "# Generated by kg publish (kg/web/deploy.py) from the published graph: do not edit; publish again.",
        f"# For w3id.org (https://w3id.org/smartcity-kg/), pointing at {base}"
        if w3id
        else f"# For an Apache httpd serving this folder at {base}",
        "Options +FollowSymLinks -MultiViews",
        "RewriteEngine on",
    ]
    if not w3id:
        lines += [
            f"RewriteBase {path}",
            f"ErrorDocument 404 {path}404.html",
            'AddType "text/html; charset=utf-8" .html',
            'AddType "text/turtle; charset=utf-8" .ttl',
            "AddType application/ld+json .jsonld",
            "AddType application/n-triples .nt",
            "AddType application/rdf+xml .rdf",
        ]
    lines.append(f"Header always merge Vary Accept env={NEGOTIATED}")
    if not w3id:  # a page names its data beside it (relative to the page: only names that need no escaping)
        lines.append(r"RewriteRule ^(?:id/.+/([A-Za-z0-9._~-]+)|(ontology|void))\.html$ - [E=KG_PAGE:$1$2]")
        alternates = ", ".join(
            f'<%{{KG_PAGE}}e.{ext}>; rel=\\"alternate\\"; type=\\"{media_type(ext)}\\"' for ext in DOCUMENTS[1:]
        )
        lines.append(f'Header set Link "{alternates}" env=KG_PAGE')
    lines.append("# Project IRIs replaced by others: 301 to the new IRI.")
    for old, new in replaced(memory).items():
        to = _quoted(new if w3id else path + (_path(new) or ""))
        lines.append(f"RewriteRule ^{_literal(_path(old) or '')}$ {to} [R=301,L]")
    lines.append("# IRIs whose files have shorter names (a path segment over 200 bytes): compared as strings.")
    moved = replaced(memory)
    files = {path: names for path, names in files.items() if ID[: -len("id/")] + path not in moved}  # 301 above
    if files:
        shortest = min(len(path.split("/")[-1].encode("utf-8")) for path in files)
        lines.append(f"RewriteRule ^(.*?)(\\.(?:{'|'.join(DOCUMENTS)}))?$ - [E=KG_STEM:$1,E=KG_EXT:$2]")
        lines.append(f"RewriteRule !/[^/]{{{shortest},}}(?:\\.[a-z]+)?$ - [S={len(files)}]")
    for iri_path, names in sorted(files.items()):
        if all(len(part.encode("utf-8")) <= SEGMENT_BYTES for part in iri_path.split("/")[:-1]):
            flags = f"E=KG_SHORT:{_quoted(next(iter(names.values())))}"  # the same name for every shortened extension
        else:  # a long folder: every file is named otherwise
            flags = ",".join(f"E=KG_F_{ext}:{_quoted(name)}" for ext, name in names.items())
        lines += [f"RewriteCond %{{ENV:KG_STEM}} ={_literal_string(iri_path)}", f"RewriteRule ^ - [{flags}]"]
    if files:  # which extensions make the last segment too long (kg.web.markup.file_path); then the documents
        for ext in DOCUMENTS:
            lines += [
                r"RewriteCond %{ENV:KG_SHORT} !^$",
                f"RewriteCond %{{ENV:KG_STEM}} /[^/]{{{SEGMENT_BYTES - len(ext)},}}$",
            ]
            lines.append(f"RewriteRule ^ - [E=KG_F_{ext}:%{{ENV:KG_SHORT}}]")
        for ext in DOCUMENTS:
            lines += [f"RewriteCond %{{ENV:KG_EXT}} =.{ext}", f"RewriteCond %{{ENV:KG_F_{ext}}} !^$"]
            lines.append(f"RewriteRule ^ {target}%{{ENV:KG_F_{ext}}}.{ext} {'[R=302,L]' if w3id else '[L]'}")
    if w3id:
        named = rf"^(id/.+|ontology|void)\.({'|'.join(DOCUMENTS)})$"
        lines += ["# A document named with its extension: the published file."]
        lines.append(f"RewriteRule {named} {base}$1.$2 [R=302,L]")
    lines.append("# A project IRI (id/...), the ontology and VoID: 303 to the document the Accept header prefers.")
    lines += _negotiation(target)
    if w3id:
        lines.append(f"RewriteRule ^$ {base} [R=302,L]")
    return "\n".join(lines) + "\n"


def shortened(iris: Iterable[str]) -> dict[str, dict[str, str]]:
    """The id/ paths of ``iris`` (kg.web.site.resources) whose files have other names: for each, the extensions
    whose file is named otherwise (kg.web.markup.file_path counts the extension in) and that name, no extension."""
    found: dict[str, dict[str, str]] = {}
    for iri in iris:
        path = site_path(iri)
        for ext in DOCUMENTS if path else ():
            file = file_path(f"/{path}.{ext}") or ""
            if file[1 : -len(ext) - 1] != path:
                found.setdefault(path or "", {})[ext] = file[1 : -len(ext) - 1]
    return found


def deploy_files(memory: ox.Store, iris: list[str], base_url: str | None) -> Iterator[tuple[str, bytes]]:
    """The site's .htaccess, w3id.htaccess (with ``base_url``), 404.html, .nojekyll, and VoID as a page and in
    JSON-LD and RDF/XML beside void.ttl (kg.web.site.void_file)."""
    files = shortened(iris)
    yield ".htaccess", htaccess(memory, files, base_url).encode("utf-8")
    if base_url:
        yield "w3id.htaccess", htaccess(memory, files, base_url, w3id=True).encode("utf-8")
    yield ".nojekyll", b""  # GitHub Pages: serve the files as they are (no Jekyll)
    yield "404.html", not_found_page(base_url).encode("utf-8")
    dumps = tuple(f"{VOID_BASE}dumps/{DUMP_STEM}.{extension}" for extension in DUMPS)
    triples = void_triples(memory, None, dumps)
    for extension, fmt in (("jsonld", "jsonld"), ("rdf", "rdfxml")):
        data = serialize_triples(triples, fmt, PREFIXES_HERE)
        yield f"void.{extension}", data.replace(f'"{VOID_BASE}', '"').encode("utf-8")  # relative to the file
    # N-Triples has no relative IRIs: the dumps at base_url, or not named
    root = (base_url or "").rstrip("/") + "/"
    absolute = [ox.Triple(t.subject, t.predicate, ox.NamedNode(t.object.value.replace(VOID_BASE, root)))
                if isinstance(t.object, ox.NamedNode) and t.object.value.startswith(VOID_BASE) else t
                for t in triples if base_url or not (isinstance(t.object, ox.NamedNode)
                                                     and t.object.value.startswith(VOID_BASE))]  # fmt: skip
    yield "void.nt", serialize_triples(absolute, "ntriples").encode("utf-8")
    with written_at("/void.html"):
        page = triples_page(memory, "VoID description of smartcity-kg", triples)
    yield "void.html", page.replace(f"'{VOID_BASE}", "'").replace(VOID_BASE, "").encode("utf-8")


def not_found_page(base_url: str | None) -> str:
    """404.html: an HTML page saying the address names nothing here; its links go from the site's root (with
    ``base_url``, a <base> element makes them right wherever the page is served)."""
    with written_at("/404.html"):
        body = (
            "<h1>Not found</h1><p>Nothing is published at this address. The site's "
            f"<a href='{esc(site_link('/'))}'>index</a> lists every resource; a resource's IRI "
            "(https://w3id.org/smartcity-kg/id/...) is answered at the same path under this site.</p>"
        )
        page = layout("Not found", body)
    if not base_url:  # links relative to the site's root: right for a missing address at the root's level
        return page
    root = base_url.rstrip("/") + "/"
    return page.replace("<head>", f"<head><base href='{esc(root)}'>", 1)  # served at any depth: links from the root
