"""The reference engine: pySHACL on an rdflib data graph, read back into the report model.

pySHACL validates the data graph (every document's triples as a store holds them, converted by
kg.terms: see ``data_graph``) against the
project's shapes graph (ontology/shapes.ttl) with SHACL-AF on, for the shapes' SPARQL targets,
and returns its validation report as an RDF graph; ``problems_from_results`` reads each
``sh:ValidationResult`` of it into a ShapeProblem. It is slow on large graphs (it runs each
SHACL-SPARQL constraint once per focus node) but it is what the Oxigraph engine is proven
against (tests/test_fastvalidate.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kg.sources.documents import store_from
from kg.sources.files import RdfDocument, read_rdf, shapes_path
from kg.terms import rdflib_graph, to_rdflib
from kg.validation.report import ShapeProblem, ValidationReport, describe_node, make_report, unique_problems

if TYPE_CHECKING:  # rdflib and pySHACL are imported by the functions that use them: `import kg` stays light
    from rdflib import Graph, URIRef
    from rdflib.term import Node


def shapes_graph() -> Graph:
    """The project's shapes graph (ontology/shapes.ttl), as an rdflib graph.

    Raises InputError when the file cannot be read.
    """
    return rdflib_graph([read_rdf(shapes_path())])


def data_graph(documents: Sequence[RdfDocument]) -> Graph:
    """The documents' triples, as one rdflib graph, in the form a store holds them: the graph both engines judge.

    Oxigraph keeps a number, date or boolean in its canonical form ("03"^^xsd:positiveInteger is
    "3"^^xsd:integer, "1.50"^^xsd:decimal is "1.5"; an ill-formed one stays as written), and so does
    every store the graph is pushed to; judging that form gives the same verdict locally and at
    any endpoint, and the same report from both engines.
    """
    from rdflib import Graph

    graph = Graph()
    for quad in store_from(documents):
        graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return graph


def run_pyshacl(data: Graph, shapes: Graph | None = None) -> Graph:
    """pySHACL's results graph for the data graph ``data`` checked against ``shapes`` (by default the project's).

    In SHACL-AF mode pySHACL copies the data graph first (a quarter of its time on the bundled
    graph), as SHACL rules would add triples to it; shapes without rules (the project's) change
    nothing, so ``data`` is then checked in place.
    """
    import pyshacl  # imported here: it is slow to import and only validation needs it
    from rdflib.namespace import SH

    shacl = shapes if shapes is not None else shapes_graph()
    _conforms, results, _text = pyshacl.validate(
        data,
        shacl_graph=shacl,
        inference="none",
        advanced=True,  # SHACL-AF SPARQL targets: see ontology/shapes.ttl
        inplace=(None, SH.rule, None) not in shacl,
        abort_on_first=False,
        allow_warnings=True,
    )
    results_graph: Graph = results
    return results_graph


def problems_from_results(results: Graph) -> list[ShapeProblem]:
    """The validation results of a SHACL results graph, one ShapeProblem per distinct result."""
    from rdflib import RDF
    from rdflib.namespace import SH

    problems = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        messages = [str(m) for m in results.objects(result, SH.resultMessage)]
        focus = results.value(result, SH.focusNode)
        severity = results.value(result, SH.resultSeverity)
        problems.append(
            ShapeProblem(
                focus=focus if focus is not None else result,
                path=results.value(result, SH.resultPath),
                value=results.value(result, SH.value),
                message=" ".join(messages) or "fails a shape with no message",
                severity=_iri(severity) if severity is not None else SH.Violation,
                constraint=results.value(result, SH.sourceConstraint),
                component=results.value(result, SH.sourceConstraintComponent),
                shape=results.value(result, SH.sourceShape),
            )
        )
    return unique_problems(problems)


def _iri(node: Node) -> URIRef:
    from rdflib import URIRef

    return node if isinstance(node, URIRef) else URIRef(str(node))


def validate_documents(documents: Sequence[RdfDocument], *, checked: Sequence[Path]) -> ValidationReport:
    """Validate ``documents`` together, as one data graph, with pySHACL; the report says it checked ``checked``."""
    data = data_graph(documents)
    problems = problems_from_results(run_pyshacl(data))
    return make_report(documents, checked, problems, lambda node: describe_node(data, node))
