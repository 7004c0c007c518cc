"""Put a source's triples into an on-disk Oxigraph store, with the literals the shapes check as written.

The workspace's store (kg.graph.workspace) holds the union of all its sources in the default graph,
which queries read, and, in one named graph (kg.validation.written.AS_WRITTEN), the literals the
SHACL shapes check, as their files write them: Oxigraph stores numbers and dates normalised
("03"^^xsd:positiveInteger becomes "3"^^xsd:integer), and SHACL judges them as written. With
both in the store, the shapes run inside it (kg.validation.oxigraph_engine.validate_store) and nothing is
parsed again when the graph grows.

A source comes as parsed quads (small files, imports, the bundled data) or, for a large
N-Triples file, as a path that Oxigraph's bulk loader reads itself: no Python object per triple,
so 10 million triples load in about half a minute. Its literals as written are then found in the
text: each line naming a checked property is parsed in Python, and only those. When that cannot
be exact (a blank-node subject, whose identifier the bulk loader renames; \\u escapes, which may
spell an IRI differently), the file is parsed whole instead, as a small one is. A file with RDF
1.2 triple terms is parsed too, which refuses them in words.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import InputError
from kg.sources.documents import read_file
from kg.sources.files import RdfDocument, syntax_error
from kg.validation.written import literals_as_written

# Below this size a file is parsed in Python like any other: its messages and checks are the
# reference, and the time saved is small. Above it, N-Triples go to Oxigraph's bulk loader.
BULK_MIN_BYTES = 8 * 2**20
_TYPED = b'"^^<http://www.w3.org/2001/XMLSchema#'
# Text that makes the lines unreliable: escapes (which may spell a property's IRI differently) and
# RDF 1.2 triple terms (which the loader would take; parsing refuses them in words).
_UNSURE = ("\\u", "\\U", "<<")
_UNSURE_BYTES = tuple(marker.encode() for marker in _UNSURE)


@dataclass
class Load:
    """One source for the store: parsed ``document`` or, for the bulk loader, an N-Triples ``path``."""

    name: str  # says where in messages
    document: RdfDocument | None = None
    path: Path | None = None

    def __repr__(self) -> str:
        how = "bulk N-Triples" if self.document is None else f"{len(self.document.quads)} parsed quads"
        return f"Load({self.name!r}, {how})"


def bulk_loadable(path: Path) -> bool:
    """Whether ``path`` is an N-Triples file large enough for the bulk loader."""
    try:
        return path.suffix.lower() == ".nt" and path.stat().st_size >= max(BULK_MIN_BYTES, 1)
    except OSError:
        return False


def written_in_ntriples(path: Path, predicates: frozenset[str]) -> list[ox.Quad] | None:
    """The as-written literals of an N-Triples file, from the lines naming a checked property; None
    when the text cannot tell exactly (see the module's docstring) and the file must be parsed.

    The lines are found by grep -F, one pass at disk speed whatever the number of properties (a
    pass per property in Python took 16 s on 10 million triples); without grep, None.
    """
    grep = shutil.which("grep")
    if grep is None:
        return None
    needles = [f"<{p}>" for p in sorted(predicates)] + list(_UNSURE)
    command = [grep, "-a", "-F", *(a for n in needles for a in ("-e", n)), "--", str(path)]
    try:
        run = subprocess.run(command, capture_output=True, env={"LC_ALL": "C"}, check=False)
    except OSError:
        return None
    if run.returncode > 1:  # 1: no line matched
        return None
    lines = run.stdout.splitlines()
    if any(marker in line for line in lines for marker in _UNSURE_BYTES):
        return None
    candidates = b"\n".join(line for line in lines if _TYPED in line)
    try:
        quads = list(ox.parse(candidates, format=ox.RdfFormat.N_TRIPLES)) if candidates else []
    except SyntaxError:  # parsing the whole file says where, in words
        return None
    if any(isinstance(q.subject, ox.BlankNode) for q in quads if q.predicate.value in predicates):
        return None
    return list(literals_as_written(quads, predicates))


def put(store: ox.Store, load: Load, predicates: frozenset[str]) -> int:
    """Add ``load``'s triples to the default graph and its literals as written; returns how many triples
    were new to the graph (a triple another source states already is not counted again).

    ``predicates``: the properties whose literals the shapes check (``Shapes.predicates``). Raises
    InputError, naming ``load.name``, when a bulk-loaded file cannot be read or parsed.
    """
    before = len(store)
    if load.document is not None:
        store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in load.document.quads)
        added = len(store) - before
        store.bulk_extend(literals_as_written(load.document.quads, predicates))
        return added
    assert load.path is not None
    written = written_in_ntriples(load.path, predicates)
    if written is None:  # the text cannot tell (see the module's docstring): parse it, as a small file is
        try:
            document = read_file(load.path)
        except InputError as error:  # name the user's file, not the workspace's copy of it
            raise InputError(str(error).replace(str(load.path), load.name)) from None
        return put(store, Load(load.name, document=document), predicates)
    try:
        store.bulk_load(path=str(load.path), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
    except SyntaxError as error:  # the caller drops the half-filled generation
        raise syntax_error(error, ox.RdfFormat.N_TRIPLES, load.name) from None
    added = len(store) - before
    store.bulk_extend(written)
    return added
