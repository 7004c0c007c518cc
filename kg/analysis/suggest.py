"""Suggest participation aspects for indicators nobody has reviewed yet.

Simple and explainable: an aspect's notation, preferred label and alternative labels (the
scheme's skos:altLabel synonyms) are looked for in the indicator's name and measure. Words are
compared by a light stem, so that plural and inflected forms match ("Online consultations",
"voters registered"). A whole label found in the name scores 3, in the measure 2; otherwise, if
every content word of the label occurs in the name or measure in any order, each scores 0.5 (a
label only partly present scores nothing). An aspect scores its best label, and the
label that gave the score is shown, so that a person can judge it and record the review in the
sheet (aspects, evidence, coding_note, coded). ``quality`` measures the suggestions against
rows people have reviewed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from kg.graph.protocol import Graph
from kg.query.binding import bind
from kg.query.params import framework_iri, unknown_framework
from kg.query.results import Results

STOPWORDS = {"a", "an", "and", "of", "the", "in", "on", "to", "for", "by", "with", "as", "per", "or", "at", "from"}
XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
NAME_PHRASE, MEASURE_PHRASE, SHARED_WORD = 3.0, 2.0, 0.5

# Not yet reviewed: no aspect, and no coding of it recorded (kg import writes a prov:Activity that
# used the indicator for every reviewed row, aspects or none).
UNCODED = """
PREFIX sck:  <https://w3id.org/smartcity-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?code ?name ?measure
WHERE {
  ?kpi skos:inScheme ?framework ; skos:notation ?code ; skos:prefLabel ?name .
  OPTIONAL { ?kpi sck:measure ?measure }
  FILTER NOT EXISTS { ?kpi sck:addresses [] }
  FILTER NOT EXISTS { ?coding a prov:Activity ; prov:used ?kpi }
}
ORDER BY ?code
"""


@dataclass(frozen=True)
class Candidate:
    """One aspect proposed for one indicator, with its score and the label that matched."""

    code: str
    name: str
    aspect: str  # the aspect's notation, as the aspects column takes it
    score: float
    matched: str


def stem(word: str) -> str:
    """A light stem: plural and verb endings off, so that inflected forms of a label's words match.

    Deliberately weaker than a full stemmer: '-ion' stays, so "elected" does not match
    "elections" (an office someone is elected to is representation, not voting).
    """
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for ending in ("ing", "ed"):
        if len(word) - len(ending) >= 3 and word.endswith(ending):
            word = word[: -len(ending)]
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def words(text: str) -> list[str]:
    """The stemmed words of ``text``, lower-cased, in order (a new list; the stems of a text are cached)."""
    return list(_words(text))


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    return tuple(stem(word) for word in re.findall(r"[a-z0-9]+", text.lower()))


@lru_cache(maxsize=8192)
def _phrase(text: str) -> str:
    """The stems of ``text`` joined by single spaces, with a space at each end: a phrase of whole words
    is in another exactly when its _phrase is a substring of the other's (stems hold no spaces)."""
    return f" {' '.join(_words(text))} "


@lru_cache(maxsize=8192)
def _stems(text: str) -> frozenset[str]:
    return frozenset(_words(text))


def score_label(label: str, name: str, measure: str) -> tuple[float, str]:
    """How well an aspect's ``label`` matches an indicator's name and measure: the score and why (see above)."""
    label_words = _words(label)
    if not label_words:
        return 0.0, ""
    phrase = _phrase(label)
    if phrase in _phrase(name):
        return NAME_PHRASE, f"'{label}' in the name"
    if phrase in _phrase(measure):
        return MEASURE_PHRASE, f"'{label}' in the measure"
    # Every content word of the label, in any order: a few shared words ("public", "services",
    # "policy") matched indicators of every kind in review, so a label counts whole or not at all.
    text = _stems(name) | _stems(measure)
    content = list(dict.fromkeys(w for w in label_words if len(w) > 2 and w not in STOPWORDS))
    if not content or any(word not in text for word in content):
        return 0.0, ""
    return SHARED_WORD * len(content), f"shares {', '.join(repr(w) for w in content)} with '{label}'"


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


def aspect_labels(graph: Graph) -> dict[str, list[str]]:
    """Every participation aspect's notation, with the labels it is looked for by (notation, labels)."""
    labels: dict[str, list[str]] = {}
    for row in graph.query("participation-aspects").dicts():
        labels.setdefault(str(row["notation"]), [str(row["notation"]).replace("-", " ")]).append(str(row["label"]))
    return labels


def uncoded_indicators(graph: Graph, framework: str) -> list[tuple[str, str, str]]:
    """Indicators of a framework (short id, CURIE or IRI) that address no aspect yet: (code, name, measure).

    Raises BadFrameworkId when ``framework`` is none of those, or the graph has no such framework.
    """
    iri = framework_iri(framework)
    if not graph.sparql(bind("ASK { ?framework ?p ?o }", {"framework": iri})).boolean:
        raise unknown_framework(iri.value, [str(f) for f in graph.query("frameworks").column("framework")])
    rows = graph.sparql(bind(UNCODED, {"framework": iri})).dicts()
    return [(str(r["code"]), str(r["name"]), str(r["measure"] or "")) for r in rows]


def sheet_indicators(path: Path) -> list[tuple[str, str, str]]:
    """Rows of a framework sheet not yet reviewed (no aspects, no coded status): (code, name, measure).

    Raises what kg.sources.sheets.read_sheet raises for a sheet that cannot be read.
    """
    from kg.sources.sheets import read_sheet
    from kg.sources.sheetspec import coding_status

    rows = read_sheet(path).rows
    return [(r.values.get("code", ""), r.values.get("name", ""), r.values.get("measure", "")) for r in rows
            if not coding_status(r)]  # fmt: skip


@dataclass(frozen=True)
class Quality:
    """How the suggestions compare with reviewed coding, counted over (indicator, aspect) pairs."""

    suggested: int  # pairs the tool proposes
    reviewed: int  # pairs people assigned
    agreed: int  # pairs in both

    @property
    def precision(self) -> float:
        """The share of suggested pairs that people assigned too (1.0 when nothing is suggested)."""
        return self.agreed / self.suggested if self.suggested else 1.0

    @property
    def recall(self) -> float:
        """The share of pairs people assigned that were suggested (1.0 when none were assigned)."""
        return self.agreed / self.reviewed if self.reviewed else 1.0


def quality(reviewed: list[tuple[str, str, str, set[str]]], labels: dict[str, list[str]], top: int = 2) -> Quality:
    """The suggestions for reviewed rows (code, name, measure, the aspects people gave it) against that coding.

    Rows reviewed and found to address no aspect count too: every suggestion for them is wrong.
    """
    truth = {(code, aspect) for code, _, _, aspects in reviewed for aspect in aspects}
    found = suggestions([(code, name, measure) for code, name, measure, _ in reviewed], labels, top=top)
    proposed = {(c.code, c.aspect) for c in found}
    return Quality(len(proposed), len(truth), len(proposed & truth))


def as_results(candidates: list[Candidate]) -> Results:
    """The candidates as a table (code, name, aspect, score, matched), for kg suggest's output."""
    variables = ["code", "name", "aspect", "score", "matched"]
    double = ox.NamedNode(XSD_DOUBLE)
    rows = [
        (ox.Literal(c.code), ox.Literal(c.name), ox.Literal(c.aspect), ox.Literal(str(c.score), datatype=double),
         ox.Literal(c.matched))
        for c in candidates
    ]  # fmt: skip
    return Results(variables, raw=list(rows))
