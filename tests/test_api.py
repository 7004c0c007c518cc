"""The notebook-grade Python API: Results as a table, rows, DataFrame; typed parameters; exported errors.

Counts come from the U4SSC source table (data/u4ssc/source/u4ssc_kpis.tsv), never pinned here.
"""

from __future__ import annotations

import ast
import datetime
import html
import sys
from collections import Counter
from decimal import Decimal

import pyoxigraph as ox
import pytest

import kg
from kg import errors
from kg.query.params import parse_assignments
from kg.query.results import HEAD_ROWS, SHOWN_ROWS, Results
from tests.conftest import ROOT, run_kg

XSD = "http://www.w3.org/2001/XMLSchema#"
ALL_U4SSC = (
    "SELECT ?kpi ?code WHERE { ?kpi a sck:Indicator ; skos:inScheme fw:u4ssc ; skos:notation ?code } ORDER BY ?code"
)


@pytest.fixture(scope="module")
def memory() -> kg.KnowledgeGraph:
    return kg.KnowledgeGraph.load()


@pytest.fixture(scope="module")
def participation(memory):
    return memory.query("participation-kpis")


@pytest.fixture(scope="module")
def by_code(u4ssc_rows):
    return {row["code"]: row for row in u4ssc_rows}


# ---------------------------------------------------------------- Results in a notebook


def test_repr_is_the_table_of_the_rows(participation, by_code):
    lines = repr(participation).splitlines()
    assert lines[0].split() == participation.variables
    assert set(lines[1]) <= {"-", " "}
    assert len(lines) == 2 + len(participation)
    for line, row in zip(lines[2:], participation.dicts(), strict=True):
        local = row["kpi"].rsplit("/", 1)[1]
        assert line.startswith(f"u4ssc:{local}  ")  # IRIs compacted with the project's prefixes
        assert row["code"] in line and row["name"] in line
        assert by_code[row["code"]]["name"] == row["name"]  # the table's rows are the source's KPIs
    assert "object at 0x" not in repr(participation)


def test_a_large_answer_is_shown_in_part_with_a_count(memory, u4ssc_rows):
    results = memory.sparql(ALL_U4SSC)
    total = len(u4ssc_rows)
    assert len(results) == total > SHOWN_ROWS
    lines = repr(results).splitlines()
    assert len(lines) == 2 + HEAD_ROWS + 1
    assert lines[-1] == f"… {total - HEAD_ROWS} more rows ({total} in all)"
    first = sorted(row["code"] for row in u4ssc_rows)[:HEAD_ROWS]
    assert [line.split("  ", 1)[1].strip() for line in lines[2:-1]] == first
    assert f"{total - HEAD_ROWS} more rows" in results._repr_html_()


def test_empty_and_ask_answers_say_so(memory):
    empty = memory.sparql("SELECT ?s WHERE { ?s a <urn:nothing> }")
    assert repr(empty).splitlines() == ["s", "-", "(no rows)"]
    assert len(empty) == 0 and list(empty) == []
    ask = memory.sparql("ASK { ?s a sck:Indicator }")
    assert repr(ask) == "<Results of an ASK query: true>"
    assert len(ask) == 0 and "true" in ask._repr_html_()


def test_rows_iterate_as_named_tuples_of_the_dicts_values(participation):
    rows = list(participation)
    assert len(rows) == len(participation)
    for row, values in zip(rows, participation.dicts(), strict=True):
        assert row._fields == tuple(participation.variables)
        assert row._asdict() == values
        assert row.kpi == values["kpi"]
    kpi, code, *_ = rows[0]  # unpacks like any tuple
    assert (kpi, code) == (rows[0].kpi, rows[0].code)


def test_numbers_and_unbound_values_in_rows(memory):
    results = memory.sparql("SELECT ?n ?d ?x WHERE { VALUES (?n ?d) { (3 4.5) } OPTIONAL { ?n <urn:no> ?x } }")
    (row,) = list(results)
    assert row == (3, Decimal("4.5"), None)
    assert results.rows == [(results.rows[0][0], results.rows[0][1], None)]  # .rows: rdflib terms, as before


def test_html_is_escaped_and_links_iris_compactly(participation):
    markup = participation._repr_html_()
    for row in participation.dicts():
        local = row["kpi"].rsplit("/", 1)[1]
        assert f'<a href="{row["kpi"]}" title="{row["kpi"]}">u4ssc:{local}</a>' in markup
    hostile = Results(
        ["x", "iri"], raw=[(ox.Literal("<script>alert(1)</script> & co"), ox.NamedNode("https://e.org/a?b=1&c='d'"))]
    )
    markup = hostile._repr_html_()
    assert "<script>" not in markup
    assert html.escape("<script>alert(1)</script> & co") in markup
    assert 'href="https://e.org/a?b=1&amp;c=&#x27;d&#x27;"' in markup


# ---------------------------------------------------------------- DataFrames


def test_to_pandas_has_the_rows_and_typed_columns(memory, participation, u4ssc_rows):
    pytest.importorskip("pandas")
    frame = participation.to_pandas()
    assert frame.shape == (len(participation), len(participation.variables))
    assert list(frame.columns) == participation.variables
    assert frame["kpi"].tolist() == [row["kpi"] for row in participation.dicts()]  # IRIs as full strings
    dimensions = memory.query("kpis-by-dimension").to_pandas()
    assert str(dimensions["kpis"].dtype) == "int64"
    assert str(dimensions["share_of_framework"].dtype) == "float64"
    per_dimension = dimensions.groupby("dimension")["kpis"].sum().to_dict()
    assert per_dimension == dict(Counter(row["dimension"] for row in u4ssc_rows))
    per_tier = dimensions.groupby(["dimension", "tier"])["kpis"].sum().to_dict()
    assert per_tier == dict(Counter((row["dimension"], row["tier"]) for row in u4ssc_rows))


def test_to_pandas_types_dates_booleans_and_missing_integers(memory):
    pandas = pytest.importorskip("pandas")
    query = (
        'SELECT ?day ?yes ?n WHERE { VALUES (?day ?yes ?n) { ("2024-03-01"^^xsd:date true 1) '
        '("2025-12-31"^^xsd:date false UNDEF) } }'
    )
    frame = memory.sparql(query).to_pandas()
    assert frame["day"].tolist() == [pandas.Timestamp(2024, 3, 1), pandas.Timestamp(2025, 12, 31)]
    assert str(frame["yes"].dtype) == "boolean" and frame["yes"].tolist() == [True, False]
    assert str(frame["n"].dtype) == "Int64" and frame["n"].iloc[0] == 1 and frame["n"].isna().iloc[1]


def test_without_pandas_the_error_names_the_extra(participation, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(kg.MissingExtra, match=r"pip install 'smartcity-kg\[pandas\]'") as error:
        participation.to_pandas()
    assert isinstance(error.value, kg.KgError) and "\n" not in str(error.value)


# ---------------------------------------------------------------- parameters from Python


def test_integer_parameters_take_ints_and_text_alike(memory, u4ssc_rows):
    total = len(u4ssc_rows)
    assert memory.query("indicator-count", stated=total).dicts() == [{"value": str(total), "holds": True}]
    assert (
        memory.query("indicator-count", stated=str(total)).dicts()
        == memory.query("indicator-count", stated=total).dicts()
    )
    assert memory.query("indicator-count", stated=total - 1).dicts()[0]["holds"] is False


def test_year_boolean_and_iri_parameters_take_python_values(memory):
    assert memory.query("founding-year", stated=2016).dicts() == memory.query("founding-year", stated="2016").dicts()
    assert memory.query("definition-mentions", pattern="citizen", expected=False).dicts() == (
        memory.query("definition-mentions", pattern="citizen", expected="false").dicts()
    )
    framework = kg.IRI("https://w3id.org/smartcity-kg/id/framework/u4ssc")
    assert memory.query("participation-kpis", framework=framework).rows == memory.query("participation-kpis").rows


def test_a_string_parameter_refuses_an_int_instead_of_matching_nothing(memory, by_code):
    with pytest.raises(kg.QueryError, match=r'parameter code is a string: give text such as "5", not the int 5'):
        memory.query("kpi-details", code=5)
    code = next(code for code, row in by_code.items() if row["name"] == "Voter Participation")
    assert [row["name"] for row in memory.query("kpi-details", code=code).dicts()][:1] == ["Voter Participation"]


@pytest.mark.parametrize(
    "value", [None, [91], {"n": 91}, object(), 91.0, True, datetime.date(2020, 1, 1), Decimal("91")]
)
def test_values_of_another_type_are_a_query_error_naming_the_parameter(memory, value):
    with pytest.raises(kg.QueryError, match=r"query 'indicator-count': parameter stated is of type integer") as error:
        memory.query("indicator-count", stated=value)
    assert "--param" not in str(error.value)


def test_decimal_and_date_parameters_are_typed_literals():
    from kg.query.params import Parameter

    assert Parameter("x", "decimal").to_term(Decimal("0.10")) == ox.Literal(
        "0.10", datatype=ox.NamedNode(XSD + "decimal")
    )
    assert Parameter("x", "decimal").to_term(0.1) == ox.Literal("0.1", datatype=ox.NamedNode(XSD + "decimal"))
    assert Parameter("x", "date").to_term(datetime.date(2024, 3, 1)) == ox.Literal(
        "2024-03-01", datatype=ox.NamedNode(XSD + "date")
    )
    for kind, value in [("decimal", float("nan")), ("date", datetime.datetime(2024, 3, 1)), ("year", 12345)]:
        with pytest.raises(kg.QueryError, match="parameter x"):
            Parameter("x", kind).to_term(value)


def test_the_command_line_path_is_text_as_before(memory, u4ssc_rows):
    values = parse_assignments([f"stated={len(u4ssc_rows)}"])
    assert values == {"stated": str(len(u4ssc_rows))}
    assert memory.query("indicator-count", **values).dicts()[0]["holds"] is True


def test_a_missing_parameter_is_said_in_library_words_and_in_the_commands(memory):
    with pytest.raises(kg.MissingParameter, match=r"query 'kpi-details' needs a value for parameter code \(") as error:
        memory.query("kpi-details")
    assert "--param" not in str(error.value)
    run = run_kg("query", "kpi-details")  # the command names its own option
    assert run.returncode == 2
    assert run.stderr.startswith("kg: query 'kpi-details' needs --param code=VALUE (")


# ---------------------------------------------------------------- errors


NAMED_IN_THE_ISSUE = [
    "ReasoningError",
    "InconsistentData",
    "RemoteError",
    "ReportError",
    "ImportProblems",
    "UnsupportedShape",
]


def test_every_error_class_is_a_kg_error_exported_from_kg():
    classes = [getattr(errors, name) for name in errors.__all__ if isinstance(getattr(errors, name), type)]
    assert len(classes) > len(NAMED_IN_THE_ISSUE)
    for cls in classes:
        assert issubclass(cls, kg.KgError)
        assert getattr(kg, cls.__name__) is cls
    for name in NAMED_IN_THE_ISSUE:
        assert issubclass(getattr(kg, name), kg.KgError)


def test_no_kg_module_defines_an_error_users_see_outside_kg_errors():
    """User-facing errors live in kg.errors; other modules may keep private control-flow exceptions."""
    for path in sorted((ROOT / "kg").glob("*.py")):
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {getattr(base, "id", getattr(base, "attr", "")) for base in node.bases}
                assert not bases & {"KgError", "QueryError", "InputError"}, f"{path.name}: class {node.name}"


def test_the_modules_that_raise_errors_raise_kg_errors_own_classes():
    from kg import output
    from kg.graph import generations
    from kg.graph.remote import client as remote
    from kg.reasoning import reasoner as reason
    from kg.sources import sheets
    from kg.validation import shapes

    assert remote.RemoteError is kg.RemoteError and reason.ReasoningError is kg.ReasoningError
    assert reason.InconsistentData is kg.InconsistentData and kg.InconsistentData.exit_code == 1
    assert shapes.UnsupportedShape is kg.UnsupportedShape and sheets.SheetProblems is kg.ImportProblems
    assert generations.WorkspaceError is kg.WorkspaceError and output.OutputError is kg.OutputError


# ---------------------------------------------------------------- the 0.1 module paths


def test_an_old_module_path_imports_the_moved_module_with_a_warning():
    import importlib
    import sys

    import kg.analysis.claims

    sys.modules.pop("kg.claims", None)
    with pytest.warns(DeprecationWarning, match=r"kg\.claims moved to kg\.analysis\.claims"):
        old = importlib.import_module("kg.claims")
    assert old is kg.analysis.claims and old.check_claims is kg.analysis.claims.check_claims


def test_every_old_module_path_names_a_module_that_exists():
    import importlib.util

    from kg.aliases import MOVED

    assert [old for old, new in MOVED.items() if importlib.util.find_spec(f"kg.{new}") is None] == []


def test_starting_kg_imports_no_network_or_metadata_machinery():
    """A cold ``kg query`` pays for what it uses: http.client and ssl (about 80 ms) come with the first
    endpoint, importlib.metadata (about 20 ms) not at all when the installed METADATA file is found."""
    import subprocess
    import sys

    probe = (
        "import sys, kg.cli; print(sorted(m for m in ('http.client', 'ssl', 'importlib.metadata') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
