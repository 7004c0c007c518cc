"""The prefixes the project uses: for reading CURIEs, compact table output and queries without PREFIX lines.

README.md's table "Prefixes" documents each (tests/test_prefixes.py keeps the two equal).
"""

from __future__ import annotations

from functools import lru_cache

SCK = "https://w3id.org/smartcity-kg/ontology#"
ID = "https://w3id.org/smartcity-kg/id/"

PREFIXES: dict[str, str] = {
    "sck": SCK,
    "fw": ID + "framework/",
    "u4ssc": ID + "u4ssc/",
    "aspect": ID + "aspect/",
    "scheme": ID + "scheme/",
    "rule": ID + "coding-rule/",
    "doc": ID + "document/",
    "agent": ID + "agent/",
    "helix": ID + "helix/",
    "ideology": ID + "ideology/",
    "role": ID + "citizen-role/",
    "arnstein": ID + "arnstein/",
    "scaffold": ID + "scaffold/",
    "background": ID + "background/",
    "claim": ID + "claim/",
    "city": ID + "city/",
    "observation": ID + "observation/",
    "links": ID + "links/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
    "org": "http://www.w3.org/ns/org#",
    "sdg": "http://metadata.un.org/sdg/",
    "wikidata": "http://www.wikidata.org/entity/",
    "sssom": "https://w3id.org/sssom/",
}

# Longest namespace first, so that "u4ssc:" wins over a shorter enclosing namespace.
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda item: len(item[1]), reverse=True)


def expand(curie: str) -> str | None:
    """The IRI a known-prefix CURIE such as ``fw:u4ssc`` stands for, or None."""
    prefix, sep, local = curie.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return None


def _local_ok(local: str) -> bool:
    return bool(local) and all(ch.isalnum() or ch in "-_." for ch in local)


@lru_cache(maxsize=1 << 16)  # a page names the same few thousand IRIs again and again (kg publish: ~45,000 calls)
def compact(iri: str) -> str:
    """``fw:u4ssc`` for a known namespace, the IRI itself otherwise.

    An imported framework's items (``https://w3id.org/smartcity-kg/id/iso37120/11-1``) are
    shown with the framework id as prefix (``iso37120:11-1``), for reading only.
    """
    for prefix, namespace in _BY_LENGTH:
        if iri.startswith(namespace) and _local_ok(iri[len(namespace) :]):
            return f"{prefix}:{iri[len(namespace) :]}"
    segment, _, local = iri.removeprefix(ID).partition("/")
    if iri.startswith(ID) and segment and _local_ok(local):
        return f"{segment}:{local}"
    return iri
