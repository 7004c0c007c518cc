"""The study's claims, checked against the graph.

Each sck:Claim names the query that tests it (sck:testedBy) and the parameter values it
passes (sck:queryBinding). The query answers with one row: ?value, what the data says, and
?holds, whether that agrees with the claim. A claim with sck:untestableBecause instead is
reported as not testable, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Literal

from .errors import QueryError
from .query import KnowledgeGraph
from .results import Results

AGREES, DISAGREES, NOT_TESTABLE = "agrees", "disagrees", "not testable"


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
    for row in graph.query("study-claims").dicts():
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
    answer = results.dicts()[0] if results.rows else {}
    if answer.get("holds") is None:
        return Verdict(claim, "(the query found nothing to compare)", NOT_TESTABLE)
    return Verdict(claim, str(answer["value"]), AGREES if answer["holds"] else DISAGREES)


def check_claims(graph: KnowledgeGraph) -> list[Verdict]:
    return [check_claim(graph, claim) for claim in read_claims(graph)]


def verdict_table(verdicts: list[Verdict]) -> Results:
    """The verdicts as query-like results, so that every output format applies."""
    variables = ["claim", "location", "study_says", "data_says", "verdict"]
    rows = [
        tuple(Literal(v) for v in (v.claim.text, v.claim.location, v.claim.stated, v.data_says, v.verdict))
        for v in verdicts
    ]
    return Results(variables, rows)
