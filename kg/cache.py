"""The on-disk cache: parsed bundled graph and reasoner inferences, keyed by their inputs' hash.

Lives in $XDG_CACHE_HOME/smartcity-kg (default ~/.cache/smartcity-kg). A cache that cannot be
read or written is skipped, never an error: it only saves time.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "smartcity-kg"


def files_hash(paths: Iterable[Path], salt: str = "") -> str:
    """A short hash of the files' names and bytes (and ``salt``): any change gives a new key."""
    digest = hashlib.sha256(salt.encode())
    for path in paths:
        digest.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:20]
