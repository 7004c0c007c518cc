"""The ontology and shapes keep their public contract and speak to users."""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, Graph, Namespace
from rdflib.namespace import SH

from kg.sources.files import ontology_path, shapes_path

SCK = Namespace("https://w3id.org/smartcity-kg/ontology#")

# The vocabulary users write their own data in (issue 2): never renamed.
PUBLIC_CLASSES = {"Framework", "Indicator", "Dimension", "SubDimension", "Category", "Tier",
                  "ParticipationAspect", "Classification", "Document"}  # fmt: skip
PUBLIC_PROPERTIES = {"tier", "dimension", "subDimension", "category", "addresses"}
PUBLIC_DATA_PROPERTIES = {"tiered"}
PUBLIC_TIERS = {"Core", "Advanced", "Supporting"}


def test_public_terms_exist_with_label_and_comment():
    ontology = Graph().parse(ontology_path())
    for name in PUBLIC_CLASSES:
        assert (SCK[name], RDF.type, OWL.Class) in ontology, name
    for name in PUBLIC_PROPERTIES:
        assert (SCK[name], RDF.type, OWL.ObjectProperty) in ontology, name
    for name in PUBLIC_DATA_PROPERTIES:
        assert (SCK[name], RDF.type, OWL.DatatypeProperty) in ontology, name
    for name in PUBLIC_TIERS:
        assert (SCK[name], RDF.type, SCK.Tier) in ontology, name
    for term in {SCK[n] for n in PUBLIC_CLASSES | PUBLIC_PROPERTIES | PUBLIC_DATA_PROPERTIES | PUBLIC_TIERS}:
        assert ontology.value(term, RDFS.label) is not None, term
        assert ontology.value(term, RDFS.comment) is not None, term
    skos = Namespace("http://www.w3.org/2004/02/skos/core#")
    assert (SCK.Framework, RDFS.subClassOf, skos.ConceptScheme) in ontology
    assert (SCK.Indicator, RDFS.subClassOf, skos.Concept) in ontology
    assert (SCK.tier, RDF.type, OWL.FunctionalProperty) in ontology


def test_every_constraint_has_a_message():
    shapes = Graph().parse(shapes_path())
    # Shapes inside sh:xone / sh:or lists are parts of a node-level constraint with its own message.
    members = {m for lst in shapes.objects(None, SH.xone) for m in shapes.items(lst)}
    property_shapes = set(shapes.subjects(SH.path, None)) - members
    sparql_constraints = set(shapes.objects(None, SH.sparql))
    assert len(property_shapes) >= 20 and len(sparql_constraints) == 5
    for shape in property_shapes | sparql_constraints | set(shapes.subjects(SH.xone, None)):
        assert shapes.value(shape, SH.message) is not None, shape
