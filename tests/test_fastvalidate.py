"""The Oxigraph engine (kg.validation.oxigraph_engine) against pySHACL, the reference, on a corpus of graphs.

The corpus is the bundled graph and broken parts of it, built here from the bundled data so
that every constraint in ontology/shapes.ttl is broken at least once (a test checks that). For
every graph both engines must find the same set of (focus node, result path, constraint
component, value). pySHACL runs on the whole bundled graph once; each broken part is what a
breaker touched and one step beyond (some hundred triples: agreement is a property of the
engines, and the cut-off neighbours break more constraints), so the module takes seconds.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, ORG, SH, SKOS
from rdflib.term import Node

from kg.errors import UnsupportedShape, ValidationError
from kg.sources.documents import read_documents
from kg.sources.files import RdfDocument
from kg.terms import rdflib_graph, to_oxigraph
from kg.validation import ShapeProblem, choose_engine
from kg.validation.compiler import compile_shapes
from kg.validation.oxigraph_engine import load_shapes, validate_store, validation_store
from kg.validation.pyshacl_engine import data_graph, problems_from_results, run_pyshacl
from tests.conftest import run_kg

SCK = Namespace("https://w3id.org/smartcity-kg/ontology#")
EX = Namespace("https://example.org/broken/")
FW = Namespace("https://w3id.org/smartcity-kg/id/framework/")
SCAFFOLD = Namespace("https://w3id.org/smartcity-kg/id/scaffold/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # not rdflib's: pytest's collection makes that one warn

# pySHACL on the bundled graph and its broken copies once per session: the module's tests on one xdist worker.
pytestmark = pytest.mark.xdist_group("pyshacl")


class Breaker:
    """Breaks the bundled graph, each rule on nodes no other rule touched; ``undo`` mends it again."""

    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.used: set[Node] = set()
        self.touched: set[Node] = set()  # every node a rule changed or pointed to
        self.changes: list[tuple[bool, tuple[Node, Node, Node]]] = []  # (added?, triple), in order

    def take(self, cls: URIRef, *having: URIRef, scheme: URIRef | None = None) -> URIRef:
        """The first unused IRI instance of ``cls`` (in IRI order) with every property in ``having``."""
        for node in sorted(self.g.subjects(RDF.type, cls), key=str):
            ok = isinstance(node, URIRef) and node not in self.used and all((node, p, None) in self.g for p in having)
            if ok and (scheme is None or (node, SKOS.inScheme, scheme) in self.g):
                self.used.add(node)
                return node
        raise LookupError(f"no unused {cls} with {having} left in the bundled graph")

    def member(self, cls: URIRef, scheme: URIRef, *, besides: Node | None = None) -> URIRef:
        """The first instance of ``cls`` in ``scheme`` other than ``besides``, used or not (it is only pointed to)."""
        found = (n for n in self.g.subjects(RDF.type, cls) if (n, SKOS.inScheme, scheme) in self.g and n != besides)
        return min(found, key=str)

    def one(self, node: Node, prop: URIRef) -> Node:
        """The object of ``prop`` first in a stable order (blank nodes by what they state)."""

        def key(o: Node) -> list[str]:
            return sorted(map(str, self.g.predicate_objects(o))) if isinstance(o, BNode) else [str(o)]

        return min(self.g.objects(node, prop), key=key)

    def drop(self, node: Node, prop: URIRef, value: Node | None = None) -> None:
        for triple in list(self.g.triples((node, prop, value))):
            self.g.remove(triple)
            self.changes.append((False, triple))
        self.touched.add(node)

    def set(self, node: Node, prop: URIRef, *values: Node) -> None:
        self.drop(node, prop)
        self.add(node, prop, *values)

    def add(self, node: Node, prop: URIRef, *values: Node) -> None:
        self.touched.add(node)
        for value in values:
            self.touched.add(value)
            if (node, prop, value) not in self.g:
                self.g.add((node, prop, value))
                self.changes.append((True, (node, prop, value)))

    def part(self) -> Graph:
        """The touched nodes and the nodes they point to, with all they state (blank nodes whole)."""
        nodes = set(self.used | self.touched)
        nodes |= {o for n in list(nodes) for o in self.g.objects(n, None) if not isinstance(o, Literal)}
        part, stack = Graph(), list(nodes)
        while stack:
            node = stack.pop()
            for prop, value in self.g.predicate_objects(node):
                if isinstance(value, BNode) and (value, None, None) not in part:
                    stack.append(value)
                part.add((node, prop, value))
        return part

    def undo(self) -> None:
        """Put back every triple the rules removed and take out every one they added, last change first."""
        for added, triple in reversed(self.changes):
            if added:
                self.g.remove(triple)
            else:
                self.g.add(triple)
        self.changes.clear()


def en(text: str, lang: str = "en") -> Literal:
    return Literal(text, lang=lang)


def break_indicators(b: Breaker) -> None:
    ind = SCK.Indicator
    b.drop(b.take(ind), SCK.tier)  # no tier
    b.add(b.take(ind, SCK.tier), SCK.tier, SCK.Advanced, SCK.Supporting)  # a second (and third) tier
    b.set(b.take(ind), SCK.tier, SCK.Gold)  # an unknown tier
    b.set(b.take(ind), SCK.tier, Literal("Core"))  # a tier as text
    b.set(b.take(ind), SKOS.prefLabel, en("Indikator", "de"))  # no English name
    b.add(b.take(ind), SKOS.prefLabel, en("Second name", "en-GB"))  # two English names (en-GB counts)
    b.drop(b.take(ind), SKOS.inScheme)  # in no framework
    b.add(b.take(ind), SKOS.inScheme, FW["iso37120"])  # in two frameworks
    b.set(b.take(ind), SKOS.inScheme, SCK.Core)  # "framework" that is not a sck:Framework
    b.drop(b.take(ind), SKOS.notation)  # no code
    b.add(b.take(ind), SKOS.notation, Literal("ZZ: 99"))  # two codes
    b.set(b.take(ind), SKOS.notation, EX["code"])  # a code that is an IRI
    first, second = b.take(ind, scheme=FW["u4ssc"]), b.take(ind, scheme=FW["u4ssc"])
    b.set(second, SKOS.notation, b.one(first, SKOS.notation))  # a code used twice within a framework
    b.drop(b.take(ind, SCK.dimension), SCK.dimension)  # no dimension
    with_dimension = b.take(ind, SCK.dimension, scheme=FW["u4ssc"])
    b.set(with_dimension, SCK.dimension, b.member(SCK.Dimension, FW["iso37120"]))  # another framework's dimension
    two = b.take(ind, SCK.dimension, scheme=FW["sdg-participation"])
    b.add(two, SCK.dimension, b.member(SCK.Dimension, FW["sdg-participation"], besides=b.one(two, SCK.dimension)))
    b.set(b.take(ind, SCK.dimension), SCK.dimension, FW["u4ssc"])  # a "dimension" that is a framework
    sub = b.take(ind, SCK.subDimension, scheme=FW["u4ssc"])
    others = [s for s in b.g.subjects(RDF.type, SCK.SubDimension) if (s, SKOS.inScheme, FW["u4ssc"]) in b.g]
    elsewhere = min((s for s in others if (s, SKOS.broader, b.one(sub, SCK.dimension)) not in b.g), key=str)
    b.set(sub, SCK.subDimension, elsewhere)  # a sub-dimension under another dimension
    b.add(b.take(ind, SCK.subDimension), SCK.subDimension, EX["sub"])  # two sub-dimensions, one not a SubDimension
    b.add(b.take(ind, SCK.category), SCK.category, EX["category"])  # two categories, one not a Category
    foreign = EX["category-of-iso"]
    b.add(foreign, RDF.type, SCK.Category)
    b.add(foreign, SKOS.inScheme, FW["iso37120"])
    b.add(foreign, SKOS.prefLabel, en("A category of ISO 37120"))
    b.set(b.take(ind, SCK.category), SCK.category, foreign)  # a category of another framework
    b.drop(b.take(ind), DCTERMS.source)  # no source


def break_frameworks_and_documents(b: Breaker) -> None:
    b.drop(b.take(SCK.Framework), SKOS.prefLabel)  # no English title
    b.add(b.take(SCK.Framework), SKOS.prefLabel, en("Another title"))  # two English titles
    b.set(b.take(SCK.Framework), DCTERMS.identifier, Literal("U4SSC"))  # upper-case id
    b.set(b.take(SCK.Framework), DCTERMS.source)  # no source
    grouping = b.take(SCK.Dimension)
    b.drop(grouping, SKOS.inScheme)  # in no framework
    b.set(grouping, SKOS.prefLabel, en("Sin nombre inglés", "es"))  # and no English name
    b.set(b.take(SCK.SubDimension), SKOS.inScheme, SCK.Core)  # in a "framework" that is not one
    b.add(b.take(SCK.Category), SKOS.prefLabel, en("Duplicate"))  # two English names
    b.drop(b.take(SCK.Document, DCTERMS.title), DCTERMS.title)  # document without a title
    b.add(b.take(SCK.Document, DCTERMS.issued), DCTERMS.issued, Literal("1999", datatype=XSD.gYear))  # two years
    b.add(b.take(SCK.Page, SCK.printedPage), SCK.printedPage, Literal("8", datatype=XSD.integer))  # two
    b.set(b.take(SCK.Page, SCK.printedPage), SCK.printedPage, Literal("twenty-nine"))  # text
    b.set(b.take(SCK.Page), SCK.printedPage, Literal("-3", datatype=XSD.integer))  # below 1
    b.drop(b.take(SCK.Page), DCTERMS.isPartOf)  # page of no document
    b.add(b.take(SCK.Page), DCTERMS.isPartOf, EX["document-2"])  # page of two documents, one undescribed
    b.set(b.take(SCK.Page), DCTERMS.isPartOf, SCK.Core)  # page of a non-document
    b.add(b.take(SCK.Page, SCK.pageNumber), SCK.pageNumber, Literal("7", datatype=XSD.positiveInteger))  # two numbers
    b.set(b.take(SCK.Page), SCK.pageNumber, Literal("3", datatype=XSD.decimal))  # a decimal, not an integer
    b.set(b.take(SCK.Page), SCK.pageNumber, Literal("0", datatype=XSD.integer))  # below 1
    b.set(b.take(SCK.Page), SCK.pageNumber, Literal("0", datatype=XSD.positiveInteger))  # ill-typed: "0" in a store
    b.set(b.take(SCK.Page), SCK.pageNumber, Literal("03", datatype=XSD.positiveInteger))  # fine: "3" in a store
    b.set(b.take(SCK.Page), SCK.pageNumber, Literal("+07", datatype=XSD.integer))  # fine, not canonical
    b.set(b.take(SCK.Page), SCK.pageNumber, Literal("three", datatype=XSD.integer))  # ill-typed, kept so
    b.set(b.take(SCK.Page), SCK.pageNumber, Literal("three"))  # text


def break_participation(b: Breaker) -> None:
    c = SCK.Classification
    b.drop(b.take(c), SCK.indicator)  # about no indicator
    b.add(b.take(c), SCK.indicator, b.one(b.take(SCK.Indicator, SCK.addresses), SKOS.notation))  # two, one a literal
    b.drop(b.take(c), SCK.aspect)  # no aspect
    b.add(b.take(c), SCK.aspect, SCK.Core)  # two aspects, one not an aspect
    b.drop(b.take(c), DCTERMS.source)  # no source
    b.drop(b.take(c), SCK.evidence)  # no evidence
    evidence_holder = b.take(c)
    b.add(evidence_holder, SCK.evidence, EX["not-evidence"])  # evidence that is not sck:Evidence
    b.drop(b.one(b.take(c), SCK.evidence), DCTERMS.source)  # evidence without a source
    b.set(b.one(b.take(c), SCK.evidence), DCTERMS.source, b.take(SCK.Indicator))  # evidence source not a document
    addresses = b.take(SCK.Indicator, SCK.addresses)
    b.add(addresses, SCK.addresses, SCK.Core)  # addresses a non-aspect (and has no classification for it)
    b.add(b.take(SCK.Indicator, SKOS.notation), SCK.addresses, b.one(addresses, SCK.addresses))  # unclassified link
    b.drop(b.take(SCK.StakeholderType), ORG.classification)  # stakeholder without sector
    b.set(b.take(SCK.StakeholderType), ORG.classification, SCK.Core)  # sector that is not a helix sector
    b.add(EX["stakeholder"], SCK.stakeholderOf, FW["u4ssc"])  # an untyped stakeholder: targeted by stakeholderOf
    b.drop(b.take(SCK.Framework), DCTERMS.identifier)  # framework without an id
    b.add(b.take(SCK.Framework), DCTERMS.identifier, Literal("second-id"))  # two ids
    b.set(b.take(SCK.Framework), DCTERMS.identifier, Literal("u4ssc", lang="en"))  # an id with a language tag
    b.set(b.take(SCK.Framework), DCTERMS.identifier, Literal("Abc", datatype=XSD.token))  # not a string, upper case
    rule = SCK.CodingRule  # the codebook's rules (data/schemes/coding-rules.ttl)
    b.drop(b.take(rule), SKOS.notation)  # no id
    b.add(b.take(rule), SKOS.notation, Literal("second-id"))  # two ids
    b.drop(b.take(rule), SKOS.definition)  # no definition
    b.drop(b.take(rule), SCK.inclusionCriterion)  # no inclusion criterion
    b.drop(b.take(rule), SCK.exclusionCriterion)  # no exclusion criterion
    b.drop(b.take(rule), SKOS.inScheme)  # in no scheme
    b.drop(b.take(rule), DCTERMS.source)  # no source
    b.add(b.take(rule, SCK.assignsAspect), SCK.assignsAspect, SCK.Core)  # two aspects, one not an aspect
    b.set(b.take(SCK.Classification, SCK.codingRule), SCK.codingRule, SCK.Core)  # a "rule" that is not one


def break_analysis_and_claims(b: Breaker) -> None:
    b.add(b.take(SCK.Framework, SCK.scope), SCK.scope, SCK.ProjectScope)  # two scopes
    b.set(b.take(SCK.Framework, SCK.scope), SCK.scope, SCK.Core)  # a "scope" that is a tier
    b.drop(b.take(SCK.Framework, SCK.scope), SCK.scopeSource)  # a scope without the page that states it
    b.set(b.take(SCK.Framework, SCK.scopeSource), SCK.scopeSource, Literal("a page"))  # a source as text
    b.drop(b.take(SCK.LevelAssignment), SCK.about)  # a finding about nothing (found as a subclass instance)
    b.add(b.take(SCK.CitizenFraming), SCK.about, FW["u4ssc"])  # about two things, one not a document
    b.drop(b.take(SCK.CitizenFraming), SCK.assigns)  # assigns nothing
    b.add(b.take(SCK.CitizenFraming), SCK.assigns, SCK.Core)  # assigns two concepts, one not a role
    b.drop(b.take(SCK.CitizenFraming), DCTERMS.source)  # no source
    b.drop(b.take(SCK.CitizenFraming), SCK.evidence)  # no evidence
    b.add(b.take(SCK.CitizenFraming), SCK.evidence, EX["not-evidence"])  # evidence that is not sck:Evidence
    b.set(b.take(SCK.IdeologyAlignment), SCK.assigns, SCK.Core)  # not an ideological model
    b.set(b.take(SCK.LevelAssignment), SCK.assigns, SCAFFOLD["tokenism"])  # a group of rungs, not a rung
    b.set(b.take(SCK.LevelAssignment), SCK.assigns, SCK.Core)  # not a participation level
    b.set(b.take(SCK.LevelAssignment), SCK.about, FW["u4ssc"])  # about a framework, not an indicator
    b.drop(b.take(SCK.LevelAssignment), RDFS.comment)  # no rationale
    claim = SCK.Claim
    b.drop(b.take(claim), RDFS.comment)
    b.drop(b.take(claim), SCK.statedValue)
    b.add(b.take(claim), SCK.statedValue, Literal("another value"))
    b.drop(b.take(claim), SCK.locationInStudy)
    b.drop(b.take(claim), DCTERMS.source)
    b.add(b.take(claim, SCK.testedBy), SCK.testedBy, Literal("Second Query"))  # two queries, one badly named
    b.drop(b.take(claim, SCK.testedBy), SCK.testedBy)  # neither a query nor a reason
    b.add(b.take(claim, SCK.testedBy), SCK.untestableBecause, en("both"))  # both
    b.add(b.take(claim), SCK.queryBinding, EX["not-a-binding"])
    bindings = [b.one(b.take(claim, SCK.queryBinding), SCK.queryBinding) for _ in range(4)]
    b.drop(bindings[0], SCK.parameterName)
    b.add(bindings[1], SCK.parameterName, Literal("other"))
    b.drop(bindings[2], SCK.parameterValue)
    b.add(bindings[3], SCK.parameterValue, Literal("other"))


def break_confirmations(b: Breaker) -> None:
    b.add(b.take(SCK.Indicator, SCK.confirmationLevel), SCK.confirmationLevel, SCK.NotConfirmed)  # two levels
    b.set(b.take(SCK.Indicator, SCK.confirmationLevel), SCK.confirmationLevel, SCK.Gold)  # an unknown level
    unverified = min(set(b.g.subjects(SCK.verificationStatus, SCK.Unverified)) - b.used, key=str)
    b.used.add(unverified)
    b.set(unverified, SCK.confirmationLevel, SCK.ConfirmedOnITUPage)  # a level its status contradicts
    unpaged, on_a_document = EX["evidence-without-page"], EX["evidence-on-a-document"]
    for item in (unpaged, on_a_document):
        b.add(item, RDF.type, SCK.Evidence)
        b.add(item, SCK.confirmationLevel, SCK.ConfirmedInCityReport)  # a city report's page ...
    b.add(on_a_document, DCTERMS.source, URIRef("https://w3id.org/smartcity-kg/id/document/safranova-2021"))  # ... not
    b.add(on_a_document, SCK.confirms, Literal("colour"))  # a fact an indicator does not have


def break_editions(b: Breaker) -> None:
    owl, prov = Namespace("http://www.w3.org/2002/07/owl#"), Namespace("http://www.w3.org/ns/prov#")
    edition = FW["sdg-2025"]
    b.used.add(edition)
    b.drop(edition, owl.versionInfo)  # an edition without its version,
    b.drop(edition, DCTERMS.issued)  # its date
    b.drop(edition, DCTERMS.source)  # and its source
    b.add(edition, prov.wasRevisionOf, FW["iso37120"])  # revising two editions
    b.add(FW["u4ssc"], prov.wasRevisionOf, EX["not-a-framework"])  # an "edition" of no framework
    b.drop(b.take(SCK.FrameworkReview), RDFS.label)  # a review without a name
    b.drop(b.take(SCK.FrameworkReview), DCTERMS.source)  # a review without a source
    b.set(b.take(SCK.Indicator, SCK.change), SCK.change, EX["nonsense"])  # an unknown change
    b.add(b.take(SCK.Indicator, SCK.changedBy), SCK.changedBy, EX["review"])  # two reviews, one not a review
    b.set(b.take(SCK.Indicator, DCTERMS.isReplacedBy), DCTERMS.isReplacedBy, EX["successor"])  # not an indicator
    b.drop(b.take(SCK.Indicator, owl.deprecated, SCK.change), SCK.change)  # deprecated, saying not why


BREAKERS: dict[str, Callable[[Breaker], None]] = {
    "indicators": break_indicators,
    "frameworks-and-documents": break_frameworks_and_documents,
    "participation": break_participation,
    "analysis-and-claims": break_analysis_and_claims,
    "confirmations": break_confirmations,
    "editions": break_editions,
}


@dataclass
class Outcome:
    name: str
    reference: list[ShapeProblem]
    reference_results: Graph  # pySHACL's results graph: its sequence paths are lists there
    fast: list[ShapeProblem]


def problem_keys(problems: list[ShapeProblem], graph: Graph) -> set[tuple]:
    """(focus, path, component, value) for each result; a sequence path as the tuple of its steps."""

    def path(node: Node | None) -> Node | tuple | None:
        return tuple(Collection(graph, node)) if isinstance(node, BNode) else node

    return {(p.focus, path(p.path), p.component, p.value) for p in problems}


@pytest.fixture(scope="module")
def corpus() -> list[Outcome]:
    base = rdflib_graph(read_documents())
    size, outcomes = len(base), []
    for name, breaker in {"bundled": None, **BREAKERS}.items():
        graph = base
        if breaker:
            breaking = Breaker(base)
            breaker(breaking)
            graph = breaking.part()
            breaking.undo()
            assert len(base) == size
        quads = [ox.Quad(*map(to_oxigraph, triple)) for triple in graph]
        documents = [RdfDocument(Path(f"({name})"), quads)]
        results = run_pyshacl(data_graph(documents))  # both engines judge the graph as a store holds it
        fast = validate_store(validation_store(documents))
        outcomes.append(Outcome(name, problems_from_results(results), results, fast))
    return outcomes


@pytest.mark.slow
def test_bundled_graph_conforms_on_both_engines(corpus: list[Outcome]) -> None:
    bundled = corpus[0]
    assert bundled.name == "bundled"
    assert bundled.reference == [] and bundled.fast == []


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(BREAKERS) + 1), ids=["bundled", *BREAKERS])
def test_engines_find_the_same_results(corpus: list[Outcome], index: int) -> None:
    outcome = corpus[index]
    reference = problem_keys(outcome.reference, outcome.reference_results)
    fast = problem_keys(outcome.fast, load_shapes().graph)
    only_reference, only_fast = sorted(map(str, reference - fast)), sorted(map(str, fast - reference))
    assert fast == reference, f"{outcome.name}: only pySHACL found {only_reference}; only Oxigraph {only_fast}"
    assert len(outcome.fast) == len(outcome.reference)


@pytest.mark.slow
def test_engines_give_the_same_messages(corpus: list[Outcome]) -> None:
    for outcome in corpus:
        reference = sorted((str(p.focus), str(p.value), p.message) for p in outcome.reference)
        assert sorted((str(p.focus), str(p.value), p.message) for p in outcome.fast) == reference, outcome.name


def constraints_in_shapes(graph: Graph) -> set[tuple[Node, Node]]:
    """(shape, component) for every constraint parameter and sh:xone, (shape, constraint) for every sh:sparql."""
    parameters = {
        SH.minCount: SH.MinCountConstraintComponent,
        SH.maxCount: SH.MaxCountConstraintComponent,
        SH["class"]: SH.ClassConstraintComponent,
        SH["in"]: SH.InConstraintComponent,
        SH.datatype: SH.DatatypeConstraintComponent,
        SH.minInclusive: SH.MinInclusiveConstraintComponent,
        SH.nodeKind: SH.NodeKindConstraintComponent,
        SH.pattern: SH.PatternConstraintComponent,
        SH.languageIn: SH.LanguageInConstraintComponent,
        SH["or"]: SH.OrConstraintComponent,
        SH.qualifiedMinCount: SH.QualifiedMinCountConstraintComponent,
        SH.qualifiedMaxCount: SH.QualifiedMaxCountConstraintComponent,
        SH.xone: SH.XoneConstraintComponent,
    }
    nested = set(graph.objects(None, SH.qualifiedValueShape))
    for members in [*graph.objects(None, SH["or"]), *graph.objects(None, SH.xone)]:
        nested.update(Collection(graph, members))
    found = {(s, c) for s, c in graph.subject_objects(SH.sparql)}
    for param, component in parameters.items():
        found |= {(s, component) for s in graph.subjects(param, None) if s not in nested}
    return found


@pytest.mark.slow
def test_corpus_breaks_every_constraint_in_the_shapes(corpus: list[Outcome]) -> None:
    shapes = load_shapes().graph
    expected = constraints_in_shapes(shapes)
    assert len(expected) > 40  # the walk found the shapes (82 constraints today)
    broken = {(p.shape, p.constraint or p.component) for outcome in corpus for p in outcome.fast}
    missed = sorted(f"{shape} {component}" for shape, component in expected - broken)
    assert not missed, "no graph of the corpus breaks:\n" + "\n".join(missed)


def test_unknown_shape_feature_is_refused_by_name() -> None:
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
        ex:NameShape a sh:NodeShape ; sh:targetClass ex:Person ;
            sh:property [ sh:path ex:name ; sh:minLength 2 ; sh:message "too short" ] .
        """,
        format="turtle",
    )
    refusal = (
        r"property shape \(sh:path <https://example.org/name>\) of https://example.org/NameShape: it uses sh:minLength"
    )
    with pytest.raises(UnsupportedShape, match=refusal):
        compile_shapes(shapes)
    shapes.add((URIRef("https://example.org/NameShape"), SH.node, URIRef("https://example.org/Other")))
    with pytest.raises(UnsupportedShape, match=r"NameShape.*sh:node"):
        compile_shapes(shapes)


def test_auto_engine_is_oxigraph_at_every_size() -> None:
    assert [choose_engine(name) for name in ("auto", "oxigraph", "pyshacl")] == ["oxigraph", "oxigraph", "pyshacl"]
    with pytest.raises(
        ValidationError, match=r"^unknown validation engine 'jena'; use one of auto, pyshacl, oxigraph$"
    ):
        choose_engine("jena")


BAD_FILE = """\
@prefix sck: <https://w3id.org/smartcity-kg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/bad/> .

ex:kpi a sck:Indicator ;
    skos:inScheme <https://w3id.org/smartcity-kg/id/framework/u4ssc> ;
    sck:dimension <https://w3id.org/smartcity-kg/id/u4ssc/dimension-EC> ;
    skos:notation "SC: SH: SI: 4C" ;
    skos:prefLabel "A copied code"@en ;
    sck:tier sck:Gold .

ex:page a sck:Page ; sck:pageNumber "0"^^xsd:positiveInteger .

ex:finding a sck:LevelAssignment ;
    sck:about ex:kpi ;
    sck:assigns <https://w3id.org/smartcity-kg/id/scaffold/tokenism> ;
    dcterms:source ex:study ;
    sck:evidence [ a sck:Evidence ] .
"""


@pytest.mark.slow
def test_cli_oxigraph_engine_reports_as_pyshacl_does(tmp_path: Path) -> None:
    path = tmp_path / "bad.ttl"
    path.write_text(BAD_FILE, encoding="utf-8")
    runs: dict[str, subprocess.CompletedProcess[str]] = {}
    for engine in ("oxigraph", "pyshacl"):
        runs[engine] = run_kg("validate", "--engine", engine, str(path), timeout=120)
        assert runs[engine].returncode == 1, runs[engine].stdout + runs[engine].stderr
        assert runs[engine].stderr == ""
    fast, reference = runs["oxigraph"].stdout, runs["pyshacl"].stdout
    assert fast.splitlines()[0] == reference.splitlines()[0]  # "Does not conform: N violation(s) on M node(s)."
    assert sorted(fast.splitlines()) == sorted(reference.splitlines())
    assert "the sck:evidence of https://example.org/bad/finding" in fast  # a blank node named as pySHACL names it
    assert "[value: '0']" in fast and json.dumps("SC: SH: SI: 4C") in fast


XSD_NAMES = (
    "string normalizedString token language Name NCName NMTOKEN ID IDREF ENTITY anyURI QName boolean "
    "decimal integer nonPositiveInteger negativeInteger long int short byte nonNegativeInteger "
    "unsignedLong unsignedInt unsignedShort unsignedByte positiveInteger float double duration "
    "yearMonthDuration dayTimeDuration dateTime dateTimeStamp time date gYearMonth gYear gMonthDay gDay "
    "gMonth hexBinary base64Binary "
)
XSD_DATATYPES = XSD_NAMES.split()
LEXICAL_FORMS = ["1", "01", "+1", "1.50", "1e0", "true", "PT60M", "P12M", "2020-01-01T00:00:00.000Z", "10:00:00.0"]


def kept_datatypes() -> set[str]:
    """The XSD datatypes whose literals Oxigraph gives back with their datatype (their lexical form aside)."""
    store, written = ox.Store(), {}
    for number, (name, lexical) in enumerate((n, lex) for n in XSD_DATATYPES for lex in LEXICAL_FORMS):
        subject = ox.NamedNode(f"https://example.org/literal/{number}")
        written[subject] = ox.Literal(lexical, datatype=ox.NamedNode(str(XSD[name])))
        store.add(ox.Quad(subject, ox.NamedNode("https://example.org/p"), written[subject]))
    rewritten = {written[q.subject].datatype.value for q in store if q.object.datatype != written[q.subject].datatype}
    return {str(XSD[name]) for name in XSD_DATATYPES} - rewritten


def test_every_datatype_the_shapes_ask_for_is_one_stores_keep() -> None:
    """A shape asking for a datatype Oxigraph rewrites (xsd:positiveInteger becomes xsd:integer) would fail
    every such value in any Oxigraph store: the shapes ask for xsd:integer with sh:minInclusive instead."""
    kept = kept_datatypes()
    assert str(XSD.positiveInteger) not in kept and str(XSD.integer) in kept  # what the check relies on
    shapes = load_shapes().graph
    asked = {str(d) for d in shapes.objects(None, SH.datatype) if str(d).startswith(str(XSD))}
    bounds = {str(b.datatype) for p in (SH.minInclusive, SH.maxInclusive) for b in shapes.objects(None, p)}
    assert asked and asked | bounds <= kept, sorted((asked | bounds) - kept)


def test_bundled_literals_are_stored_as_written() -> None:
    """Every literal of the bundled Turtle is in the form a store gives back: the same terms from every store.
    (The SSSOM tables' confidences are doubles, which a store rewrites: not checked by the shapes.)"""
    for document in (d for d in read_documents() if d.path.suffix == ".ttl"):
        store = ox.Store()
        store.extend(document.quads)
        assert len(store) == len(set(document.quads)), document.path
        assert set(store) == {ox.Quad(q.subject, q.predicate, q.object) for q in document.quads}, document.path


def test_sparql_constraint_that_would_span_focus_nodes_is_refused() -> None:
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
        ex:OneShape a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:sparql [ sh:message "m" ; sh:select "SELECT $this WHERE { $this ex:p ?o } LIMIT 1" ] .
        """,
        format="turtle",
    )
    with pytest.raises(UnsupportedShape, match=r"SPARQL constraint \[ \] of https://example.org/OneShape.*LIMIT"):
        compile_shapes(shapes)
