"""The dataset described for machines: a VoID description and the SPARQL 1.1 service description.

VoID (https://www.w3.org/TR/void/) gives the dataset's size, vocabularies, IRI space, example
resources and its endpoint; a client finds it at /.well-known/void (VoID section 7.2). The
service description (https://www.w3.org/TR/sparql11-service-description/) is what a GET of
the endpoint without a query returns: the language, result formats and default dataset.
``kg serve`` has two endpoints: /sparql answers over the graph as asserted, /sparql/inferred
over the graph with the OWL reasoner's inferences; each describes itself, and VoID names both.
Counts are computed from the served graph when asked for (it is small; the worker's timeout
bounds it).
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.namespaces import ID, PREFIXES, SCK
from kg.version import CREATOR, DATA_LICENSE, ONTOLOGY_VERSION_IRI, __version__

VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"  # W3C's IRIs for media formats
PREFIXES_HERE = {"void": VOID, "sd": SD, "formats": FORMATS_NS}  # for Turtle: these are not the data's prefixes
DATASET = "https://w3id.org/smartcity-kg/void#dataset"  # under the project's w3id space, answered at /void
EXAMPLE_RESOURCES = [ID + "u4ssc/SC-SH-SI-4C", ID + "framework/u4ssc"]  # shown only if the graph holds them
RESULT_FORMAT_NAMES = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV"]
RDF_FORMAT_NAMES = ["Turtle", "N-Triples", "JSON-LD", "RDF_XML"]
DCT, RDF, RDFS = PREFIXES["dcterms"], PREFIXES["rdf"], PREFIXES["rdfs"]
ENDPOINT = "/sparql"  # kg serve's endpoint over the graph as asserted
INFERRED_ENDPOINT = "/sparql/inferred"  # and over the graph with the OWL reasoner's inferences
INFERRED_NOTE = (
    "The graph with the inferences of the OWL reasoner (HermiT, through Owlready2) added: the class memberships "
    "and property values it derives from the ontology. The queries whose header says 'inferred: true' read them."
)
DESCRIPTION = (  # the dataset's, in VoID and in the schema.org Dataset (kg.web.dataset)
    "Smart-city indicator frameworks (U4SSC and others) as a knowledge graph, with citizen participation coded and "
    "sourced."
)
THIRD_PARTY_RIGHTS = (
    "The project's own data (codings, notes, links, claims) and ontology: CC BY 4.0. Indicator names, codes and "
    "other texts of the bundled frameworks keep their owners' terms, stated on each framework (dcterms:rights)."
)
ENTITIES = f"SELECT DISTINCT ?s {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '{ID}')) }}"  # the project's own resources


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n(PREFIXES["xsd"] + "integer"))


def _select(store: ox.Store, query: str) -> ox.QuerySolutions:
    answer = store.query(query, named_graphs=[])
    if not isinstance(answer, ox.QuerySolutions):  # a bug: every query here is a SELECT
        raise TypeError(f"not a SELECT query: {query}")
    return answer


def _count_matches(store: ox.Store, pattern: str) -> int:
    row = next(iter(_select(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")))
    return int(_term_text(row[0]))


def _term_text(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal) else ""


def void_triples(store: ox.Store, base: str | None, dumps: tuple[str, ...] = ()) -> list[ox.Triple]:
    """The VoID description of the graph in ``store``; ``base`` is the server's address (for the endpoint).

    A static site (kg.web.publish) has no endpoint (``base`` None) but has ``dumps``: IRIs of its data dumps.
    """
    dataset = _n(DATASET)
    triples: list[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]] = [
        (dataset, _n(RDF + "type"), _n(VOID + "Dataset")),
        (dataset, _n(DCT + "title"), ox.Literal("smartcity-kg", language="en")),
        (
            dataset,
            _n(DCT + "description"),
            ox.Literal(DESCRIPTION, language="en"),
        ),
        (dataset, _n(VOID + "uriSpace"), ox.Literal(ID)),
        # The release: its licence, maker and version (the ontology's header states the same, kg.version).
        (dataset, _n(DCT + "license"), _n(DATA_LICENSE)),
        (dataset, _n(DCT + "rights"), ox.Literal(THIRD_PARTY_RIGHTS, language="en")),
        (dataset, _n(DCT + "creator"), _n(CREATOR)),
        (dataset, _n(PREFIXES["owl"] + "versionInfo"), ox.Literal(__version__)),
        (dataset, _n(DCT + "conformsTo"), _n(ONTOLOGY_VERSION_IRI)),
        (dataset, _n(VOID + "triples"), _int(_count_matches(store, "?s ?p ?o"))),
        (dataset, _n(VOID + "entities"), _int(_count_matches(store, ENTITIES))),
        (dataset, _n(VOID + "distinctSubjects"), _int(_count_matches(store, "SELECT DISTINCT ?s { ?s ?p ?o }"))),
        (dataset, _n(VOID + "properties"), _int(_count_matches(store, "SELECT DISTINCT ?p { ?s ?p ?o }"))),
        (dataset, _n(VOID + "classes"), _int(_count_matches(store, "SELECT DISTINCT ?c { ?s a ?c }"))),
    ]
    if base is not None:
        triples.insert(3, (dataset, _n(VOID + "sparqlEndpoint"), _n(base + ENDPOINT)))
        triples.insert(4, (dataset, _n(RDFS + "seeAlso"), _n(base + INFERRED_ENDPOINT)))  # its own description says
    triples += [(dataset, _n(VOID + "dataDump"), _n(dump)) for dump in dumps]
    formats = RDF_FORMAT_NAMES if base is not None else RDF_FORMAT_NAMES[:3]  # a static site has no RDF/XML
    triples += [(dataset, _n(VOID + "feature"), _n(FORMATS_NS + name)) for name in formats]
    used = {_term_text(row[0]) for row in _select(store, "SELECT DISTINCT ?p { ?s ?p ?o }")}
    vocabularies = sorted({ns for ns in PREFIXES.values() if ns in (SCK, *_vocabularies()) and _uses(used, ns)})
    triples += [(dataset, _n(VOID + "vocabulary"), _n(ns.rstrip("#") if ns == SCK else ns)) for ns in vocabularies]
    for example in EXAMPLE_RESOURCES:
        if next(store.quads_for_pattern(_n(example), None, None, ox.DefaultGraph()), None) is not None:
            triples.append((dataset, _n(VOID + "exampleResource"), _n(example)))
    rows = _select(store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c ORDER BY ?c")
    partitions = []  # after the dataset's own triples, so that Turtle groups them
    for index, (cls, n) in enumerate(rows):
        partition = ox.BlankNode(f"class{index}")
        triples.append((dataset, _n(VOID + "classPartition"), partition))
        partitions += [
            (partition, _n(VOID + "class"), _n(_term_text(cls))),
            (partition, _n(VOID + "entities"), _int(int(_term_text(n)))),
        ]
    return [ox.Triple(*t) for t in triples + partitions]


def _vocabularies() -> list[str]:
    return [PREFIXES[p] for p in ("skos", "dcterms", "prov", "foaf", "rdfs", "owl", "org", "sh", "sssom")]


def _uses(predicates: set[str], namespace: str) -> bool:
    return any(p.startswith(namespace) for p in predicates)


def service_triples(store: ox.Store, base: str, *, inferred: bool = False) -> list[ox.Triple]:
    """The SPARQL 1.1 service description of ``base``/sparql, or with ``inferred`` of ``base``/sparql/inferred.

    The inferred endpoint's default graph is the dataset plus the reasoner's inferences: it is
    described in words (INFERRED_NOTE), without a count (``store`` holds the asserted graph only).
    """
    service, default = ox.BlankNode("service"), ox.BlankNode("defaultGraph")
    triples: list[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]] = [
        (service, _n(RDF + "type"), _n(SD + "Service")),
        (service, _n(SD + "endpoint"), _n(base + (INFERRED_ENDPOINT if inferred else ENDPOINT))),
        (service, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Query")),
        (service, _n(SD + "feature"), _n(SD + "UnionDefaultGraph")),  # the default graph is the union of the sources
    ]
    if inferred:
        described = ox.BlankNode("inferredDataset")  # not DATASET: more triples than the VoID dataset has
        triples += [
            (service, _n(SD + "defaultDataset"), described),
            (described, _n(RDF + "type"), _n(SD + "Dataset")),
            (described, _n(DCT + "description"), ox.Literal(INFERRED_NOTE, language="en")),
            (described, _n(PREFIXES["prov"] + "wasDerivedFrom"), _n(DATASET)),
            (described, _n(SD + "defaultGraph"), default),
            (default, _n(RDF + "type"), _n(SD + "Graph")),
            (service, _n(RDFS + "seeAlso"), _n(base + ENDPOINT)),
        ]
    else:
        triples += [
            (service, _n(SD + "defaultDataset"), _n(DATASET)),
            (_n(DATASET), _n(RDF + "type"), _n(SD + "Dataset")),
            (_n(DATASET), _n(SD + "defaultGraph"), default),
            (default, _n(RDF + "type"), _n(SD + "Graph")),
            (default, _n(VOID + "triples"), _int(_count_matches(store, "?s ?p ?o"))),
            (service, _n(RDFS + "seeAlso"), _n(base + "/.well-known/void")),
            (service, _n(RDFS + "seeAlso"), _n(base + INFERRED_ENDPOINT)),
        ]
    names = RESULT_FORMAT_NAMES + RDF_FORMAT_NAMES
    triples += [(service, _n(SD + "resultFormat"), _n(FORMATS_NS + name)) for name in names]
    return [ox.Triple(*t) for t in triples]
