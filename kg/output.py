"""Writing files so that a failure never leaves half-written output behind.

A file is written to a temporary name in its target folder (so the final rename never crosses
filesystems) and renamed over the target only when complete. Temporary files are registered
while they exist, so that a command ended early (``--timeout``, Ctrl-C) can remove them.
New files get the permissions the user's umask gives, as any other program's files would
(``mkstemp`` alone would make them private, 0600).

An output replaces only what is a regular file or nothing yet (:func:`file_target`): a device, a
named pipe, a socket or a folder, or a symlink to one, is refused in one sentence and left as it
was (a rename over ``/dev/full`` would replace the device node with a file). A symlink to a
regular file writes that file.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import OutputError, shown

if TYPE_CHECKING:
    from rdflib import Graph

_temporaries: set[Path] = set()
_lock = threading.Lock()
_umask: list[int] = []


def track_temporary(path: Path) -> None:
    """A temporary file or folder to remove if the process is ended before it is renamed into place."""
    with _lock:
        _temporaries.add(path)


def untrack_temporary(path: Path) -> None:
    """Forget a temporary file or folder: it has been renamed into place or removed."""
    with _lock:
        _temporaries.discard(path)


def remove_temporaries() -> None:
    """Remove every registered temporary file or folder (called when a command is ended early)."""
    import shutil

    with _lock:
        for path in list(_temporaries):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        _temporaries.clear()


def file_mode() -> int:
    """0666 less the process's umask: the mode a plain ``open(path, 'w')`` would give."""
    with _lock:
        if not _umask:
            current = os.umask(0o022)  # reading the umask means setting it; put it straight back
            os.umask(current)
            _umask.append(current)
    return 0o666 & ~_umask[0]


_NO_SPACE_WORDS = ("no space left on device", "disk quota exceeded")


def out_of_space(error: BaseException) -> bool:
    """Whether ``error`` says the disk (or the user's quota) is full: errno ENOSPC or EDQUOT, or, for an
    error of the store engine (pyoxigraph's OSError carries no errno), its words."""
    if not isinstance(error, OSError):
        return False
    return error.errno in (errno.ENOSPC, errno.EDQUOT) or any(w in str(error).lower() for w in _NO_SPACE_WORDS)


def _cannot_write(path: Path, error: OSError) -> OutputError:
    reason = error.strerror or str(error)
    if isinstance(error, (FileExistsError, NotADirectoryError)):
        reason = "a part of the path is a file, not a folder"
    return OutputError(f"cannot write {shown(path)}: {reason}; choose another place or fix its permissions.")


def kind_of(mode: int) -> str:
    """What a file of this ``st_mode`` is, for a message ("" for a regular file)."""
    kinds = ((stat.S_ISREG, ""), (stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
             (stat.S_ISSOCK, "a socket"))  # fmt: skip
    return next((kind for test, kind in kinds if test(mode)), "not a regular file")


def file_target(path: Path | str) -> Path:
    """The file a write to ``path`` replaces: ``path``, or the file its symlinks lead to (it may not exist yet).

    Raises OutputError, before anything is written, when that is not a regular file: a device, a
    named pipe, a socket or a folder stays as it was.
    """
    path = Path(path)
    target = Path(os.path.realpath(path))
    try:
        kind = kind_of(os.stat(target).st_mode)
    except FileNotFoundError:
        return target
    except OSError as error:  # a symlink loop, a part of the path that is a file, no permission
        raise _cannot_write(path, error) from None
    if kind == "a folder" and not path.is_symlink():
        raise OutputError(f"cannot write {shown(path)}: it is a folder; give a file name.")
    if kind:
        leads = f"it leads to {shown(target)}, which is" if path.is_symlink() else "it is"
        raise OutputError(
            f"cannot write {shown(path)}: {leads} {kind}, not a regular file; give the name of a new or regular file "
            "(it was left as it is)."
        )
    return target


def write_atomically(path: Path | str, data: bytes) -> None:
    """Write ``data`` to a temporary file in the same folder, then rename it over ``path``.

    Raises OutputError (one sentence) when the folder cannot be created or written, or when
    ``path`` is not a regular file (:func:`file_target`).
    """
    target = file_target(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:80]}.", suffix=".tmp")
    except OSError as error:
        raise _cannot_write(Path(path), error) from None
    temporary = Path(name)
    track_temporary(temporary)
    try:
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), file_mode())
            out.write(data)
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise _cannot_write(Path(path), error) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    finally:
        untrack_temporary(temporary)


def write_new(path: Path, data: bytes) -> None:
    """Write a file into a folder of this program's own making (such as a temporary one)."""
    with path.open("wb") as out:
        os.fchmod(out.fileno(), file_mode())
        out.write(data)


def write_turtle(graph: Graph, path: Path | str, header: str = "") -> None:
    """The graph as Turtle, written atomically; ``header`` is a comment block to put first."""
    write_atomically(path, header.encode("utf-8") + graph.serialize(format="turtle", encoding="utf-8"))
