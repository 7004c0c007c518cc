"""The on-disk cache: entries that are verified when read back, and rebuilt when they do not verify.

Lives in $XDG_CACHE_HOME/smartcity-kg (default ~/.cache/smartcity-kg). Each entry is one file:
a header line ``# smartcity-kg cache 2 key=K bytes=N sha256=H triples=T`` followed by the
payload (N-Triples or N-Quads, where ``#`` starts a comment, so the file stays valid RDF). One
file written atomically means a reader never sees a payload without its own checksum.

An entry that is missing is built silently; one that is truncated, emptied, overwritten,
swapped, unreadable or does not parse into what was written is rebuilt with one line on stderr.
A cache that cannot be written is skipped, never an error: it only saves time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import stat
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from kg.errors import OutputError
from kg.output import write_atomically

T = TypeVar("T")

_HEADER_MAX = 200  # bytes: the header line is about 140
_HEADER = re.compile(
    rb"# smartcity-kg cache 2 key=([0-9a-f]{1,64}) bytes=(\d{1,15}) sha256=([0-9a-f]{64}) triples=(\d{1,15})\n"
)


class Damaged(Exception):
    """A cache entry that does not verify; the message says how, in a few words."""


def cache_dir() -> Path:
    """The cache folder: $XDG_CACHE_HOME/smartcity-kg, by default ~/.cache/smartcity-kg (it may not exist)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "smartcity-kg"


def files_hash(paths: Iterable[Path], salt: str = "") -> str:
    """A short hash of the files' full paths and bytes (and ``salt``): any change gives a new key.

    The full path, not just the name: two checkouts (or a checkout and an installed wheel) hold
    the same bytes at different places, and an entry records where its triples came from.
    """
    digest = hashlib.sha256(salt.encode())
    for path in paths:
        digest.update(b"\0" + str(path.resolve()).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:20]


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes (hex), read a MiB at a time: a store or site file may be large."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while piece := handle.read(1 << 20):
            digest.update(piece)
    return digest.hexdigest()


def entry_bytes(key: str, payload: bytes, triples: int) -> bytes:
    """The header line and the payload, as written to disk."""
    digest = hashlib.sha256(payload).hexdigest()
    header = f"# smartcity-kg cache 2 key={key} bytes={len(payload)} sha256={digest} triples={triples}\n"
    return header.encode() + payload


def read_entry(path: Path, key: str) -> tuple[bytes, int] | None:
    """The verified payload and triple count of the entry at ``path``; None if there is none; else Damaged.

    Reads the header first and then no more than it announces (plus one byte to see a longer
    file), so that nothing put in the entry's place (/dev/zero, a FIFO, a huge file) is read whole.
    """
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        if not os.path.lexists(path):
            return None
        raise Damaged("a link to nothing") from None
    except OSError as error:
        raise Damaged(f"cannot be read: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise Damaged("a folder is in its place")
    if not stat.S_ISREG(info.st_mode):
        raise Damaged("not a regular file")
    try:
        with open(path, "rb") as handle:
            header = handle.readline(_HEADER_MAX)
            if not header:
                raise Damaged("empty")
            match = _HEADER.fullmatch(header)
            if not match:
                raise Damaged("its header line is missing or damaged")
            written = int(match.group(2))
            # No more than the file holds: a forged length must not make us allocate it.
            payload = handle.read(min(written + 1, info.st_size))
    except OSError as error:
        raise Damaged(f"cannot be read: {error.strerror}") from None
    if match.group(1).decode() != key:
        raise Damaged("written for another key")
    if len(payload) != written:
        if len(payload) < written:
            raise Damaged(f"truncated: {len(payload)} of {written} bytes")
        raise Damaged(f"longer than the {written} bytes written")
    if hashlib.sha256(payload).hexdigest() != match.group(3).decode():
        raise Damaged("checksum mismatch")
    return payload, int(match.group(4))


def write_entry(path: Path, key: str, payload: bytes, triples: int) -> None:
    """Write an entry atomically; a cache that cannot be written is skipped."""
    with contextlib.suppress(OutputError):
        write_atomically(path, entry_bytes(key, payload, triples))


def read_value(path: Path, key: str, decode: Callable[[bytes], tuple[T, int]]) -> T | None:
    """The value of the entry at ``path``, verified and decoded; None if there is none; else Damaged.

    ``decode`` parses a payload back and counts its triples; a payload it cannot parse, or whose
    count differs from the one written, is Damaged too.
    """
    entry = read_entry(path, key)
    if entry is None:
        return None
    payload, triples = entry
    try:
        value, counted = decode(payload)
    except (SyntaxError, ValueError, UnicodeDecodeError) as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise Damaged(f"its content does not parse: {detail}") from None
    if counted != triples:
        raise Damaged(f"{counted} triples where {triples} were written")
    return value


def remove_entry(path: Path) -> None:
    """Clear a damaged entry out of the way (a folder in its place would block the rewrite)."""
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def cached(
    name: str,
    key: str,
    what: str,
    build: Callable[[], T],
    encode: Callable[[T], tuple[bytes, int]],
    decode: Callable[[bytes], tuple[T, int]],
) -> T:
    """The value of cache entry ``name``: read back and verified, else built (and stored).

    ``encode`` gives a value's payload and triple count; ``decode`` parses a payload back and
    counts its triples, raising Damaged (or the parser's SyntaxError/ValueError) on anything
    the writer would not have written. ``what`` names the entry in the one line on stderr
    that reports a damaged entry.
    """
    path = cache_dir() / name
    damage = None
    try:
        found = read_value(path, key, decode)
        if found is not None:
            return found
    except Damaged as error:
        damage = str(error)
    value = build()  # before touching the damaged entry: a failed build leaves no trace either way
    if damage is not None:
        remove_entry(path)
    write_entry(path, key, *encode(value))
    if damage is not None:
        print(f"kg: the cache entry for the {what} ({path}) was damaged ({damage}); rebuilt it", file=sys.stderr)
    return value
