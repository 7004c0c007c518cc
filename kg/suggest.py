"""Suggest participation aspects for indicators nobody has coded yet.

Simple and explainable: an aspect's preferred and alternative labels are looked for in the
indicator's name and measure. A whole label found in the name scores 3, in the measure 2;
otherwise each content word the label shares with the text scores 0.5. An aspect scores its
best label, and the label that gave the score is shown, so that a person can judge it and
copy the row into the sheet's aspects column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Literal

from .errors import QueryError
from .params import Parameter, bind
from .query import KnowledgeGraph
from .results import Results

STOPWORDS = {"a", "an", "and", "of", "the", "in", "on", "to", "for", "by", "with", "as", "per", "or", "at", "from"}
NAME_PHRASE, MEASURE_PHRASE, SHARED_WORD = 3.0, 2.0, 0.5

UNCODED = """
PREFIX sck:  <https://w3id.org/smartcity-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?code ?name ?measure
WHERE {
  ?kpi skos:inScheme ?framework ; skos:notation ?code ; skos:prefLabel ?name .
  OPTIONAL { ?kpi sck:measure ?measure }
  FILTER NOT EXISTS { ?kpi sck:addresses [] }
}
ORDER BY ?code
"""


@dataclass(frozen=True)
class Candidate:
    code: str
    name: str
    aspect: str  # the aspect's notation, as the aspects column takes it
    score: float
    matched: str


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _contains(haystack: list[str], needle: list[str]) -> bool:
    return any(haystack[i : i + len(needle)] == needle for i in range(len(haystack) - len(needle) + 1))


def score_label(label: str, name: str, measure: str) -> tuple[float, str]:
    label_words = words(label)
    if not label_words:
        return 0.0, ""
    if _contains(words(name), label_words):
        return NAME_PHRASE, f"'{label}' in the name"
    if _contains(words(measure), label_words):
        return MEASURE_PHRASE, f"'{label}' in the measure"
    text = set(words(name)) | set(words(measure))
    shared = [word for word in label_words if len(word) > 2 and word not in STOPWORDS and word in text]
    return SHARED_WORD * len(shared), (f"shares {', '.join(repr(w) for w in shared)} with '{label}'" if shared else "")


def suggestions(indicators: list[tuple[str, str, str]], labels: dict[str, list[str]], top: int = 2,
                minimum: float = 1.0) -> list[Candidate]:  # fmt: skip
    """The ``top`` best aspects (scoring at least ``minimum``) for each (code, name, measure)."""
    found = []
    for code, name, measure in indicators:
        scored = []
        for aspect, aspect_labels in labels.items():
            score, matched = max((score_label(label, name, measure) for label in aspect_labels), key=lambda s: s[0])
            if score >= minimum:
                scored.append(Candidate(code, name, aspect, score, matched))
        found.extend(sorted(scored, key=lambda c: (-c.score, c.aspect))[:top])
    return found


def aspect_labels(graph: KnowledgeGraph) -> dict[str, list[str]]:
    labels: dict[str, list[str]] = {}
    for row in graph.query("participation-aspects").dicts():
        labels.setdefault(str(row["notation"]), [str(row["notation"]).replace("-", " ")]).append(str(row["label"]))
    return labels


def uncoded_indicators(graph: KnowledgeGraph, framework: str) -> list[tuple[str, str, str]]:
    """Indicators of a framework (short id, CURIE or IRI) that address no aspect yet."""
    iri = Parameter("framework", "iri").to_term(framework if ":" in framework else f"fw:{framework}")
    if not graph.sparql(bind("ASK { ?framework ?p ?o }", {"framework": iri})).boolean:
        raise QueryError(f"the graph has no framework {framework!r}; 'kg query frameworks' lists them.")
    rows = graph.sparql(bind(UNCODED, {"framework": iri})).dicts()
    return [(str(r["code"]), str(r["name"]), str(r["measure"] or "")) for r in rows]


def sheet_indicators(path: Path) -> list[tuple[str, str, str]]:
    """Rows of a framework sheet whose aspects column is empty."""
    from .sheets import read_sheet

    rows = read_sheet(path).rows
    return [(r.values.get("code", ""), r.values.get("name", ""), r.values.get("measure", "")) for r in rows
            if not r.values.get("aspects")]  # fmt: skip


def as_results(candidates: list[Candidate]) -> Results:
    variables = ["code", "name", "aspect", "score", "matched"]
    rows = [
        (Literal(c.code), Literal(c.name), Literal(c.aspect), Literal(c.score), Literal(c.matched)) for c in candidates
    ]
    return Results(variables, rows)
