"""How far kg suggest, an independent and explainable coder, agrees with the reviewed participation coding.

Agreement is counted per framework over (indicator, aspect) pairs: every decided indicator
against every aspect of the scheme, each pair coded yes or no by the reviewed coding and by
kg suggest (its top 2 aspects scoring at least 1, as ``kg suggest`` proposes them). From the
2x2 table come precision (agreed / suggested), recall (agreed / reviewed) and Cohen's kappa,
(observed - expected agreement) / (1 - expected), which discounts the agreement that two coders
saying "no" to almost every pair would reach by chance.

Data the suggester was not tuned on. Its scoring rules (light stem, whole labels, scores and
thresholds) were set and measured on the three framework sheets as reviewed on 2026-11-30
(tests/test_suggest_quality.py), and some of the aspects' alternative labels were taken from
indicator names (U4SSC's "Voter Participation", "Open Data"; SDG 5.5.1's "seats held by women";
the Council of Europe index's "regulatory and policy framework"; SDG 16.7.2's own wording for
the aspect added for it). Measured with every label, the figures are in-sample. So each framework
is also measured *held out*: without every alternative label that occurs as a whole phrase in
any indicator text of that framework (only the aspects' notations and preferred labels stay), so
that its own wording cannot have been copied into the vocabulary. Which labels go depends on the
framework's texts alone, never on its coding. U4SSC is the one framework the scoring rules were
never measured on; for the sheets the rules remain tuned, which the held-out figures do not undo.

Decided indicators: those of a framework with a participation review by a person (a prov:Activity
not by kg suggest), or every indicator of a framework not marked as coded in part (U4SSC: the
study's reading of all 91 KPIs, three of which address an aspect).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

from kg.analysis.suggest import MEASURE_PHRASE, aspect_labels, score_label, suggestions
from kg.graph.protocol import Graph
from kg.query.results import Results

TOP, MINIMUM = 2, 1.0  # kg suggest's defaults
XSD = "http://www.w3.org/2001/XMLSchema#"

DECIDED = """
PREFIX sck:  <https://w3id.org/smartcity-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?id ?kpi ?name ?measure ?aspect
WHERE {
  ?framework a sck:Framework ; dcterms:identifier ?id .
  ?kpi a sck:Indicator ; skos:inScheme ?framework ; skos:prefLabel ?name .
  FILTER(lang(?name) = "en" || lang(?name) = "")
  OPTIONAL { ?kpi sck:measure ?measure }
  OPTIONAL { ?kpi sck:addresses ?aspect }
  # Coded in part: only the indicators a coder (not kg suggest) decided. The OPTIONAL (one triple at most) and
  # !BOUND first let the EXISTS be skipped for a framework coded in full (Oxigraph evaluates both sides of a
  # || of two EXISTS: 0.15 s against 0.01 s on the bundled graph).
  OPTIONAL { ?framework sck:codedInFull false . BIND(true AS ?partial) }
  FILTER(!BOUND(?partial)
         || EXISTS { ?coding prov:used ?kpi ; a prov:Activity ; prov:wasAssociatedWith ?who .
                     FILTER(?who != <https://w3id.org/smartcity-kg/id/agent/kg-suggest>) })
}
ORDER BY ?id ?kpi
"""

Decided = tuple[str, str, str, set[str]]  # indicator IRI, name, measure, the aspects (notations) decided


@dataclass(frozen=True)
class Agreement:
    """The 2x2 table of one framework's (indicator, aspect) pairs: reviewed coding against kg suggest."""

    framework: str
    labels: str  # "held out" or "all"
    indicators: int
    both: int  # pairs reviewed yes and suggested
    suggested_only: int
    reviewed_only: int
    neither: int

    @property
    def precision(self) -> float | None:
        """Agreed / suggested; None when nothing is suggested."""
        suggested = self.both + self.suggested_only
        return self.both / suggested if suggested else None

    @property
    def recall(self) -> float | None:
        """Agreed / reviewed; None when the reviewed coding assigns nothing."""
        reviewed = self.both + self.reviewed_only
        return self.both / reviewed if reviewed else None

    @property
    def kappa(self) -> float | None:
        """Cohen's kappa over the pairs; None when chance agreement is already 1 (one value throughout)."""
        n = self.both + self.suggested_only + self.reviewed_only + self.neither
        if not n:
            return None
        observed = (self.both + self.neither) / n
        yes_reviewed, yes_suggested = (self.both + self.reviewed_only) / n, (self.both + self.suggested_only) / n
        expected = yes_reviewed * yes_suggested + (1 - yes_reviewed) * (1 - yes_suggested)
        return (observed - expected) / (1 - expected) if expected < 1 else None


def decided_indicators(graph: Graph) -> dict[str, list[Decided]]:
    """Each framework's decided indicators (id -> rows), with the aspects the reviewed coding gave them."""
    found: dict[str, dict[str, Decided]] = defaultdict(dict)
    for row in graph.sparql(DECIDED).dicts():
        kpi = str(row["kpi"])
        entry = found[str(row["id"])].setdefault(kpi, (kpi, str(row["name"]), str(row["measure"] or ""), set()))
        if row["aspect"] is not None:
            entry[3].add(str(row["aspect"]).rsplit("/", 1)[-1])
    return {framework: list(rows.values()) for framework, rows in found.items()}


def held_out(labels: dict[str, list[str]], texts: list[tuple[str, str]]) -> dict[str, list[str]]:
    """``labels`` without the alternative labels found whole in any (name, measure) of ``texts``.

    An aspect's first two labels, its notation and preferred label, always stay: they name the aspect.
    """
    kept = {}
    for aspect, names in labels.items():
        fixed, alternatives = names[:2], names[2:]
        kept[aspect] = fixed + [
            label for label in alternatives if not any(score_label(label, n, m)[0] >= MEASURE_PHRASE for n, m in texts)
        ]
    return kept


def agreement(framework: str, rows: list[Decided], labels: dict[str, list[str]], kind: str) -> Agreement:
    """The 2x2 table of ``rows`` (one framework's decided indicators) against kg suggest with ``labels``."""
    proposed = suggestions([(kpi, name, measure) for kpi, name, measure, _ in rows], labels, TOP, MINIMUM)
    suggested = {(c.code, c.aspect) for c in proposed}
    reviewed = {(kpi, aspect) for kpi, _, _, aspects in rows for aspect in aspects}
    both = len(suggested & reviewed)
    total = len(rows) * len(labels)
    return Agreement(framework, kind, len(rows), both, len(suggested - reviewed), len(reviewed - suggested),
                     total - len(suggested | reviewed))  # fmt: skip


def agreements(graph: Graph) -> list[Agreement]:
    """Every framework's agreement, held out and with all labels, in framework order."""
    labels = aspect_labels(graph)
    found = []
    for framework, rows in sorted(decided_indicators(graph).items()):
        own = held_out(labels, [(name, measure) for _, name, measure, _ in rows])
        found += [agreement(framework, rows, own, "held out"), agreement(framework, rows, labels, "all")]
    return found


def as_results(found: list[Agreement]) -> Results:
    """The agreements as a table; precision, recall and kappa rounded to 3 places (empty when undefined)."""
    variables = ["framework", "labels", "indicators", "both", "suggested_only", "reviewed_only", "neither",
                 "precision", "recall", "kappa"]  # fmt: skip
    integer, decimal = ox.NamedNode(XSD + "integer"), ox.NamedNode(XSD + "decimal")

    def number(value: float | None) -> ox.Literal | None:
        return None if value is None else ox.Literal(f"{value:.3f}", datatype=decimal)

    rows = [
        (ox.Literal(a.framework), ox.Literal(a.labels),
         *(ox.Literal(str(n), datatype=integer) for n in (a.indicators, a.both, a.suggested_only, a.reviewed_only,
                                                           a.neither)),
         number(a.precision), number(a.recall), number(a.kappa))
        for a in found
    ]  # fmt: skip
    return Results(variables, raw=list(rows))
