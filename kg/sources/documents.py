"""The embedded graph's documents: read (RDF files and SSSOM tables), cached, and put in an Oxigraph store.

Queries run on pyoxigraph, which is many times faster than rdflib here; pySHACL gets a plain
rdflib Graph (kg.terms.rdflib_graph) because it gave wrong results on an oxrdflib-backed one.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

from kg.cache import Damaged, cached, files_hash
from kg.sources.files import RdfDocument, bundled_data_paths, read_rdf
from kg.sources.sssom import is_sssom, read_links


def read_documents(files: Sequence[Path | str] = (), *, bundled: bool = True) -> list[RdfDocument]:
    """Parse the bundled files (unless ``bundled`` is false) and then ``files``.

    Raises InputError for a file that cannot be read or parsed (see read_file).
    """
    return [*(bundled_documents() if bundled else []), *(read_file(Path(f)) for f in files)]


def read_file(path: Path) -> RdfDocument:
    """An RDF file (format by its extension) or an SSSOM mapping table (``*.sssom.tsv``), parsed.

    Raises InputError if it is missing, unreadable, not UTF-8, unsafe or malformed (kg.sources.files, kg.sources.sssom).
    """
    return read_links(path) if is_sssom(path) else read_rdf(path)


def bundled_documents() -> list[RdfDocument]:
    """The bundled files, from the on-disk cache when none has changed since it was written.

    The cache is one N-Quads entry (see kg.cache) whose graph names are the source files, so
    each document keeps its own path; the key hashes every bundled file. An entry that does
    not verify is rebuilt from the files, with one line on stderr.
    """
    paths = bundled_data_paths()
    key = files_hash(paths, "bundled 2")
    return cached(
        f"bundled-{key}.nq",
        key,
        "bundled graph",
        build=lambda: [read_file(path) for path in paths],
        encode=_to_nquads,
        decode=lambda payload: _decoded(payload, paths),
    )


# The last payload decoded in this process, by its SHA-256 and the paths: a long-lived process
# (kg serve, a notebook, the test suite) opens the bundled graph many times, and turning 19k
# N-Quads into Python quads each time was most of what opening it cost. Only a payload that
# verified (kg.cache checks its checksum before decode) and decoded without error is kept.
_last_decoded: tuple[bytes, tuple[Path, ...], list[RdfDocument], int] | None = None
_decoding = threading.Lock()


def _decoded(payload: bytes, paths: Sequence[Path]) -> tuple[list[RdfDocument], int]:
    """_from_nquads, reusing the last result for the same payload; each caller gets its own lists."""
    global _last_decoded
    digest, where = hashlib.sha256(payload).digest(), tuple(paths)
    with _decoding:
        last = _last_decoded
        if last is None or last[0] != digest or last[1] != where:
            documents, count = _from_nquads(payload, paths)
            last = _last_decoded = (digest, where, documents, count)
    return [RdfDocument(d.path, list(d.quads)) for d in last[2]], last[3]


def _to_nquads(documents: Sequence[RdfDocument]) -> tuple[bytes, int]:
    names = [ox.NamedNode(d.path.resolve().as_uri()) for d in documents]  # once a file: resolve() reads the disk
    pairs = zip(documents, names, strict=True)
    quads = (ox.Quad(q.subject, q.predicate, q.object, name) for d, name in pairs for q in d.quads)
    payload = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""  # bytes, as no output is given
    return payload, sum(len(d.quads) for d in documents)


def _from_nquads(data: bytes, paths: Sequence[Path]) -> tuple[list[RdfDocument], int]:
    """The documents of an N-Quads payload; Damaged on a quad outside the bundled files' graphs."""
    by_graph: dict[str, list[ox.Quad]] = {path.resolve().as_uri(): [] for path in paths}
    count = 0
    for quad in ox.parse(data, format=ox.RdfFormat.N_QUADS):
        graph = quad.graph_name
        members = by_graph.get(graph.value) if isinstance(graph, ox.NamedNode) else None
        if members is None:
            where = "the default graph" if isinstance(graph, ox.DefaultGraph) else f"graph {graph}"
            raise Damaged(f"a triple in {where}, not in a bundled file's")
        members.append(ox.Quad(quad.subject, quad.predicate, quad.object))
        count += 1
    return [RdfDocument(path, by_graph[path.resolve().as_uri()]) for path in paths], count


def store_from(documents: Iterable[RdfDocument]) -> ox.Store:
    """A store of the documents' quads (all in the default graph: kg.sources.files puts them there).

    ``extend`` rather than ``bulk_extend``: on an in-memory store it was faster here (1.8 s
    against 2.9 s for 1M quads).
    """
    store = ox.Store()
    for document in documents:
        store.extend(document.quads)
    return store
