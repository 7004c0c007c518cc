"""The claims of the graph (the study's, and smartcity-kg's own), checked against it.

Each sck:Claim names the query that tests it (sck:testedBy) and the parameter values it
passes (sck:queryBinding). The query answers with one row: ?value, what the data says, and
?holds, whether that agrees with the claim. A claim with sck:untestableBecause instead is
reported as not testable, with the reason.

The verdicts are data, one row per claim (:func:`verdict_table`): the claim's IRI, who makes
it, what it states, what the data says and the verdict, in every results format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import Literal, URIRef

from kg.errors import QueryError
from kg.graph.protocol import Graph
from kg.query.results import Results

AGREES, DISAGREES, NOT_TESTABLE = "agrees", "disagrees", "not testable"
PROJECT = "https://w3id.org/smartcity-kg/id/agent/smartcity-kg"  # who makes the project's own claims


@dataclass(frozen=True)
class Claim:
    """A claim of the graph: its IRI, who makes it, its text, where it is made, what it states, and
    the query that tests it with the parameter values to pass (or the reason it cannot be tested)."""

    iri: str
    made_by: str  # the claim's dcterms:source: the study, or PROJECT
    text: str
    location: str
    stated: str
    query: str | None
    reason: str | None
    parameters: dict[str, str]

    @property
    def by_project(self) -> bool:
        """Whether smartcity-kg makes the claim (rather than the study)."""
        return self.made_by == PROJECT


@dataclass(frozen=True)
class Verdict:
    """What the data says about a claim, and the verdict: AGREES, DISAGREES or NOT_TESTABLE."""

    claim: Claim
    data_says: str
    verdict: str


def read_claims(graph: Graph) -> list[Claim]:
    """Every claim of the graph, the study's and the project's, from the ``all-claims`` query."""
    claims: dict[str, Claim] = {}
    for row in graph.query("all-claims").dicts():
        claim = claims.setdefault(
            row["claim"],
            Claim(
                iri=row["claim"],
                made_by=row["made_by"] or "",
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


def check_claim(graph: Graph, claim: Claim) -> Verdict:
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


def check_claims(graph: Graph) -> list[Verdict]:
    """The verdict on every claim of the graph. Raises QueryError, naming the claim, when a claim's query fails."""
    return [check_claim(graph, claim) for claim in read_claims(graph)]


def verdict_table(verdicts: list[Verdict], *, brief: bool = False) -> Results:
    """The verdicts as query-like results, so that every output format applies.

    One row per claim: ``claim`` (its IRI), ``statement``, ``made_by`` (the study or
    agent:smartcity-kg), ``location``, ``stated``, ``data_says``, ``verdict`` and ``tested_by``
    (the named query). ``brief`` keeps the columns a reader needs: statement, location,
    stated, data_says, verdict.
    """
    if brief:
        variables = ["statement", "location", "stated", "data_says", "verdict"]
        brief_rows = [
            tuple(Literal(v) for v in (v.claim.text, v.claim.location, v.claim.stated, v.data_says, v.verdict))
            for v in verdicts
        ]
        return Results(variables, brief_rows)
    variables = ["claim", "statement", "made_by", "location", "stated", "data_says", "verdict", "tested_by"]
    rows: list[tuple[Any, ...]] = []
    for v in verdicts:
        texts = (v.claim.text, v.claim.location, v.claim.stated, v.data_says, v.verdict, v.claim.query or "")
        text, location, stated, data_says, verdict, tested_by = (Literal(t) for t in texts)
        made_by = URIRef(v.claim.made_by) if v.claim.made_by else None
        rows.append((URIRef(v.claim.iri), text, made_by, location, stated, data_says, verdict, tested_by))
    return Results(variables, rows)
