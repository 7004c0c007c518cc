"""A framework sheet's rules column against the participation codebook (data/schemes/coding-rules.ttl).

The codebook's rules are read from the graph a sheet joins (each rule's notation, and the aspect
an inclusion rule assigns); a row's rules must be rules of the codebook, an inclusion rule's
aspect must be one the row names, and once any row of a sheet names rules, every reviewed row
must (docs/guide/codebook.md). kg.ingest.convert links each coding decision to its rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from kg.sources.sheetspec import REVIEWED, Row, SheetProblem, coding_status, split

if TYPE_CHECKING:
    from kg.graph.protocol import Graph
    from kg.sources.sheets import Sheet


class Vocabulary(Protocol):
    """What the rule checks read of kg.ingest.convert.Vocabulary (the aspects, the codebook's rules)."""

    aspects: dict[str, str]  # notation or label (casefolded) -> aspect IRI
    rules: dict[str, str]  # rule notation -> rule IRI
    rule_aspects: dict[str, str]  # rule IRI -> the aspect IRI it assigns


CODING_RULES = """
PREFIX sck:  <https://w3id.org/smartcity-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?rule ?notation ?aspect WHERE {
  ?rule a sck:CodingRule ; skos:notation ?notation .
  OPTIONAL { ?rule sck:assignsAspect ?aspect }
}
"""
WHERE = "ids from data/schemes/coding-rules.ttl; docs/guide/codebook.md"


def coding_rules(graph: Graph) -> tuple[dict[str, str], dict[str, str]]:
    """The codebook in ``graph``: rule notation -> rule IRI, and rule IRI -> the aspect IRI it assigns."""
    rules, aspects = {}, {}
    for row in graph.sparql(CODING_RULES).dicts():
        rules[str(row["notation"])] = str(row["rule"])
        if row["aspect"] is not None:
            aspects[str(row["rule"])] = str(row["aspect"])
    return rules, aspects


def rule_problems(row: Row, vocab: Vocabulary) -> list[SheetProblem]:
    """Rules of the row that are not the codebook's, or that assign an aspect the row does not name."""
    aspects = {vocab.aspects.get(a.casefold()) for a in split(row.values.get("aspects", ""))}
    found = []
    for rule in split(row.values.get("rules", "")):
        if rule not in vocab.rules:
            message = f"{rule!r} is not a rule of the codebook; use one of {', '.join(sorted(vocab.rules))}"
            found.append(SheetProblem(row.number, "rules", message))
        elif vocab.rule_aspects.get(vocab.rules[rule]) not in (None, *aspects):
            assigned = vocab.rule_aspects[vocab.rules[rule]].rsplit("/", 1)[-1]
            message = f"{rule!r} assigns the aspect {assigned!r}, which the aspects column does not name; "
            found.append(SheetProblem(row.number, "rules", message + "add the aspect or drop the rule"))
    return found


def unruled_rows(sheet: Sheet) -> list[SheetProblem]:
    """In a sheet whose rows name codebook rules, each reviewed row that names none."""
    if not any(split(row.values.get("rules", "")) for row in sheet.rows):
        return []
    fix = f"name the codebook rules that decided it ({WHERE})"
    return [
        SheetProblem(row.number, "rules", f"is empty, but the row is reviewed; {fix}")
        for row in sheet.rows
        if coding_status(row) == REVIEWED and not split(row.values.get("rules", ""))
    ]


def decides(vocab: Vocabulary, rule: str, aspect: str) -> bool:
    """Whether ``rule`` (an IRI) bears on a classification to ``aspect``: a general rule, or the one assigning it."""
    assigned = vocab.rule_aspects.get(rule)
    return assigned is None or assigned == aspect
