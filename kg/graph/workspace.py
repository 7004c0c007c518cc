"""The user's workspace: find it, create it, and change what its graph holds.

A workspace is a folder holding ``kg-workspace.json`` (the manifest), ``sources/`` (a copy of
each added file, or the Turtle an import produced) and ``store/`` (the on-disk Oxigraph store,
in generations: see kg.graph.generations). Which one a command uses: ``--workspace DIR``, else
$KG_WORKSPACE, else the nearest folder upward from the current one holding a manifest, else a
per-user default (platformdirs), created on first use. Nothing is written inside the package.

In the store, the default graph holds the union of the bundled files and the added sources,
which queries read: a triple stated by two sources counts once, as in the in-memory graph. An
addition is validated inside the store, against the whole graph, without parsing anything again. An
addition is loaded into a copy of the last generation (a large N-Triples file by Oxigraph's
bulk loader); a removal, a replacement or new bundled data rebuilds the store from the stored
copies. The manifest names the generation readers open, so a change is visible all at once,
or not at all if it is interrupted or refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.errors import InputError, OutputError, WorkspaceError
from kg.graph import generations
from kg.output import write_atomically
from kg.sources.files import RdfDocument, bundled_data_paths, project_root
from kg.version import __version__

if TYPE_CHECKING:  # kg.graph.loading needs rdflib, which a query never imports
    from kg.graph.loading import Load
    from kg.validation import ValidationReport

# The manifest as JSON gives it (read_manifest checks every field the commands read), and one source's entry.
Manifest = dict[str, Any]
Source = dict[str, Any]

MANIFEST = "kg-workspace.json"
# Format 1 also kept each source in a named graph (union in the default graph, as now); it is
# rebuilt as format 2 when first opened.
FORMAT = 2
READABLE_FORMATS = (1, 2)
ENV = "KG_WORKSPACE"
KINDS = ("rdf", "framework", "observations", "links")

_chosen: list[Path] = []  # set by `kg --workspace DIR`


def choose(path: Path | None) -> None:
    """The workspace named on the command line (``kg --workspace DIR``)."""
    _chosen[:] = [path] if path is not None else []
    if path is not None:  # for the processes a command starts (kg serve's query workers)
        os.environ[ENV] = str(path.expanduser().absolute())


def default_folder() -> Path:
    """The per-user workspace (``~/.local/share/smartcity-kg/workspace`` on Linux), used when no other is chosen."""
    import platformdirs

    return Path(platformdirs.user_data_dir("smartcity-kg")) / "workspace"


def locate(start: Path | None = None) -> Path:
    """The workspace folder a command uses (see the module's docstring); it may not exist yet."""
    if _chosen:
        return _chosen[0].expanduser().absolute()
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).expanduser().absolute()
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        if (folder / MANIFEST).is_file():
            return folder
    return default_folder()


def bundled_hash() -> str:
    """A hash of the bundled files' names and bytes: a new package version with other data gives another."""
    digest = hashlib.sha256(__version__.encode())
    root = project_root()
    for path in bundled_data_paths():
        digest.update(b"\0" + str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass
class Workspace:
    """A workspace folder and its manifest as last read."""

    folder: Path
    manifest: Manifest

    @property
    def store_folder(self) -> Path:
        """The folder of the store's generations (kg.graph.generations)."""
        return self.folder / "store"

    @property
    def entries(self) -> list[Source]:
        """The manifest's source entries, in the order they were added."""
        entries: list[Source] = self.manifest["sources"]
        return entries

    def documents(self) -> list[RdfDocument]:
        """The bundled files and each source's stored copy, parsed, in manifest order.

        Parsed from the files, not read back from the store: a report names the file that states
        each offending node. Raises WorkspaceError if a stored copy is missing.
        """
        from kg.sources.documents import bundled_documents, read_file

        for source in self.entries:
            if not (self.folder / source["stored"]).is_file():
                raise WorkspaceError(
                    f"{self.folder / source['stored']}: the workspace's copy of source {source['id']} is missing; "
                    f"run 'kg remove {source['id']}' and add {source['original']} again."
                )
        return [*bundled_documents(), *(read_file(self.folder / s["stored"]) for s in self.entries)]

    def find(self, wanted: str) -> Source:
        """The source named by its id, its original path or its stored copy; InputError if none is."""
        resolved = str(Path(wanted).expanduser().absolute())
        for source in self.entries:
            if wanted in (source["id"], source["original"]) or resolved == str(self.folder / source["stored"]):
                return source
        known = ", ".join(s["id"] for s in self.entries) or "none ('kg sources' lists them)"
        raise InputError(f"{wanted}: no such source in the workspace {self.folder}; the sources are: {known}.")


def read_manifest(folder: Path) -> Manifest:
    """The manifest of the workspace at ``folder``; WorkspaceError if it is unreadable, of another format or damaged."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error).splitlines()[0]
        raise WorkspaceError(
            f"{path}: cannot be read ({reason}); restore it or run 'kg init' in a new folder."
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") not in READABLE_FORMATS:
        raise WorkspaceError(
            f"{path}: not a workspace manifest of format {FORMAT}; this smartcity-kg ({__version__}) cannot use it."
        )
    if not _well_formed(manifest):
        raise WorkspaceError(f"{path}: the manifest is damaged (a field is missing or of the wrong type); restore it "
                             "or run 'kg init' in a new folder.")  # fmt: skip
    return manifest


_SOURCE_FIELDS = {"id": str, "kind": str, "original": str, "stored": str, "sha256": str, "triples": int,
                  "added": str, "checked": str}  # fmt: skip


def _well_formed(manifest: Manifest) -> bool:
    """Whether every field the commands read is there, with its type (a hand-edited manifest may lack one)."""
    bundled, sources = manifest.get("bundled"), manifest.get("sources")
    if not (isinstance(manifest.get("generation"), int) and isinstance(manifest.get("triples"), int)):
        return False
    if not (isinstance(bundled, dict) and isinstance(bundled.get("hash"), str) and isinstance(sources, list)):
        return False
    files = bundled.get("files")
    if not isinstance(files, list) or not all(isinstance(f, dict) and isinstance(f.get("path"), str) for f in files):
        return False
    return all(
        isinstance(s, dict) and all(isinstance(s.get(k), t) for k, t in _SOURCE_FIELDS.items())
        and not Path(s["stored"]).is_absolute() and ".." not in Path(s["stored"]).parts
        for s in sources
    )  # fmt: skip


def _write_manifest(folder: Path, manifest: Manifest) -> None:
    _write(folder / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))


def _write(path: Path, data: bytes) -> None:
    """Write a workspace file atomically; one sentence if the folder cannot be written."""
    try:
        write_atomically(path, data)
    except OutputError as error:
        fix = "choose another workspace folder"
        raise WorkspaceError(str(error).replace("choose another place", fix)) from None


def init(folder: Path) -> Workspace:
    """Create a workspace at ``folder`` (an existing one is left as it is) with the bundled data loaded.

    Raises WorkspaceError if ``folder`` is a file or cannot be written.
    """
    if (folder / MANIFEST).is_file():
        return open_workspace(folder)
    if folder.exists() and not folder.is_dir():
        raise WorkspaceError(f"{folder}: is a file; give a folder for the workspace.")
    try:
        (folder / "sources").mkdir(parents=True, exist_ok=True)
        (folder / "store").mkdir(exist_ok=True)
    except OSError as error:
        reason = error.strerror
        raise WorkspaceError(f"cannot create the workspace {folder}: {reason}; choose another folder.") from None
    with generations.writer_lock(folder / "store"):
        if not (folder / MANIFEST).is_file():  # another process may have made it while we waited
            generations.create_empty(folder / "store")
            empty = {"hash": "", "version": "", "files": []}
            _write_manifest(folder, {"format": FORMAT, "generation": 0, "triples": 0, "bundled": empty, "sources": []})
    return open_workspace(folder)


def open_workspace(folder: Path | None = None, *, create: bool = True) -> Workspace:
    """The workspace at ``folder`` (default: the one ``locate`` finds), bundled data brought up to date.

    Created if it does not exist yet, unless ``create`` is False. Raises WorkspaceError if ``folder``
    holds something else (or nothing, without ``create``), or the workspace is damaged, locked for
    too long by another writer, or cannot be written.
    """
    folder = folder or locate()
    if not (folder / MANIFEST).is_file():
        if not create:
            raise WorkspaceError(f"{folder}: not a workspace (no {MANIFEST}); run 'kg init {folder}' to make one.")
        if folder.is_dir() and any(folder.iterdir()) and not (folder / "store").is_dir():
            raise WorkspaceError(f"{folder}: not a workspace (no {MANIFEST}); run 'kg init {folder}' to make one.")
        return init(folder)
    workspace = Workspace(folder, read_manifest(folder))
    if _stale(workspace.manifest):
        with generations.writer_lock(workspace.store_folder):
            workspace.manifest = read_manifest(folder)
            if _stale(workspace.manifest):
                refresh_bundled(workspace)
    return workspace


def _stale(manifest: Manifest) -> bool:
    """Whether the store must be rebuilt: the package's bundled data changed, or it is of an older format."""
    return bool(manifest["bundled"]["hash"] != bundled_hash() or manifest["format"] != FORMAT)


@dataclass
class Addition:
    """A source to add: its entry (without counts) and what goes into the store.

    ``data`` is what the stored copy holds, written when the change commits; None when the copy
    is already in place (a large file, copied before it was loaded from the copy).
    """

    entry: Source
    load: Load
    data: bytes | None = None


def new_entry(workspace: Workspace, kind: str, original: str, suffix: str, digest: str, wanted_id: str) -> Source:
    """A manifest entry for a new source: the id of the source it replaces (same original path), else
    ``wanted_id`` made unique (demo, demo-2 ...)."""
    base = re.sub(r"[^a-z0-9-]+", "-", wanted_id.lower()).strip("-") or "source"
    same = [s["id"] for s in workspace.entries if s["original"] == original]
    base = same[0] if same else base
    taken = {s["id"] for s in workspace.entries if s["original"] != original}
    source_id = base
    for n in range(2, 10_000):
        if source_id not in taken:
            break
        source_id = f"{base}-{n}"
    return {
        "id": source_id,
        "kind": kind,
        "original": original,
        "stored": stored_name(source_id, digest, suffix),
        "sha256": digest,
        "triples": 0,
        "added": datetime.now(UTC).isoformat(timespec="seconds"),
        "checked": "",
    }


def stored_name(source_id: str, digest: str, suffix: str) -> str:
    """Where a source's copy lives: named by its content too, so that a new version never overwrites the
    copy the committed manifest names (a writer killed between the two would leave them disagreeing)."""
    return f"sources/{source_id}.{digest[:10]}{suffix}"


def replaced_by(workspace: Workspace, entries: Iterable[Source]) -> list[Source]:
    """The workspace's sources that ``entries`` replace: those added from the same path."""
    originals = {e["original"] for e in entries}
    return [s for s in workspace.entries if s["original"] in originals]


@generations.space_checked
def change(
    workspace: Workspace,
    additions: Sequence[Addition] = (),
    removals: Sequence[Source] = (),
    bundled: Sequence[RdfDocument] | None = None,
    check: Callable[[ox.Store], ValidationReport] | None = None,
) -> ValidationReport | None:
    """Make a new generation with ``removals`` taken out (and, with ``bundled``, new bundled files put
    in) and ``additions`` put in; if ``check`` finds it does not conform, drop it and return the report,
    else commit it by replacing the manifest.

    Additions alone are loaded into a copy of the last generation; anything else rebuilds the store
    from the bundled files and the stored copies. The caller holds the writer lock and has read the
    manifest under it. Raises WorkspaceError if the workspace cannot be written or a stored copy
    is missing.
    """
    from kg.graph.loading import Load, put
    from kg.sources.documents import bundled_documents

    folder, manifest = workspace.store_folder, json.loads(json.dumps(workspace.manifest))
    rebuild = bool(removals) or bundled is not None or manifest["format"] != FORMAT
    writable = generations.Writable(folder, manifest["generation"], empty=rebuild)
    bulk = False  # whether a file went to the bulk loader
    try:
        store = writable.store
        if rebuild:
            root, files = project_root(), []
            for document in bundled if bundled is not None else bundled_documents():
                triples = put(store, Load(str(document.path), document=document))
                files.append({"path": str(document.path.relative_to(root)), "triples": triples})
            manifest["bundled"] = {"hash": bundled_hash(), "version": __version__, "files": files}
            removed_ids = {s["id"] for s in removals}
            manifest["sources"] = [s for s in manifest["sources"] if s["id"] not in removed_ids]
            for source in manifest["sources"]:
                load = stored_load(workspace, source)
                source["triples"], bulk = put(store, load), bulk or load.document is None
                source.pop("graph", None)  # of format 1
        for addition in additions:
            addition.entry["triples"] = put(store, addition.load)
            manifest["sources"].append(addition.entry)
            bulk = bulk or addition.load.document is None
        manifest["triples"] = sum(f["triples"] for f in manifest["bundled"]["files"])
        manifest["triples"] += sum(s["triples"] for s in manifest["sources"])
        manifest["format"] = FORMAT
        if check is not None and not (report := check(store)).conforms:
            return report
        if bulk:
            # The bulk loader leaves its tables unmerged; at 10M triples an aggregate ran about
            # seven times slower before compacting them (README, "Scale and speed").
            store.optimize()
        del store  # the last reference but the writable's: sealing closes the store, and only then are its files final
        writable.seal(manifest["triples"] if rebuild else None)  # a rebuild is counted again before it commits
        for addition in additions:
            if addition.data is not None:
                _write(workspace.folder / addition.entry["stored"], addition.data)
        manifest["generation"] = writable.number
        _write_manifest(workspace.folder, manifest)
        workspace.manifest = manifest
    finally:
        writable.close()
        _tidy(workspace)
    return None


def _tidy(workspace: Workspace) -> None:
    """Remove stored copies the manifest does not name (removed, replaced, refused, or left by a writer
    that died) and the generations no reader holds."""
    kept = {workspace.folder / s["stored"] for s in workspace.manifest["sources"]}
    for item in (workspace.folder / "sources").iterdir():
        if item not in kept and item.is_file():
            item.unlink(missing_ok=True)
    generations.collect(workspace.store_folder, workspace.manifest["generation"])


def stored_load(workspace: Workspace, source: Source) -> Load:
    """What the store takes of a source's stored copy: parsed, or a large N-Triples file for the bulk loader.

    Raises WorkspaceError if the copy is missing, InputError if it cannot be parsed.
    """
    from kg.graph.loading import Load, bulk_loadable
    from kg.sources.documents import read_file

    path = workspace.folder / source["stored"]
    if not path.is_file():
        raise WorkspaceError(
            f"{path}: the workspace's copy of source {source['id']} is missing; "
            f"run 'kg remove {source['id']}' and add {source['original']} again."
        )
    return Load(str(path), path=path) if bulk_loadable(path) else Load(str(path), document=read_file(path))


def refresh_bundled(workspace: Workspace) -> None:
    """Load the package's bundled files in place of the workspace's (first use, or a new package version)."""
    from kg.sources.documents import bundled_documents

    first = not workspace.manifest["bundled"]["files"]
    verb = "loading" if first else f"refreshing (it was from smartcity-kg {workspace.manifest['bundled']['version']})"
    print(f"kg: {verb} the bundled data of smartcity-kg {__version__} into the workspace {workspace.folder}",
          file=sys.stderr)  # fmt: skip
    if workspace.manifest["format"] != FORMAT:
        print(f"kg: rebuilding the store of the workspace {workspace.folder} in format {FORMAT}", file=sys.stderr)
    change(workspace, bundled=bundled_documents())
