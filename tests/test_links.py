"""Mapping tables: loaded into the graph, generated where they can be, and checked."""

from __future__ import annotations

import csv
import importlib.util

import pytest

from kg.sources.sssom import link_tables
from tests.conftest import ROOT, run_kg

SKOS = "http://www.w3.org/2004/02/skos/core#"


def test_every_u4ssc_sdg_reference_is_linked_to_its_un_iri(graph, u4ssc_rows):
    links = graph.sparql(
        """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX sssom: <https://w3id.org/sssom/>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?code ?sdgcode WHERE {
          ?kpi skos:inScheme <https://w3id.org/smartcity-kg/id/framework/u4ssc> ; skos:notation ?code ;
               skos:relatedMatch ?sdg . ?sdg skos:notation ?sdgcode .
          [] sssom:subject_id ?kpi ; sssom:object_id ?sdg ; dcterms:source "u4ssc-sdg.sssom.tsv" . }"""
    ).rows
    expected = {(r["code"], sdg) for r in u4ssc_rows for sdg in filter(None, r["sdg_targets"].split(";"))}
    assert {(str(code), str(sdg)) for code, sdg in links} == expected
    assert len(expected) == 30


def test_indicator_11_3_2_has_its_un_identifier(graph):
    rows = graph.query("sdg-links", framework="fw:sdg-participation").dicts()
    exact = {(r["code"], r["sdg"]) for r in rows if r["link"] == SKOS + "exactMatch"}
    assert ("11.3.2", "http://metadata.un.org/sdg/C110302") in exact
    with (ROOT / "data" / "reference" / "sdg-kos.tsv").open(encoding="utf-8", newline="") as handle:
        kos = {(r["code"], r["iri"]) for r in csv.DictReader(handle, delimiter="\t") if r["kind"] == "indicator"}
    assert exact == kos  # every indicator of the SDG framework, to its own UN IRI


def test_voter_participation_counterparts(graph):
    rows = graph.sparql(
        """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?p ?o WHERE { <https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C> ?p ?o .
        FILTER(?p IN (skos:exactMatch, skos:closeMatch, skos:relatedMatch)) }"""
    ).rows
    assert {(str(p).removeprefix(SKOS), str(o)) for p, o in rows} == {
        ("exactMatch", "https://w3id.org/smartcity-kg/id/iso37120/11-1"),
        ("relatedMatch", "https://w3id.org/smartcity-kg/id/iso37120/11-6"),
        ("relatedMatch", "http://metadata.un.org/sdg/16.7"),
    }


def test_organisations_have_wikidata_items_with_labels_from_the_snapshot(graph):
    rows = graph.sparql(
        """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?label WHERE { <https://w3id.org/smartcity-kg/id/agent/itu> skos:exactMatch ?item .
                              ?item skos:prefLabel ?label }"""
    ).column("label")
    assert rows == ["International Telecommunication Union"]


@pytest.mark.slow
def test_generated_tables_and_snapshot_are_current():
    spec = importlib.util.spec_from_file_location("build_links", ROOT / "scripts" / "build_links.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0


def test_links_check_passes_on_the_bundled_tables():
    run = run_kg("links", "check")
    assert (run.returncode, run.stdout) == (0, "")
    assert run.stderr == f"0 problem(s) in {len(link_tables())} mapping table(s)\n"


def test_links_check_names_a_malformed_iri_an_unknown_subject_and_a_contradiction(tmp_path):
    table = tmp_path / "bad.sssom.tsv"
    table.write_text(
        "# curie_map:\n#   skos: http://www.w3.org/2004/02/skos/core#\n#   sdg: http://metadata.un.org/sdg/\n"
        "#   u4ssc: https://w3id.org/smartcity-kg/id/u4ssc/\n#   semapv: https://w3id.org/semapv/vocab/\n"
        "subject_id\tpredicate_id\tobject_id\tmapping_justification\tconfidence\n"
        "u4ssc:EC-ICT-PS-1A\tskos:relatedMatch\thttp://metadata.un.org/sdg/16 7\tsemapv:ManualMappingCuration\t1\n"
        "u4ssc:NO-SUCH-KPI\tskos:relatedMatch\tsdg:16.7\tsemapv:ManualMappingCuration\t1\n"
        "u4ssc:EC-ICT-PS-2A\tskos:exactMatch\tsdg:16.7\tsemapv:ManualMappingCuration\t1\n"
        "u4ssc:EC-ICT-PS-2A\tskos:relatedMatch\tsdg:16.7\tsemapv:ManualMappingCuration\t1\n"
    )
    run = run_kg("links", "check", str(table))
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        f"{table}:7: object 'http://metadata.un.org/sdg/16 7' is not a well-formed IRI or known CURIE",
        f"{table}:8: subject https://w3id.org/smartcity-kg/id/u4ssc/NO-SUCH-KPI is not in the graph",
        f"{table}:10: https://w3id.org/smartcity-kg/id/u4ssc/EC-ICT-PS-2A is both an exactMatch and a relatedMatch "
        "of http://metadata.un.org/sdg/16.7",
    ]


def test_partner_bodies_added_in_issue_12_have_their_wikidata_labels(graph):
    """UNECA, UNEP, UNIDO and UNWTO: items read on a public list of UN bodies, labelled from the snapshot."""
    rows = graph.sparql(
        """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX agent: <https://w3id.org/smartcity-kg/id/agent/>
        SELECT ?agent ?label WHERE {
          VALUES ?agent { agent:uneca agent:unep agent:unido agent:unwto }
          ?agent skos:exactMatch ?item . ?item skos:prefLabel ?label } ORDER BY ?agent"""
    ).dicts()
    assert [(str(r["agent"]).rsplit("/", 1)[1], r["label"]) for r in rows] == [
        ("uneca", "Economic Commission for Africa"),
        ("unep", "United Nations Environment Programme"),
        ("unido", "United Nations Industrial Development Organization"),
        ("unwto", "United Nations Tourism"),
    ]
