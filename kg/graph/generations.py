"""The workspace's on-disk Oxigraph store, kept as numbered generations, and the locks around it.

pyoxigraph 0.5 can open a store read-only, but says that doing so while another process writes
it is undefined behaviour (RocksDB deletes files under the reader), and it has no secondary
mode. So a store that readers use is never written again: each change is made on a new
generation, a copy of the last one (its immutable table files hard-linked, the few others
copied, so copying costs milliseconds whatever the size), and becomes visible only when the
manifest is replaced to name it. A writer killed at any point leaves the manifest naming the
old generation: the graph is as it was, and the next writer removes the unfinished copy.

Locks (fcntl.flock, released by the kernel when a process dies, so none is ever stale):
- ``writer.lock`` in the store folder: one writer at a time, waited for up to a deadline;
- ``N.lock`` beside generation N: each reader holds it shared while the generation is open, and
  a writer removes an old generation only when it can take that lock exclusively. Readers never
  wait for writers, nor writers for readers.

Each committed generation has a record of its files' sizes and checksums beside it
(kg.graph.integrity); every open checks it first, so a damaged store is named (StoreDamaged,
'kg repair') before the engine reads a byte of it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import gc
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, ParamSpec, TypeVar

import pyoxigraph as ox

from kg.errors import WorkspaceError
from kg.graph import integrity
from kg.output import out_of_space

WRITER_WAIT_S = 60.0  # the default of KG_WORKSPACE_WAIT


def writer_wait_s() -> float:
    """How long to wait for another writer: KG_WORKSPACE_WAIT (read at each use, so a notebook can set it), else 60 s.

    Raises WorkspaceError if the variable is not a number of seconds.
    """
    text = os.environ.get("KG_WORKSPACE_WAIT", "")
    if not text:
        return WRITER_WAIT_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise WorkspaceError(f"KG_WORKSPACE_WAIT={text!r} is not a number of seconds; give e.g. 60 or unset it.")
    return seconds


_GENERATION = re.compile(r"\d{1,12}")
_SCRATCH = re.compile(r"scratch-(\d+)-\d+")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True


def _flock(handle: IO[bytes], mode: int, deadline: float, what: str) -> None:
    """Take ``mode`` on ``handle``, retrying until ``deadline`` (monotonic seconds)."""
    while True:
        try:
            fcntl.flock(handle.fileno(), mode | fcntl.LOCK_NB)
            return
        except OSError as error:
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise WorkspaceError(f"cannot lock {handle.name}: {error.strerror}.") from None
        if time.monotonic() >= deadline:
            raise WorkspaceError(what)
        time.sleep(0.05)


def _open_lock(path: Path) -> IO[bytes]:
    try:
        return path.open("ab")
    except OSError as error:
        raise WorkspaceError(
            f"cannot open {path}: {error.strerror}; check the workspace folder's permissions."
        ) from None


@contextlib.contextmanager
def writer_lock(folder: Path, wait: float | None = None) -> Iterator[None]:
    """Hold the workspace's one writer lock; after ``wait`` seconds (KG_WORKSPACE_WAIT, 60) say who to wait for."""
    wait = writer_wait_s() if wait is None else wait
    with _open_lock(folder / "writer.lock") as handle:
        _flock(
            handle,
            fcntl.LOCK_EX,
            time.monotonic() + wait,
            f"another kg command is changing the workspace at {folder.parent} (waited {wait:g} s); "
            "let it finish and try again.",
        )
        yield


P = ParamSpec("P")
R = TypeVar("R")


def space_checked(change: Callable[P, R]) -> Callable[P, R]:
    """``change`` (of a workspace, its first argument) with a full disk said in one sentence: the new generation
    is dropped before the manifest names it, so the workspace is as it was."""

    @functools.wraps(change)
    def changing(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return change(*args, **kwargs)
        except OSError as error:
            if not out_of_space(error):
                raise
            workspace: Any = args[0]  # a kg.graph.workspace.Workspace, or a store folder (create_empty)
            folder = getattr(workspace, "folder", None) or Path(workspace).parent
            if hasattr(workspace, "store_folder"):  # give the space of the unfinished generation back at once
                with contextlib.suppress(OSError):
                    collect(workspace.store_folder, workspace.manifest["generation"])
            raise WorkspaceError(
                f"the workspace {folder} cannot be changed: its disk is full (or your quota is); it is as it was: "
                "free some space and try again."
            ) from None

    return changing


def generation_path(folder: Path, number: int) -> Path:
    """Where generation ``number`` of the store in ``folder`` lives."""
    return folder / str(number)


@space_checked
def create_empty(folder: Path) -> None:
    """Generation 0: an empty store."""
    folder.mkdir(parents=True, exist_ok=True)
    _close(ox.Store(str(generation_path(folder, 0))))
    integrity.record(folder, 0)


def _close(store: ox.Store) -> None:
    """Flush and release a read-write store (pyoxigraph closes it when the object goes)."""
    store.flush()
    _release(store)


def _release(store: ox.Store) -> None:
    """Drop ``store``, the caller's last reference: CPython frees it at once. Only if something else still holds
    it (a reference cycle, say) is the collector run, which costs tens of milliseconds in a large process."""
    lingering = sys.getrefcount(store) > 3  # this parameter, the caller's and getrefcount's own argument
    del store
    if lingering:
        gc.collect()


def clone(folder: Path, number: int) -> Path:
    """A writable copy of generation ``number`` as ``number+1``: table files linked, the rest copied."""
    source, target = generation_path(folder, number), generation_path(folder, number + 1)
    if target.exists():  # left by a writer that died: never named by the manifest
        shutil.rmtree(target)
    integrity.verify(folder, number)  # a damaged generation is never copied into the next one
    _copy(source, target)
    return target


@contextlib.contextmanager
def scratch(folder: Path, number: int) -> Iterator[ox.Store]:
    """A throw-away writable copy of generation ``number`` (to check files against the graph without
    changing it), removed afterwards; one left by a process that died is removed by ``collect``."""
    target = folder / f"scratch-{os.getpid()}-{time.monotonic_ns()}"
    handle = _open_lock(folder / f"{number}.lock")
    try:
        _flock(handle, fcntl.LOCK_SH, time.monotonic() + writer_wait_s(), f"generation {number} is being removed")
        integrity.verify(folder, number)
        _copy(generation_path(folder, number), target)
    finally:
        handle.close()
    store = ox.Store(str(target))
    try:
        yield store
    finally:
        del store
        gc.collect()
        shutil.rmtree(target, ignore_errors=True)


def _copy(source: Path, target: Path) -> None:
    target.mkdir()
    for item in source.iterdir():
        if item.suffix == ".sst":  # RocksDB never changes a table file once written: sharing is safe
            try:
                os.link(item, target / item.name)
            except OSError:  # a filesystem without hard links: a copy is slower, not wrong
                shutil.copy2(item, target / item.name)
        elif item.is_file() and item.name != "LOCK":
            shutil.copy2(item, target / item.name)


class Writable:
    """A new generation open for writing; ``close`` closes it so that readers may open it."""

    def __init__(self, folder: Path, number: int, *, empty: bool = False) -> None:
        """Generation ``number + 1`` in ``folder``: a copy of ``number``, or with ``empty`` a new store to fill.

        Raises WorkspaceError if the new store cannot be opened.
        """
        self.number, self.folder = number + 1, folder
        if empty:
            self.path = generation_path(folder, self.number)
            if self.path.exists():  # left by a writer that died: never named by the manifest
                shutil.rmtree(self.path)
        else:
            self.path = clone(folder, number)
        try:
            self._store: ox.Store | None = ox.Store(str(self.path))
        except (OSError, RuntimeError) as error:
            if out_of_space(error):
                raise  # said in one sentence by space_checked
            if integrity.says_corruption(error) and not empty:
                raise integrity.engine_damage(folder, number, error) from None
            raise WorkspaceError(
                f"the workspace store {generation_path(folder, number)} cannot be opened ({error}); "
                "remove the workspace folder and run 'kg init' again."
            ) from None

    @property
    def store(self) -> ox.Store:
        """The generation's store, open for writing until ``close``."""
        if self._store is None:
            raise RuntimeError("the generation was closed")  # a bug in the caller, never the user's doing
        return self._store

    def close(self) -> None:
        """Flush and close the store, so that readers may open it (again is harmless)."""
        if self._store is not None:
            store, self._store = self._store, None
            store.flush()
            _release(store)

    def seal(self, triples: int | None = None) -> None:
        """Close the generation and record its files (kg.graph.integrity), ready to be committed; with
        ``triples``, first check that it opens read-only and holds that many triples.

        Raises WorkspaceError if it does not (then it must not be committed).
        """
        # RocksDB closes (and stops compacting, which replaces files) only when the last reference goes.
        if self._store is not None and sys.getrefcount(self._store) > 2:
            raise RuntimeError("the new generation's store is still referenced elsewhere; its files are not final")
        self.close()
        if triples is not None:
            try:
                store = ox.Store.read_only(str(self.path))
                held = len(store)
                _release(store)
                del store
            except (OSError, RuntimeError) as error:
                detail = " ".join(str(error).split())[:200]
                raise WorkspaceError(f"the new store {self.path} cannot be read back ({detail}); nothing was "
                                     "changed; try again.") from None  # fmt: skip
            if held != triples:
                raise WorkspaceError(
                    f"the new store {self.path} holds {held} triples where {triples} were loaded; nothing was "
                    "changed; try again."
                )
        integrity.record(self.folder, self.number)


def open_shared(folder: Path, number: int) -> tuple[ox.Store, IO[bytes]]:
    """Generation ``number`` read-only with its shared lock, for a reader that keeps it for its lifetime.

    Raises FileNotFoundError if the generation is gone (a writer replaced it: read the manifest
    again), WorkspaceError if it cannot be locked or read.
    """
    handle = _open_lock(folder / f"{number}.lock")
    try:
        _flock(handle, fcntl.LOCK_SH, time.monotonic() + writer_wait_s(), f"generation {number} is being removed")
        path = generation_path(folder, number)
        if not path.is_dir():
            raise FileNotFoundError(path)
        integrity.verify(folder, number)  # before the engine reads a byte: some damage made it spin
        try:
            return ox.Store.read_only(str(path)), handle
        except (OSError, RuntimeError) as error:
            if integrity.says_corruption(error):
                raise integrity.engine_damage(folder, number, error) from None
            raise WorkspaceError(
                f"the workspace store {path} cannot be read ({error}); remove the workspace folder and run "
                "'kg init' again."
            ) from None
    except BaseException:
        handle.close()
        raise


def collect(folder: Path, keep: int) -> None:
    """Remove every generation but ``keep`` that no reader holds (called by a writer, under its lock)."""
    for item in folder.iterdir():
        if (pid := _SCRATCH.fullmatch(item.name)) and not _alive(int(pid.group(1))):
            shutil.rmtree(item, ignore_errors=True)
        if not (_GENERATION.fullmatch(item.name) and item.is_dir()) or int(item.name) == keep:
            continue
        lock = folder / f"{item.name}.lock"
        with _open_lock(lock) as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a reader still uses it: the next writer will try again
            shutil.rmtree(item, ignore_errors=True)
            integrity.record_path(folder, int(item.name)).unlink(missing_ok=True)
            lock.unlink(missing_ok=True)
