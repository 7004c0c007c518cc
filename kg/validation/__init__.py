"""SHACL validation of the knowledge graph, organised as the SHACL specification is.

- **Shapes graph**: ontology/shapes.ttl, read as an rdflib graph (``pyshacl_engine.shapes_graph``)
  and, for the Oxigraph engine, compiled to SPARQL (``compiler.compile_shapes``, cached by
  ``oxigraph_engine.load_shapes``; ``shapes.ShapeReader`` reads it).
- **Data graph**: the documents to check, with the bundled graph or the workspace's (``validate``,
  ``validate_documents``), or a store that already holds them (``oxigraph_engine.validate_store``).
  It is judged as a store holds it: Oxigraph keeps numbers, dates and booleans in their canonical
  form ("03"^^xsd:positiveInteger as "3"^^xsd:integer), and so does any store the graph is pushed
  to, so both engines see that form (``pyshacl_engine.data_graph``) and a verdict is the same
  locally and at any endpoint. The shapes therefore ask for datatypes stores keep (page numbers:
  ``sh:datatype xsd:integer ; sh:minInclusive 1``, not xsd:positiveInteger).
- **Focus nodes**: each node shape's targets (sh:targetClass, sh:targetSubjectsOf, SHACL-AF SPARQL
  targets) become one SELECT; the engine writes its answers into the store (``compiler.FOCUS``).
- **Value nodes**: the values of a property shape's path, as the store holds them.
- **Constraint components**: ``components`` registers one compiler per supported component by
  its IRI, as pySHACL registers its constraint components; a shape using another is refused
  with UnsupportedShape (and "auto" falls back to pySHACL with a note).
- **Engines**: ``validate`` and ``validate_documents`` (here) run "pyshacl", the reference, or
  "oxigraph", linear in the data where pySHACL's SHACL-SPARQL targets are quadratic; "auto" (the
  default) runs Oxigraph and falls back to pySHACL, with a note on stderr, only for shapes it
  refuses. The Oxigraph engine is imported when it runs: it needs rdflib, which ``import kg``
  does not load.
- **Validation report**: ``report``: ValidationReport of ShapeProblems (one sh:ValidationResult
  each), ``format_report`` for its text; the two engines (``pyshacl_engine``, the reference, and
  ``oxigraph_engine``) give the same report.

The flow is one-way: sources -> store -> validation -> command line; nothing here imports
kg.graph.embedded, kg.graph.workspace or the CLI.

>>> import kg.validation
>>> report = kg.validation.validate()   # the bundled graph  # doctest: +SKIP
>>> print(kg.validation.format_report(report))  # doctest: +SKIP
Conforms: ... satisfy every shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kg.errors import UnsupportedShape, ValidationError
from kg.sources.documents import read_documents
from kg.sources.files import RdfDocument
from kg.validation import pyshacl_engine
from kg.validation.report import (
    ShapeProblem,
    ValidationReport,
    describe_node,
    format_report,
    make_report,
    note,
    unique_problems,
)

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

ENGINES = ("auto", "pyshacl", "oxigraph")


def choose_engine(engine: str) -> str:
    """The engine to try first, "pyshacl" or "oxigraph": ``engine`` itself, or "oxigraph" for "auto".

    Raises ValidationError for a name not in ENGINES.
    """
    if engine not in ENGINES:
        raise ValidationError(f"unknown validation engine {engine!r}; use one of {', '.join(ENGINES)}")
    return "oxigraph" if engine == "auto" else engine


def validate_documents(
    documents: Sequence[RdfDocument], *, checked: Sequence[Path], engine: str = "auto"
) -> ValidationReport:
    """Validate parsed documents (already read safely) together, as one data graph.

    ``checked``: the files the report says it checked. ``engine``: "pyshacl" (the reference),
    "oxigraph" or "auto": Oxigraph, falling back to pySHACL (with a note on stderr) when the shapes
    use a feature the Oxigraph engine refuses. Raises ValidationError for an unknown engine and
    UnsupportedShape when ``engine`` is "oxigraph" and the shapes use such a feature.
    """
    if choose_engine(engine) == "oxigraph":
        from kg.validation import oxigraph_engine

        try:
            return oxigraph_engine.validate_documents(documents, checked=checked)
        except UnsupportedShape as refusal:
            if engine == "oxigraph":
                raise
            note(f"validating with pySHACL, slower: {refusal.reason}")  # why validation is suddenly slow
    return pyshacl_engine.validate_documents(documents, checked=checked)


def validate(
    files: Sequence[Path | str] = (), *, engine: str = "auto", base: Sequence[RdfDocument] | None = None
) -> ValidationReport:
    """Check ``files`` (with the bundled graph, or the documents ``base``), or that graph alone when none are given.

    ``engine``: "pyshacl", "oxigraph" or "auto" (Oxigraph, falling back to pySHACL for shapes it refuses).
    Raises InputError, before any validation, when a file cannot be read, and ValidationError for an
    unknown engine. A file that holds no triples is checked (it conforms) and named in a note on
    stderr, so that "Conforms" is never taken to mean its data was checked.

    >>> import kg
    >>> kg.validate(engine="jena")
    Traceback (most recent call last):
    ...
    kg.errors.ValidationError: unknown validation engine 'jena'; use one of auto, pyshacl, oxigraph
    """
    choose_engine(engine)  # before any file is read
    documents = read_documents(files, bundled=base is None)
    documents = [*(base or []), *documents]
    for document in documents[len(documents) - len(files) :]:
        if not document.quads:
            note(f"{document.path} holds no triples: there was nothing in it to check")
    checked = [Path(f) for f in files] or [d.path for d in documents]
    return validate_documents(documents, checked=checked, engine=engine)
