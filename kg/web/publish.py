"""``kg publish --out DIR``: write the workspace's graph as a static linked-data site, all or nothing.

The site (kg.web.site renders its files) mirrors the project's IRIs as ``kg serve`` answers them:

    index.html                        frameworks, entry points, dumps, every resource by type
    id/PATH.html .ttl .jsonld .nt     a page and its data for each IRI under .../smartcity-kg/id/
    ontology.html .ttl .jsonld .nt    the ontology's documentation and its triples
    report/                           the participation report (kg.analysis.report)
    dumps/smartcity-kg.ttl .nt .jsonld, dumps/SHA256SUMS
    void.ttl                          VoID, the dumps as void:dataDump
    kg-publish.json                   says kg publish wrote the folder: only such a folder is replaced

It is built in a temporary folder beside DIR (same filesystem) and renamed into place, so an
error or an interrupted run never leaves a half-written site; a previous kg publish output is
replaced, any other non-empty folder is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import OutputError
from kg.output import file_mode, track_temporary, untrack_temporary, write_new
from kg.version import __version__

if TYPE_CHECKING:
    from kg.graph.embedded import KnowledgeGraph

SITE_MARKER = "kg-publish.json"
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
    """Whether ``out`` holds a previous kg publish output (to replace).

    Raises OutputError if ``out`` is a file, or a non-empty folder kg publish did not write.
    """
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file; give --out a folder (new, empty, or an earlier kg publish output).")
    if not out.is_dir() or not any(out.iterdir()):
        return False
    if not (out / SITE_MARKER).is_file():
        raise OutputError(
            f"{out} is not empty and was not written by kg publish (no {SITE_MARKER} in it); give --out a new or empty "
            "folder, or remove that folder's contents yourself."
        )
    return True


def _write_file(root: Path, path: str, data: bytes) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    write_new(target, data)


def build(graph: KnowledgeGraph, root: Path, progress: Progress) -> dict[str, Any]:
    """Write the whole site into the empty folder ``root``; returns what kg-publish.json records.

    Raises OSError when a file cannot be written (:func:`publish` says it in one sentence).
    """
    # imported here: the kg command imports this module at every start, and these are heavy
    from kg.analysis.report import build_report
    from kg.web.querypages import query_files
    from kg.web.site import dump_files, ontology_files, resource_files, resources, site_index, snapshot, void_file

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
    _write_file(root, "index.html", site_index(memory, graph.query("frameworks"), sizes, triples))
    record = {"generator": f"kg publish (smartcity-kg {__version__})", "triples": triples, "resources": len(iris)}
    _write_file(root, SITE_MARKER, (json.dumps(record, indent=2) + "\n").encode("utf-8"))
    return record


def _dir_mode() -> int:
    """The mode ``mkdir`` gives under the user's umask (mkdtemp's 0700 would hide the site from a web server)."""
    mode = file_mode()
    return mode | ((mode & 0o444) >> 2)


def publish(graph: KnowledgeGraph, out: Path | str) -> dict[str, Any]:
    """Write the site for ``graph`` to ``out``: built beside it, then renamed into place (replacing an old one).

    Returns what kg-publish.json records, and the seconds it took. Raises OutputError when
    ``out`` may not be written (:func:`check_out`) or a file of the site cannot be.
    """
    out = Path(out).expanduser().absolute()
    out = out.parent.resolve() / out.name if out.name else out.resolve()
    replace = check_out(out)
    progress = Progress()
    temporary = old = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=f".{out.name}.publish-", dir=out.parent))
        track_temporary(temporary)
        os.chmod(temporary, _dir_mode())
        record = build(graph, temporary, progress)
        if replace:
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            track_temporary(old)
            os.replace(out, old / "site")
        elif out.is_dir():
            out.rmdir()  # empty: checked above
        try:
            os.replace(temporary, out)
        except BaseException:  # an error or Ctrl-C between the two renames: put the previous site back
            if old is not None and not out.exists():
                os.replace(old / "site", out)
            raise
    except (FileExistsError, NotADirectoryError) as error:
        raise OutputError(
            f"cannot write the site into {out}: a part of the path ({error.filename}) is a file, not a folder; "
            "choose another --out."
        ) from None
    except OSError as error:
        where = f" ({error.filename})" if error.filename else ""
        raise OutputError(
            f"cannot write the site into {out}: {error.strerror or error}{where}; choose another --out "
            "or fix its permissions."
        ) from None
    finally:
        for folder in (temporary, old):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
                untrack_temporary(folder)
    record["seconds"] = round(time.monotonic() - progress.start, 1)
    return record
