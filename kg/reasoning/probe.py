"""What any real reasoner run must infer: a built-in probe, and what the asserted data guarantees.

A Java that answers ``-version`` but does not run the reasoner (a stub, a broken install, a
wrapper that exits 0) leaves Owlready2 with nothing to read, which looks exactly like "nothing
to infer". Two checks tell them apart, without trusting the reasoner:

- a probe, in its own namespace so it cannot touch the user's terms, that only a working
  reasoner classifies (an individual meeting a defined class's intersection);
- the memberships the asserted triples alone entail: an individual typed with the named part
  of a definition ``C = A and (p some B)`` or ``C = A and (p value v)`` that has the matching
  ``p`` value is a C. For the bundled graph that is every sck:ParticipationIndicator (each
  addresses a participation aspect) and every core or advanced indicator.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.namespaces import SCK, compact
from kg.sources.documents import store_from
from kg.sources.files import RdfDocument

if TYPE_CHECKING:
    from owlready2 import World  # no type information: Any

PROBE = "https://w3id.org/smartcity-kg/reasoner-probe#"
PROBE_INDIVIDUAL = PROBE + "individual"
PROBE_CLASS = PROBE + "Defined"

# Turtle would be shorter, but the reasoner's input is N-Triples (Owlready2 reads no Turtle).
PROBE_TRIPLES = f"""
<{PROBE}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2002/07/owl#Ontology> .
<{PROBE}A> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2002/07/owl#Class> .
<{PROBE}B> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2002/07/owl#Class> .
<{PROBE_CLASS}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2002/07/owl#Class> .
<{PROBE}p> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2002/07/owl#ObjectProperty> .
<{PROBE_CLASS}> <http://www.w3.org/2002/07/owl#equivalentClass> _:definition .
_:definition <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2002/07/owl#Class> .
_:definition <http://www.w3.org/2002/07/owl#intersectionOf> _:list1 .
_:list1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> <{PROBE}A> .
_:list1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> _:list2 .
_:list2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> _:restriction .
_:list2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .
_:restriction <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2002/07/owl#Restriction> .
_:restriction <http://www.w3.org/2002/07/owl#onProperty> <{PROBE}p> .
_:restriction <http://www.w3.org/2002/07/owl#someValuesFrom> <{PROBE}B> .
<{PROBE_INDIVIDUAL}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{PROBE}A> .
<{PROBE_INDIVIDUAL}> <{PROBE}p> <{PROBE}value> .
<{PROBE}value> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{PROBE}B> .
"""

GUARANTEED = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?individual ?class ?property ?value WHERE {
  ?class owl:equivalentClass/owl:intersectionOf ?list .
  ?list rdf:rest/rdf:rest rdf:nil .
  { ?list rdf:first ?named ; rdf:rest/rdf:first ?restriction }
  UNION { ?list rdf:first ?restriction ; rdf:rest/rdf:first ?named }
  FILTER(isIRI(?named) && isIRI(?class))
  ?restriction owl:onProperty ?property .
  FILTER(isIRI(?property))
  { ?restriction owl:someValuesFrom ?filler . ?individual ?property ?value . ?value rdf:type/rdfs:subClassOf* ?filler }
  UNION { ?restriction owl:hasValue ?value . ?individual ?property ?value }
  ?individual rdf:type/rdfs:subClassOf* ?named .
  FILTER(isIRI(?individual) && STRSTARTS(STR(?class), STR(sck:)))
}
ORDER BY ?class ?individual
""".replace("STR(sck:)", f'"{SCK}"')


def guaranteed(documents: Sequence[RdfDocument]) -> list[tuple[str, str, str, str]]:
    """(individual, class, property, value) memberships of sck classes that the asserted triples alone entail."""
    answer = store_from(documents).query(GUARANTEED)
    assert isinstance(answer, ox.QuerySolutions)  # a SELECT query
    return [(_value(row["individual"]), _value(row["class"]), _value(row["property"]), _value(row["value"]))
            for row in answer]  # fmt: skip


def _value(term: object) -> str:
    """An IRI's or a literal's text (the query binds every variable to one or the other)."""
    return term.value if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal) else ""


def probe_classified(world: World) -> bool:
    """Whether the reasoner put the probe individual into the probe's defined class."""
    defined = world[PROBE_CLASS]
    return defined is not None and any(i.iri == PROBE_INDIVIDUAL for i in defined.instances(world=world))


def missing(
    expected: Iterable[tuple[str, str, str, str]], inferred: dict[str, list[str]], asserted: set[tuple[str, str]]
) -> list[str]:
    """The guaranteed memberships the run did not produce, each as words naming its reason."""
    found = {(member, cls) for cls, members in inferred.items() for member in members} | asserted
    lost: dict[tuple[str, str], str] = {}
    for individual, cls, prop, value in expected:
        if (individual, cls) not in found and (individual, cls) not in lost:
            why = f"by its {compact(prop)} {compact(value)}"
            lost[individual, cls] = f"{compact(individual)} is a {compact(cls)} ({why})"
    return list(lost.values())
