"""``kg repair`` and ``kg check --deep``: check the workspace's store file by file, and rebuild a damaged one.

The store is derived data: the workspace keeps the copy of every source it was made from
(checked against the SHA-256 its manifest records) and the package holds the bundled files, so a
damaged store is rebuilt from them as any removal rebuilds it (kg.graph.workspace.change): into a
new generation, counted again and recorded before the manifest names it, so an interrupted or
failed repair leaves the workspace as it was. The damaged generation is never read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.cache import file_sha256
from kg.errors import StoreDamaged, WorkspaceError
from kg.graph import generations, integrity
from kg.graph.workspace import Source, Workspace, change, read_manifest
from kg.sources.documents import bundled_documents


@dataclass
class Repaired:
    """What ``repair`` found and did: ``damage`` (what was wrong, "" if nothing), whether it ``rebuilt`` the
    store, and then the new ``generation``, its ``triples`` and the ``sources`` it was rebuilt from."""

    damage: str
    rebuilt: bool
    generation: int
    triples: int
    sources: list[Source] = field(default_factory=list)
    bundled_files: int = 0


def check_store(workspace: Workspace) -> int:
    """Verify every file of the workspace's store against its record, checksums included; how many files.

    Raises StoreDamaged naming the first damaged file.
    """
    return integrity.verify(workspace.store_folder, workspace.manifest["generation"], deep=True)


def _check_copies(workspace: Workspace) -> None:
    """Each source's stored copy holds the bytes the manifest recorded; else WorkspaceError naming it."""
    for source in workspace.entries:
        path = workspace.folder / source["stored"]
        try:
            same = file_sha256(path) == source["sha256"]
        except OSError as error:
            raise WorkspaceError(
                f"{path}: the workspace's copy of source {source['id']} cannot be read ({error.strerror}); "
                f"run 'kg remove {source['id']}' (it rebuilds the store without it) and add {source['original']} again."
            ) from None
        if not same:
            raise WorkspaceError(
                f"{path}: the workspace's copy of source {source['id']} has changed since it was added; "
                f"run 'kg remove {source['id']}' (it rebuilds the store without it) and add {source['original']} again."
            )


def repair(workspace: Workspace, *, force: bool = False) -> Repaired:
    """Rebuild the workspace's store from its sources' copies and the bundled data, if it is damaged (or has no
    record of its files, or ``force``); an intact store is left as it is.

    Under the writer lock. Raises WorkspaceError if a source's copy is missing or changed (the message
    says how to drop it) or the workspace cannot be written.
    """
    with generations.writer_lock(workspace.store_folder):
        workspace.manifest = read_manifest(workspace.folder)
        try:
            damage = "" if check_store(workspace) else "it has no record of its files (an older smartcity-kg made it)"
        except StoreDamaged as error:
            damage = error.what
        if not (damage or force):
            manifest = workspace.manifest
            return Repaired("", False, manifest["generation"], manifest["triples"], list(workspace.entries))
        _check_copies(workspace)
        change(workspace, bundled=bundled_documents())
        manifest = workspace.manifest
        files = len(manifest["bundled"]["files"])
        return Repaired(damage, True, manifest["generation"], manifest["triples"], list(workspace.entries), files)
