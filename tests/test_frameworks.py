"""The bundled frameworks at full size, counted against their sources; frameworks without tiers.

Expected counts come from the source lists: the SDG table in data/reference/ and each framework's
sheet (itself checked against a second public source where one states the counts).
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF

from tests.conftest import ROOT, run_kg

FRAMEWORKS = ROOT / "data" / "frameworks"
SDG_TABLE = ROOT / "data" / "reference" / "sdg-kos.tsv"
SCK = "https://w3id.org/smartcity-kg/ontology#"
ID = "https://w3id.org/smartcity-kg/id/"
# ISO 37120:2014 as second sources count it: 17 themes, 46 core and 54 supporting indicators
# (https://www.smartcitiescouncil.com/article/dissecting-iso-37120-fire-and-emergency-response-indicators-how-safe-your-city),
# 100 indicators of which 46 core (https://www.globalcitiesinstitute.org/post/iso-37120-sustainable-
# development-of-communities-indicators-for-city-services-and-quality-of-life).
ISO_37120_2014 = {"themes": 17, "indicators": 100, "core": 46, "supporting": 54}


def rows_of(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def meta_of(framework: str) -> dict[str, str]:
    return {row["key"]: row["value"] for row in rows_of(FRAMEWORKS / framework / f"{framework}.meta.csv")}


@pytest.fixture(scope="module")
def summary(graph) -> dict[str, dict]:
    return {row["id"]: row for row in graph.query("framework-summary", editions="all").dicts()}


def test_iso37120_sheet_is_the_whole_first_edition_as_second_sources_count_it():
    sheet = rows_of(FRAMEWORKS / "iso37120" / "iso37120.csv")
    tiers = Counter(row["tier"] for row in sheet)
    counted = {"themes": len({row["dimension"] for row in sheet}), "indicators": len(sheet)}
    counted |= {"core": tiers["core"], "supporting": tiers["supporting"]}
    assert counted == ISO_37120_2014
    governance = Counter(row["tier"] for row in sheet if row["dimension"] == "Governance")
    assert governance == {"core": 2, "supporting": 4}  # the Smart Cities Council's governance article
    # Every code is its clause (the theme) and a number; every source is the indicator's IRI in the ontology.
    clauses = {row["dimension"]: {row["code"].split(".")[0]} for row in sheet}
    for row in sheet:
        assert clauses[row["dimension"]] == {row["code"].split(".")[0]}, row["code"]
        assert row["source"] == f"http://ontology.eil.utoronto.ca/ISO37120.owl#{row['code']}"


def test_framework_summary_lists_iso37120_in_full(summary):
    sheet = rows_of(FRAMEWORKS / "iso37120" / "iso37120.csv")
    tiers = Counter(row["tier"] for row in sheet)
    iso = summary["iso37120"]
    assert (iso["dimensions"], iso["indicators"]) == (len({row["dimension"] for row in sheet}), len(sheet))
    assert (iso["tiered"], iso["core"], iso["supporting"], iso["advanced"]) == (
        "yes",
        tiers["core"],
        tiers["supporting"],
        0,
    )


def test_framework_summary_lists_the_sdg_framework_in_full(summary, graph):
    kos = rows_of(SDG_TABLE, "\t")
    kinds = Counter(row["kind"] for row in kos)
    sdg = summary["sdg-participation"]
    assert (sdg["dimensions"], sdg["indicators"]) == (kinds["goal"], kinds["indicator"])
    assert (sdg["tiered"], sdg.get("core"), sdg.get("supporting"), sdg.get("advanced")) == ("no", None, None, None)
    # Each indicator code, with the UN SDG IRI the KOS gives it as its source.
    found = graph.sparql(
        """
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX sck: <https://w3id.org/smartcity-kg/ontology#>
        SELECT ?code ?source WHERE {
          ?kpi a sck:Indicator ; skos:inScheme <https://w3id.org/smartcity-kg/id/framework/sdg-participation> ;
               skos:notation ?code ; dcterms:source ?source .
        }
        """
    ).dicts()
    expected = {(row["code"], row["iri"]) for row in kos if row["kind"] == "indicator"}
    assert {(str(row["code"]), str(row["source"])) for row in found} == expected
    targets = graph.sparql(
        """
        PREFIX sck: <https://w3id.org/smartcity-kg/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT (COUNT(DISTINCT ?target) AS ?n) WHERE {
          ?target a sck:SubDimension ; skos:inScheme <https://w3id.org/smartcity-kg/id/framework/sdg-participation> .
        }
        """
    ).column("n")
    assert [int(n) for n in targets] == [kinds["target"]]  # every target, as a sub-dimension of its goal


def test_the_first_indicators_keep_their_iris_and_coding(graph):
    """The vocabulary is a contract: extending a framework keeps the IRIs it had."""
    kept = ["iso37120/11-1", "iso37120/11-2", "iso37120/11-5", "iso37120/11-6"]
    kept += [
        "sdg-participation/5-5-1",
        "sdg-participation/11-3-2",
        "sdg-participation/16-7-1",
        "sdg-participation/16-7-2",
    ]
    rows = graph.sparql("SELECT ?kpi WHERE { ?kpi <https://w3id.org/smartcity-kg/ontology#addresses> [] }").column(
        "kpi"
    )
    assert {f"{ID}{local}" for local in kept} <= {str(kpi) for kpi in rows}
    codes = graph.sparql(
        "SELECT ?code WHERE { <https://w3id.org/smartcity-kg/id/iso37120/11-3> "
        "<http://www.w3.org/2004/02/skos/core#notation> ?code }"
    ).column("code")
    assert [str(code) for code in codes] == ["11.3"]


def test_frameworks_without_tiers_have_no_core_count(summary, graph):
    untiered = {
        framework for framework in summary if framework != "u4ssc" and meta_of(framework).get("tiers") == "none"
    }
    assert untiered == {"sdg-participation", "sdg-2025", "coe-participation-index"}
    for framework in untiered:
        assert summary[framework]["tiered"] == "no"
        assert all(not row["tier"] for row in rows_of(FRAMEWORKS / framework / f"{framework}.csv"))
        assert graph.query("core-participation-kpis", framework=f"fw:{framework}").rows == []
    tiers = graph.sparql(
        "SELECT ?kpi WHERE { ?kpi <http://www.w3.org/2004/02/skos/core#inScheme> "
        "<https://w3id.org/smartcity-kg/id/framework/coe-participation-index> ; "
        "<https://w3id.org/smartcity-kg/ontology#tier> [] }"
    ).rows
    assert tiers == []


def test_a_framework_source_has_its_own_publisher_and_year():
    """The document a framework is read from is not credited with the framework's publisher and year."""
    for meta_path in sorted(FRAMEWORKS.glob("*/*.meta.csv")):
        framework = meta_path.parent.name
        meta = meta_of(framework)
        graph = Graph().parse(FRAMEWORKS / framework / f"{framework}.ttl")
        source = URIRef(meta["source"])
        publishers = {str(graph.value(agent, FOAF.name)) for agent in graph.objects(source, DCTERMS.publisher)}
        years = {str(year) for year in graph.objects(source, DCTERMS.issued)}
        assert publishers == ({meta["source_publisher"]} if meta.get("source_publisher") else set()), framework
        assert years == ({meta["source_year"]} if meta.get("source_year") else set()), framework
    iso = Graph().parse(FRAMEWORKS / "iso37120" / "iso37120.ttl")
    ontology = URIRef("http://ontology.eil.utoronto.ca/ISO37120.owl")
    assert [str(iso.value(a, FOAF.name)) for a in iso.objects(ontology, DCTERMS.publisher)] == ["University of Toronto"]
    assert list(iso.objects(ontology, DCTERMS.issued)) == []
    framework = URIRef(f"{ID}framework/iso37120")
    assert list(iso.objects(framework, DCTERMS.issued)) == [
        Literal("2014", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear"))
    ]


# ------------------------------------------------------------------ importing a framework without tiers

HEADER = (
    "code,name,dimension,sub_dimension,category,tier,aspects,sdg,measure,source,source_title,page,evidence,coding_note"
)
META = """key,value
title,A framework without tiers
publisher,Example City
year,2020
source,https://example.org/framework
{tiers}
"""


def untiered_sheet(folder: Path, body: str, tiers: str = "tiers,none") -> Path:
    path = folder / "flat.csv"
    path.write_text(f"{HEADER}\n{body}", encoding="utf-8")
    (folder / "flat.meta.csv").write_text(META.format(tiers=tiers), encoding="utf-8")
    return path


@pytest.mark.slow
def test_an_untiered_framework_imports_without_tiers(tmp_path):
    path = untiered_sheet(
        tmp_path, "F1,Turnout,Governance,,,,voting,,turnout (%),,,,turnout,Voting.\nF2,Parks,Planet,,,,,,,,,,,\n"
    )
    out = tmp_path / "flat.ttl"
    run = run_kg("import", str(path), "--framework", "flat", "--out", str(out))
    assert run.returncode == 0, run.stderr
    graph = Graph().parse(out)
    assert graph.value(URIRef(f"{ID}framework/flat"), URIRef(SCK + "tiered")) == Literal(False)
    assert list(graph.subject_objects(URIRef(SCK + "tier"))) == []
    check = run_kg("validate", str(out))
    assert check.returncode == 0, check.stdout


@pytest.mark.slow
def test_an_untiered_framework_refuses_tiers_and_a_tiered_one_needs_them(tmp_path):
    path = untiered_sheet(tmp_path, "F1,Turnout,Governance,,,core,,,,,,,,\n")
    run = run_kg("import", str(path), "--framework", "flat", "--out", str(tmp_path / "flat.ttl"))
    assert run.returncode == 1
    assert "row 2, column tier: 'core': the framework has no tiers (its description says 'tiers: none')" in run.stderr
    odd = untiered_sheet(tmp_path, "F1,Turnout,Governance,,,,,,,,,,,\n", tiers="tiers,few")
    run = run_kg("import", str(odd), "--framework", "flat", "--out", str(tmp_path / "flat.ttl"))
    assert run.returncode == 1 and "flat.meta.csv: tiers 'few' is not understood; write 'none'" in run.stderr
    tiered = untiered_sheet(tmp_path, "F1,Turnout,Governance,,,,,,,,,,,\n", tiers="")
    run = run_kg("import", str(tiered), "--framework", "flat", "--out", str(tmp_path / "flat.ttl"))
    assert run.returncode == 1 and "row 2, column tier: is empty; every indicator needs a tier" in run.stderr


@pytest.mark.slow
def test_the_shapes_hold_each_indicator_to_its_framework_s_tiers(tmp_path):
    path = untiered_sheet(tmp_path, "F1,Turnout,Governance,,,,,,,,,,,\n")
    out = tmp_path / "flat.ttl"
    assert run_kg("import", str(path), "--framework", "flat", "--out", str(out)).returncode == 0
    kpi = f"<{ID}flat/F1>"
    with_tier = tmp_path / "with-tier.ttl"
    shutil.copy(out, with_tier)
    with with_tier.open("a", encoding="utf-8") as handle:
        handle.write(f"\n{kpi} <{SCK}tier> <{SCK}Core> .\n")
    run = run_kg("validate", str(with_tier))
    assert run.returncode == 1
    assert "sck:tier: The indicator has a tier (sck:tier), but its framework has no tiers" in run.stdout
    tiered = tmp_path / "tiered.ttl"
    tiered.write_text(out.read_text(encoding="utf-8").replace("sck:tiered false", "sck:tiered true"), encoding="utf-8")
    run = run_kg("validate", str(tiered))
    assert run.returncode == 1 and "sck:tier: The indicator needs exactly one tier (sck:tier)" in run.stdout


# ------------------------------------------------------------------ what a framework measures

SCOPE_IRIS = {"city": SCK + "CityScope", "national": SCK + "NationalScope", "project": SCK + "ProjectScope"}


def test_every_bundled_sheet_states_its_scope_with_a_source(graph):
    """Each sheet's description gives its scope and the page that says so; the graph holds them."""
    found = {
        str(row["id"]): (str(row["scope"]), str(row["page"]))
        for row in graph.sparql(
            """
            PREFIX sck: <https://w3id.org/smartcity-kg/ontology#>
            PREFIX dcterms: <http://purl.org/dc/terms/>
            SELECT ?id ?scope ?page WHERE { ?f sck:scope ?scope ; sck:scopeSource ?page ; dcterms:identifier ?id }
            """
        ).dicts()
    }
    sheets = sorted(path.parent.name for path in FRAMEWORKS.glob("*/*.meta.csv"))
    for framework in sheets:
        meta = meta_of(framework)
        assert found[framework] == (SCOPE_IRIS[meta["scope"]], meta["scope_source"]), framework
    assert set(found) == {*sheets, "u4ssc"}  # U4SSC's is stated in data/u4ssc/framework.ttl
    assert found["u4ssc"][0] == SCOPE_IRIS["city"] and found["sdg-participation"][0] == SCOPE_IRIS["national"]


def test_framework_summary_shows_the_scope(summary):
    for framework, row in summary.items():
        expected = meta_of(framework)["scope"] if framework != "u4ssc" else "city"
        assert str(row["scope"]) == expected, framework


@pytest.mark.slow
def test_a_scope_needs_a_known_value_and_its_source(tmp_path):
    path = untiered_sheet(tmp_path, "F1,Turnout,Governance,,,,,,,,,,,\n", tiers="tiers,none\nscope,region")
    run = run_kg("import", str(path), "--framework", "flat", "--out", str(tmp_path / "flat.ttl"))
    assert run.returncode == 1
    assert "flat.meta.csv: scope 'region' is not understood; write city, national, project" in run.stderr
    assert "flat.meta.csv: a scope needs a 'scope_source' row: the page that says what it measures" in run.stderr
    path = untiered_sheet(
        tmp_path,
        "F1,Turnout,Governance,,,,,,,,,,,\n",
        tiers="tiers,none\nscope,project\nscope_source,https://example.org/p",
    )
    out = tmp_path / "flat.ttl"
    run = run_kg("import", str(path), "--framework", "flat", "--out", str(out))
    assert run.returncode == 0, run.stderr
    framework = URIRef(f"{ID}framework/flat")
    imported = Graph().parse(out)
    assert imported.value(framework, URIRef(SCK + "scope")) == URIRef(SCOPE_IRIS["project"])
    assert imported.value(framework, URIRef(SCK + "scopeSource")) == URIRef("https://example.org/p")
    assert run_kg("validate", str(out)).returncode == 0
    unsourced = tmp_path / "unsourced.ttl"
    unsourced.write_text(
        out.read_text(encoding="utf-8").replace("<https://example.org/p>", '"a page"'), encoding="utf-8"
    )
    run = run_kg("validate", str(unsourced))
    assert run.returncode == 1 and "is the web address of a page, not text" in run.stdout
