"""The kg command as a user runs it: real process, real data, exact output."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest

from tests.conftest import run_kg as kg


def test_core_participation_kpis_json_has_exactly_voter_participation():
    run = kg("query", "core-participation-kpis", "--format", "json")
    assert run.returncode == 0, run.stderr
    [binding] = json.loads(run.stdout)["results"]["bindings"]
    assert binding["code"] == {"type": "literal", "value": "SC: SH: SI: 4C"}
    assert binding["name"] == {"type": "literal", "value": "Voter Participation", "xml:lang": "en"}


def test_kpis_by_dimension_csv_counts_the_source_table(u4ssc_rows):
    run = kg("query", "kpis-by-dimension", "--format", "csv")
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    counted = Counter((row["dimension"], row["tier"]) for row in u4ssc_rows)
    expected = sorted(counted.items(), key=lambda item: (item[0][0], item[0][1] != "core"))  # core first
    assert [((r["dimension"], r["tier"]), int(r["kpis"])) for r in rows] == expected
    assert sum(int(r["kpis"]) for r in rows) == len(u4ssc_rows)


def test_participation_kpis_table_is_plain_when_piped():
    run = kg("query", "participation-kpis")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["kpi", "code", "name", "tier", "dimension", "aspect"]
    assert len(lines) == 2 + 3
    assert "\x1b[" not in run.stdout  # no terminal colour codes in a pipe
    assert run.stderr == ""


def test_param_binds_a_code(tmp_path):
    run = kg("query", "kpi-details", "--param", "code=SC: SH: SI: 4C", "--format", "tsv")
    assert run.returncode == 0, run.stderr
    header, row = run.stdout.splitlines()
    assert header.startswith("?kpi\t?name\t?tier")
    assert row.startswith('<https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C>\t"Voter Participation"@en\t"core"@en')


def test_query_file_runs_and_its_syntax_errors_name_the_line(tmp_path):
    good = tmp_path / "count.rq"
    good.write_text(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/smartcity-kg/ontology#Indicator> ;"
        " <http://www.w3.org/2004/02/skos/core#inScheme> <https://w3id.org/smartcity-kg/id/framework/u4ssc> }\n"
    )
    run = kg("query", "--file", str(good), "--format", "csv")
    assert (run.returncode, run.stdout) == (0, "n\r\n91\r\n")

    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?s\nWHERE {\n  ?s ?p\n}\n")
    run = kg("query", "--file", str(bad))
    assert run.returncode == 2
    assert "bad.rq: SPARQL syntax error at line 3, column 3: unexpected '?'" in run.stderr
    assert "Traceback" not in run.stderr


def test_query_file_with_header_takes_parameters(tmp_path):
    query = tmp_path / "tiers.rq"
    query.write_text(
        "#+ title: KPIs of a tier\n#+ question: Which KPIs have a given tier?\n#+ parameters:\n"
        "#+   tier:\n#+     type: iri\n#+     default: sck:Core\n#+     description: a tier\n"
        "SELECT (COUNT(?kpi) AS ?n) WHERE { ?kpi <https://w3id.org/smartcity-kg/ontology#tier> ?tier ;"
        " <http://www.w3.org/2004/02/skos/core#inScheme> <https://w3id.org/smartcity-kg/id/framework/u4ssc> }\n"
    )
    assert kg("query", "--file", str(query), "--format", "csv").stdout == "n\r\n55\r\n"
    run = kg("query", "--file", str(query), "--param", "tier=sck:Advanced", "--format", "csv")
    assert run.stdout == "n\r\n36\r\n"


def test_data_option_adds_a_users_file(tmp_path):
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        "@prefix sck: <https://w3id.org/smartcity-kg/ontology#> .\n"
        "<https://w3id.org/smartcity-kg/id/u4ssc/EC-ICT-ICT-1C> sck:addresses "
        "<https://w3id.org/smartcity-kg/id/aspect/e-government> .\n"
    )
    run = kg("query", "participation-kpis", "--data", str(extra), "--format", "csv")
    assert run.returncode == 0, run.stderr
    assert len(run.stdout.strip().splitlines()) == 1 + 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("query", "no-such-query"), "no named query 'no-such-query'"),
        (("query", "participation-kpis", "--param", "framework"), "must look like KEY=VALUE"),
        (("query", "participation-kpis", "--param", "framework=has space"), "not a valid iri"),
        (("query", "participation-kpis", "--data", "/nonexistent/x.ttl"), "/nonexistent/x.ttl: no such file"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(args, message):
    run = kg(*args)
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout == ""


@pytest.mark.parametrize("command", [(), ("queries",), ("query",), ("validate",), ("check",)])
def test_every_command_has_help(command):
    run = kg(*command, "--help")
    assert run.returncode == 0
    assert run.stdout.startswith("Usage: ")


def test_queries_lists_questions_and_parameters():
    run = kg("queries")
    assert "core-participation-kpis\n    Which core indicators" in run.stdout
    assert "--param framework=<iri> (default fw:u4ssc)" in run.stdout


def test_check_runs_the_quality_control_queries():
    run = kg("check")
    assert run.returncode == 0, run.stdout
    assert "addresses-without-classification: ok" in run.stdout
