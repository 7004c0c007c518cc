"""SHACL validation of the knowledge graph, organised as the SHACL specification is.

- **Shapes graph**: ontology/shapes.ttl, read as an rdflib graph (``pyshacl_engine.shapes_graph``)
  and, for the Oxigraph engine, compiled to SPARQL (``compiler.compile_shapes``, cached by
  ``oxigraph_engine.load_shapes``; ``shapes.ShapeReader`` reads it).
- **Data graph**: the documents to check, with the bundled graph or the workspace's (``validate``,
  ``validate_documents``), or a store that already holds them (``oxigraph_engine.validate_store``).
- **Focus nodes**: each node shape's targets (sh:targetClass, sh:targetSubjectsOf, SHACL-AF SPARQL
  targets) become one SELECT; the engine writes its answers into the store (``written``).
- **Value nodes**: the values of a property shape's path, read as written (``written``: Oxigraph
  normalises literals, SHACL judges them as written).
- **Constraint components**: ``components`` registers one compiler per supported component by
  its IRI, as pySHACL registers its constraint components; a shape using another is refused
  with UnsupportedShape (and "auto" falls back to pySHACL with a note).
- **Validation report**: ``report``: ValidationReport of ShapeProblems (one sh:ValidationResult
  each), ``format_report`` for its text; the two engines (``pyshacl_engine``, the reference, and
  ``oxigraph_engine``) give the same report.

The flow is one-way: sources -> store -> validation -> command line; nothing here imports
kg.query, kg.workspace or the CLI.

>>> import kg.validation
>>> report = kg.validation.validate()   # the bundled graph  # doctest: +SKIP
>>> print(kg.validation.format_report(report))  # doctest: +SKIP
Conforms: ... satisfy every shape.
"""

from ..errors import UnsupportedShape, ValidationError
from .engines import ENGINES, choose_engine, validate, validate_documents
from .report import ShapeProblem, ValidationReport, describe_node, format_report, make_report, note, unique_problems

__all__ = [
    "ENGINES",
    "ShapeProblem",
    "UnsupportedShape",
    "ValidationError",
    "ValidationReport",
    "choose_engine",
    "describe_node",
    "format_report",
    "make_report",
    "note",
    "unique_problems",
    "validate",
    "validate_documents",
]
