"""kg import: the template, bundled frameworks, row-level problems, encodings, atomic writes."""

from __future__ import annotations

import csv
import io
import shutil
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg.analysis.suggest import sheet_indicators
from kg.namespaces import ID, SCK
from tests.conftest import ROOT, run_kg

TEMPLATE = ROOT / "data" / "templates" / "framework.csv"
# Every bundled framework sheet: data/frameworks/<id>/<id>.csv, imported as framework <id>.
FRAMEWORKS = {path.stem: path for path in sorted((ROOT / "data" / "frameworks").glob("*/*.csv"))}
FRAMEWORKS = {id_: path for id_, path in FRAMEWORKS.items() if path.parent.name == id_}
HEADER = TEMPLATE.read_text(encoding="utf-8").splitlines()[0]  # the template's columns, coded included
# Row 4 has a bad tier, row 6 an unknown aspect, row 9 repeats row 3's code, row 11 a false SDG number.
BAD_ROWS = """D1,Voter turnout,Governance,,,core,voting,11.3,turnout (%),,,,,
D2,Open budget documents,Governance,,,advanced,transparency,16.6,share published (%),,,,,
D3,Council seats held by women,Governance,,,gold,representation,5.5.1,share of seats (%),,,,,
D4,Public hearings held,Governance,,,core,consultation,,hearings per year,,,,,
D5,Online petitions,Governance,,,supporting,petitions-and-stuff,,petitions per 100 000 inhabitants,,,,,
D6,Participatory budgeting share of capital budget,Governance,,,advanced,,,share decided by residents (%),,,,,
D7,Complaints answered in time,Governance,,,supporting,complaint-and-feedback,,share answered in 30 days (%),,,,,
D2,Open data portal visits,Governance,,,advanced,transparency,,visits per 100 000 inhabitants,,,,,
D9,Youth council meetings,Governance,,,supporting,consultation,,meetings per year,,,,,
D10,Co-designed services,Governance,,,advanced,co-creation,11.9.9,number of co-designed services,,,,,
"""


def sheet(folder: Path, name: str, body: str, *, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    """A sheet in ``folder`` with the template's framework description beside it."""
    rows = list(csv.reader(io.StringIO(f"{HEADER}\n{body}")))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path = folder / f"{name}.csv"
    path.write_bytes(out.getvalue().encode(encoding))
    shutil.copy(TEMPLATE.with_name("framework.meta.csv"), folder / f"{name}.meta.csv")
    return path


@pytest.mark.slow
def test_template_imports_and_validates(tmp_path):
    out = tmp_path / "demo.ttl"
    run = run_kg("import", str(TEMPLATE), "--framework", "demo", "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert run.stderr == f"imported 6 indicators from {TEMPLATE}: wrote 209 triples to {out}\n"
    assert "sck:scope sck:CityScope" in out.read_text(encoding="utf-8")  # the template's meta sheet has a scope
    check = run_kg("validate", str(out))
    assert (check.returncode, check.stdout) == (0, f"Conforms: {out} satisfies every shape.\n")


@pytest.mark.slow
def test_xlsx_template_says_what_the_csv_says(tmp_path):
    workbook = load_workbook(TEMPLATE.with_suffix(".xlsx"), read_only=True)
    with TEMPLATE.open(encoding="utf-8", newline="") as handle:
        expected = [[cell for cell in row] for row in csv.reader(handle)]
    assert [[cell or "" for cell in row] for row in workbook["indicators"].iter_rows(values_only=True)] == expected
    from_csv, from_xlsx = tmp_path / "csv.ttl", tmp_path / "xlsx.ttl"
    assert run_kg("import", str(TEMPLATE), "--framework", "demo", "--out", str(from_csv)).returncode == 0
    xlsx = run_kg("import", str(TEMPLATE.with_suffix(".xlsx")), "--framework", "demo", "--out", str(from_xlsx))
    assert xlsx.returncode == 0, xlsx.stderr
    assert isomorphic(Graph().parse(from_csv), Graph().parse(from_xlsx))


def test_every_problem_is_listed_with_row_and_column_and_nothing_is_written(tmp_path):
    path = sheet(tmp_path, "bad", BAD_ROWS)
    out = tmp_path / "bad.ttl"
    run = run_kg("import", str(path), "--framework", "bad", "--out", str(out))
    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        f"kg: {path}: 4 problem(s), nothing written:",
        "  row 4, column tier: 'gold' is not a tier; use core, advanced or supporting",
        "  row 6, column aspects: 'petitions-and-stuff' is not a participation aspect; use one of co-creation, "
        "complaint-and-feedback, consultation, e-government, institutional-support, participatory-budgeting, "
        "political-efficacy, representation, transparency, voting",
        "  row 9, column code: 'D2' is already used in row 3; give each indicator its own code",
        "  row 11, column sdg: '11.9.9' is not an SDG target or indicator (such as 11.3 or 11.3.2)",
    ]
    assert list(tmp_path.iterdir()) == [path, path.with_name("bad.meta.csv")] or sorted(tmp_path.iterdir()) == sorted(
        [path, path.with_name("bad.meta.csv")]
    )


def test_dimension_spelt_two_ways_and_a_code_already_in_the_framework(tmp_path):
    # U4SSC's KPIs live in data/u4ssc/kpis.ttl, apart from the file defining the framework.
    body = (
        '"SC: SH: SI: 4C",Turnout again,Governance,,,core,voting,,turnout,,,,,\nX2,Other,governance ,,,core,,,x,,,,,\n'
    )
    path = sheet(tmp_path, "clash", body)
    run = run_kg("import", str(path), "--framework", "u4ssc", "--out", str(tmp_path / "o.ttl"))
    assert run.returncode == 1
    problems = run.stderr.splitlines()[1:]
    assert problems == [
        "  row 2, column code: 'SC: SH: SI: 4C' is already used in this framework by "
        "https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C",
        "  row 3, column dimension: 'governance' differs from 'Governance' (row 2) only in case or spaces",
    ]


def test_semicolon_csv_with_bom_imports_and_latin1_is_refused(tmp_path):
    body = TEMPLATE.read_text(encoding="utf-8").split("\n", 1)[1]
    good = sheet(tmp_path, "excel", body, encoding="utf-8-sig", delimiter=";")
    assert good.read_bytes().startswith(b"\xef\xbb\xbfcode;name;")
    run = run_kg("import", str(good), "--framework", "excel", "--out", str(tmp_path / "excel.ttl"))
    assert run.returncode == 0, run.stderr
    latin = sheet(tmp_path, "latin", body.replace("Citizens'", "Citizèns'"), encoding="latin-1")
    run = run_kg("import", str(latin), "--framework", "latin", "--out", str(tmp_path / "latin.ttl"))
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        f"kg: {latin}:6: not UTF-8 text (byte 0xe8); in Excel, save it with 'Save As' and the type "
        "'CSV UTF-8 (comma delimited)'."
    ]
    assert not (tmp_path / "latin.ttl").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nothere.csv", "--framework", "x"), "nothere.csv: no such file; check the path."),
        ((str(TEMPLATE), "--framework", "Bad Id"), "--framework 'Bad Id' is not an id"),
        ((str(ROOT / "README.md"), "--framework", "x"), "unknown sheet type '.md'; import a .csv or .xlsx file."),
    ],
)
def test_unreadable_input_exits_2(args, message):
    run = run_kg("import", *args)
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr


def test_a_csv_without_its_framework_description(tmp_path):
    lone = tmp_path / "lone.csv"
    lone.write_text(f"{HEADER}\n")
    run = run_kg("import", str(lone), "--framework", "lone")
    assert run.returncode == 2
    assert "lone.meta.csv is missing beside it" in run.stderr


@pytest.mark.slow
@pytest.mark.parametrize(("framework", "source"), FRAMEWORKS.items())
def test_bundled_frameworks_are_what_their_sheets_import_to(tmp_path, framework, source):
    out = tmp_path / f"{framework}.ttl"
    run = run_kg("import", str(source), "--framework", framework, "--out", str(out))
    assert run.returncode == 0, run.stderr
    bundled = ROOT / "data" / "frameworks" / framework / f"{framework}.ttl"
    assert isomorphic(Graph().parse(out), Graph().parse(bundled))


def sheet_rows(framework: str) -> list[dict[str, str]]:
    with FRAMEWORKS[framework].open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_participation_by_framework_counts(graph, u4ssc_rows):
    """Counts from the sheets themselves; frameworks without tiers have no core count, not 0."""
    rows = {row["id"]: row for row in graph.query("participation-by-framework", editions="all").dicts()}
    expected = {"u4ssc": (len(u4ssc_rows), 3, "yes", 1)}
    for framework in FRAMEWORKS:
        sheet = sheet_rows(framework)
        coded = [row for row in sheet if row["aspects"]]
        tiered = any(row["tier"] for row in sheet)
        core = sum(row["tier"] == "core" for row in coded) if tiered else None
        expected[framework] = (len(sheet), len(coded), "yes" if tiered else "no", core)
    counts = {
        id_: (r["indicators"], r["participation_indicators"], r["tiered"], r.get("core_participation_indicators"))
        for id_, r in rows.items()
    }
    assert counts == expected
    assert counts["sdg-participation"][3] is None and counts["coe-participation-index"][3] is None
    iso = expected["iso37120"]
    assert str(rows["u4ssc"]["share"]) == "3.3" and float(rows["iso37120"]["share"]) == round(100 * iso[1] / iso[0], 1)


def test_aspect_coverage_is_a_full_matrix(graph):
    rows = graph.query("aspect-coverage", editions="all").dicts()  # every edition: one per sheet
    aspects = len(set(graph.query("participation-aspects").column("aspect")))
    assert len(rows) == (len(FRAMEWORKS) + 1) * aspects  # every framework against every aspect, zeros included
    covered = {(r["id"], r["aspect"]): r["indicators"] for r in rows if r["indicators"]}
    # The sheets' aspects columns (notations), and the study's three U4SSC links.
    expected = Counter((framework, a) for framework in FRAMEWORKS for row in sheet_rows(framework)
                       for a in row["aspects"].split(";") if a)  # fmt: skip
    expected |= {("u4ssc", "e-government"): 1, ("u4ssc", "transparency"): 1, ("u4ssc", "voting"): 1}
    assert covered == dict(expected)


def test_framework_summary(graph):
    rows = {row["id"]: row for row in graph.query("framework-summary").dicts()}
    iso = rows["iso37120"]
    assert (iso["tiered"], iso["year"], iso["advanced"]) == ("yes", "2014", 0)
    with (ROOT / "data" / "u4ssc" / "source" / "u4ssc_where_looked.tsv").open(encoding="utf-8") as handle:
        still_open = sum(1 for _ in csv.DictReader(handle, delimiter="\t"))  # one where-looked note per open KPI
    assert (rows["u4ssc"]["core"], rows["u4ssc"]["advanced"], rows["u4ssc"]["unverified"]) == (55, 36, still_open)


def test_suggest_puts_participatory_budgeting_first(tmp_path):
    path = sheet(tmp_path, "suggest", BAD_ROWS)
    run = run_kg("suggest", str(path), "--format", "csv")
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert rows[0] == {
        "code": "D6",
        "name": "Participatory budgeting share of capital budget",
        "aspect": "participatory-budgeting",
        "score": "3",  # an xsd:double, written in its canonical form (kg.query.tables.canonical_number)
        "matched": "'participatory budgeting' in the name",
    }


def test_suggest_on_a_framework_in_the_graph(tmp_path):
    run = run_kg("suggest", "iso37120", "--format", "csv")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "code,name,aspect,score,matched"
    unknown = run_kg("suggest", "no-such-framework")
    assert unknown.returncode == 2 and "the graph has no framework fw:no-such-framework;" in unknown.stderr


# ------------------------------------------------------------------ the coding record (column coded)

PROV, DCT = "http://www.w3.org/ns/prov#", "http://purl.org/dc/terms/"


def coded_sheet(folder: Path, body: str, meta_extra: str = "coded_on,2026-11-30\n") -> Path:
    path = folder / "coded.csv"
    path.write_text(f"{HEADER}\n{body}", encoding="utf-8")
    meta = "key,value\ntitle,Coded\npublisher,Example City\nyear,2020\nsource,https://example.org/fw\n"
    (folder / "coded.meta.csv").write_text(meta + "coded_by,smartcity-kg\n" + meta_extra, encoding="utf-8")
    return path


CODED_ROWS = (
    "C1,Voter turnout,Governance,,,core,voting,,turnout (%),,,,Voter turnout,Turnout is voting.,reviewed\n"
    "C2,Parks per capita,Planet,,,core,,,,,,,,Green space; no participation.,reviewed\n"
    "C3,Online consultations,Governance,,,core,consultation,,,,,,Online consultations,consultation,suggested\n"
    "C4,Bus lanes,Planet,,,core,,,,,,,,,\n"
)


@pytest.mark.slow
def test_coded_column_records_who_coded_each_row_and_when(tmp_path):
    out = tmp_path / "coded.ttl"
    run = run_kg("import", str(coded_sheet(tmp_path, CODED_ROWS)), "--framework", "coded", "--out", str(out))
    assert run.returncode == 0, run.stderr
    graph = Graph().parse(out)
    agent = f"{ID}agent/"
    rows = graph.query(
        f"""SELECT ?code ?who ?date (COUNT(?c) AS ?links) WHERE {{
              ?coding a <{PROV}Activity> ; <{PROV}used> ?kpi ; <{PROV}wasAssociatedWith> ?who ; <{DCT}date> ?date .
              ?kpi <http://www.w3.org/2004/02/skos/core#notation> ?code .
              OPTIONAL {{ ?c <{PROV}wasGeneratedBy> ?coding ; <{PROV}wasAttributedTo> ?who ; <{DCT}created> ?date }}
            }} GROUP BY ?code ?who ?date ORDER BY ?code"""
    )
    assert [(str(r.code), str(r.who), str(r.date), int(r.links)) for r in rows] == [
        ("C1", agent + "smartcity-kg", "2026-11-30", 1),  # reviewed: one link
        ("C2", agent + "smartcity-kg", "2026-11-30", 0),  # reviewed, addresses none
        ("C3", agent + "kg-suggest", "2026-11-30", 1),  # the tool's suggestion, unreviewed
    ]  # C4: not reviewed, no record
    assert (URIRef(agent + "kg-suggest"), RDF.type, URIRef(PROV + "SoftwareAgent")) in graph
    # rows not reviewed (C3 suggested, C4 empty): the framework is coded only in part
    assert graph.value(URIRef(f"{ID}framework/coded"), URIRef(SCK + "codedInFull")) == Literal(False)
    assert run_kg("validate", str(out)).returncode == 0
    # kg suggest proposes only for the row nobody has coded
    assert [code for code, _, _ in sheet_indicators(tmp_path / "coded.csv")] == ["C4"]


def test_coded_column_problems(tmp_path):
    body = (
        "C1,Voter turnout,Governance,,,core,voting,,,,,,,,checked\n"
        "C2,Parks,Planet,,,core,,,,,,,,,suggested\n"
        "C3,Bus lanes,Planet,,,core,,,,,,,,,\n"
    )
    path = coded_sheet(tmp_path, body, meta_extra="coding,full\n")
    run = run_kg("import", str(path), "--framework", "coded", "--out", str(tmp_path / "o.ttl"))
    assert run.returncode == 1
    assert run.stderr.splitlines()[1:] == [
        f"  row 1, column coded_on: {tmp_path / 'coded.meta.csv'} needs a 'coded_on' row (YYYY-MM-DD): the date "
        "of the coding",
        "  row 2, column coded: 'checked' is not a coding status; write reviewed or suggested, or leave it empty "
        "until the row is reviewed",
        "  row 3, column aspects: is empty; a suggested coding names the aspects suggested",
        "  row 4, column coded: the description says 'coding,full', but this row is not reviewed; review it "
        "(coded: reviewed) or write 'coding,partial' in the description",
    ]


def test_project_classifications_carry_their_agent_and_date(graph):
    """The QC query on project additions covers classifications (no exemption for them) and finds nothing."""
    text = (ROOT / "queries" / "qc" / "project-additions-unattributed.rq").read_text(encoding="utf-8")
    assert "sck:Classification" not in text
    classifications = graph.sparql(
        "SELECT ?c WHERE { ?c a sck:Classification ; dcterms:source agent:smartcity-kg }"
    ).dicts()
    assert classifications  # the query has something of this kind to check
    assert graph.sparql(text).dicts() == []
