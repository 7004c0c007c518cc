"""Whether a generation of the workspace's store is as it was written: each file's size and checksum.

RocksDB (under pyoxigraph) checks its blocks only when it reads them, and some damage is not
seen as damage at all: an emptied table file is an "internal error" at open, a flipped byte in a
block no query reads goes unnoticed, and damage to some files made a query spin at 100 % CPU
for as long as it was let run. So a generation's files are recorded when it is committed
(``record``: ``N.files.json`` beside generation N, each file's size, modification time and SHA-256) and checked
before the engine ever opens them (``verify``), on every open: every size, and the checksum of
every file written since (its modification time differs: emptying, truncating or overwriting a file
sets it, whatever its size) or of at most ``QUICK_HASH_BYTES`` (the small files hold the store's
own bookkeeping: CURRENT, MANIFEST, OPTIONS, the write-ahead log; hashing them costs
microseconds). So the quick check costs a few stat calls and a few small reads whatever the
store's size. ``deep`` hashes every file, for damage that leaves the time as it was (a disk's
own decay): ``kg check --deep``, ``kg repair``, and whenever the engine reports corruption.
A generation without a record (made by an older smartcity-kg) is not checked.

Every failed check is a StoreDamaged error, one sentence naming the workspace and 'kg repair'.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from kg.cache import file_sha256
from kg.errors import OutputError, StoreDamaged, WorkspaceError
from kg.output import write_atomically

RECORD = "{}.files.json"  # beside generation N, in the store folder
QUICK_HASH_BYTES = 1 << 20  # files up to this size are hashed on every open too
# RocksDB's own files that change after the store is closed: its text log and its lock.
_UNRECORDED = re.compile(r"LOCK|LOG(\.old\..*)?")
# What the engine (RocksDB's status words) says when it found a file damaged; exact, so that a query's own
# error that happens to say "corrupt" is not taken for it.
_CORRUPTION = re.compile(r"\bCorruption: |\bmay be corrupted\b")


def record_path(folder: Path, number: int) -> Path:
    """Where the record of generation ``number`` of the store in ``folder`` lives."""
    return folder / RECORD.format(number)


def record(folder: Path, number: int) -> None:
    """Record the size and SHA-256 of each file of generation ``number`` (closed), written atomically.

    Raises WorkspaceError (via kg.output) if the store folder cannot be written.
    """
    generation = folder / str(number)
    files = {
        item.name: {"size": item.stat().st_size, "mtime_ns": item.stat().st_mtime_ns, "sha256": file_sha256(item)}
        for item in sorted(generation.iterdir())
        if item.is_file() and not _UNRECORDED.fullmatch(item.name)
    }
    data = json.dumps({"generation": number, "files": files}, indent=1) + "\n"
    try:
        write_atomically(record_path(folder, number), data.encode("utf-8"))
    except OutputError as error:
        raise WorkspaceError(str(error).replace("choose another place", "choose another workspace folder")) from None


def _recorded(folder: Path, number: int) -> dict[str, Any] | None:
    """The record of generation ``number``: None when there is none (an older smartcity-kg made it);
    StoreDamaged if it is there but unreadable."""
    path = record_path(folder, number)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        if not all(isinstance(f["size"], int) and isinstance(f["sha256"], str) for f in files.values()):
            raise ValueError("a field of the wrong type")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        raise damaged(folder, f"the record of its files {path.name} is unreadable") from None
    return dict(files)


def damaged(folder: Path, what: str) -> StoreDamaged:
    """The one sentence for a damaged store in ``folder`` (a workspace's store/), ``what`` saying which file and how."""
    workspace = folder.parent
    return StoreDamaged(
        f"the workspace {workspace} is damaged ({what}); run 'kg --workspace {workspace} repair' to rebuild its "
        "store from the workspace's copies of its sources.",
        what,
    )


def verify(folder: Path, number: int, *, deep: bool = False) -> int:
    """Check generation ``number`` against its record: sizes, and checksums of small or rewritten files (all with
    ``deep``).

    Returns how many files were checked (0: no record). Raises StoreDamaged naming the first file
    that is missing or differs.
    """
    files = _recorded(folder, number)
    if files is None:
        return 0
    generation = folder / str(number)
    for name, expected in files.items():
        path = generation / name
        try:
            status = path.stat()
        except OSError:
            raise damaged(folder, f"its file {number}/{name} is missing") from None
        size = status.st_size
        if size != expected["size"]:
            raise damaged(folder, f"its file {number}/{name} has {size} bytes, {expected['size']} when written")
        if deep or size <= QUICK_HASH_BYTES or status.st_mtime_ns != expected.get("mtime_ns"):
            try:
                same = file_sha256(path) == expected["sha256"]
            except OSError as error:
                raise damaged(folder, f"its file {number}/{name} cannot be read: {error.strerror}") from None
            if not same:
                raise damaged(folder, f"its file {number}/{name} has changed since it was written")
    return len(files)


def says_corruption(error: BaseException) -> bool:
    """Whether an error of the engine says that a store file is damaged."""
    return bool(_CORRUPTION.search(str(error)))


def engine_damage(folder: Path, number: int, error: BaseException) -> StoreDamaged:
    """The StoreDamaged error for an engine ``error`` saying corruption: the file the deep check names, else the
    engine's own words."""
    try:
        verify(folder, number, deep=True)
    except StoreDamaged as found:
        return found
    detail = " ".join(str(error).split())[:200]
    return damaged(folder, f"the store engine says: {detail}")
