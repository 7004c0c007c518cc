"""Put a source's triples into an on-disk Oxigraph store.

The workspace's store (kg.graph.workspace) holds the union of all its sources in its default
graph, which queries read and the shapes check inside the store
(kg.validation.oxigraph_engine.validate_store), so nothing is parsed again when the graph grows.
Oxigraph keeps literals in their canonical form ("03"^^xsd:positiveInteger as "3"^^xsd:integer);
the shapes judge that form on every engine and store (kg.validation), so the store needs nothing
besides the triples.

A source comes as parsed quads (small files, imports, the bundled data) or, for a large
N-Triples file, as a path that Oxigraph's bulk loader reads itself: no Python object per triple,
so 10 million triples load in about half a minute. A file with RDF 1.2 triple terms is parsed
instead, which refuses them in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import InputError
from kg.sources.documents import read_file
from kg.sources.files import RdfDocument, syntax_error

# Below this size a file is parsed in Python like any other: its messages and checks are the
# reference, and the time saved is small. Above it, N-Triples go to Oxigraph's bulk loader.
BULK_MIN_BYTES = 8 * 2**20
# RDF 1.2 triple terms, which the bulk loader would take; parsing refuses them in words. Looked for
# in chunks of this size, overlapping by the marker's length less one.
_TRIPLE_TERM = b"<<"
_CHUNK = 2**24
# Parsed sources up to this many quads go in by one transaction (Store.extend), larger ones by the bulk
# loader, which keeps memory flat but writes its own table files each call: for the 27 small bundled files
# it took 1 s of wall time against 0.15 s by transactions (the same store either way); from about 20,000
# quads on, the bulk loader costs less CPU.
TRANSACTION_MAX_QUADS = 20_000


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


def has_triple_terms(path: Path) -> bool:
    """Whether the N-Triples file at ``path`` may hold an RDF 1.2 triple term ("<<" anywhere in it).

    A file that cannot be read answers True: parsing it then says why, in words.
    """
    try:
        with path.open("rb") as handle:
            tail = b""
            while chunk := handle.read(_CHUNK):
                if _TRIPLE_TERM in tail + chunk:
                    return True
                tail = chunk[-(len(_TRIPLE_TERM) - 1) :]
    except OSError:
        return True
    return False


def put(store: ox.Store, load: Load) -> int:
    """Add ``load``'s triples to the default graph; returns how many triples were new to the graph (a triple
    another source states already is not counted again).

    Raises InputError, naming ``load.name``, when a bulk-loaded file cannot be read or parsed.
    """
    before = len(store)
    if load.document is not None:
        quads = (ox.Quad(q.subject, q.predicate, q.object) for q in load.document.quads)
        if len(load.document.quads) <= TRANSACTION_MAX_QUADS:
            store.extend(quads)
        else:
            store.bulk_extend(quads)
        return len(store) - before
    assert load.path is not None
    if has_triple_terms(load.path):  # parsing refuses them in words, naming the line
        try:
            document = read_file(load.path)
        except InputError as error:  # name the user's file, not the workspace's copy of it
            raise InputError(str(error).replace(str(load.path), load.name)) from None
        return put(store, Load(load.name, document=document))
    try:
        store.bulk_load(path=str(load.path), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
    except SyntaxError as error:  # the caller drops the half-filled generation
        raise syntax_error(error, ox.RdfFormat.N_TRIPLES, load.name) from None
    return len(store) - before
