"""The crosswalk between frameworks: its tables check, name real indicators, and its queries answer from them."""

from __future__ import annotations

import csv

import pytest

from kg.analysis.links import difference_problems
from kg.namespaces import ID, PREFIXES
from kg.sources.sssom import CONFIDENCE_SCALE, MEASURE_PARTS, Mapping, link_tables, read_mapping_table
from tests.conftest import ROOT, run_kg, u4ssc_table

LINKS = ROOT / "data" / "links"
CROSSWALK = [LINKS / "u4ssc-iso37120.sssom.tsv", LINKS / "participation-u4ssc.sssom.tsv"]
SKOS = PREFIXES["skos"]
U4SSC = PREFIXES["u4ssc"]
COUNTERPARTS = {SKOS + p for p in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch")}
PROJECT = PREFIXES["agent"] + "smartcity-kg"


def labelled_rows(path):
    """A table's rows as the TSV gives them (labels included), beside the parsed mappings."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def table_date(path) -> str:
    """The table's own ``# mapping_date:`` (the date of its last review)."""
    return next(line.split(":", 1)[1].strip() for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith("# mapping_date:"))  # fmt: skip


def crosswalk_mappings() -> list[tuple[str, Mapping]]:
    """Every row of every mapping table from a U4SSC KPI to an indicator in the project's id space."""
    return [
        (table.name, m)
        for table in link_tables()
        for m in read_mapping_table(table)
        if m.subject.startswith(U4SSC) and m.object.startswith(ID) and not m.object.startswith(U4SSC)
    ]


def test_the_crosswalk_tables_pass_links_check():
    run = run_kg("links", "check", *map(str, CROSSWALK))
    assert (run.returncode, run.stdout) == (0, "")
    assert run.stderr == f"0 problem(s) in {len(CROSSWALK)} mapping table(s)\n"


@pytest.mark.parametrize("table", CROSSWALK, ids=lambda p: p.name)
def test_every_subject_and_object_is_an_indicator_with_the_label_the_table_gives(graph, table):
    mappings, rows = read_mapping_table(table), labelled_rows(table)
    assert mappings and len(mappings) == len(rows)
    for m, row in zip(mappings, rows, strict=True):
        for iri, label, framework in ((m.subject, row["subject_label"], "= fw:u4ssc"),
                                      (m.object, row["object_label"], "!= fw:u4ssc")):  # fmt: skip
            names = graph.sparql(
                f"""SELECT ?name WHERE {{ <{iri}> skos:inScheme ?f ; skos:prefLabel ?name .
                    ?f a sck:Framework FILTER(?f {framework} && langMatches(lang(?name), "en")) }}"""
            ).column("name")
            assert [str(n) for n in names] == [label], f"{table.name}:{m.line} {iri}"


@pytest.mark.parametrize("table", CROSSWALK, ids=lambda p: p.name)
def test_every_row_is_a_reviewed_match_attributed_to_the_project_with_a_comment(table):
    for m in read_mapping_table(table):
        assert m.justification == "https://w3id.org/semapv/vocab/ManualMappingCuration", m.line
        assert (m.author, m.reviewer, m.date) == (PROJECT, PROJECT, table_date(table)), m.line
        assert m.comment and m.confidence in CONFIDENCE_SCALE, m.line


def test_the_review_reaches_the_graph(graph):
    """Author, reviewer, date and page of each mapping node, as the tables give them."""
    expected = {
        (m.subject, m.predicate, m.object, m.author, m.reviewer, m.date, m.see_also)
        for table in CROSSWALK
        for m in read_mapping_table(table)
    }
    rows = graph.sparql(
        """SELECT ?s ?p ?o ?author ?reviewer (STR(?date) AS ?day) ?page WHERE {
             ?m a sssom:Mapping ; sssom:subject_id ?s ; sssom:predicate_id ?p ; sssom:object_id ?o ;
                sssom:author_id ?author ; sssom:reviewer_id ?reviewer ; sssom:mapping_date ?date ;
                dcterms:source ?table .
             OPTIONAL { ?m sssom:see_also ?page }
             FILTER(?table IN ("u4ssc-iso37120.sssom.tsv", "participation-u4ssc.sssom.tsv")) }"""
    ).rows
    assert {tuple("" if v is None else str(v) for v in row) for row in rows} == expected


def test_u4ssc_counterparts_answers_from_the_tables(graph):
    rows = graph.query("u4ssc-counterparts").dicts()
    expected = sorted(
        (m.subject, m.predicate.removeprefix(SKOS), m.object, float(m.confidence), name)
        for name, m in crosswalk_mappings()
    )
    got = sorted((r["kpi"], r["match"], r["counterpart"], float(r["confidence"]), r["table"]) for r in rows)
    assert got == expected
    # the KPIs with a counterpart proper (not only a related indicator), counted from the tables
    with_counterpart = {m.subject for _, m in crosswalk_mappings() if m.predicate in COUNTERPARTS}
    assert {r["kpi"] for r in rows if SKOS + r["match"] in COUNTERPARTS} == with_counterpart
    assert 0 < len(with_counterpart) < len(u4ssc_table())


def test_participation_without_u4ssc_counterpart_answers_from_the_tables(graph):
    participating = {
        str(i)
        for i in graph.sparql(
            """SELECT DISTINCT ?i WHERE { ?i sck:addresses [] ; skos:inScheme ?f .
               ?f a sck:Framework FILTER(?f != fw:u4ssc) }"""
        ).column("i")
    }
    matched = {m.object for _, m in crosswalk_mappings() if m.predicate in COUNTERPARTS}
    related: dict[str, set[str]] = {}
    for _, m in crosswalk_mappings():
        if m.predicate == SKOS + "relatedMatch":
            related.setdefault(m.object, set()).add(m.subject.removeprefix(U4SSC))
    rows = graph.query("participation-without-u4ssc-counterpart").dicts()
    assert sorted(r["indicator"] for r in rows) == sorted(participating - matched)
    assert matched & participating  # the crosswalk does match some: voter turnout (ISO 37120 11.1)
    for r in rows:
        kpis = {code.replace(": ", "-") for code in r["related_u4ssc"].split("; ") if code}
        assert kpis == related.get(r["indicator"], set()), r["indicator"]


# The curie_map of the small tables these tests write: the prefixes their rows use.
CURIE_MAP = (
    "# curie_map:\n#   skos: http://www.w3.org/2004/02/skos/core#\n"
    "#   u4ssc: https://w3id.org/smartcity-kg/id/u4ssc/\n#   semapv: https://w3id.org/semapv/vocab/\n"
)


def test_links_check_names_a_malformed_reviewer_a_date_and_a_missing_object(tmp_path):
    table = tmp_path / "bad.sssom.tsv"
    table.write_text(
        CURIE_MAP + "subject_id\tpredicate_id\tobject_id\tmapping_justification\treviewer_id\tmapping_date\n"
        "u4ssc:EC-ICT-PS-1A\tskos:relatedMatch\tu4ssc:EC-ICT-PS-2A\tsemapv:ManualMappingCuration\tsomeone\t29/11/2026\n"
        "u4ssc:EC-ICT-PS-1A\tskos:relatedMatch\tu4ssc:NO-SUCH-KPI\tsemapv:ManualMappingCuration\t\t\n",
        encoding="utf-8",
    )
    run = run_kg("links", "check", str(table))
    assert run.returncode == 1
    assert f"{table}:6: reviewer_id 'someone' is not a well-formed IRI or known CURIE" in run.stdout
    assert f"{table}:6: mapping_date '29/11/2026' is not a date (YYYY-MM-DD)" in run.stdout
    assert f"{table}:7: object {U4SSC}NO-SUCH-KPI is not in the graph" in run.stdout


# The tables that compare two measures carry measure_difference (data/links/README.md); the
# identity tables (the same SDG indicator, the same organisation) do not.
COMPARING = [table for table in link_tables() if "measure_difference" in labelled_rows(table)[0]]


def test_the_tables_comparing_measures_are_the_crosswalk_and_voter_participation():
    assert {t.name for t in COMPARING} == {p.name for p in CROSSWALK} | {"voter-participation.sssom.tsv"}


@pytest.mark.parametrize("table", COMPARING, ids=lambda p: p.name)
def test_every_predicate_follows_the_parts_of_the_measure_that_differ(table):
    """exactMatch: nothing differs; any other match: something does; relatedMatch: the numerator."""
    for m in read_mapping_table(table):
        assert m.difference, f"{table.name}:{m.line} has no measure_difference"
        assert difference_problems(m) == [], f"{table.name}:{m.line}"
        parts = set(m.difference.split("|")) - {"none"}
        assert parts <= set(MEASURE_PARTS)
        assert (m.predicate == SKOS + "exactMatch") == (not parts), f"{table.name}:{m.line}"


def test_an_exact_match_without_measure_difference_is_an_identity_stated_by_a_source():
    for table in set(link_tables()) - set(COMPARING):
        for m in read_mapping_table(table):
            if m.predicate == SKOS + "exactMatch":
                assert m.confidence in ("1.0", "0.8"), f"{table.name}:{m.line}"  # a source or one list


@pytest.mark.parametrize("table", link_tables(), ids=lambda p: p.name)
def test_every_confidence_is_on_the_one_scale(table):
    assert {m.confidence for m in read_mapping_table(table)} <= set(CONFIDENCE_SCALE)


def test_the_u4ssc_iso_confidence_counts_the_definitions_read():
    """0.7, plus 0.1 for the KPI sheet read (see_also, not a secondary list) and 0.1 for ISO's definition cited."""
    for m in read_mapping_table(LINKS / "u4ssc-iso37120.sssom.tsv"):
        kpi_read = bool(m.see_also) and "secondary list" not in m.comment
        iso_read = "ISO37120.owl#" in m.comment
        assert m.confidence == f"{0.7 + 0.1 * (kpi_read + iso_read):.1f}", m.line


def test_the_issue_22_pairs_hold():
    """Public building energy (ISO counts electricity only) is not exact; voter turnout is, in the U4SSC-ISO table."""
    rows = {(m.subject.removeprefix(U4SSC), m.object.rsplit("/", 1)[1]): m
            for m in read_mapping_table(LINKS / "u4ssc-iso37120.sssom.tsv")}  # fmt: skip
    assert rows["EN-E-E-4A", "7-3"].predicate != SKOS + "exactMatch"
    assert "numerator" in rows["EN-E-E-4A", "7-3"].difference
    voter_turnout = rows["SC-SH-SI-4C", "11-1"]
    assert (voter_turnout.predicate, voter_turnout.difference) == (SKOS + "exactMatch", "none")
    voter = read_mapping_table(LINKS / "voter-participation.sssom.tsv")
    assert not [m for m in voter if m.subject.startswith(U4SSC) and "/iso37120/" in m.object]


def test_links_check_names_a_predicate_its_measure_difference_contradicts(tmp_path):
    table = tmp_path / "rule.sssom.tsv"
    table.write_text(
        CURIE_MAP + "subject_id\tpredicate_id\tobject_id\tmapping_justification\tmeasure_difference\n"
        "u4ssc:EC-ICT-PS-1A\tskos:exactMatch\tu4ssc:EC-ICT-PS-2A\tsemapv:ManualMappingCuration\tscope\n"
        "u4ssc:EC-ICT-PS-1A\tskos:closeMatch\tu4ssc:EC-ICT-PS-3A\tsemapv:ManualMappingCuration\tnone\n"
        "u4ssc:EC-ICT-PS-1A\tskos:relatedMatch\tu4ssc:EC-ICT-PS-2A\tsemapv:ManualMappingCuration\tunit\n"
        "u4ssc:EC-ICT-PS-1A\tskos:narrowMatch\tu4ssc:EC-ICT-PS-3A\tsemapv:ManualMappingCuration\tscope|unit\n",
        encoding="utf-8",
    )
    run = run_kg("links", "check", str(table))
    assert run.returncode == 1
    assert f"{table}:6: an exactMatch cannot differ in its measure (scope)" in run.stdout
    assert f"{table}:7: a closeMatch whose measures differ in nothing is an exactMatch" in run.stdout
    assert f"{table}:8: a relatedMatch measures another quantity" in run.stdout
    assert f"{table}:9: measure_difference 'scope|unit' is not 'none' nor parts of" in run.stdout
