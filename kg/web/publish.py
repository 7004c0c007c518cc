"""``kg publish --out DIR``: write the workspace's graph as a static linked-data site, all or nothing.

The site (kg.web.site renders its files) mirrors the project's IRIs as ``kg serve`` answers them:

    index.html                        frameworks, entry points, dumps, the browse pages with counts
    browse/                           a page per framework and per type listing its resources (kg.web.browse)
    id/PATH.html .ttl .jsonld .nt .rdf  a page and its data for each IRI under .../smartcity-kg/id/
    ontology.html .ttl .jsonld .nt .rdf the ontology's documentation and its triples
    search.html, search/              the client-side search (kg.web.sitesearch)
    report/                           the participation report (kg.analysis.report)
    dumps/smartcity-kg.ttl .nt .jsonld, dumps/SHA256SUMS
    void.ttl                          VoID, the dumps as void:dataDump (and void.html .jsonld .rdf)
    sitemap.xml, robots.txt           every page for crawlers, by --base-url (kg.web.sitemap, kg.web.discovery)
    .htaccess, 404.html, .nojekyll    for a static host or Apache (kg.web.deploy); w3id.htaccess with --base-url
    kg-publish.json                   the manifest: every file of the site with its size and SHA-256

It is built in a temporary folder beside DIR (same filesystem) and renamed into place, so an
error or an interrupted run never leaves a half-written site. A previous kg publish output is
replaced only when its manifest proves it is one, unchanged (kg.web.sitemanifest); any other
non-empty folder is refused and nothing in it deleted. What a run killed outright leaves beside
DIR is removed by the next run.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import OutputError, shown
from kg.output import file_mode, track_temporary, untrack_temporary, write_new
from kg.version import __version__
from kg.web.sitemanifest import MANIFEST, MARKER, check_site, claim, manifest, remove_leftovers

if TYPE_CHECKING:
    from kg.graph.embedded import KnowledgeGraph

SITE_MARKER = MANIFEST
PROGRESS_SECONDS = 2.0  # a run that takes longer says what it is doing, at most this often


class Progress:
    """Lines on stderr saying how far a long run is; nothing for a run shorter than PROGRESS_SECONDS."""

    def __init__(self) -> None:
        self.start = self.last = time.monotonic()

    def __call__(self, message: str) -> None:
        """Say ``message`` (with the time so far), if the last line was said PROGRESS_SECONDS ago or more."""
        now = time.monotonic()
        if now - self.last >= PROGRESS_SECONDS:
            self.last = now
            print(f"kg publish: {message} ({now - self.start:.0f} s)", file=sys.stderr)


def check_out(out: Path) -> bool:
    """Whether ``out`` holds a previous kg publish output (to replace); kg.web.sitemanifest.check_site."""
    return check_site(out)


def _write_file(root: Path, path: str, data: bytes) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    write_new(target, data)


def build(graph: KnowledgeGraph, root: Path, progress: Progress, base_url: str | None = None) -> dict[str, Any]:
    """Write the whole site into the empty folder ``root``; returns what kg-publish.json records.

    ``base_url`` (checked, ending in '/') is where the site will be published: its sitemap, robots.txt and
    the index's schema.org Dataset (kg.web.dataset) name pages by it (kg.web.sitemap.DEFAULT_BASE_URL if
    None), and only when it is given are w3id.org's rules written to point there (kg.web.deploy).
    Raises OSError when a file cannot be written (:func:`publish` says it in one sentence).
    """
    # imported here: the kg command imports this module at every start, and these are heavy
    from kg.analysis.report import build_report
    from kg.web.access import FAVICON, favicon
    from kg.web.browse import Browse
    from kg.web.dataset import dataset, date_modified, script
    from kg.web.deploy import deploy_files
    from kg.web.discovery import media_type, robots_txt
    from kg.web.markup import head_links
    from kg.web.querypages import query_files
    from kg.web.site import dump_files, ontology_files, resource_files, resources, site_index, snapshot, void_file
    from kg.web.sitemap import DEFAULT_BASE_URL, INDEX, site_pages, sitemaps
    from kg.web.sitesearch import search_files

    site_url = base_url or DEFAULT_BASE_URL

    memory = snapshot(graph.store)
    triples = len(memory)
    iris = resources(memory)
    labels: dict[str, str | None] = {}  # every page names the same few hundred resources: each label is looked up once
    for done, iri in enumerate(iris):
        for path, data in resource_files(memory, iri, labels):
            _write_file(root, path, data)
        progress(f"{done + 1} of {len(iris)} resources written")
    for path, data in ontology_files(memory):
        _write_file(root, path, data)
    for path, data in search_files(memory, iris):  # the client-side search (kg.web.sitesearch)
        _write_file(root, path, data)
    progress("answering the named queries")
    for path, data in query_files(graph):
        _write_file(root, path, data)
    progress("writing the participation report")
    build_report(graph, root / "report")
    progress("writing the dumps")
    sizes = {}
    for path, data in dump_files(memory):
        _write_file(root, path, data)
        if not path.endswith("SHA256SUMS"):
            sizes[path.rpartition("/")[2]] = (len(data), hashlib.sha256(data).hexdigest())
    _write_file(root, "void.ttl", void_file(memory))
    frameworks = graph.query("frameworks")
    browse = Browse(memory, iris, [str(row[0]) for row in frameworks.rows])  # browse/: a page per framework, type
    for path, data in browse.pages(labels):
        _write_file(root, path, data)
    _write_file(root, FAVICON, favicon())  # every page links it (kg.web.access)
    for path, data in deploy_files(memory, iris, base_url):
        _write_file(root, path, data)
    dumps = [(f"{site_url}dumps/{name}", media_type(name.rpartition(".")[2]), *sizes[name]) for name in sizes]
    with head_links(script(dataset(site_url, dumps=dumps, modified=date_modified(memory)))):
        _write_file(root, "index.html", site_index(memory, frameworks, sizes, triples, browse))
    for path, data in sitemaps(site_url, site_pages(root)).items():
        _write_file(root, path, data)
    _write_file(root, "robots.txt", robots_txt(f"{site_url}{INDEX}").encode("utf-8"))
    record = {"generator": f"kg publish (smartcity-kg {__version__})", "triples": triples, "resources": len(iris)}
    record["base_url"] = site_url
    _write_file(root, SITE_MARKER, manifest(root, record))
    return record


def _dir_mode() -> int:
    """The mode ``mkdir`` gives under the user's umask (mkdtemp's 0700 would hide the site from a web server)."""
    mode = file_mode()
    return mode | ((mode & 0o444) >> 2)


def publish(graph: KnowledgeGraph, out: Path | str, base_url: str | None = None) -> dict[str, Any]:
    """Write the site for ``graph`` to ``out``: built beside it, then renamed into place (replacing an old one).

    ``base_url``: where the site will be published (http or https; kg.web.sitemap.DEFAULT_BASE_URL for its
    sitemap if None, and then no w3id.htaccess). Returns what kg-publish.json records, and the seconds it
    took. Raises KgError for a base URL that is not an http(s) address, OutputError when ``out`` may not be
    written (:func:`check_out`) or a file of the site cannot be.
    """
    from kg.web.sitemap import check_base_url  # heavy (pyoxigraph): the kg command imports this

    base = check_base_url(base_url) if base_url is not None else None
    out = Path(out).expanduser().absolute()
    out = out.parent.resolve() / out.name if out.name else out.resolve()
    remove_leftovers(out)
    check_out(out)  # refused at once, not after the build
    progress = Progress()
    temporary = old = None
    markers = []
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=f".{out.name}.publish-", dir=out.parent))
        track_temporary(temporary)
        markers.append(claim(temporary))
        os.chmod(temporary, _dir_mode())
        record = build(graph, temporary, progress, base)
        if check_out(out):  # again: the build took a while, and the folder is the user's meanwhile
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            track_temporary(old)
            markers.append(claim(old))
            os.replace(out, old / "site")
        elif out.is_dir():
            out.rmdir()  # empty: checked above
        try:
            os.replace(temporary, out)
        except BaseException:  # an error or Ctrl-C between the two renames: put the previous site back
            if old is not None and not out.exists():
                os.replace(old / "site", out)
            raise
        with contextlib.suppress(OSError):
            (out / MARKER).unlink()  # the run's marker came along with the site
    except (FileExistsError, NotADirectoryError) as error:
        raise OutputError(
            f"cannot write the site into {shown(out)}: a part of the path ({error.filename}) is a file, not a folder; "
            "choose another --out."
        ) from None
    except OSError as error:
        where = f" ({error.filename})" if error.filename else ""
        raise OutputError(
            f"cannot write the site into {shown(out)}: {error.strerror or error}{shown(where)}; choose another --out "
            "or fix its permissions."
        ) from None
    finally:
        for handle in markers:
            handle.close()
        for folder in (temporary, old):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
                untrack_temporary(folder)
    record["seconds"] = round(time.monotonic() - progress.start, 1)
    return record
