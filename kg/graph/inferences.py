"""The OWL reasoner's inferences kept in the workspace as a derived source, hashed by its inputs.

A workspace holds ``inferred-<reasoner>-<hash>.nt`` beside its manifest, where the hash is
taken over what the reasoner reads: the bundled data's hash and each source's SHA-256, as the
manifest records them (so checking that the file is current reads no source). The file is an
entry of the kg.cache format: one header line (key, length, SHA-256, triple count) and the
inferred memberships as sorted N-Triples, written atomically, verified whole when read. A file
that is missing is reasoned and written; one that does not verify is rebuilt with one line on
stderr; when a ``kg add`` or ``kg remove`` changes the sources the hash changes, so the next
use reasons again and removes the old file. Processes that need the same file at once (``kg
serve``'s workers) wait on a lock, so that only one of them runs the reasoner.

The key holds neither the Java nor Owlready2's version: a run is only ever kept once the
reasoner has proved it really reasons (kg.reasoning.probe), so its answer depends on the
inputs alone, and reading the file needs no Java. A graph without a workspace (files loaded
with KnowledgeGraph.load) uses the user's cache instead (kg.reasoning.reasoner.cached_inference).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kg.cache import Damaged, entry_bytes, read_entry, read_value, remove_entry
from kg.errors import OutputError
from kg.graph.workspace import Workspace
from kg.output import write_atomically
from kg.sources.files import RdfDocument

if TYPE_CHECKING:  # rdflib and Owlready2 come with the reasoner, imported only when reasoning
    from rdflib import Graph

FORMAT = "inferences 1"  # in the hash: a new way of computing the inferences gives new files


def sources_hash(workspace: Workspace) -> str:
    """A short hash of the workspace's inputs to the reasoner: the bundled data and every source's content."""
    digest = hashlib.sha256(FORMAT.encode())
    digest.update(b"\0" + workspace.manifest["bundled"]["hash"].encode())
    for sha256 in sorted(source["sha256"] for source in workspace.entries):  # order does not change what follows
        digest.update(b"\0" + sha256.encode())
    return digest.hexdigest()[:20]


def inferred_path(workspace: Workspace, reasoner: str) -> Path:
    """Where the workspace keeps ``reasoner``'s inferences from its current sources."""
    return workspace.folder / f"inferred-{reasoner}-{sources_hash(workspace)}.nt"


def _read(path: Path, key: str) -> Graph | None:
    """The verified inferences at ``path``; None if there are none; Damaged if they do not verify."""
    from kg.reasoning.reasoner import decode_inferences

    return read_value(path, key, decode_inferences)


@contextlib.contextmanager
def _building(workspace: Workspace, reasoner: str) -> Iterator[None]:
    """Held while one process reasons for the workspace; a folder that cannot hold the lock is not locked."""
    try:
        handle = open(workspace.folder / f".inferred-{reasoner}.lock", "ab")  # noqa: SIM115 (held while building)
    except OSError:
        yield
        return
    with handle:
        with contextlib.suppress(OSError):  # released by the kernel if this process dies
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def _tidy(workspace: Workspace, reasoner: str, kept: Path) -> None:
    """Remove this reasoner's inferences from earlier sources: the hash says they are out of date."""
    for old in workspace.folder.glob(f"inferred-{reasoner}-*.nt"):
        if old != kept:
            with contextlib.suppress(OSError):
                old.unlink()


def stored_inferences(
    workspace: Workspace,
    documents: Callable[[], Sequence[RdfDocument]],
    reasoner: str,
    build: Callable[[], Graph] | None = None,
) -> Graph:
    """``reasoner``'s inferences over the workspace (whose parsed ``documents`` are asked for only to reason).

    Read from the workspace's file if it verifies; else reasoned (or made by ``build``, which the
    tests of this file's checks pass instead of a reasoner), and written for the next use.
    Raises ReasoningError or InconsistentData as kg.reasoning.reasoner.reason does (only when reasoning).
    """
    from kg.reasoning.java import check_reasoner
    from kg.reasoning.reasoner import encode_inferences, reason

    check_reasoner(reasoner)
    path, key = inferred_path(workspace, reasoner), sources_hash(workspace)
    damage = None
    with contextlib.suppress(Damaged):  # read again under the lock below, where damage is reported
        if (graph := _read(path, key)) is not None:
            return graph
    with _building(workspace, reasoner):
        try:
            if (graph := _read(path, key)) is not None:  # another process wrote it while we waited
                return graph
        except Damaged as error:
            damage = str(error)
        graph = (
            build() if build else reason(documents(), reasoner).graph
        )  # before touching a damaged file: a failed run changes nothing
        if damage is not None:
            remove_entry(path)
        try:
            write_atomically(path, entry_bytes(key, *encode_inferences(graph)))
        except OutputError as error:
            print(f"kg: the inferences could not be kept in the workspace ({error}); they are reasoned again "
                  "next time", file=sys.stderr)  # fmt: skip
        else:
            _tidy(workspace, reasoner, path)
    if damage is not None:
        print(f"kg: the workspace's inferred triples ({path}) were damaged ({damage}); rebuilt them", file=sys.stderr)
    return graph


def inferred_document(
    documents: Callable[[], Sequence[RdfDocument]], workspace: Workspace | None, reasoner: str
) -> RdfDocument:
    """The inferred triples over ``documents`` as a document: the workspace's derived source when the
    documents are a ``workspace``'s, else from the user's cache (kg.reasoning.reasoner.cached_inference).

    Raises ReasoningError or InconsistentData when the reasoner has to run and cannot, or finds a contradiction.
    """
    from kg.reasoning.reasoner import cached_inference
    from kg.terms import document_from_graph

    if workspace is not None:
        graph = stored_inferences(workspace, documents, reasoner)
    else:
        graph = cached_inference(documents(), reasoner)
    return document_from_graph(graph, "inferred triples")


def derived_sources(workspace: Workspace) -> list[tuple[str, str, int, str, str, str]]:
    """Rows for ``kg sources``: each reasoner's inferences the workspace keeps for its current sources, as
    (id, kind "derived", triples, when reasoned, "verified", file name); a file that does not verify is left out."""
    from datetime import UTC, datetime

    rows = []
    for reasoner in ("hermit", "pellet"):  # kg.reasoning.reasoner.REASONERS, without importing rdflib here
        path = inferred_path(workspace, reasoner)
        with contextlib.suppress(Damaged, OSError):
            entry = read_entry(path, sources_hash(workspace))
            if entry is not None:
                when = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
                rows.append((f"inferred-{reasoner}", "derived", entry[1], when, "verified", path.name))
    return rows
