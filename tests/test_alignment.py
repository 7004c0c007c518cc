"""The alignment to the ISO/IEC 21972 upper-level ontology (issue 22, part 5): named terms exist, HermiT agrees.

ontology/iso21972-alignment.ttl maps sck: terms to the vendored ontology/external/iso21972.ttl. One
HermiT run (kg.reasoning.reasoner.reason, no cache) classifies the ontology, the ISO 21972 ontology,
the alignment and a sample of the bundled data: the U4SSC indicators and the city observations of
data/observations (without their qb:Observation type, which makes reason() skip a document as data).
An alignment axiom that contradicts ISO 21972 with that data makes the run InconsistentData: the
axiom "an observation of a sck:Indicator is a i72:Indicator" does, as the alignment's header explains.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.sources.files import RdfDocument, ontology_path, project_root, read_rdf

I72 = "http://ontology.eil.utoronto.ca/ISO21972/iso21972#"
SCK = "https://w3id.org/smartcity-kg/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
QB_OBSERVATION = ox.NamedNode("http://purl.org/linked-data/cube#Observation")
CC_LICENSE = ox.NamedNode("http://creativecommons.org/ns#license")


def documents() -> tuple[RdfDocument, RdfDocument, RdfDocument]:
    root = project_root()
    return (
        read_rdf(ontology_path()),
        read_rdf(root / "ontology/external/iso21972.ttl"),
        read_rdf(root / "ontology/iso21972-alignment.ttl"),
    )


def terms(document: RdfDocument, namespace: str) -> set[str]:
    """The IRIs of ``namespace`` that ``document`` mentions (subject or object)."""
    mentioned = {t.value for q in document.quads for t in (q.subject, q.object) if isinstance(t, ox.NamedNode)}
    return {iri for iri in mentioned if iri.startswith(namespace)}


def declared(document: RdfDocument) -> set[str]:
    return {q.subject.value for q in document.quads if q.predicate == RDF_TYPE and isinstance(q.subject, ox.NamedNode)}


def test_every_term_the_alignment_names_is_declared_where_it_lives():
    ontology, iso21972, alignment = documents()
    for namespace, home in ((I72, iso21972), (SCK, ontology)):
        named = terms(alignment, namespace)
        assert named and named <= declared(home), sorted(named - declared(home))
    # The vendored ontology keeps its own licence notice (CC BY 3.0).
    assert any(q.predicate == CC_LICENSE and "by/3.0" in q.object.value for q in iso21972.quads)


@pytest.mark.slow
@pytest.mark.java
def test_hermit_finds_the_alignment_consistent_with_iso21972_and_the_data():
    from kg.reasoning.reasoner import reason

    root = project_root()
    observed = read_rdf(root / "data/observations/u4ssc-verification-reports.ttl")
    quads = [q for q in observed.quads if not (q.predicate == RDF_TYPE and q.object == QB_OBSERVATION)]
    measured = {q.subject for q in quads if q.predicate.value == SCK + "measuredIndicator"}
    cities = {q.subject for q in quads if q.predicate == RDF_TYPE and q.object.value == SCK + "City"}
    assert measured and cities  # the sample holds what the alignment maps: observations of indicators, cities
    sample = RdfDocument(Path("(the observations, untyped)"), quads)
    indicators = read_rdf(root / "data/u4ssc/kpis.ttl")
    inference = reason([*documents(), indicators, sample], "hermit")  # InconsistentData if the alignment clashes
    assert inference.memberships[SCK + "CoreIndicator"]  # and the run really reasoned (reason checks its probe)
