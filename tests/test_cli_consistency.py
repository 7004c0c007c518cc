"""The ``kg`` commands behave alike (issue 19, item 8): one way to name a framework, --format on the listing
commands, usage errors as one sentence, a closed pipe, --workspace, kg init's confirmation, kg remove's warning,
and --timeout meaning the same everywhere.

In this process through ``run_kg`` (the real entry point and error boundary), in a fresh process only for
what only a process shows (a pipe its reader closes).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_kg

FW = "https://w3id.org/smartcity-kg/id/framework/"
SCK = "https://w3id.org/smartcity-kg/ontology#"
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


def test_report_takes_a_bare_id(default_report: tuple[Path, subprocess.CompletedProcess[str]], graph) -> None:
    """``kg report`` (its default --framework is the bare id u4ssc) writes the report of the framework's IRI."""
    from kg.analysis.report import collect, to_markdown

    out, by_id = default_report
    assert by_id.returncode == 0, by_id.stderr
    assert (out / "report.md").read_text(encoding="utf-8") == to_markdown(collect(graph, FW + "u4ssc"))


@pytest.mark.parametrize("given", ["demo", "fw:demo", FW + "demo"])
def test_import_takes_a_framework_by_id_curie_or_iri(given: str, tmp_path: Path) -> None:
    out = tmp_path / "demo.ttl"
    run = run_kg("import", str(TEMPLATE), "--framework", given, "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert f"<{FW}demo>" in out.read_text() or "fw:demo" in out.read_text()


def test_import_refuses_an_iri_that_is_no_framework_id(tmp_path: Path) -> None:
    run = run_kg("import", str(TEMPLATE), "--framework", "https://example.org/demo", "--out", str(tmp_path / "x.ttl"))
    assert run.returncode == 2 and "--framework 'https://example.org/demo' is not an id" in run.stderr
    assert not (tmp_path / "x.ttl").exists()


# --- 2. --format on kg queries, check, validate and reason ------------------------------------------------------


def json_rows(stdout: str) -> tuple[list[str], list[dict[str, str]]]:
    """The variables and rows (plain values) of SPARQL 1.1 results JSON."""
    document = json.loads(stdout)
    rows = [{k: v["value"] for k, v in binding.items()} for binding in document["results"]["bindings"]]
    return document["head"]["vars"], rows


def test_queries_in_every_format_lists_every_named_query() -> None:
    from kg import list_queries

    names = [q.name for q in list_queries()]
    as_csv = run_kg("queries", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["name"] for r in rows] == names
    core = next(r for r in rows if r["name"] == "core-participation-kpis")
    assert core["parameters"] == "framework=<iri> (default fw:u4ssc)" and core["inferred"] == "false"
    variables, from_json = json_rows(run_kg("queries", "-f", "json").stdout)
    assert variables == ["name", "title", "question", "parameters", "inferred"]
    assert [r["name"] for r in from_json] == names
    table = run_kg("queries", "--qc", "-f", "table").stdout.splitlines()
    assert table[0].split() == variables and len(table) == 2 + len(list_queries("qc"))


def test_check_in_every_format_gives_one_row_per_qc_query() -> None:
    from kg import list_queries

    qc = [q.name for q in list_queries("qc")]
    run = run_kg("check", "-f", "csv")
    assert run.returncode == 0, run.stderr
    assert [(r["query"], r["rows"], r["status"]) for r in csv.DictReader(io.StringIO(run.stdout))] == [
        (name, "0", "ok") for name in qc
    ]
    assert run.stderr == f"all {len(qc)} quality-control queries passed\n"
    variables, rows = json_rows(run_kg("check", "-f", "json").stdout)
    assert variables == ["query", "rows", "status"] and [r["query"] for r in rows] == qc


@pytest.mark.slow
def test_validate_in_every_format_gives_one_row_per_result(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix sck: <https://w3id.org/smartcity-kg/ontology#> .\n<https://example.org/x> a sck:Indicator .\n"
    )
    readable = run_kg("validate", str(bad))
    assert readable.returncode == 1
    listed = [line for line in readable.stdout.splitlines() if line.startswith("  - ")]
    as_csv = run_kg("validate", str(bad), "-f", "csv")
    assert as_csv.returncode == 1 and as_csv.stderr == readable.stdout.splitlines()[0] + "\n"
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == len(listed) > 0
    assert {r["focus"] for r in rows} == {"https://example.org/x"} and {r["files"] for r in rows} == {str(bad)}
    assert {r["severity"] for r in rows} == {"http://www.w3.org/ns/shacl#Violation"}
    variables, from_json = json_rows(run_kg("validate", str(bad), "-f", "json").stdout)
    assert variables == ["focus", "path", "value", "severity", "message", "files"] and len(from_json) == len(rows)
    conforming = run_kg("validate", "-f", "csv")
    assert conforming.returncode == 0 and conforming.stdout == "focus,path,value,severity,message,files\r\n"
    assert conforming.stderr.startswith("Conforms: ")


@pytest.mark.java
def test_reason_in_every_format_gives_one_row_per_membership(warm_inference: Any, tmp_path: Path) -> None:
    """The session's HermiT run (tests/conftest.py warm_inference) in a cache of the test's own: kg reason reads
    a verified entry back for the same inputs and Java, and prints what reasoning printed."""
    from kg import KnowledgeGraph

    env = {"XDG_CACHE_HOME": str(tmp_path), "KG_JAVA": ""}
    entry = warm_inference.into_cache(tmp_path, KnowledgeGraph.open().documents)
    readable = run_kg("reason", env=env)
    assert readable.returncode == 0, readable.stderr
    assert readable.stdout == warm_inference.run.stdout and readable.stderr == ""
    members = [line.strip() for line in readable.stdout.splitlines() if line.startswith("  ")]
    run = run_kg("reason", "-f", "table", env=env)
    assert run.returncode == 0 and run.stderr.startswith(readable.stdout.splitlines()[0].rstrip(":"))
    assert sorted(line.split()[1] for line in run.stdout.splitlines()[2:]) == sorted(members)
    variables, rows = json_rows(run_kg("reason", "-f", "json", env=env).stdout)
    assert variables == ["class", "individual"] and len(rows) == len(members) == warm_inference.triples
    assert list(entry.parent.glob("inferred-*")) == [entry], "read from the entry: nothing reasoned or cached again"


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


# --- 7. kg remove warns about mappings it leaves dangling -------------------------------------------------------

LINKS_HEADER = """# curie_map:
#   demo: https://w3id.org/smartcity-kg/id/demo/
#   u4ssc: https://w3id.org/smartcity-kg/id/u4ssc/
#   iso37120: https://w3id.org/smartcity-kg/id/iso37120/
#   skos: http://www.w3.org/2004/02/skos/core#
#   semapv: https://w3id.org/semapv/vocab/
# mapping_set_id: https://example.org/demo-links
subject_id\tpredicate_id\tobject_id\tmapping_justification\tconfidence\tcreator_label\tcomment
"""


@pytest.mark.slow
def test_remove_warns_about_the_mappings_it_leaves_dangling(pristine_workspace: Path, tmp_path: Path) -> None:
    import pyoxigraph as ox

    from tests.conftest import workspace_copy

    folder = workspace_copy(pristine_workspace, tmp_path / "ws").folder
    imported = run_kg("--workspace", str(folder), "import", str(TEMPLATE), "--framework", "demo")
    assert imported.returncode == 0, imported.stderr
    [stored] = [s["stored"] for s in json.loads((folder / "kg-workspace.json").read_text())["sources"]]
    indicators = sorted(
        q.subject.value
        for q in ox.parse(path=str(folder / stored))  # the Turtle the import made
        if q.predicate.value.endswith("#type") and q.object.value.endswith("ontology#Indicator")
    )
    first = indicators[0].rsplit("/", 1)[1]
    rows = [
        f"demo:{first}\tskos:closeMatch\tiso37120:11-1\tsemapv:ManualMappingCuration\t0.9\tme\tonly demo defines it",
        "u4ssc:SC-SH-SI-4C\tskos:relatedMatch\tiso37120:11-6\tsemapv:ManualMappingCuration\t0.7\tme\tbundled",
    ]
    table = tmp_path / "demo-links.sssom.tsv"
    table.write_text(LINKS_HEADER + "\n".join(rows) + "\n")
    added = run_kg("--workspace", str(folder), "add", str(table))
    assert added.returncode == 0, added.stderr + added.stdout
    removed = run_kg("--workspace", str(folder), "remove", "demo")
    assert removed.returncode == 0, removed.stderr
    line = LINKS_HEADER.count("\n") + 1  # the first row's line in the table
    [warning] = [w for w in removed.stderr.splitlines() if "warning" in w]
    assert warning == (
        f"kg: warning: 1 mapping(s) in the workspace's link tables now name a term no source defines (only demo "
        f"did), e.g. {table} line {line}: demo:{first} skos:closeMatch iso37120:11-1 (demo:{first}); remove those "
        "rows or add the term again."
    )
    again = run_kg("--workspace", str(folder), "remove", str(table))  # nothing left that the table maps
    assert again.returncode == 0 and "warning" not in again.stderr


# --- 8. kg serve: --query-timeout, and --timeout as it meant for one more release ----------------------------------


def test_serve_names_its_per_query_deadline_query_timeout() -> None:
    helped = run_kg("serve", "--help")
    assert helped.returncode == 0 and "--query-timeout SECONDS" in helped.stdout
    assert "--timeout" not in helped.stdout.replace("--query-timeout", "")
    refused = run_kg("serve", "--query-timeout", "0")
    assert refused.returncode == 2
    assert refused.stderr == (
        "kg serve: invalid value for '--query-timeout': must be more than 0 and at most 86400 seconds; "
        "see kg serve --help.\n"
    )


@pytest.mark.network
def test_serve_still_reads_timeout_as_the_query_deadline_with_a_warning() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--port", "0", "--timeout", "7"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    try:
        said = [process.stderr.readline() for _ in range(2)]
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert said[0].startswith("kg serve: --timeout is deprecated here") and "--query-timeout 7" in said[0]
    assert said[1].startswith("serving the graph on http://127.0.0.1:") and "7 s per query" in said[1]
