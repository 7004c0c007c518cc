"""What ``kg publish`` may replace and remove: the manifest of a site it wrote, and the leftovers of its runs.

A folder is replaced only when it proves it is a site kg publish wrote: its ``kg-publish.json``
lists every file of the site with its size and SHA-256, and the folder holds those files
unchanged and nothing else (:func:`check_site`; a file it lists may be missing). Anything else,
an empty or hand-made manifest, a file of the user's, an edited page, a symlink, is refused before
anything is deleted, so kg publish never deletes a file it did not write.

A site is built in a hidden folder beside its target (``.NAME.publish-XXXX``) and the previous
one waits in ``.NAME.old-XXXX`` while they are swapped. Each holds a marker file locked
(``flock``) for as long as its run lives; the kernel drops the lock when the process dies, even
by kill -9. The next publish to the same target removes such a folder whose lock is free
(:func:`remove_leftovers`), and puts a previous site that was waiting back first; a folder whose
run is still going, or one without the marker, is never touched.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from kg.cache import file_sha256
from kg.errors import OutputError, shown
from kg.output import kind_of

MANIFEST = "kg-publish.json"
MARKER = ".kg-publish-run"  # in a folder a run is building or swapping: locked while that run lives
MARKER_TEXT = b"kg publish: a run builds here; a later kg publish removes this folder if that run was interrupted.\n"


def file_list(root: Path) -> dict[str, dict[str, Any]]:
    """Every file under ``root`` (its relative path with ``/``) with its size and SHA-256; the manifest and the
    marker are not listed."""
    files = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            relative = path.relative_to(root).as_posix()
            if relative not in (MANIFEST, MARKER):
                files[relative] = {"size": path.stat().st_size, "sha256": file_sha256(path)}
    return dict(sorted(files.items()))


def manifest(root: Path, record: dict[str, Any]) -> bytes:
    """``kg-publish.json`` for the site built in ``root``: ``record`` (generator, counts) and the list of its files."""
    head = json.dumps({**record, "files": {}}, indent=1).removesuffix("{}\n}")
    lines = [f"  {json.dumps(name)}: {json.dumps(entry)}" for name, entry in file_list(root).items()]
    return (head + "{\n" + ",\n".join(lines) + "\n }\n}\n").encode("utf-8")  # a line per file, for diff and grep


def _refuse(out: Path, why: str) -> OutputError:
    return OutputError(
        f"{shown(out)} {why}, so it was not written by kg publish or was changed since; nothing was deleted: "
        "give --out a new or empty folder, or move the folder's contents away yourself."
    )


def _listed(out: Path) -> dict[str, dict[str, Any]]:
    """The files the manifest in ``out`` lists; raises OutputError when it is not a manifest kg publish wrote."""
    path = out / MANIFEST
    if path.is_symlink() or not path.is_file():
        raise OutputError(
            f"{shown(out)} is not empty and was not written by kg publish (no {MANIFEST} in it); give --out a new "
            "or empty folder, or remove that folder's contents yourself."
        )
    try:
        files = json.loads(path.read_bytes())["files"]
        entries = [(name, int(entry["size"]), str(entry["sha256"])) for name, entry in files.items()]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        raise _refuse(out, f"holds a {MANIFEST} that is not a list of its files with their sizes and SHA-256") from None
    if not entries:
        raise _refuse(out, f"holds a {MANIFEST} that lists no file")
    return files  # type: ignore[no-any-return]


def check_site(out: Path) -> bool:
    """Whether ``out`` holds a site kg publish wrote, to replace (False: ``out`` is missing or empty).

    Raises OutputError, having deleted nothing, when ``out`` is not a folder, or holds anything
    but the files its manifest lists, unchanged.
    """
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        kind = "a symlink" if out.is_symlink() else kind_of(out.stat().st_mode) or "a file"
        raise OutputError(f"{shown(out)} is {kind}; give --out a folder (new, empty, or an earlier kg publish output).")
    if not out.is_dir() or not any(out.iterdir()):
        return False
    files = _listed(out)
    folders = {parent.as_posix() for name in files for parent in Path(name).parents}
    for folder, dirs, names in os.walk(out):
        for name in dirs + names:
            path = Path(folder, name)
            relative = path.relative_to(out).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISDIR(mode):
                if relative not in folders:
                    raise _refuse(out, f"holds a folder {shown(relative)} its {MANIFEST} does not list")
                continue
            if relative == MANIFEST or (relative == MARKER and not _in_use(path)):
                continue
            entry = files.get(relative)
            if entry is None or not stat.S_ISREG(mode):
                raise _refuse(out, f"holds {shown(relative)}, which its {MANIFEST} does not list as a file")
            if path.stat().st_size != entry["size"] or file_sha256(path) != entry["sha256"]:
                raise _refuse(out, f"holds {shown(relative)}, whose size or SHA-256 is not what its {MANIFEST} lists")
    return True


def claim(folder: Path) -> IO[bytes]:
    """Put the locked marker in ``folder`` (a run's own): keep the handle open for as long as the run uses it."""
    handle = (folder / MARKER).open("wb")
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    handle.write(MARKER_TEXT)
    handle.flush()
    return handle


def _in_use(marker: Path) -> bool:
    """Whether the run that made ``marker`` is still alive (it holds the marker's lock)."""
    try:
        with marker.open("rb") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False
    except BlockingIOError:
        return True
    except OSError:
        return True  # unreadable: treat as not ours to remove


def _leftovers(out: Path) -> Iterator[Path]:
    """The hidden folders beside ``out`` that an ended run of kg publish to ``out`` left (marker present, unlocked)."""
    with contextlib.suppress(OSError):
        for child in out.parent.iterdir():
            if not child.name.startswith((f".{out.name}.publish-", f".{out.name}.old-")):
                continue
            marker = child / MARKER
            if child.is_symlink() or not child.is_dir() or marker.is_symlink() or not marker.is_file():
                continue
            with contextlib.suppress(OSError):
                if marker.read_bytes() == MARKER_TEXT and not _in_use(marker):
                    yield child


def remove_leftovers(out: Path) -> list[Path]:
    """Remove what interrupted runs of kg publish to ``out`` left beside it; returns the folders removed.

    A previous site that was waiting to be swapped out (``.NAME.old-XXXX/site``) is put back first
    when ``out`` is missing, so a run killed between its two renames loses nothing.
    """
    removed = []
    for folder in list(_leftovers(out)):
        waiting = folder / "site"
        if folder.name.startswith(f".{out.name}.old-") and waiting.is_dir() and not os.path.lexists(out):
            os.replace(waiting, out)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed
