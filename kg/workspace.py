"""The user's workspace: find it, create it, and change what its graph holds.

A workspace is a folder holding ``kg-workspace.json`` (the manifest), ``sources/`` (a copy of
each added file, or the Turtle an import produced) and ``store/`` (the on-disk Oxigraph store,
in generations: see kg.generations). Which one a command uses: ``--workspace DIR``, else
$KG_WORKSPACE, else the nearest folder upward from the current one holding a manifest, else a
per-user default (platformdirs), created on first use. Nothing is written inside the package.

In the store, each bundled file and each added source has its own named graph (so it can be
removed, and read back as a document with its path), and the default graph holds their union,
which queries read: a triple stated by two sources counts once, as in the in-memory graph.
The manifest names the generation readers open, so an add or remove is visible all at once,
or not at all if it is interrupted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from . import __version__, generations
from .errors import InputError
from .generations import WorkspaceError
from .output import OutputError, write_atomically
from .sources import RdfDocument, bundled_data_paths, project_root

MANIFEST = "kg-workspace.json"
FORMAT = 1
ENV = "KG_WORKSPACE"
GRAPH_BASE = "urn:smartcity-kg:graph:"
KINDS = ("rdf", "framework", "observations", "links")

_chosen: list[Path] = []  # set by `kg --workspace DIR`


def choose(path: Path | None) -> None:
    """The workspace named on the command line (``kg --workspace DIR``)."""
    _chosen[:] = [path] if path is not None else []
    if path is not None:  # for the processes a command starts (kg serve's query workers)
        os.environ[ENV] = str(path.expanduser().absolute())


def default_folder() -> Path:
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
    manifest: dict

    @property
    def store_folder(self) -> Path:
        return self.folder / "store"

    @property
    def sources(self) -> list[dict]:
        return self.manifest["sources"]

    def documents(self) -> list[RdfDocument]:
        """The bundled files and each source's stored copy, parsed, in manifest order.

        Parsed from the files, not read back from the store: Oxigraph stores literals normalised
        ("012"^^xsd:positiveInteger comes back as "12"^^xsd:integer), and the shapes check literals
        as written.
        """
        from .store import bundled_documents, read_file

        for source in self.sources:
            if not (self.folder / source["stored"]).is_file():
                raise WorkspaceError(
                    f"{self.folder / source['stored']}: the workspace's copy of source {source['id']} is missing; "
                    f"run 'kg remove {source['id']}' and add {source['original']} again."
                )
        return [*bundled_documents(), *(read_file(self.folder / s["stored"]) for s in self.sources)]

    def find(self, wanted: str) -> dict:
        """The source named by its id, its original path or its stored copy."""
        resolved = str(Path(wanted).expanduser().absolute())
        for source in self.sources:
            if wanted in (source["id"], source["original"]) or resolved == str(self.folder / source["stored"]):
                return source
        known = ", ".join(s["id"] for s in self.sources) or "none ('kg sources' lists them)"
        raise InputError(f"{wanted}: no such source in the workspace {self.folder}; the sources are: {known}.")


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error).splitlines()[0]
        raise WorkspaceError(
            f"{path}: cannot be read ({reason}); restore it or run 'kg init' in a new folder."
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise WorkspaceError(
            f"{path}: not a workspace manifest of format {FORMAT}; this smartcity-kg ({__version__}) cannot use it."
        )
    if not _well_formed(manifest):
        raise WorkspaceError(f"{path}: the manifest is damaged (a field is missing or of the wrong type); restore it "
                             "or run 'kg init' in a new folder.")  # fmt: skip
    return manifest


_SOURCE_FIELDS = {"id": str, "kind": str, "original": str, "stored": str, "sha256": str, "triples": int,
                  "added": str, "checked": str, "graph": str}  # fmt: skip


def _well_formed(manifest: dict) -> bool:
    """Whether every field the commands read is there, with its type (a hand-edited manifest may lack one)."""
    bundled, sources = manifest.get("bundled"), manifest.get("sources")
    if not (isinstance(manifest.get("generation"), int) and isinstance(manifest.get("triples"), int)):
        return False
    if not (isinstance(bundled, dict) and isinstance(bundled.get("hash"), str) and isinstance(sources, list)):
        return False
    files = bundled.get("files")
    if not isinstance(files, list) or not all(isinstance(f, dict) and isinstance(f.get("graph"), str) for f in files):
        return False
    return all(
        isinstance(s, dict) and all(isinstance(s.get(k), t) for k, t in _SOURCE_FIELDS.items())
        and not Path(s["stored"]).is_absolute() and ".." not in Path(s["stored"]).parts
        for s in sources
    )  # fmt: skip


def _write_manifest(folder: Path, manifest: dict) -> None:
    _write(folder / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))


def _write(path: Path, data: bytes) -> None:
    """Write a workspace file atomically; one sentence if the folder cannot be written."""
    try:
        write_atomically(path, data)
    except OutputError as error:
        fix = "choose another --workspace"
        raise WorkspaceError(str(error).replace("choose another place with --out", fix)) from None


def init(folder: Path) -> Workspace:
    """Create a workspace at ``folder`` (an existing one is left as it is) with the bundled data loaded."""
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


def open_workspace(folder: Path | None = None) -> Workspace:
    """The workspace a command uses: created if it is the default or $KG_WORKSPACE, bundled data brought up to date."""
    folder = folder or locate()
    if not (folder / MANIFEST).is_file():
        if folder.is_dir() and any(folder.iterdir()) and not (folder / "store").is_dir():
            raise WorkspaceError(f"{folder}: not a workspace (no {MANIFEST}); run 'kg init {folder}' to make one.")
        return init(folder)
    workspace = Workspace(folder, read_manifest(folder))
    if workspace.manifest["bundled"]["hash"] != bundled_hash():
        with generations.writer_lock(workspace.store_folder):
            workspace.manifest = read_manifest(folder)
            if workspace.manifest["bundled"]["hash"] != bundled_hash():
                refresh_bundled(workspace)
    return workspace


@dataclass
class Addition:
    """A source to add: its entry (without graph and counts) and its parsed document."""

    entry: dict
    document: RdfDocument
    data: bytes  # what the stored copy holds


def new_entry(workspace: Workspace, kind: str, original: str, suffix: str, data: bytes, wanted_id: str) -> dict:
    """A manifest entry for a new source: the id of the source it replaces (same original path), else
    ``wanted_id`` made unique (demo, demo-2 ...)."""
    base = re.sub(r"[^a-z0-9-]+", "-", wanted_id.lower()).strip("-") or "source"
    same = [s["id"] for s in workspace.sources if s["original"] == original]
    base = same[0] if same else base
    taken = {s["id"] for s in workspace.sources if s["original"] != original}
    source_id = base
    for n in range(2, 10_000):
        if source_id not in taken:
            break
        source_id = f"{base}-{n}"
    digest = hashlib.sha256(data).hexdigest()
    return {
        "id": source_id,
        "kind": kind,
        "original": original,
        "stored": stored_name(source_id, digest, suffix),
        "sha256": digest,
        "triples": 0,
        "added": datetime.now(UTC).isoformat(timespec="seconds"),
        "checked": "",
        "graph": "",
    }


def stored_name(source_id: str, digest: str, suffix: str) -> str:
    """Where a source's copy lives: named by its content too, so that a new version never overwrites the
    copy the committed manifest names (a writer killed between the two would leave them disagreeing)."""
    return f"sources/{source_id}.{digest[:10]}{suffix}"


def replaced_by(workspace: Workspace, entries: Iterable[dict]) -> list[dict]:
    """The workspace's sources that ``entries`` replace: those added from the same path."""
    originals = {e["original"] for e in entries}
    return [s for s in workspace.sources if s["original"] in originals]


def _drop(store: ox.Store, graphs: Sequence[str]) -> None:
    """Remove graphs and, from the union, their triples that no other graph states."""
    for graph in graphs:
        store.update(
            f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER(?other != <{graph}>) }} }}"
        )
        store.remove_graph(ox.NamedNode(graph))


def change(workspace: Workspace, additions: Sequence[Addition] = (), removals: Sequence[dict] = (),
           bundled: Sequence[RdfDocument] | None = None) -> None:  # fmt: skip
    """Make a new generation with ``removals`` (and, with ``bundled``, the old bundled files) taken out
    and ``additions`` (and ``bundled``) put in, then commit it by replacing the manifest.

    The caller holds the writer lock and has read the manifest under it.
    """
    folder, manifest = workspace.store_folder, json.loads(json.dumps(workspace.manifest))
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    writable = generations.Writable(folder, manifest["generation"])
    try:
        store = writable.store
        gone = [s["graph"] for s in removals]
        if bundled is not None:
            gone += [f["graph"] for f in manifest["bundled"]["files"]]
        _drop(store, gone)
        if bundled is not None:
            root, files = project_root(), []
            for document in bundled:
                relative = str(document.path.relative_to(root))
                name = f"{GRAPH_BASE}bundled/{stamp}/{relative}"
                _load(store, document.quads, name)
                files.append({"path": relative, "graph": name, "triples": _count(store, name)})
            manifest["bundled"] = {"hash": bundled_hash(), "version": __version__, "files": files}
        removed_ids = {s["id"] for s in removals}
        manifest["sources"] = [s for s in manifest["sources"] if s["id"] not in removed_ids]
        for addition in additions:
            entry = addition.entry
            entry["graph"] = f"{GRAPH_BASE}source/{stamp}/{entry['id']}"
            _load(store, addition.document.quads, entry["graph"])
            entry["triples"] = _count(store, entry["graph"])  # a file may state a triple twice
            manifest["sources"].append(entry)
        named = sum(f["triples"] for f in manifest["bundled"]["files"]) + sum(s["triples"] for s in manifest["sources"])
        manifest["triples"] = len(store) - named
        writable.close()
        for addition in additions:
            _write(workspace.folder / addition.entry["stored"], addition.data)
        manifest["generation"] = writable.number
        _write_manifest(workspace.folder, manifest)
    finally:
        writable.close()
    workspace.manifest = manifest
    kept = {workspace.folder / s["stored"] for s in manifest["sources"]}
    for item in (workspace.folder / "sources").iterdir():  # removed, replaced, or left by a writer that died
        if item not in kept and item.is_file():
            item.unlink(missing_ok=True)
    generations.collect(folder, manifest["generation"])


def _count(store: ox.Store, graph: str) -> int:
    answer = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(next(iter(answer))[0].value)


def _load(store: ox.Store, quads: Sequence[ox.Quad], graph: str) -> None:
    """Put ``quads`` into their own graph, then into the union (bulk, no transaction: the generation is
    new). Two passes rather than one: for 1M triples one pass took 17.9 s and 2.6 GB, two 23.9 s and 1.6 GB."""
    name = ox.NamedNode(graph)
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, name) for q in quads)
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)


def refresh_bundled(workspace: Workspace) -> None:
    """Load the package's bundled files in place of the workspace's (first use, or a new package version)."""
    from .store import bundled_documents

    first = not workspace.manifest["bundled"]["files"]
    verb = "loading" if first else f"refreshing (it was from smartcity-kg {workspace.manifest['bundled']['version']})"
    print(f"kg: {verb} the bundled data of smartcity-kg {__version__} into the workspace {workspace.folder}",
          file=sys.stderr)  # fmt: skip
    change(workspace, bundled=bundled_documents())


def remove_sources(workspace: Workspace, sources: Sequence[dict]) -> None:
    change(workspace, removals=sources)
