"""The one write path into the workspace (``write``): documents -> a new generation -> shapes -> commit.

``kg add`` writes RDF files and SSSOM mapping tables (``file_documents``); ``kg import`` and
``kg import-observations`` write the documents their importers make of a sheet (kg.ingest.frameworks,
kg.ingest.observations); ``kg remove`` takes sources out; kg.Workspace (kg.ingest.workspace) calls
the same function. Under the writer lock, the documents are loaded into a new generation of the
store and the shapes run there, over everything the workspace holds (less the sources they
replace); the generation is committed only if it conforms, else the report says why. Nothing is
checked outside the lock: two writers never pass a check against a graph the other then changes.
``check_files`` (``kg validate FILES``) checks the same way in a throw-away copy, changing nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import InputError
from kg.graph import generations
from kg.graph.loading import Load, bulk_loadable, put
from kg.graph.workspace import (
    Addition,
    Source,
    Workspace,
    change,
    new_entry,
    read_manifest,
    replaced_by,
    stored_name,
)
from kg.sources.documents import read_file
from kg.sources.files import RdfDocument, bundled_data_paths, check_regular_file
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


@dataclass
class Document:
    """One source to write into the workspace: RDF with the name of the file or sheet it came from.

    ``rdf``: its parsed triples, or None for a large N-Triples file that Oxigraph's bulk loader reads
    from ``original`` (kg.graph.loading). ``data``: the bytes its stored copy holds (None: copied from
    ``original``). ``source_id``: the id it takes, replacing the source of that id (an import's:
    its framework's); None: one made from the file name, replacing a source added from the same path.
    ``checked``: what the manifest records before the shapes' verdict. ``replaces``: ids of more
    sources it replaces. ``judge``: called, under the writer lock, with the shapes' report on the
    graph it would make; it may raise to refuse (an import names rows and columns). ``rows``: how many
    sheet rows it was made from (0 for a file).
    """

    original: Path
    kind: str
    rdf: RdfDocument | None
    data: bytes | None = None
    suffix: str = ".ttl"
    source_id: str | None = None
    checked: str = ""
    replaces: tuple[str, ...] = ()
    judge: Callable[[ValidationReport], None] | None = None
    rows: int = 0

    def __repr__(self) -> str:
        how = "bulk N-Triples" if self.rdf is None else f"{len(self.rdf.quads)} triples"
        return f"Document({str(self.original)!r}, {self.kind}, {how})"


# What ``write`` takes: the documents, or a function making them from the workspace as it is under
# the writer lock (an import reads the graph to check its rows: it must read the graph it joins).
Documents = Sequence[Document] | Callable[[Workspace], Sequence[Document]]


@dataclass
class Written:
    """What a write did: the sources it added and removed (manifest entries), or the report that refused it
    (then nothing was added or removed), and the documents it was given."""

    added: list[Source] = field(default_factory=list)
    removed: list[Source] = field(default_factory=list)
    report: ValidationReport | None = None  # set when the shapes refused the change: nothing was written
    documents: list[Document] = field(default_factory=list)

    @property
    def committed(self) -> bool:
        """Whether the change was made (the shapes did not refuse it)."""
        return self.report is None

    def __repr__(self) -> str:
        if self.report is not None:
            violations = sum(p.is_violation for p in self.report.problems)
            return f"Written(refused: {violations} violation(s) of the shapes; nothing was written)"
        parts = [f"added {s['id']} ({s['triples']} triples)" for s in self.added]
        parts += [f"removed {s['id']} ({s['triples']} triples)" for s in self.removed]
        return f"Written({', '.join(parts) or 'nothing'})"


def write(workspace: Workspace, documents: Documents = (), *, remove: Sequence[str] = (),
          engine: str = "auto") -> Written:  # fmt: skip
    """THE write path into the workspace: every command and kg.Workspace method that changes it calls this.

    Under the writer lock: the manifest is read again, ``documents`` made (when a function), the sources
    named in ``remove`` (id, original path or stored copy) and those the documents replace taken out,
    the documents loaded into a new generation of the store and the shapes run there over the whole
    graph (each document's ``judge`` sees the report); the generation is committed only if it
    conforms. Nothing is checked outside the lock, so two writers never pass a check against a graph
    the other then changes. A change that only removes is not checked: a source must always be
    removable (a removal adds no value the shapes could refuse).

    ``engine``: as in kg.validation.validate_documents ("pyshacl" checks parsed documents, not the
    store). Returns what was done, or the report that refused it (``Written.report``). Raises
    InputError when a file cannot be read or a source to remove is unknown, WorkspaceError when the
    workspace cannot be locked or changed, ValidationError for an unknown ``engine``, UnsupportedShape
    when the shapes use a feature the Oxigraph engine lacks, and what a ``judge`` raises.
    """
    choose_engine(engine)
    with generations.writer_lock(workspace.store_folder):
        workspace.manifest = read_manifest(workspace.folder)
        made = list(documents(workspace) if callable(documents) else documents)
        named = {id(s): s for s in (workspace.find(wanted) for wanted in remove)}
        additions = [_addition(workspace, document, engine) for document in made]
        for source in _replaced(workspace, made, additions):
            named.setdefault(id(source), source)
        removals = list(named.values())
        written = Written([a.entry for a in additions], [dict(s) for s in removals], documents=made)
        if not additions:
            change(workspace, removals=removals)
            return written
        if engine == "pyshacl":  # the reference engine works on parsed documents, not in the store
            report = _judged(made, _check_documents(workspace, additions, removals, engine))
            if report.conforms:
                change(workspace, additions, removals)
            return written if report.conforms else Written(report=report, documents=made)
        others = _others(workspace, removals)
        refused = change(
            workspace, additions, removals, check=lambda store: _judged(made, _check_in_store(store, additions, others))
        )
        return written if refused is None else Written(report=refused, documents=made)


def _judged(documents: Sequence[Document], report: ValidationReport) -> ValidationReport:
    """``report``, once each document's judge has seen it (a judge may raise to refuse the change)."""
    for document in documents:
        if document.judge is not None:
            document.judge(report)
    return report


def _addition(workspace: Workspace, document: Document, engine: str) -> Addition:
    """``document`` as an addition: its manifest entry (id, stored copy) and what the store takes."""
    original = document.original
    name = str(original.expanduser().absolute())
    if document.rdf is None:  # a large N-Triples file: copied in, then bulk-loaded from the copy
        copy, digest = _copy_in(workspace, original)
        entry = new_entry(workspace, document.kind, name, ".nt", digest, original.stem)
        stored = workspace.folder / entry["stored"]
        copy.replace(stored)
        addition = Addition(entry, Load(str(original), path=stored))
    else:
        data = document.data or b""
        digest = hashlib.sha256(data).hexdigest()
        entry = new_entry(workspace, document.kind, name, document.suffix, digest, original.stem)
        if document.source_id is not None:
            entry["id"], entry["stored"] = document.source_id, stored_name(document.source_id, digest, document.suffix)
        addition = Addition(entry, Load(str(original), document=document.rdf), data)
    entry["checked"] = "; ".join(filter(None, (document.checked, checked_as(engine))))
    return addition


def _replaced(workspace: Workspace, documents: Sequence[Document], additions: Sequence[Addition]) -> list[Source]:
    """The sources the documents replace: of the same id (a fixed one), or ``replaces``, or added from the same path."""
    ids = {d.source_id for d in documents if d.source_id is not None} | {i for d in documents for i in d.replaces}
    free = [a.entry for a, d in zip(additions, documents, strict=True) if d.source_id is None]
    by_path = replaced_by(workspace, free)
    return [s for s in workspace.entries if s["id"] in ids or any(s is r for r in by_path)]


def file_documents(paths: Sequence[Path]) -> list[Document]:
    """RDF files and SSSOM mapping tables as documents to write, parsed now (outside the writer lock, so
    that a syntax error is reported at once); a large N-Triples file is left to the bulk loader.

    Raises InputError when a file cannot be read or parsed.
    """
    for path in paths:
        check_regular_file(path)
    documents = []
    for path in paths:
        if bulk_loadable(path):
            documents.append(Document(path, "rdf", None, suffix=".nt"))
            continue
        rdf, data, kind, suffix = _read(path)
        if not rdf.quads:
            note(f"{path} holds no triples: there was nothing in it to check")
        documents.append(Document(path, kind, rdf, data, suffix))
    return documents


def add_files(workspace: Workspace, paths: Sequence[Path], engine: str = "auto") -> ValidationReport | None:
    """Add ``paths`` if, with the workspace's graph, they conform; else the report (nothing is added).

    ``write(workspace, file_documents(paths), engine=engine)``, kept for its callers: see ``write``.
    """
    choose_engine(engine)
    report: ValidationReport | None = write(workspace, file_documents(paths), engine=engine).report
    return report


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
        report.checked_files = [*bundled_data_paths(), *(workspace.folder / s["stored"] for s in workspace.entries)]
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
