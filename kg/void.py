"""The dataset described for machines: a VoID description and the SPARQL 1.1 service description.

VoID (https://www.w3.org/TR/void/) gives the dataset's size, vocabularies, IRI space, example
resources and its endpoint; a client finds it at /.well-known/void (VoID section 7.2). The
service description (https://www.w3.org/TR/sparql11-service-description/) is what a GET of
the endpoint without a query returns: the language, result formats and default dataset.
Counts are computed from the served graph when asked for (it is small; the worker's timeout
bounds it).
"""

from __future__ import annotations

import pyoxigraph as ox

from .namespaces import ID, PREFIXES, SCK

VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
PREFIXES_HERE = {"void": VOID, "sd": SD, "formats": FORMATS}  # for Turtle: these are not the data's prefixes
DATASET = "https://w3id.org/smartcity-kg/void#dataset"  # under the project's w3id space, answered at /void
EXAMPLES = [ID + "u4ssc/SC-SH-SI-4C", ID + "framework/u4ssc"]  # shown only if the graph holds them
RESULT_FORMATS = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV"]
RDF_FORMATS = ["Turtle", "N-Triples", "JSON-LD", "RDF_XML"]
DCT, RDF = PREFIXES["dcterms"], PREFIXES["rdf"]
ENTITIES = f"SELECT DISTINCT ?s {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '{ID}')) }}"  # the project's own resources


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n(PREFIXES["xsd"] + "integer"))


def _count(store: ox.Store, pattern: str) -> int:
    answer = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}", named_graphs=[])
    return int(next(iter(answer))[0].value)


def void_triples(store: ox.Store, base: str | None, dumps: tuple[str, ...] = ()) -> list[ox.Triple]:
    """The VoID description of the served graph; ``base`` is the server's address (for the endpoint).

    A static site (kg.publish) has no endpoint (``base`` None) but has ``dumps``: IRIs of its data dumps.
    """
    dataset = _n(DATASET)
    triples = [
        (dataset, _n(RDF + "type"), _n(VOID + "Dataset")),
        (dataset, _n(DCT + "title"), ox.Literal("smartcity-kg", language="en")),
        (
            dataset,
            _n(DCT + "description"),
            ox.Literal(
                "Smart-city indicator frameworks (U4SSC and others) as a knowledge graph, with citizen participation "
                "coded and sourced.",
                language="en",
            ),
        ),
        (dataset, _n(VOID + "uriSpace"), ox.Literal(ID)),
        (dataset, _n(VOID + "triples"), _int(_count(store, "?s ?p ?o"))),
        (dataset, _n(VOID + "entities"), _int(_count(store, ENTITIES))),
        (dataset, _n(VOID + "distinctSubjects"), _int(_count(store, "SELECT DISTINCT ?s { ?s ?p ?o }"))),
        (dataset, _n(VOID + "properties"), _int(_count(store, "SELECT DISTINCT ?p { ?s ?p ?o }"))),
        (dataset, _n(VOID + "classes"), _int(_count(store, "SELECT DISTINCT ?c { ?s a ?c }"))),
    ]
    if base is not None:
        triples.insert(3, (dataset, _n(VOID + "sparqlEndpoint"), _n(base + "/sparql")))
    triples += [(dataset, _n(VOID + "dataDump"), _n(dump)) for dump in dumps]
    formats = RDF_FORMATS if base is not None else RDF_FORMATS[:3]  # a static site has no RDF/XML
    triples += [(dataset, _n(VOID + "feature"), _n(FORMATS + name)) for name in formats]
    used = {row[0].value for row in store.query("SELECT DISTINCT ?p { ?s ?p ?o }", named_graphs=[])}
    vocabularies = sorted({ns for ns in PREFIXES.values() if ns in (SCK, *_vocabularies()) and _uses(used, ns)})
    triples += [(dataset, _n(VOID + "vocabulary"), _n(ns.rstrip("#") if ns == SCK else ns)) for ns in vocabularies]
    for example in EXAMPLES:
        if next(store.quads_for_pattern(_n(example), None, None, ox.DefaultGraph()), None) is not None:
            triples.append((dataset, _n(VOID + "exampleResource"), _n(example)))
    rows = store.query(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c ORDER BY ?c", named_graphs=[]
    )
    partitions = []  # after the dataset's own triples, so that Turtle groups them
    for index, (cls, n) in enumerate(rows):
        partition = ox.BlankNode(f"class{index}")
        triples.append((dataset, _n(VOID + "classPartition"), partition))
        partitions += [(partition, _n(VOID + "class"), cls), (partition, _n(VOID + "entities"), _int(int(n.value)))]
    return [ox.Triple(*t) for t in triples + partitions]


def _vocabularies() -> list[str]:
    return [PREFIXES[p] for p in ("skos", "dcterms", "prov", "foaf", "rdfs", "owl", "org", "sh", "sssom")]


def _uses(predicates: set[str], namespace: str) -> bool:
    return any(p.startswith(namespace) for p in predicates)


def service_triples(store: ox.Store, base: str) -> list[ox.Triple]:
    """The SPARQL 1.1 service description of ``base``/sparql."""
    service, default = ox.BlankNode("service"), ox.BlankNode("defaultGraph")
    triples = [
        (service, _n(RDF + "type"), _n(SD + "Service")),
        (service, _n(SD + "endpoint"), _n(base + "/sparql")),
        (service, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Query")),
        (service, _n(SD + "feature"), _n(SD + "UnionDefaultGraph")),  # the default graph is the union of the sources
        (service, _n(SD + "defaultDataset"), _n(DATASET)),
        (_n(DATASET), _n(RDF + "type"), _n(SD + "Dataset")),
        (_n(DATASET), _n(SD + "defaultGraph"), default),
        (default, _n(RDF + "type"), _n(SD + "Graph")),
        (default, _n(VOID + "triples"), _int(_count(store, "?s ?p ?o"))),
        (service, _n(PREFIXES["rdfs"] + "seeAlso"), _n(base + "/.well-known/void")),
    ]
    triples += [(service, _n(SD + "resultFormat"), _n(FORMATS + name)) for name in RESULT_FORMATS + RDF_FORMATS]
    return [ox.Triple(*t) for t in triples]
