"""The comparison of frameworks and the project's claims: every number recounted from the triples.

The expected numbers are counted here in Python from the graph's triples (no SPARQL), for
whatever frameworks the graph holds; a framework without tiers is added to show that its
indicators are "no tiers", never core, and that the project's claims are tested, not pinned.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict

import pyoxigraph as ox
import pytest

from kg import KnowledgeGraph
from kg.analysis.claims import PROJECT, check_claims, verdict_table
from kg.analysis.compare import NO_TIERS, PROJECT_CLAIMS, chart, comparison_text
from kg.analysis.report import collect, to_markdown
from kg.namespaces import ID, PREFIXES
from tests.conftest import ROOT, run_kg

SCK, SKOS = PREFIXES["sck"], PREFIXES["skos"]
RDF_TYPE = PREFIXES["rdf"] + "type"
SUBCLASS = PREFIXES["rdfs"] + "subClassOf"
LABEL = PREFIXES["rdfs"] + "label"
IDENTIFIER = PREFIXES["dcterms"] + "identifier"
REVISION = PREFIXES["prov"] + "wasRevisionOf"
PROJECT_CLAIMS_FILE = ROOT / "data" / "claims" / "project-claims.ttl"

UNTIERED_SIZE = 40  # indicators of the added framework, one of which addresses participation


def untiered_framework(path, scope: str | None = "CityScope"):
    """A city framework of 40 indicators with no tiers, one addressing voting: a share of 2.5 %.

    With ``scope`` None it does not state what it measures, so no claim compares U4SSC with it.
    """
    scoped = f" ; sck:scope sck:{scope} ; sck:scopeSource <https://example.org/untiered>" if scope else ""
    lines = [
        "@prefix sck: <https://w3id.org/smartcity-kg/ontology#> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        f'<{ID}framework/untiered> a sck:Framework ; dcterms:identifier "untiered" ; '
        f'skos:prefLabel "Untiered"@en{scoped} .',
    ]
    for n in range(1, UNTIERED_SIZE + 1):
        extra = f" ; sck:addresses <{ID}aspect/voting>" if n == 1 else ""
        lines.append(
            f"<{ID}untiered/{n}> a sck:Indicator ; skos:inScheme <{ID}framework/untiered> ; "
            f'skos:notation "{n}" ; skos:prefLabel "Indicator {n}"@en{extra} .'
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


_counted: dict[tuple[int, int], dict[str, dict[str, object]]] = {}


def counted(graph) -> dict[str, dict[str, object]]:
    """Per framework id: indicators, participation indicators, aspects covered, tiers; from the triples.

    Counted once per graph and size (the tests ask again and again; a graph that grows is counted anew)."""
    key = (id(graph), len(graph.store))
    if key not in _counted:
        _counted[key] = _count(graph)
    return _counted[key]


def _count(graph) -> dict[str, dict[str, object]]:
    triples = [(q.subject.value, q.predicate.value, q.object) for q in graph.store]
    objects = defaultdict(set)
    for s, p, o in triples:
        objects[(s, p)].add(o.value if not isinstance(o, ox.Literal) else o)
    kinds = {SCK + "Indicator"}
    while True:  # the subclasses of sck:Indicator, transitively
        more = {s for s, p, o in triples if p == SUBCLASS and o.value in kinds} - kinds
        if not more:
            break
        kinds |= more
    frameworks = {s for s, p, o in triples if p == RDF_TYPE and o.value == SCK + "Framework"}
    # The latest edition of each framework: one that no other framework revises (docs/guide/editions.md).
    frameworks -= {o.value for s, p, o in triples if p == REVISION and s in frameworks}
    typed = {s for s, p, o in triples if p == RDF_TYPE and o.value in kinds}
    facts = {}
    for framework in frameworks:
        members = {s for s in typed if framework in objects[(s, SKOS + "inScheme")]}
        participating = {s for s in members if objects[(s, SCK + "addresses")]}
        tiers = defaultdict(lambda: [0, 0])
        for kpi in members:
            labels = [
                str(label.value)
                for tier in objects[(kpi, SCK + "tier")]
                for label in objects[(tier, LABEL)]
                if label.language == "en"
            ]
            for tier in labels or [NO_TIERS]:
                tiers[tier][0] += 1
                tiers[tier][1] += kpi in participating
        [identifier] = [str(i.value) for i in objects[(framework, IDENTIFIER)]]
        facts[identifier] = {
            "indicators": len(members),
            "participating": len(participating),
            "aspects": len({a for s in participating for a in objects[(s, SCK + "addresses")]}),
            "tiers": {tier: tuple(n) for tier, n in tiers.items()},
        }
    return facts


def share(fact) -> float:
    return round(1000 * fact["participating"] / fact["indicators"]) / 10


@pytest.fixture(scope="module")
def extended(tmp_path_factory) -> KnowledgeGraph:
    return KnowledgeGraph.load([untiered_framework(tmp_path_factory.mktemp("fw") / "untiered.ttl")])


@pytest.fixture(scope="module")
def unscoped(tmp_path_factory) -> KnowledgeGraph:
    """The bundled graph plus the untiered city framework without a scope."""
    return KnowledgeGraph.load([untiered_framework(tmp_path_factory.mktemp("fw") / "unscoped.ttl", scope=None)])


def check_comparison(graph) -> None:
    facts = counted(graph)
    aspects = len(graph.sparql("SELECT ?a WHERE { ?a a sck:ParticipationAspect }"))
    rows = graph.query("compare-participation").dicts()
    assert {row["id"] for row in rows} == set(facts)
    for row in rows:
        fact = facts[row["id"]]
        assert (row["indicators"], row["participation_indicators"]) == (fact["indicators"], fact["participating"])
        assert (float(row["share"]), row["aspects_covered"], row["aspects"]) == (share(fact), fact["aspects"], aspects)
    assert [float(row["share"]) for row in rows] == sorted(float(row["share"]) for row in rows)  # lowest first
    tiers = {(row["id"], row["tier"]): (row["indicators"], row["participation_indicators"])
             for row in graph.query("compare-tiers").dicts()}  # fmt: skip
    assert tiers == {(fw, tier): n for fw, fact in facts.items() for tier, n in fact["tiers"].items()}


def test_the_comparison_is_the_graphs_counts(graph):
    check_comparison(graph)


@pytest.mark.slow
def test_a_framework_without_tiers_is_counted_as_no_tiers(extended):
    check_comparison(extended)
    rows = [row for row in extended.query("compare-tiers").dicts() if row["id"] == "untiered"]
    assert [(row["tier"], row["indicators"], row["participation_indicators"]) for row in rows] == [
        (NO_TIERS, UNTIERED_SIZE, 1)
    ]
    data = collect(extended)
    markdown = to_markdown(data)
    assert re.search(
        r"Indicators without a tier \([^)]*\buntiered\b[^)]*\) are counted as 'no tiers', not as core", markdown
    )
    assert chart(data).startswith(b"\x89PNG")


def scopes(graph) -> dict[str, str]:
    """Framework id -> the IRI of its scope, for the frameworks that state one."""
    rows = graph.sparql(
        "SELECT ?id ?scope WHERE { ?f sck:scope ?scope ; dcterms:identifier ?id "
        "FILTER NOT EXISTS { ?later <http://www.w3.org/ns/prov#wasRevisionOf> ?f } }"
    ).rows
    return {str(row[0]): str(row[1]) for row in rows}


def expected_verdicts(graph) -> dict[str, bool]:
    """The project's claims about U4SSC, decided here from the triples."""
    facts = counted(graph)
    # Frameworks coded only in part (sck:codedInFull false) have only a lower bound: left out; and
    # like is compared with like: only frameworks that measure what U4SSC measures (its scope).
    partial = set(graph.sparql("SELECT ?id WHERE { ?f sck:codedInFull false ; dcterms:identifier ?id }").column("id"))
    scope = scopes(graph)
    u4ssc = facts["u4ssc"]
    others = [
        fact
        for fw, fact in facts.items()
        if fw != "u4ssc" and fw not in {str(p) for p in partial} and scope.get(fw) == scope["u4ssc"]
    ]
    ratio = lambda fact: fact["participating"] / fact["indicators"]  # noqa: E731
    return {
        "p01-lowest-participation-share": ratio(u4ssc) < min(map(ratio, others)),
        "p02-fewest-participation-indicators": u4ssc["participating"] < min(f["participating"] for f in others)
        and u4ssc["indicators"] > max(f["indicators"] for f in others),
    }


def project_verdicts(graph) -> dict[str, str]:
    prefix = PREFIXES["claim"]
    return {v.claim.iri.removeprefix(prefix): v.verdict for v in check_claims(graph) if v.claim.by_project}


@pytest.mark.slow
def test_the_project_claims_are_tested_against_whatever_frameworks_the_graph_holds(graph, extended, unscoped):
    for which in (graph, extended, unscoped):
        verdicts = project_verdicts(which)
        for claim, holds in expected_verdicts(which).items():
            assert verdicts[claim] == ("agrees" if holds else "disagrees"), claim
    # A city framework with a lower share overturns "lowest share": the verdict is computed, not pinned.
    assert expected_verdicts(graph)["p01-lowest-participation-share"]
    assert not expected_verdicts(extended)["p01-lowest-participation-share"]  # the added city framework: 2.5 %
    # The same framework without a scope is not compared with U4SSC: like with like only.
    assert expected_verdicts(unscoped) == expected_verdicts(graph)


@pytest.mark.slow
def test_every_bundled_framework_states_its_scope_and_the_claims_say_it(graph):
    scope = scopes(graph)
    assert set(scope) == set(counted(graph))  # every framework of the bundled graph
    sources = graph.sparql(
        "SELECT ?f ?page WHERE { ?f a sck:Framework ; sck:scopeSource ?page "
        "FILTER NOT EXISTS { ?later <http://www.w3.org/ns/prov#wasRevisionOf> ?f } }"
    ).rows
    assert len({row[0] for row in sources}) == len(scope)
    assert all(str(row[1]).startswith("https://") for row in sources)
    facts = counted(graph)
    cities = sorted(fw for fw, iri in scope.items() if iri == scope["u4ssc"] and fw != "u4ssc")
    # The SDG framework measures countries: a lower share there does not count against U4SSC's claim.
    national = [fw for fw, iri in scope.items() if iri == SCK + "NationalScope"]
    assert national == ["sdg-2025"] and share(facts["sdg-2025"]) < share(facts["u4ssc"])  # the current edition
    verdicts = {v.claim.iri.removeprefix(PREFIXES["claim"]): v for v in check_claims(graph) if v.claim.by_project}
    assert (
        f"the lowest of the {len(cities)} other city frameworks coded in full"
        in verdicts["p01-lowest-participation-share"].data_says
    )
    p02 = verdicts["p02-fewest-participation-indicators"].data_says
    assert f"the other {len(cities)} city frameworks coded in full" in p02
    rows = {row["id"]: row for row in graph.query("participation-by-framework").dicts()}
    labels = {SCK + "CityScope": "city", SCK + "NationalScope": "national", SCK + "ProjectScope": "project"}
    assert {fw: str(row["scope"]) for fw, row in rows.items()} == {fw: labels[iri] for fw, iri in scope.items()}


@pytest.mark.slow
def test_no_u4ssc_indicator_is_placed_in_arnsteins_citizen_power(graph):
    placed = graph.query("participation-levels").dicts()
    groups = {row["group"] for row in placed if row["ladder"] == "Arnstein's ladder of citizen participation"}
    expected = "agrees" if placed and "degrees of citizen power" not in groups else "disagrees"
    assert project_verdicts(graph)["p03-no-citizen-power-rung"] == expected


def test_every_project_claim_is_the_projects_with_a_date(graph):
    claims = {v.claim.iri: v.claim for v in check_claims(graph)}
    in_file = set(PROJECT_CLAIMS_FILE.read_text(encoding="utf-8").split("claim:")[1:])
    mine = [claim for claim in claims.values() if claim.by_project]
    assert len(mine) == len([part for part in in_file if "a sck:Claim" in part]) > 0
    for claim in mine:
        assert claim.query is not None
        ask = f"ASK {{ <{claim.iri}> prov:wasAttributedTo agent:smartcity-kg ; dcterms:created ?date }}"
        assert graph.sparql(ask).boolean, claim.iri
    study = [claim for claim in claims.values() if not claim.by_project]
    assert study and all(claim.made_by == PREFIXES["doc"] + "safranova-2021" for claim in study)
    assert PREFIXES["agent"] + "smartcity-kg" == PROJECT


@pytest.mark.slow
def test_kg_claims_csv_is_the_verdicts_as_data(graph):
    run = run_kg("claims", "--format", "csv")
    assert run.returncode == 0, run.stderr
    rows = list(csv.reader(io.StringIO(run.stdout)))
    assert rows[0] == ["claim", "statement", "made_by", "location", "stated", "data_says", "verdict", "tested_by"]
    expected = [
        [str(term) if term is not None else "" for term in row] for row in verdict_table(check_claims(graph)).rows
    ]
    assert rows[1:] == expected
    assert {row[2] for row in rows[1:]} == {PREFIXES["doc"] + "safranova-2021", PROJECT}


@pytest.mark.slow
def test_the_report_shows_the_comparison_and_the_projects_claims(graph, default_report):
    tmp_path, run = default_report
    assert run.returncode == 0, run.stderr
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    section = markdown.split("The frameworks compared on participation", 1)[1]
    for name in ("compare-participation", "compare-tiers", "aspect-coverage", "compare-rungs"):
        assert f"*Query `{name}`, editions = current.*" in section  # the latest edition of each framework
    assert "![" in section and (tmp_path / "frameworks-compared.png").read_bytes().startswith(b"\x89PNG")
    data = collect(graph)
    project = data.results[PROJECT_CLAIMS]
    assert len(project) == len([v for v in check_claims(graph) if v.claim.by_project])
    statements = {str(row[0]) for row in project.rows}
    assert all(" ".join(s.split()) in " ".join(section.split()) for s in statements)


@pytest.mark.slow
def test_the_summary_places_u4ssc_among_the_frameworks_of_its_scope(graph, unscoped):
    rows = graph.query("compare-participation").dicts()
    cities = [row for row in rows if row["scope"] == "city"]  # lowest share first
    place = [row["id"] for row in cities].index("u4ssc") + 1
    where = "the lowest" if place == 1 else "the highest" if place == len(cities) else f"number {place} from the lowest"
    text = comparison_text(collect(graph))
    assert f"among the {len(cities)} city frameworks, like with like, its share is {where}" in text
    assert "sdg-2025 2.8 % (national)" in text
    assert "untiered 2.5 %," in comparison_text(collect(unscoped))  # shown, with no scope to compare
