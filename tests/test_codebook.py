"""The participation codebook (data/schemes/coding-rules.ttl) behind every coding decision.

Read from the framework sheets and the bundled graph: every decision (aspects or none) names the
rules that decided it, and the rules agree with the decision; an indicator text repeated in a
sheet carries one decision and note; and a note names what the indicator itself measures.

"Names what it measures" is checked as: the note quotes ("...") a phrase of at least three words
(or the text's head, before a comma or parenthesis: "Unemployment rate, by sex ...") that occurs
in the indicator's name or measure cell (case and spaces aside). Two different indicator texts
may then share a note only if the quoted phrase occurs in both: the note names their shared
measure. A goal- or theme-level template ("Measures
health; not about citizens taking part ...") quotes nothing and fails.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from kg.sources.sheets import read_sheet
from kg.sources.sheetspec import REVIEWED, coding_status, split
from tests.conftest import ROOT

SHEETS = sorted(path for path in (ROOT / "data" / "frameworks").glob("*/*.csv") if path.parent.name == path.stem)
RULE = "https://w3id.org/smartcity-kg/id/coding-rule/"
RULES = """
PREFIX sck: <https://w3id.org/smartcity-kg/ontology#>
SELECT ?rule ?notation ?aspect WHERE { ?rule a sck:CodingRule ; skos:notation ?notation .
                                       OPTIONAL { ?rule sck:assignsAspect ?aspect } }
"""
QUOTE = re.compile(r'"([^"]+)"')


def normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def named_measure(note: str, texts: list[str]) -> str | None:
    """The phrase the note quotes from one of ``texts`` (name, measure), if it names the measure; else None."""
    for phrase in QUOTE.findall(note):
        for text in filter(None, texts):
            quoted, whole = normal(phrase), normal(text)
            head = whole.startswith(quoted) and whole[len(quoted) :][:2] in ("", ", ", " (")
            if quoted in whole and (len(quoted.split()) >= 3 or head):
                return quoted
    return None


@pytest.fixture(scope="module")
def rules(graph) -> dict[str, str | None]:
    """Rule notation -> the aspect notation it assigns (None: a general or exclusion rule)."""
    return {str(r["notation"]): (str(r["aspect"]).rsplit("/", 1)[-1] if r["aspect"] else None)
            for r in graph.sparql(RULES).dicts()}  # fmt: skip


def reviewed_rows(path):
    return [row.values for row in read_sheet(path).rows if coding_status(row) == REVIEWED]


@pytest.mark.parametrize("path", SHEETS, ids=lambda p: p.stem)
def test_every_decision_names_the_rules_that_decided_it(path, rules):
    for row in reviewed_rows(path):
        named, aspects = split(row.get("rules", "")), set(split(row.get("aspects", "")))
        assert named and set(named) <= set(rules), (path.stem, row["code"], named)
        assigned = {rules[r] for r in named if rules[r]}
        assert assigned == aspects, (path.stem, row["code"])  # each aspect by its own rule, no other
        if not aspects:  # a negative decision rests on an exclusion rule
            assert any(r.startswith("exclude-") for r in named), (path.stem, row["code"])
        else:
            assert not any(r.startswith("exclude-") for r in named), (path.stem, row["code"])


@pytest.mark.parametrize("path", SHEETS, ids=lambda p: p.stem)
def test_the_same_indicator_text_gets_the_same_decision_and_note(path):
    by_text = defaultdict(set)
    for row in reviewed_rows(path):
        by_text[normal(row["name"])].add((row.get("aspects", ""), row.get("rules", ""), row.get("coding_note", "")))
    assert {text: decisions for text, decisions in by_text.items() if len(decisions) > 1} == {}


@pytest.mark.parametrize("path", SHEETS, ids=lambda p: p.stem)
def test_every_note_names_the_measure_and_no_two_texts_share_a_note_otherwise(path):
    texts_of = defaultdict(set)
    for row in reviewed_rows(path):
        note, texts = row.get("coding_note", ""), [row["name"], row.get("measure", "")]
        assert named_measure(note, texts), (path.stem, row["code"], note)
        texts_of[note].add(tuple(texts))
    for note, texts in texts_of.items():
        if len({normal(name) for name, _ in texts}) > 1:  # different indicator texts, one note
            phrase = named_measure(note, list(next(iter(texts))))
            assert all(any(phrase in normal(t) for t in pair if t) for pair in texts), note


def test_a_theme_template_note_fails_the_check():
    template = "Measures health; not about citizens taking part, so no aspect."
    assert named_measure(template, ["Maternal mortality ratio", ""]) is None
    assert named_measure('Measures "maternal mortality ratio": an outcome.', ["Maternal mortality ratio", ""])
    assert named_measure('Measures "ratio": an outcome.', ["Maternal mortality ratio", ""]) is None  # too short


def test_every_coding_and_classification_in_the_graph_links_to_a_rule(graph):
    unlinked = graph.sparql("""
        PREFIX sck: <https://w3id.org/smartcity-kg/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?decision WHERE {
          { ?decision a sck:Classification } UNION { ?decision a prov:Activity ; prov:used [ a sck:Indicator ] }
          FILTER NOT EXISTS { ?decision sck:codingRule [ a sck:CodingRule ] }
        }""").dicts()
    assert unlinked == []
    counted = graph.sparql("""
        PREFIX sck: <https://w3id.org/smartcity-kg/ontology#>
        SELECT (COUNT(*) AS ?n) WHERE { ?c a sck:Classification ; sck:aspect ?aspect ; sck:codingRule ?rule .
          ?rule sck:assignsAspect ?other FILTER(?other != ?aspect) }""").dicts()
    assert counted[0]["n"] == 0  # no classification rests on another aspect's rule


def test_every_rule_has_criteria_and_its_examples_are_indicators(graph):
    rows = graph.sparql("""
        PREFIX sck: <https://w3id.org/smartcity-kg/ontology#>
        SELECT ?rule ?example WHERE { ?rule a sck:CodingRule ; sck:exampleIndicator ?example
                                      FILTER NOT EXISTS { ?example a sck:Indicator } }""").dicts()
    assert rows == []
    missing = graph.sparql("""
        PREFIX sck: <https://w3id.org/smartcity-kg/ontology#>
        SELECT ?rule WHERE { ?rule a sck:CodingRule
          FILTER (NOT EXISTS { ?rule sck:inclusionCriterion [] } || NOT EXISTS { ?rule sck:exclusionCriterion [] }
                  || NOT EXISTS { ?rule skos:definition [] }) }""").dicts()
    assert missing == []


def test_sdg_16_7_1_and_iso_11_3_are_coded_alike_and_16_7_2_is_not_consultation():
    def row(framework: str, code: str) -> dict[str, str]:
        path = ROOT / "data" / "frameworks" / framework / f"{framework}.csv"
        return next(r for r in reviewed_rows(path) if r["code"] == code)

    public_service = row("sdg-participation", "16.7.1"), row("iso37120", "11.3")
    assert {r["aspects"] for r in public_service} == {"representation"}
    assert all("include-representation" in split(r["rules"]) for r in public_service)
    assert split(row("sdg-participation", "16.7.2")["aspects"]) == ["political-efficacy"]


def test_kg_import_links_decisions_to_rules_and_refuses_rules_that_do_not_fit(tmp_path):
    from rdflib import Graph as RdfGraph

    from kg.sources.sheetspec import FRAMEWORK
    from tests.conftest import run_kg

    meta = "key,value\ntitle,Coded\npublisher,Example City\nyear,2020\nsource,https://example.org/fw\ncoded_on,2026-12-08\n"
    (tmp_path / "coded.meta.csv").write_text(meta, encoding="utf-8")
    header, sheet = ",".join(FRAMEWORK.names), tmp_path / "coded.csv"
    cells = "C{n},{name},Governance,,,core,{aspects},,,,,,,{note},reviewed,{rules}\n"

    def write(*rows: tuple[str, str, str]) -> None:
        body = "".join(cells.format(n=n, name=name, aspects=a, note=f'Measures "{name}"', rules=r)
                       for n, (name, a, r) in enumerate(rows, start=1))  # fmt: skip
        sheet.write_text(f"{header}\n{body}", encoding="utf-8")

    write(("Voter turnout", "voting", "include-voting"), ("Parks per capita", "", "no-such-rule"),
          ("Bus lanes", "", ""), ("Online consultations", "voting", "include-consultation"))  # fmt: skip
    run = run_kg("import", str(sheet), "--framework", "coded", "--out", str(tmp_path / "coded.ttl"))
    assert run.returncode == 1 and not (tmp_path / "coded.ttl").exists()
    problems = [line.strip() for line in run.stderr.splitlines()[1:]]
    assert [p.split(":")[0] for p in problems] == ["row 3, column rules", "row 4, column rules", "row 5, column rules"]
    assert "'no-such-rule' is not a rule of the codebook" in problems[0] and "is empty" in problems[1]
    assert "'include-consultation' assigns the aspect 'consultation'" in problems[2]

    write(("Voter turnout", "voting", "include-voting"), ("Parks per capita", "", "exclude-outcome"))
    run = run_kg("import", str(sheet), "--framework", "coded", "--out", str(tmp_path / "coded.ttl"))
    assert run.returncode == 0, run.stderr
    linked = (
        RdfGraph()
        .parse(tmp_path / "coded.ttl")
        .query("""
        SELECT ?code ?kind ?rule WHERE {
          { ?d a <http://www.w3.org/ns/prov#Activity> ; <http://www.w3.org/ns/prov#used> ?kpi BIND("coding" AS ?kind) }
          UNION { ?d <https://w3id.org/smartcity-kg/ontology#indicator> ?kpi BIND("classification" AS ?kind) }
          ?d <https://w3id.org/smartcity-kg/ontology#codingRule> ?rule .
          ?kpi <http://www.w3.org/2004/02/skos/core#notation> ?code }""")
    )
    assert sorted((str(r[0]), str(r[1]), str(r[2]).removeprefix(RULE)) for r in linked) == [
        ("C1", "classification", "include-voting"), ("C1", "coding", "include-voting"),
        ("C2", "coding", "exclude-outcome")]  # fmt: skip
