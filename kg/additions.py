"""Adding sources to the workspace: checked against the shapes with the workspace's graph first.

``kg add`` adds RDF files and SSSOM mapping tables; ``kg import`` and ``kg import-observations``
add the Turtle they produce. Each is validated together with everything the workspace holds
(less the sources it replaces), under the writer lock so that two writers never check against
a graph the other is changing; a source that does not conform is refused with the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from . import generations
from .errors import InputError
from .sources import RdfDocument, check_regular_file, parse_text
from .validate import ValidationReport, note, validate_documents
from .workspace import Addition, Workspace, change, new_entry, read_manifest, replaced_by, stored_name


def checked_as(engine: str) -> str:
    """What the manifest records as the check: the engine that ran (auto runs Oxigraph)."""
    return f"SHACL: conforms ({'pyshacl' if engine == 'pyshacl' else 'oxigraph'} engine)"


def _read(path: Path) -> tuple[RdfDocument, bytes, str, str]:
    """A file to add: its document, bytes, kind and the suffix its stored copy keeps."""
    from .store import read_file

    check_regular_file(path)
    document = read_file(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror}).") from None
    if path.name.endswith(".sssom.tsv"):
        return document, data, "links", ".sssom.tsv"
    return document, data, "rdf", path.suffix.lower()


def add_files(workspace: Workspace, paths: Sequence[Path], engine: str = "auto") -> ValidationReport | None:
    """Add ``paths`` if, with the workspace's graph, they conform; else the report (nothing is added)."""
    read = [(path, *_read(path)) for path in paths]  # every file readable before the lock is taken
    with generations.writer_lock(workspace.store_folder):
        workspace.manifest = read_manifest(workspace.folder)
        additions = []
        for path, document, data, kind, suffix in read:
            original = str(path.expanduser().absolute())
            entry = new_entry(workspace, kind, original, suffix, data, path.name.removesuffix(suffix))
            entry["checked"] = checked_as(engine)
            additions.append(Addition(entry, document, data))
            if not document.quads:
                note(f"{path} holds no triples: there was nothing in it to check")
        removals = replaced_by(workspace, [a.entry for a in additions])
        report = _check(workspace, [a.document for a in additions], removals, engine)
        if not report.conforms:
            return report
        change(workspace, additions, removals)
    return None


def add_turtle(
    workspace: Workspace,
    kind: str,
    source_id: str,
    original: Path,
    turtle: bytes,
    checked: str,
    replaces: Sequence[str],
) -> dict:
    """Add the Turtle an import produced (already checked against the shapes) as source ``source_id``.

    ``replaces``: the stored paths of sources the import replaces (a framework imported again).
    """
    document = RdfDocument(original, parse_text(turtle.decode("utf-8"), ox.RdfFormat.TURTLE, name=str(original)))
    with generations.writer_lock(workspace.store_folder):
        workspace.manifest = read_manifest(workspace.folder)
        entry = new_entry(workspace, kind, str(original.expanduser().absolute()), ".ttl", turtle, source_id)
        entry["id"], entry["stored"] = source_id, stored_name(source_id, entry["sha256"], ".ttl")
        entry["checked"] = checked
        stored = {str(workspace.folder / s["stored"]) for s in workspace.sources}
        removals = [s for s in workspace.sources if s["id"] == source_id or str(workspace.folder / s["stored"]) in
                    {r for r in replaces if r in stored}]  # fmt: skip
        change(workspace, [Addition(entry, document, turtle)], removals)
    return entry


def _check(workspace: Workspace, new: list[RdfDocument], removals: list[dict], engine: str) -> ValidationReport:
    gone = {str(workspace.folder / s["stored"]) for s in removals}
    others = [d for d in workspace.documents() if str(d.path) not in gone]
    return validate_documents([*others, *new], checked=[d.path for d in new], engine=engine)
