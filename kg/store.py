"""The embedded graph: an Oxigraph store for queries, an rdflib Graph for pySHACL.

Queries run on pyoxigraph, which is many times faster than rdflib here; pySHACL gets a plain
rdflib Graph because it gave wrong results on an oxrdflib-backed one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .cache import Damaged, cached, files_hash
from .sources import RdfDocument, bundled_data_paths, read_rdf

if TYPE_CHECKING:  # rdflib is imported only where it is used: `kg query` never needs it
    from rdflib import Graph


def read_documents(files: Sequence[Path | str] = (), *, bundled: bool = True) -> list[RdfDocument]:
    """Parse the bundled files (unless ``bundled`` is false) and then ``files``."""
    return [*(bundled_documents() if bundled else []), *(read_file(Path(f)) for f in files)]


def read_file(path: Path) -> RdfDocument:
    """An RDF file or an SSSOM mapping table, parsed."""
    from .links import is_sssom, read_links

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
        decode=lambda payload: _from_nquads(payload, paths),
    )


def _to_nquads(documents: Sequence[RdfDocument]) -> tuple[bytes, int]:
    quads = (
        ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(d.path.resolve().as_uri()))
        for d in documents
        for q in d.quads
    )
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS), sum(len(d.quads) for d in documents)


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


def load_store(files: Sequence[Path | str] = (), *, bundled: bool = True) -> ox.Store:
    """An in-memory Oxigraph store holding the bundled graph and ``files``, all in the default graph."""
    return store_from(read_documents(files, bundled=bundled))


def store_from(documents: Iterable[RdfDocument]) -> ox.Store:
    """A store of the documents' quads (all in the default graph: kg.sources puts them there).

    ``extend`` rather than ``bulk_extend``: on an in-memory store it was faster here (1.8 s
    against 2.9 s for 1M quads).
    """
    store = ox.Store()
    for document in documents:
        store.extend(document.quads)
    return store


def document_from_graph(graph: Graph, name: str) -> RdfDocument:
    """An rdflib graph as a parsed document (e.g. inferred or converted triples) to join others."""
    from .sources import parse_text

    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    return RdfDocument(Path(f"({name})"), parse_text(text, ox.RdfFormat.N_TRIPLES, name=name))
