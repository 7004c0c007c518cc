"""The study's claims, checked against the graph.

Each sck:Claim names the query that tests it (sck:testedBy) and the parameter values it
passes (sck:queryBinding). The query answers with one row: ?value, what the data says, and
?holds, whether that agrees with the claim. A claim with sck:untestableBecause instead is
reported as not testable, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import QueryError
from .query import KnowledgeGraph
from .results import Results

AGREES, DISAGREES, NOT_TESTABLE = "agrees", "disagrees", "not testable"

CLAIMS_QUERY = """
PREFIX sck:  <https://w3id.org/smartcity-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?claim ?text ?location ?stated ?query ?reason ?name ?value
WHERE {
  ?claim a sck:Claim ; rdfs:comment ?text ; sck:statedValue ?stated .
  OPTIONAL { ?claim sck:locationInStudy ?location }
  OPTIONAL { ?claim sck:testedBy ?query }
  OPTIONAL { ?claim sck:untestableBecause ?reason }
  OPTIONAL { ?claim sck:queryBinding [ sck:parameterName ?name ; sck:parameterValue ?value ] }
}
ORDER BY ?claim ?name
"""


@dataclass(frozen=True)
class Claim:
    iri: str
    text: str
    location: str
    stated: str
    query: str | None
    reason: str | None
    parameters: dict[str, str]


@dataclass(frozen=True)
class Verdict:
    claim: Claim
    data_says: str
    verdict: str


def read_claims(graph: KnowledgeGraph) -> list[Claim]:
    claims: dict[str, Claim] = {}
    for row in graph.sparql(CLAIMS_QUERY, where="claims").dicts():
        claim = claims.setdefault(
            row["claim"],
            Claim(
                iri=row["claim"],
                text=row["text"],
                location=row["location"] or "",
                stated=str(row["stated"]),
                query=row["query"],
                reason=row["reason"],
                parameters={},
            ),
        )
        if row["name"] is not None:
            claim.parameters[row["name"]] = row["value"]
    return list(claims.values())


def check_claim(graph: KnowledgeGraph, claim: Claim) -> Verdict:
    """Run the claim's query; a query that fails raises QueryError naming the claim."""
    if claim.query is None:
        return Verdict(claim, f"({claim.reason or 'no query tests this claim'})", NOT_TESTABLE)
    try:
        results = graph.query(claim.query, **claim.parameters)
    except QueryError as error:
        raise QueryError(f"claim {claim.iri}: {error}") from None
    if not results.rows or results.dicts()[0].get("holds") is None:
        return Verdict(claim, "(the query found nothing to compare)", NOT_TESTABLE)
    answer = results.dicts()[0]
    return Verdict(claim, str(answer["value"]), AGREES if answer["holds"] else DISAGREES)


def check_claims(graph: KnowledgeGraph) -> list[Verdict]:
    return [check_claim(graph, claim) for claim in read_claims(graph)]


def verdict_table(verdicts: list[Verdict]) -> Results:
    """The verdicts as query-like results, so that every output format applies."""
    from rdflib import Literal

    variables = ["claim", "location", "study_says", "data_says", "verdict"]
    rows = [
        tuple(Literal(v) for v in (v.claim.text, v.claim.location, v.claim.stated, v.data_says, v.verdict))
        for v in verdicts
    ]
    return Results(variables, rows)
