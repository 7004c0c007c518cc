"""What the graph says about one of the project's IRIs: the facts a resource page and its Turtle show.

Everything is read with direct index lookups on the store's default graph (the union of all
sources, kg.graph.workspace) and bounded (MAX_TRIPLES, MAX_INCOMING), so a page costs little even
for a class with thousands of members; pages are still built in the query workers, under the
server's timeout.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache

import pyoxigraph as ox

from kg.namespaces import ID, PREFIXES, SCK, compact
from kg.query.catalog import NamedQuery, list_queries

ONTOLOGY = SCK.rstrip("#")  # the ontology document's IRI: its terms are hash IRIs within it
MAX_TRIPLES = 20_000  # of a resource's own description (its blank nodes included)
MAX_INCOMING = 500  # links to a resource listed on its page and in its data
DCT, RDFS, SKOS = PREFIXES["dcterms"], PREFIXES["rdfs"], PREFIXES["skos"]
RDF_TYPE = PREFIXES["rdf"] + "type"
LABELS = [SKOS + "prefLabel", RDFS + "label", DCT + "title", PREFIXES["foaf"] + "name", SKOS + "notation"]
SOURCE_LINKS = [DCT + "source", RDFS + "seeAlso", PREFIXES["prov"] + "wasDerivedFrom"]
EVIDENCE = SCK + "evidence"
NOTATION = SKOS + "notation"
# a member (an indicator of a framework, of a dimension) is not a statement about what it belongs to: its
# sources are on its own page, not on the framework's (which would list every indicator's)
MEMBERSHIP = {SKOS + "inScheme", SKOS + "topConceptOf", SKOS + "broader", SKOS + "member", DCT + "isPartOf",
              SCK + "dimension", SCK + "subDimension", SCK + "category", SCK + "tier"}  # fmt: skip
DEFAULT_GRAPH = ox.DefaultGraph()  # the union of the sources (kg.graph.workspace)


@dataclass
class Citation:
    """One source a fact rests on: the fact (a node), the source, and what the evidence adds."""

    fact: ox.NamedNode | ox.BlankNode | ox.Triple
    source: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
    page: str | None = None
    reported_by: ox.NamedNode | None = None
    quote: str | None = None


@dataclass
class Description:
    """A resource's triples (its own, blank nodes included, then links to it), citations and named queries."""

    iri: str
    triples: list[ox.Triple] = field(default_factory=list)
    incoming: list[ox.Triple] = field(default_factory=list)
    incoming_total: int = 0
    incoming_counts: dict[str, int] = field(default_factory=dict)  # property IRI -> links to it by it (all, unbounded)
    context: list[ox.Triple] = field(default_factory=list)  # the blank nodes that link to it (mappings, ...)
    citations: list[Citation] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.triples or self.incoming)

    def all_triples(self) -> list[ox.Triple]:
        """What its data documents hold: its own triples, the links to it and the blank nodes among them."""
        return list(dict.fromkeys(self.triples + self.incoming + self.context))


def _triples_of(
    store: ox.Store,
    s: ox.NamedNode | ox.BlankNode | ox.Triple | None = None,
    p: ox.NamedNode | None = None,
    o: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None = None,
) -> Iterator[ox.Triple]:
    return (q.triple for q in store.quads_for_pattern(s, p, o, DEFAULT_GRAPH))


def closure(store: ox.Store, node: ox.NamedNode | ox.BlankNode, limit: int = MAX_TRIPLES) -> list[ox.Triple]:
    """The node's triples and, recursively, those of the blank nodes it points to (its CBD)."""
    out: list[ox.Triple] = []
    todo, seen = [node], {node}
    while todo and len(out) < limit:
        for triple in _triples_of(store, todo.pop()):
            out.append(triple)
            if isinstance(triple.object, ox.BlankNode) and triple.object not in seen:
                seen.add(triple.object)
                todo.append(triple.object)
    return out[:limit]


def describe(store: ox.Store, iri: str) -> Description:
    """What the graph says about ``iri`` (the ontology's IRI: every sck: term too); empty if nothing.

    Raises ValueError when ``iri`` is not an IRI pyoxigraph accepts (kg.web.answers answers 404 then).
    """
    node = ox.NamedNode(iri)
    description = Description(iri, closure(store, node))
    if iri == ONTOLOGY:  # the hash namespace: one document holds all its terms
        terms = sorted(
            {
                t.subject
                for t in _triples_of(store)
                if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(SCK)
            },
            key=lambda n: n.value,
        )
        for term in terms:
            description.triples += closure(store, term)
    else:
        for triple in _triples_of(store, o=node):
            description.incoming_total += 1
            counts = description.incoming_counts
            counts[triple.predicate.value] = counts.get(triple.predicate.value, 0) + 1
            if len(description.incoming) < MAX_INCOMING:
                description.incoming.append(triple)
        description.incoming.sort(key=lambda t: (t.predicate.value, str(t.subject)))
        for subject in dict.fromkeys(t.subject for t in description.incoming if isinstance(t.subject, ox.BlankNode)):
            description.context += closure(store, subject)
        statements = [t for t in description.incoming if t.predicate.value not in MEMBERSHIP]
        description.citations = citations_of(store, node, statements)
    notations = [
        t.object.value
        for t in description.triples
        if t.subject == node and t.predicate.value == NOTATION and not isinstance(t.object, ox.Triple)
    ]
    description.queries = mentioning(iri, notations)
    return description


def _first(
    store: ox.Store, node: ox.NamedNode | ox.BlankNode | ox.Triple, predicate: str
) -> ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None:
    return next((t.object for t in _triples_of(store, node, ox.NamedNode(predicate))), None)


def citations_of(store: ox.Store, node: ox.NamedNode, incoming: list[ox.Triple]) -> list[Citation]:
    """The sources of the resource's own facts and of the statements about it (reified ones, mappings).

    A statement about the resource is a node linking to it that has a dcterms:source or
    sck:evidence; an evidence item gives its source, cited page, reporting document and quote.
    """
    facts: list[ox.NamedNode | ox.BlankNode | ox.Triple] = [node]
    facts += [t.subject for t in incoming if t.predicate.value != RDF_TYPE]
    out: list[Citation] = []
    for fact in dict.fromkeys(facts):
        links = SOURCE_LINKS if fact == node else SOURCE_LINKS[:1]
        for predicate in links:
            out += [Citation(fact, t.object) for t in _triples_of(store, fact, ox.NamedNode(predicate))]
        for evidence in (t.object for t in _triples_of(store, fact, ox.NamedNode(EVIDENCE))):
            if isinstance(evidence, ox.Literal):
                continue  # a literal has no properties: nothing to cite
            page, by, quote = (_first(store, evidence, SCK + name) for name in ("page", "reportedBy", "quote"))
            reported_by = by if isinstance(by, ox.NamedNode) or by is None else None
            for source in (t.object for t in _triples_of(store, evidence, ox.NamedNode(DCT + "source"))):
                out.append(Citation(fact, source, _lexical(page), reported_by, _lexical(quote)))
    return out


def _lexical(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str | None:
    """A term's text as the evidence gives it (None for none, or for a quoted triple, which has no text)."""
    return None if term is None or isinstance(term, ox.Triple) else term.value


def label(store: ox.Store, node: object) -> str | None:
    """The node's name (skos:prefLabel, rdfs:label, dcterms:title, foaf:name, notation), English first."""
    if not isinstance(node, ox.NamedNode | ox.BlankNode):
        return None
    for predicate in LABELS:
        found = [
            t.object for t in _triples_of(store, node, ox.NamedNode(predicate)) if isinstance(t.object, ox.Literal)
        ]
        if found:
            found.sort(key=lambda lit: (lit.language not in ("en", None), lit.language or "", lit.value))
            return found[0].value
    return None


@cache
def _query_texts() -> list[tuple[str, NamedQuery]]:
    return [(collection, q) for collection in ("", "qc", "claims") for q in list_queries(collection)]


def mentioning(iri: str, notations: Sequence[str] = ()) -> list[str]:
    """The named queries whose text names ``iri`` (in full, as a CURIE or by a quoted notation), as collection/name.

    A KPI is often named by its code (``code: "SC: SH: SI: 4C"`` as a parameter's default).
    """
    curie = compact(iri)
    patterns = [re.escape(f"<{iri}>")] + [re.escape(f'"{notation}"') for notation in notations if notation]
    if curie != iri:
        patterns.append(r"(?<![\w:/-])" + re.escape(curie) + r"(?![\w-])")
    words = [f"<{iri}>", curie, *(f'"{notation}"' for notation in notations if notation)]
    # a plain substring test first: most texts hold none of the words, and it is far cheaper than the regex
    candidates = [(c, q) for c, q in _query_texts() if any(word in q.text for word in words)]
    if not candidates:
        return []
    found = re.compile("|".join(patterns))
    return [f"{c}/{q.name}".lstrip("/") for c, q in candidates if found.search(q.text)]


def local_path(iri: str) -> str | None:
    """The path under which ``kg serve`` answers for a project IRI: /id/... or /ontology#term; else None."""
    if iri.startswith(ID):
        return "/id/" + iri[len(ID) :]
    if iri == ONTOLOGY:
        return "/ontology"
    if iri.startswith(SCK):
        return "/ontology#" + iri[len(SCK) :]
    return None
