"""Writing files so that a failure never leaves half-written output behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rdflib import Graph


def write_atomically(path: Path | str, data: bytes) -> None:
    """Write ``data`` to a temporary file in the same folder, then rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_turtle(graph: Graph, path: Path | str, header: str = "") -> None:
    """The graph as Turtle, written atomically; ``header`` is a comment block to put first."""
    write_atomically(path, header.encode("utf-8") + graph.serialize(format="turtle", encoding="utf-8"))
