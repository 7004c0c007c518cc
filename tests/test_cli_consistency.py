"""The ``kg`` commands behave alike (issue 19, item 8): one way to name a framework, --format on the listing
commands, usage errors as one sentence, a closed pipe, --workspace, kg init's confirmation, kg remove's warning,
and --timeout meaning the same everywhere.

In this process through ``run_kg`` (the real entry point and error boundary), in a fresh process only for
what only a process shows (a pipe its reader closes).
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_kg

FW = "https://w3id.org/smartcity-kg/id/framework/"
TEMPLATE = ROOT / "data" / "templates" / "framework.csv"


def frameworks() -> list[str]:
    """The frameworks' IRIs as the graph lists them (kg query frameworks)."""
    run = run_kg("query", "frameworks", "-f", "csv")
    assert run.returncode == 0, run.stderr
    return [row["framework"] for row in csv.DictReader(io.StringIO(run.stdout))]


# --- 1. a framework by its id, CURIE or IRI ------------------------------------------------------------------


@pytest.mark.parametrize("given", ["u4ssc", "fw:u4ssc", FW + "u4ssc", f"<{FW}u4ssc>"])
def test_query_takes_a_framework_by_id_curie_or_iri(given: str) -> None:
    assert FW + "u4ssc" in frameworks()
    expected = run_kg("query", "core-participation-kpis", "-f", "csv")  # the default, fw:u4ssc
    run = run_kg("query", "core-participation-kpis", "-p", f"framework={given}", "-f", "csv")
    assert run.returncode == 0, run.stderr
    assert run.stdout == expected.stdout and len(run.stdout.splitlines()) > 1


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("u4scc", "the graph has no framework fw:u4scc; did you mean fw:u4ssc?"),
        ("U4SSC", "ids are lower case: did you mean u4ssc?"),
        ("two words", "give its id (u4ssc), a CURIE (fw:u4ssc) or its full IRI"),
    ],
)
def test_report_refuses_an_unknown_framework_in_one_sentence(given: str, message: str, tmp_path: Path) -> None:
    run = run_kg("report", "--out", str(tmp_path / "r"), "--framework", given)
    assert run.returncode == 2 and message in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and not (tmp_path / "r").exists()


def test_an_unknown_framework_parameter_says_did_you_mean() -> None:
    run = run_kg("query", "core-participation-kpis", "-p", "framework=u4scc")
    assert run.returncode == 2 and "did you mean fw:u4ssc?" in run.stderr, run.stderr


def test_report_takes_a_bare_id(tmp_path: Path) -> None:
    by_id = run_kg("report", "--out", str(tmp_path / "id"), "--framework", "u4ssc")
    by_iri = run_kg("report", "--out", str(tmp_path / "iri"), "--framework", FW + "u4ssc")
    assert by_id.returncode == by_iri.returncode == 0, by_id.stderr + by_iri.stderr
    assert (tmp_path / "id" / "report.md").read_text() == (tmp_path / "iri" / "report.md").read_text()


@pytest.mark.parametrize("given", ["demo", "fw:demo", FW + "demo"])
def test_import_takes_a_framework_by_id_curie_or_iri(given: str, tmp_path: Path) -> None:
    out = tmp_path / "demo.ttl"
    run = run_kg("import", str(TEMPLATE), "--framework", given, "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert f"<{FW}demo>" in out.read_text() or "fw:demo" in out.read_text()


def test_import_refuses_an_iri_that_is_no_framework_id(tmp_path: Path) -> None:
    run = run_kg("import", str(TEMPLATE), "--framework", "https://example.org/demo", "--out", str(tmp_path / "x.ttl"))
    assert run.returncode == 2 and "--framework 'https://example.org/demo' is not a framework id" in run.stderr
    assert not (tmp_path / "x.ttl").exists()


# --- 3. usage errors: one sentence, exit 2 -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (("query",), "kg query: give either a query NAME or --file Q.rq; see kg query --help."),
        (("query", "--nope"), "kg query: no such option '--nope'; see kg query --help."),
        (("query", "x", "y"), "kg query: got unexpected extra argument (y); see kg query --help."),
        (("add",), "kg add: missing argument 'FILES...'; see kg add --help."),
        (("report", "--framework"), "kg report: option '--framework' requires an argument; see kg report --help."),
        (("quer",), "kg: no such command 'quer' (did you mean one of: 'queries', 'query'?); see kg --help."),
        (("links", "chek"), "kg links: no such command 'chek' (did you mean 'check'?); see kg links --help."),
        (("--nope", "queries"), "kg: no such option '--nope'; see kg --help."),
    ],
)
def test_usage_errors_are_one_sentence(args: tuple[str, ...], sentence: str) -> None:
    run = run_kg(*args)
    assert (run.returncode, run.stderr, run.stdout) == (2, sentence + "\n", "")


def test_a_bad_choice_is_one_sentence() -> None:
    run = run_kg("query", "frameworks", "-f", "nope")
    assert run.returncode == 2 and run.stdout == ""
    [line] = run.stderr.splitlines()
    assert line.startswith("kg query: invalid value for '--format' / '-f': 'nope' is not one of 'table'")
    assert line.endswith("; see kg query --help.")


# --- 4. a closed pipe -------------------------------------------------------------------------------------


def test_a_closed_pipe_ends_with_exit_0_and_no_message() -> None:
    """``kg queries | head -1``: the reader goes before kg writes (its end is closed at once)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "queries"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert (process.wait(timeout=120), stderr) == (0, "")


# --- 5. --workspace must exist (only kg init makes one) -------------------------------------------------------


@pytest.mark.parametrize(
    "args", [("sources",), ("queries",), ("query", "frameworks"), ("check",), ("validate",), ("claims",)]
)
def test_a_workspace_that_does_not_exist_is_an_error(args: tuple[str, ...], tmp_path: Path) -> None:
    missing = tmp_path / "typo"
    run = run_kg("--workspace", str(missing), *args)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr == f"kg: --workspace {missing} does not exist; check the path, or run 'kg init {missing}' " \
        "to make one there.\n"  # fmt: skip
    assert not missing.exists()


def test_an_empty_folder_is_no_workspace(tmp_path: Path) -> None:
    run = run_kg("--workspace", str(tmp_path), "sources")
    assert run.returncode == 2 and "is not a workspace (no kg-workspace.json)" in run.stderr
    assert list(tmp_path.iterdir()) == []
    assert run_kg("--workspace", str(tmp_path / "typo"), "query", "--help").returncode == 0  # help needs none


# --- 6. kg init confirms on stderr ----------------------------------------------------------------------------


def test_init_confirms_on_stderr(pristine_workspace: Path) -> None:
    run = run_kg("init", str(pristine_workspace))
    assert run.returncode == 0 and run.stdout == ""
    assert run.stderr.splitlines()[-1].startswith(f"{pristine_workspace} is already a workspace: ")
