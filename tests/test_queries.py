"""The named queries on the bundled graph give the exact answers the data holds."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from kg import QueryError, list_queries
from tests.conftest import ROOT

U4SSC = "https://w3id.org/smartcity-kg/id/u4ssc/"


def test_core_participation_kpis_is_voter_participation_alone(graph):
    assert graph.query("core-participation-kpis").dicts() == [
        {
            "kpi": U4SSC + "SC-SH-SI-4C",
            "code": "SC: SH: SI: 4C",
            "name": "Voter Participation",
            "dimension": "Society and Culture",
            "aspects": "voting",
        }
    ]


def test_participation_kpis_are_the_studys_three(graph):
    rows = [
        (row["code"], row["name"], row["tier"], row["dimension"], row["aspect"])
        for row in graph.query("participation-kpis").dicts()
    ]
    assert rows == [
        ("EC: ICT: PS: 1A", "Open Data", "advanced", "Economy", "open data and transparency"),
        ("EC: ICT: PS: 2A", "e-Government", "advanced", "Economy", "e-government and online public services"),
        ("SC: SH: SI: 4C", "Voter Participation", "core", "Society and Culture", "voting"),
    ]


def test_kpis_by_dimension_counts_the_source_table(graph, u4ssc_rows):
    rows = [
        (row["dimension"], row["tier"], row["kpis"], row["dimension_kpis"])
        for row in graph.query("kpis-by-dimension").dicts()
    ]
    tiers = Counter((row["dimension"], row["tier"]) for row in u4ssc_rows)
    dimensions = Counter(row["dimension"] for row in u4ssc_rows)
    expected = [
        (d, t, n, dimensions[d]) for (d, t), n in sorted(tiers.items(), key=lambda i: (i[0][0], i[0][1] != "core"))
    ]
    assert rows == expected  # by dimension, core first
    assert sum(row[2] for row in rows) == len(u4ssc_rows)


def test_kpis_by_dimension_shares(graph):
    shares = {
        (row["dimension"], row["tier"]): (str(row["share_of_dimension"]), str(row["share_of_framework"]))
        for row in graph.query("kpis-by-dimension").dicts()
    }
    assert shares[("Economy", "core")] == ("53.3", "26.4")
    assert shares[("Environment", "advanced")] == ("29.4", "5.5")
    assert shares[("Society and Culture", "core")] == ("65.5", "20.9")


def test_unconfirmed_kpis_lists_the_unchecked_rows(graph, u4ssc_rows):
    rows = graph.query("unconfirmed-kpis").dicts()
    with (ROOT / "data" / "u4ssc" / "source" / "u4ssc_confirmations.tsv").open(encoding="utf-8") as handle:
        confirmed = {row["code"] for row in csv.DictReader(handle, delimiter="\t")}
    expected = {row["code"] for row in u4ssc_rows if row["source_url"].startswith("unconfirmed")} - confirmed
    assert len(rows) == len(expected) > 0
    assert {row["code"] for row in rows} == expected
    voter = next(row for row in rows if row["code"] == "SC: SH: SI: 4C")
    assert voter["note"].startswith("Not checked against an ITU page")
    assert "2020-U4SSC-Verification-Report-Bizerte-Tunisia" in voter["seen_in"]


def test_frameworks_lists_every_bundled_framework(graph, u4ssc_rows):
    rows = {row["id"]: (row["kpis"], row["participation_kpis"]) for row in graph.query("frameworks").dicts()}
    expected = {"u4ssc": (len(u4ssc_rows), 3)}
    for sheet in sorted((ROOT / "data" / "frameworks").glob("*/*.csv")):
        if sheet.stem == sheet.parent.name:  # data/frameworks/<id>/<id>.csv, the framework's sheet
            with sheet.open(encoding="utf-8", newline="") as handle:
                indicators = list(csv.DictReader(handle))
            expected[sheet.stem] = (len(indicators), sum(bool(row["aspects"]) for row in indicators))
    assert rows == expected
    [u4ssc] = [row for row in graph.query("frameworks").dicts() if row["id"] == "u4ssc"]
    assert u4ssc["title"] == "U4SSC key performance indicators for smart sustainable cities"
    assert u4ssc["framework"] == "https://w3id.org/smartcity-kg/id/framework/u4ssc"


def test_kpi_details_binds_the_code_as_a_literal(graph):
    [row] = graph.query("kpi-details", code="EC: ICT: PS: 1A").dicts()
    assert row["name"] == "Open Data"
    assert row["tier"] == "advanced"
    assert (row["dimension"], row["sub_dimension"], row["category"]) == ("Economy", "ICT", "Public Sector")
    assert set(row["sdg_references"].split("; ")) == {"16.6", "16.7"}
    assert row["status"] == "verified"
    assert "2017-U4SSC-Collection-Methodology/files/basic-html/page37.html" in row["sources"]


def test_a_code_with_quotes_is_data_not_query_text(graph):
    injection = 'x" } UNION { ?kpi ?p ?o } #'
    assert graph.query("kpi-details", code=injection).rows == []


def test_participation_evidence_names_document_page_and_quote(graph):
    rows = graph.query("participation-evidence").dicts()
    assert {row["code"] for row in rows} == {"EC: ICT: PS: 1A", "EC: ICT: PS: 2A", "SC: SH: SI: 4C"}
    open_data = {
        (row["printed_page"], row["flipbook_page"], row["quote"]) for row in rows if row["code"] == "EC: ICT: PS: 1A"
    }
    quote = "government transparency, accountability and public participation in government"
    assert ("29", "37", quote) in open_data  # printed page 29 is flipbook page 37
    assert ("29", "37", None) in open_data  # the KPI sheet itself
    assert all(row["classified_by"] == "Safranova 2021" for row in rows)


def test_framework_parameter_selects_another_framework(graph):
    assert graph.query("participation-kpis", framework="fw:iso37120").rows != graph.query("participation-kpis").rows
    assert len(graph.query("participation-kpis", framework="<https://w3id.org/smartcity-kg/id/framework/u4ssc>")) == 3


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"framework": "not an iri"}, "not a valid iri"),
        ({"colour": "red"}, "has no parameter colour"),
    ],
)
def test_bad_parameters_are_refused(graph, params, message):
    with pytest.raises(QueryError, match=message):
        graph.query("participation-kpis", **params)


def test_a_required_parameter_must_be_given(graph):
    with pytest.raises(QueryError, match="needs a value for parameter code"):
        graph.query("kpi-details")


def test_unknown_query_names_close_matches(graph):
    with pytest.raises(QueryError, match="did you mean ") as error:
        graph.query("participation")
    suggested = str(error.value).split("did you mean ")[1].rstrip("?").split(", ")
    assert {"core-participation-kpis", "participation-kpis", "participation-evidence"} <= set(suggested)
    with pytest.raises(QueryError, match="run 'kg queries' to list them"):
        graph.query("nothing-like-it")


@pytest.mark.parametrize("query", list_queries("qc"), ids=lambda q: q.name)
def test_quality_control_queries_return_no_rows(graph, query):
    assert graph.query(query).rows == []


@pytest.mark.slow
def test_every_named_query_runs_on_the_bundled_graph(graph):
    for query in list_queries():
        if any(p.type == "service" for p in query.parameters.values()):
            continue  # federated: tests/test_remote.py runs it against a real second endpoint
        params = query.example_parameters()
        assert len(graph.query(query, **params)) > 0, query.name
