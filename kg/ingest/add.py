"""Adding sources to the workspace: checked against the shapes with the workspace's graph first.

``kg add`` adds RDF files and SSSOM mapping tables; ``kg import`` and ``kg import-observations``
add the Turtle they produce. Each is validated together with everything the workspace holds
(less the sources it replaces), under the writer lock so that two writers never check against
a graph the other is changing; a source that does not conform is refused with the report.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import InputError
from kg.graph import generations
from kg.graph.loading import Load, bulk_loadable, put
from kg.graph.workspace import Addition, Workspace, change, new_entry, read_manifest, replaced_by, stored_name
from kg.sources.documents import read_file
from kg.sources.files import RdfDocument, bundled_data_paths, check_regular_file, parse_text
from kg.validation import ValidationReport, choose_engine, make_report, note, validate_documents
from kg.validation.oxigraph_engine import describer, load_shapes, validate_store


def checked_as(engine: str) -> str:
    """What the manifest records as the check: the engine that ran (auto runs Oxigraph)."""
    return f"SHACL: conforms ({'pyshacl' if engine == 'pyshacl' else 'oxigraph'} engine)"


def _read(path: Path) -> tuple[RdfDocument, bytes, str, str]:
    """A file to add: its document, bytes, kind and the suffix its stored copy keeps."""
    document = read_file(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror}).") from None
    if path.name.endswith(".sssom.tsv"):
        return document, data, "links", ".sssom.tsv"
    return document, data, "rdf", path.suffix.lower()


def _copy_in(workspace: Workspace, path: Path) -> tuple[Path, str]:
    """A large file copied into the workspace's sources/ in pieces, never whole in memory: (copy, SHA-256)."""
    digest, copy = hashlib.sha256(), workspace.folder / "sources" / f".incoming-{os.getpid()}{path.suffix.lower()}"
    try:
        with path.open("rb") as source, copy.open("wb") as target:
            while piece := source.read(_PIECE):
                digest.update(piece)
                target.write(piece)
    except OSError as error:
        copy.unlink(missing_ok=True)
        raise InputError(f"{path}: cannot be copied into the workspace ({error.strerror}).") from None
    return copy, digest.hexdigest()


_PIECE = 16 * 2**20


def add_files(workspace: Workspace, paths: Sequence[Path], engine: str = "auto") -> ValidationReport | None:
    """Add ``paths`` if, with the workspace's graph, they conform; else the report (nothing is added).

    Each file is loaded into a new generation of the store and the shapes run there, over the
    whole graph; the generation is committed only if it conforms. Large N-Triples files are
    copied in and bulk-loaded by Oxigraph (kg.graph.loading); the others are parsed first, before the
    writer lock is taken, so that a syntax error is reported at once.

    ``engine``: as in kg.validation.validate_documents. Raises InputError when a file cannot be read,
    WorkspaceError when the workspace cannot be locked or changed, ValidationError for an unknown
    ``engine``, and UnsupportedShape when the shapes use a feature the Oxigraph engine lacks.
    """
    choose_engine(engine)
    for path in paths:
        check_regular_file(path)
    parsed = {path: _read(path) for path in paths if not bulk_loadable(path)}
    with generations.writer_lock(workspace.store_folder):
        workspace.manifest = read_manifest(workspace.folder)
        additions = []
        for path in paths:
            original = str(path.expanduser().absolute())
            if path in parsed:
                document, data, kind, suffix = parsed[path]
                entry = new_entry(workspace, kind, original, suffix, hashlib.sha256(data).hexdigest(), path.stem)
                additions.append(Addition(entry, Load(str(path), document=document), data))
                if not document.quads:
                    note(f"{path} holds no triples: there was nothing in it to check")
            else:
                copy, digest = _copy_in(workspace, path)
                entry = new_entry(workspace, "rdf", original, ".nt", digest, path.stem)
                stored = workspace.folder / entry["stored"]
                copy.replace(stored)
                additions.append(Addition(entry, Load(str(path), path=stored)))
            entry["checked"] = checked_as(engine)
        removals = replaced_by(workspace, [a.entry for a in additions])
        if engine == "pyshacl":  # the reference engine works on parsed documents, not in the store
            report = _check_documents(workspace, additions, removals, engine)
            return report if not report.conforms else change(workspace, additions, removals)
        others = _others(workspace, removals)
        return change(workspace, additions, removals, check=lambda store: _check_in_store(store, additions, others))


def check_files(workspace: Workspace, paths: Sequence[Path], engine: str = "auto") -> ValidationReport:
    """What ``kg add`` would say of ``paths``, without adding them: loaded into a throw-away copy of the
    workspace's store (large N-Triples by the bulk loader, straight from the file) and checked there.
    Without ``paths``, the workspace's graph itself is checked, in the same way.

    Raises what add_files raises, but changes nothing.
    """
    choose_engine(engine)
    for path in paths:
        check_regular_file(path)
    loads = [Load(str(p), path=p) if bulk_loadable(p) else Load(str(p), document=_read(p)[0]) for p in paths]
    for load in loads:
        if load.document is not None and not load.document.quads:
            note(f"{load.name} holds no triples: there was nothing in it to check")
    if engine == "pyshacl":
        return _check_documents(workspace, [Addition({}, load) for load in loads], [], engine)
    with _throw_away_copy(workspace) as store:
        for load in loads:
            put(store, load)
        report = _check_in_store(store, [Addition({}, load) for load in loads], _others(workspace, []))
    if not paths:  # the whole graph was checked: name its files, as kg.validate does
        report.checked_files = [*bundled_data_paths(), *(workspace.folder / s["stored"] for s in workspace.sources)]
    return report


# A workspace up to this size is copied into memory to check files against it (faster to load
# into); a larger one is checked in a throw-away copy of its on-disk store (copying is free).
IN_MEMORY_TRIPLES = 500_000


@contextlib.contextmanager
def _throw_away_copy(workspace: Workspace) -> Iterator[ox.Store]:
    folder, number = workspace.store_folder, workspace.manifest["generation"]
    if workspace.manifest["triples"] > IN_MEMORY_TRIPLES:
        with generations.scratch(folder, number) as store:
            yield store
        return
    source, lock = generations.open_shared(folder, number)
    try:
        store = ox.Store()
        store.bulk_extend(source.quads_for_pattern(None, None, None, None))
    finally:
        del source
        lock.close()
    yield store


def add_turtle(
    workspace: Workspace,
    kind: str,
    source_id: str,
    original: Path,
    turtle: bytes,
    checked: str,
    replaces: Sequence[str],
) -> dict[str, Any]:
    """Add the Turtle an import produced (already checked against the shapes) as source ``source_id``.

    ``kind``: the manifest's kind of source; ``original``: the sheet it came from; ``checked``: what the
    manifest records as its check; ``replaces``: the stored paths of sources the import replaces (a
    framework imported again). Returns the manifest entry. Raises InputError when ``turtle`` does not
    parse and WorkspaceError when the workspace cannot be locked or changed.
    """
    document = RdfDocument(original, parse_text(turtle.decode("utf-8"), ox.RdfFormat.TURTLE, name=str(original)))
    with generations.writer_lock(workspace.store_folder):
        workspace.manifest = read_manifest(workspace.folder)
        digest = hashlib.sha256(turtle).hexdigest()
        entry = new_entry(workspace, kind, str(original.expanduser().absolute()), ".ttl", digest, source_id)
        entry["id"], entry["stored"] = source_id, stored_name(source_id, entry["sha256"], ".ttl")
        entry["checked"] = checked
        stored = {str(workspace.folder / s["stored"]) for s in workspace.sources}
        removals = [s for s in workspace.sources if s["id"] == source_id or str(workspace.folder / s["stored"]) in
                    {r for r in replaces if r in stored}]  # fmt: skip
        change(workspace, [Addition(entry, Load(str(original), document=document), turtle)], removals)
    return entry


def _documents(additions: Sequence[Addition]) -> list[RdfDocument]:
    """The additions as parsed documents (a bulk-loaded file is parsed here, only when a report needs it)."""
    return [a.load.document or read_file(Path(a.load.name)) for a in additions]


def _check_in_store(
    store: ox.Store, additions: Sequence[Addition], others: Callable[[], list[RdfDocument]]
) -> ValidationReport:
    """The shapes run in ``store`` over the whole graph (kg.validation.oxigraph_engine). Only if something is wrong
    are the files read again, ``others`` (the workspace's) and the additions, to say which state
    each offending node, as the reference engine's report does."""
    problems = validate_store(store, load_shapes())
    checked = [Path(a.load.name) for a in additions]
    documents = [*others(), *_documents(additions)] if problems else []
    return make_report(documents, checked, problems, describer(store, {p.focus for p in problems}))


def _others(workspace: Workspace, removals: Sequence[dict[str, Any]]) -> Callable[[], list[RdfDocument]]:
    gone = {str(workspace.folder / s["stored"]) for s in removals}
    return lambda: [d for d in workspace.documents() if str(d.path) not in gone]


def _check_documents(
    workspace: Workspace, additions: Sequence[Addition], removals: list[dict[str, Any]], engine: str
) -> ValidationReport:
    new = _documents(additions)
    return validate_documents([*_others(workspace, removals)(), *new], checked=[d.path for d in new], engine=engine)
