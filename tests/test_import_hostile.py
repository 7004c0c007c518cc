"""Hostile sheets through the real `kg import`, `kg import-observations` and `kg validate`.

Every case ends in one of the documented exit codes with no traceback: 0 imported, 1 data
problems (each named by row and column; nothing written), 2 not a sheet at all (missing, not
UTF-8, NUL bytes, empty, not a workbook). On failure the --out file does not appear, and one
that was there is left untouched. Property tests (Hypothesis) generate malformed sheets and
check the same, and that a sheet that imports holds exactly its rows.
"""

from __future__ import annotations

import csv
import functools
import io
import shutil
import string
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from kg.errors import KgError
from kg.ingest.frameworks import import_sheet
from kg.sources.files import RdfDocument
from kg.sources.sheets import MAX_CELL, META_KEYS, letter
from tests.conftest import ROOT, run_kg

TEMPLATE = ROOT / "data" / "templates" / "framework.csv"
META = TEMPLATE.with_name("framework.meta.csv")
HEADER = TEMPLATE.read_text(encoding="utf-8").splitlines()[0]
GOOD_ROW = "D1,Voter turnout,Governance,,,core,voting,11.3,turnout (%),,,,,"
SENTINEL = "# an earlier import, which a failed one must leave alone\n"
INDICATOR_CODES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?code WHERE { ?i a <https://w3id.org/smartcity-kg/ontology#Indicator> ; skos:notation ?code }
"""


def sheet(folder: Path, body: str, *, name: str = "demo", meta: str | None = None) -> Path:
    """``HEADER`` and ``body`` as written (no quoting added), with the template's description beside it."""
    path = folder / f"{name}.csv"
    path.write_text(f"{HEADER}\n{body}", encoding="utf-8", newline="")
    if meta is None:
        shutil.copy(META, folder / f"{name}.meta.csv")
    else:
        (folder / f"{name}.meta.csv").write_text(meta, encoding="utf-8")
    return path


def imports(path: Path, out: Path, *args: str, command: str = "import") -> tuple[int, str]:
    """Run the import with --out onto a file already holding SENTINEL; check the invariants of every run."""
    out.write_text(SENTINEL, encoding="utf-8")
    options = ["--framework", "demo"] if command == "import" else []
    run = run_kg(command, str(path), *options, "--out", str(out), *args, timeout=120)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode in (0, 1, 2), run.stderr
    if run.returncode:
        assert out.read_text(encoding="utf-8") == SENTINEL, "a failed import changed --out"
        assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")], "temporary file left"
    return run.returncode, run.stderr


def problems(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines()[1:]]


def codes_in(path: Path) -> list[str]:
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return sorted(solution["code"].value for solution in store.query(INDICATOR_CODES))


# ------------------------------------------------------------------ the framework description


def test_meta_value_with_an_unquoted_comma_is_refused_by_row_and_column(tmp_path):
    meta = META.read_text(encoding="utf-8").replace(
        '"ISO 37120 indicator ontology (Global City Indicators ontologies, University of Toronto)"',
        "ISO 37120 indicator ontology (Global City Indicators ontologies, University of Toronto)",
    )
    path = sheet(tmp_path, GOOD_ROW + "\n", meta=meta)
    code, stderr = imports(path, tmp_path / "out.ttl")
    assert code == 1
    assert problems(stderr) == [
        "row 6, column value: in demo.meta.csv, the 'source_title' row has 3 cells, not 2 "
        "('…al City Indicators ontologies' then 'University of Toronto)'); "
        "put a value that holds a comma or semicolon in double quotes"
    ]


def test_meta_keys_unknown_or_twice(tmp_path):
    meta = META.read_text(encoding="utf-8") + "titel,Typo\ntitle,Again\n"
    code, stderr = imports(sheet(tmp_path, GOOD_ROW + "\n", meta=meta), tmp_path / "out.ttl")
    assert code == 1
    appended = len(META.read_text(encoding="utf-8").splitlines()) + 1  # the rows after the template's
    assert problems(stderr) == [
        f"row {appended}, column key: in demo.meta.csv, 'titel' is not a key; the keys are {', '.join(META_KEYS)}",
        f"row {appended + 1}, column key: in demo.meta.csv, 'title' is given twice; keep one row",
    ]


def test_every_bundled_description_has_two_cells_a_row():
    for meta in [META, *sorted((ROOT / "data" / "frameworks").glob("*/*.meta.csv"))]:
        with meta.open(encoding="utf-8", newline="") as handle:
            assert {len(row) for row in csv.reader(handle) if row} == {2}, meta


def test_xlsx_template_describes_the_framework_as_the_csv_does():
    from openpyxl import load_workbook

    workbook = load_workbook(TEMPLATE.with_suffix(".xlsx"), read_only=True)
    with META.open(encoding="utf-8", newline="") as handle:
        expected = [row for row in csv.reader(handle) if row]
    assert [[cell or "" for cell in row] for row in workbook["meta"].iter_rows(values_only=True)] == expected


def test_bundled_iso37120_source_title_is_whole(graph):
    title = graph.sparql(
        "SELECT ?t WHERE { <http://ontology.eil.utoronto.ca/ISO37120.owl> <http://purl.org/dc/terms/title> ?t }"
    ).column("t")
    assert title == ["ISO 37120 indicator ontology (Global City Indicators ontologies, University of Toronto)"]


# ------------------------------------------------------------------ the shape of the sheet


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            GOOD_ROW + "\nD2,Long,Governance,,,core,,,{long},,,,,\n",
            ["row 3, column measure: the cell holds 131,073 characters, more than 131,072; shorten it"],
        ),
        (
            GOOD_ROW + ",,,,,,extra\n",
            [
                "row 2, column T: the row has a value ('extra') beyond the header's last column (S); "
                "put a value that holds a comma or semicolon in double quotes"
            ],
        ),
        (
            "D1,Turnout, in %,Governance,,,core,voting,11.3,turnout (%),,,,quote,note,reviewed,include-voting,,,G\n",
            [
                "row 2, column T: the row has a value ('G') beyond the header's last column (S); "
                "put a value that holds a comma or semicolon in double quotes"
            ],
        ),
    ],
    ids=["cell-over-the-limit", "cell-beyond-the-header", "unquoted-comma-in-a-name"],
)
def test_malformed_rows_are_named_by_row_and_column(tmp_path, body, expected):
    code, stderr = imports(sheet(tmp_path, body.replace("{long}", "x" * (MAX_CELL + 1))), tmp_path / "out.ttl")
    assert (code, problems(stderr)) == (1, expected)


def test_a_cell_of_exactly_the_limit_imports(tmp_path):
    out = tmp_path / "out.ttl"
    code, stderr = imports(sheet(tmp_path, GOOD_ROW.replace("turnout (%)", "x" * MAX_CELL) + "\n"), out)
    assert code == 0, stderr
    assert codes_in(out) == ["D1"]


def test_header_naming_a_column_twice_or_leaving_one_unnamed(tmp_path):
    path = tmp_path / "demo.csv"
    padded = GOOD_ROW + "," * (len(HEADER.split(",")) - len(GOOD_ROW.split(",")))  # a cell under every column
    path.write_text(f"{HEADER},code,\n{padded},D1b,oops\n", encoding="utf-8")
    shutil.copy(META, tmp_path / "demo.meta.csv")
    code, stderr = imports(path, tmp_path / "out.ttl")
    assert code == 1
    again, empty = letter(len(HEADER.split(","))), letter(len(HEADER.split(",")) + 1)
    assert problems(stderr) == [
        f"row 1, column code: the header names this column twice (A and {again}); rename or remove one",
        f"row 2, column {empty}: the row has a value ('oops') under an empty header cell; name the column in row 1",
    ]


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"\xef\xbb\xbf", 2, "the sheet is empty"),
        (b"", 2, "the sheet is empty"),
        (HEADER.encode() + b"\r\n", 1, "row 2, column code: the sheet has a header but no indicator rows"),
        (HEADER.encode() + b"\n" + GOOD_ROW.encode().replace(b"Voter", b"Vo\0ter"), 2, "holds NUL bytes"),
        (b"\xff\xfe" + HEADER.encode("utf-16-le"), 2, "not UTF-8 text"),
    ],
    ids=["bom-only", "empty", "header-only", "nul-byte", "utf-16"],
)
def test_sheets_that_hold_nothing_to_import(tmp_path, content, code, message):
    path = tmp_path / "demo.csv"
    path.write_bytes(content)
    shutil.copy(META, tmp_path / "demo.meta.csv")
    exit_code, stderr = imports(path, tmp_path / "out.ttl")
    assert exit_code == code and message in stderr, stderr
    assert len(stderr.strip().splitlines()) <= 2


def test_carriage_return_line_ends_import(tmp_path):
    rows = [HEADER, GOOD_ROW, GOOD_ROW.replace("D1", "D2"), '"D3","Two\rlines",Governance,,,core,,,,,,,,']
    path = tmp_path / "demo.csv"
    path.write_bytes("\r".join(rows).encode())
    shutil.copy(META, tmp_path / "demo.meta.csv")
    out = tmp_path / "out.ttl"
    code, stderr = imports(path, out)
    assert code == 0, stderr
    assert codes_in(out) == ["D1", "D2", "D3"]


def test_xlsx_errors_dates_and_numbers(tmp_path):
    workbook = Workbook()
    indicators = workbook.active
    indicators.title = "indicators"
    indicators.append(HEADER.split(","))
    indicators.append([11.0, "Turnout", "Governance", None, None, "core", "voting", None, 1e300])
    indicators.append(["D2", "Dated", "Governance", None, None, "core", None, None, datetime(2020, 1, 31)])
    indicators.append(["D3", "#DIV/0!", "Governance", None, None, "core"])
    indicators["B4"].data_type = "e"  # a cell showing a spreadsheet error, as Excel stores one
    meta = workbook.create_sheet("meta")
    with META.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            meta.append(row)
    path = tmp_path / "demo.xlsx"
    workbook.save(path)
    code, stderr = imports(path, tmp_path / "out.ttl")
    assert (code, problems(stderr)) == (
        1,
        ["row 4, column name: the cell shows the error #DIV/0!; fix its formula or type the value"],
    )
    indicators.delete_rows(4)
    workbook.save(path)
    out = tmp_path / "out.ttl"
    code, stderr = imports(path, out)
    assert code == 0, stderr
    assert codes_in(out) == ["11", "D2"]
    text = out.read_text(encoding="utf-8")
    assert '"1e+300"' in text and '"2020-01-31"' in text


def test_a_source_with_a_fragment_and_a_page(tmp_path):
    body = GOOD_ROW.replace(",,,,,", ",https://example.org/doc#part,,4,,", 1) + "\n"
    code, stderr = imports(sheet(tmp_path, body), tmp_path / "out.ttl")
    assert code == 1
    assert problems(stderr) == [
        "row 2, column page: the source 'https://example.org/doc#part' already points into the page (#); "
        "give either the page or the #"
    ]


# ------------------------------------------------------------------ what the output says


def test_file_name_with_a_newline_and_a_hash_cannot_inject_triples(tmp_path):
    name = 'evil\n_:x <urn:injected> "1" .\n# '
    out = tmp_path / "out.ttl"
    code, stderr = imports(sheet(tmp_path, GOOD_ROW + "\n", name=name), out)
    assert code == 0, stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == (
        "# Generated by 'kg import' from evil\\n_:x <urn:injected> \"1\" .\\n# .csv (framework demo): "
        "edit the sheet, not this file."
    )
    assert not lines[1].startswith("#") and "urn:injected" not in "\n".join(lines[1:])
    assert codes_in(out) == ["D1"]


def test_ids_that_are_not_turtle_prefix_names_still_write_readable_turtle(tmp_path):
    out = tmp_path / "out.ttl"
    run = run_kg("import", str(sheet(tmp_path, GOOD_ROW + "\n")), "--framework", "9x", "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert codes_in(out) == ["D1"] and "@prefix 9x:" not in out.read_text(encoding="utf-8")
    observations = tmp_path / "2020.csv"
    shutil.copy(ROOT / "data" / "observations" / "u4ssc-verification-reports.csv", observations)
    code, stderr = imports(observations, out, command="import-observations")
    assert code == 0, stderr
    store = ox.Store()
    store.load(path=str(out), format=ox.RdfFormat.TURTLE)
    assert len(store) == int(stderr.split("wrote ")[1].split()[0])


def test_observation_sheet_name_is_escaped_too(tmp_path):
    source = ROOT / "data" / "observations" / "u4ssc-verification-reports.csv"
    path = tmp_path / "obs\nnew line #.csv"
    shutil.copy(source, path)
    out = tmp_path / "obs.ttl"
    code, stderr = imports(path, out, command="import-observations")
    assert code == 0, stderr
    first, second = out.read_text(encoding="utf-8").splitlines()[:2]
    assert first.startswith("# Generated by 'kg import-observations' from obs\\nnew line #.csv:")
    assert not second.startswith("#")


def test_validate_names_a_file_without_triples(tmp_path):
    empty, comments = tmp_path / "empty.ttl", tmp_path / "comments.ttl"
    empty.write_bytes(b"")
    comments.write_text("@prefix ex: <https://example.org/> .\n# nothing else\n", encoding="utf-8")
    run = run_kg("validate", str(empty), str(comments), timeout=120)
    assert run.returncode == 0
    assert run.stdout == f"Conforms: {empty}, {comments} satisfy every shape.\n"
    assert run.stderr.splitlines() == [
        f"kg: note: {empty} holds no triples: there was nothing in it to check",
        f"kg: note: {comments} holds no triples: there was nothing in it to check",
    ]


# ------------------------------------------------------------------ generated sheets (Hypothesis)

# Cells built from what breaks naive CSV handling: quotes, delimiters, line ends, unicode, spaces.
NASTY = string.ascii_letters + string.digits + " \"',;\n\r\t#<>\\é中🙂\u2028"
CELL = st.one_of(st.text(NASTY, max_size=12), st.sampled_from(["", "core", "voting", "11.3", "x" * (MAX_CELL + 1)]))
ROW = st.lists(CELL, min_size=0, max_size=16)


def write_rows(path: Path, rows: list[list[str]], quoted: bool) -> None:
    """The rows as a CSV written properly (quoted) or by joining cells with commas (malformed)."""
    if quoted:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)  # so that a lone \r in a cell is quoted too
        text = buffer.getvalue()
    else:
        text = "".join(",".join(row) + "\n" for row in rows)
    path.write_text(f"{HEADER}\n{text}", encoding="utf-8", newline="")


@functools.cache
def bundled() -> tuple[RdfDocument, ...]:
    """The bundled graph's documents, read once: what import_sheet checks a sheet against when given none."""
    from kg.graph.embedded import KnowledgeGraph

    return tuple(KnowledgeGraph.load().documents)


def run_api(path: Path, out: Path) -> int:
    """import_sheet as the CLI runs it (against the bundled graph, read once for every example): the exit code
    of a KgError, 0 on success; anything else fails the test."""
    out.write_text(SENTINEL, encoding="utf-8")
    try:
        import_sheet(path, "demo", out, base=bundled())
    except KgError as error:
        assert error.exit_code in (1, 2)
        assert out.read_text(encoding="utf-8") == SENTINEL
        return error.exit_code
    return 0


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, max_size=6), quoted=st.booleans())
def test_generated_malformed_sheets(tmp_path, rows, quoted):
    path = tmp_path / "demo.csv"
    write_rows(path, rows, quoted)
    shutil.copy(META, tmp_path / "demo.meta.csv")
    out = tmp_path / "out.ttl"
    if run_api(path, out) == 0:  # rare: the random cells happen to make valid indicators
        # Written properly, the rows are what was generated; joined by commas, what the reader split.
        expected = [row for row in rows if any(c.strip() for c in row)] if quoted else None
        codes = [row[0].strip() for row in expected] if expected is not None else None
        if codes is None:
            from kg.sources.sheets import read_rows

            codes = [row.values["code"] for row in read_rows(path)[1]]
        assert codes_in(out) == sorted(codes)


GOOD = st.builds(
    lambda code, name, dimension, tier, measure: [code, name, dimension, "", "", tier, "", "", measure],
    code=st.text(string.ascii_uppercase + string.digits + ".:- ", min_size=1, max_size=8).map(str.strip),
    name=st.text(NASTY, min_size=1, max_size=20),
    dimension=st.sampled_from(["Governance", "Economy"]),
    tier=st.sampled_from(["core", "advanced", "supporting", "gold"]),
    measure=st.text(NASTY, max_size=20),
)


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(GOOD, min_size=1, max_size=8))
@example(
    rows=[
        ["A1", 'Nom "中"', "Governance", "", "", "core", "", "", "a,b"],
        ["B.2", "x", "Economy", "", "", "advanced", "", "", ""],
    ]
)
@example(rows=[["A1", "one", "Governance", "", "", "core", "", "", ""]] * 2)  # a code twice
@example(rows=[["A1", "one", "Governance", "", "", "gold", "", "", ""]])  # a tier the framework does not have
@example(rows=[["A1", " ", "Economy", "", "", "advanced", "", "", ""]])  # a blank name
def test_generated_sheets_that_import_hold_exactly_their_rows(tmp_path, rows):
    path = tmp_path / "demo.csv"
    write_rows(path, rows, quoted=True)
    shutil.copy(META, tmp_path / "demo.meta.csv")
    out = tmp_path / "out.ttl"
    code = run_api(path, out)
    kept = [row for row in rows if any(cell.strip() for cell in row)]
    codes = [row[0] for row in kept]
    clean = all(row[0] and row[1].strip() and row[5] != "gold" for row in kept) and len(set(codes)) == len(codes)
    assert code == (0 if clean else 1), rows
    if code == 0:
        assert codes_in(out) == sorted(codes)


@pytest.mark.slow
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=1, max_size=4), quoted=st.booleans())
def test_generated_sheets_through_the_cli(tmp_path, rows, quoted):
    path = tmp_path / "demo.csv"
    write_rows(path, rows, quoted)
    shutil.copy(META, tmp_path / "demo.meta.csv")
    code, _ = imports(path, tmp_path / "out.ttl")
    assert code in (1, 2)


# ------------------------------------------------------------------ the engine


@pytest.mark.slow
def test_auto_falls_back_to_pyshacl_with_one_note_for_shapes_oxigraph_refuses(monkeypatch, capsys, tmp_path):
    import kg.validation.oxigraph_engine
    from kg.errors import UnsupportedShape
    from kg.sources.documents import read_documents
    from kg.validation import validate_documents
    from kg.validation.compiler import compile_shapes
    from kg.validation.pyshacl_engine import shapes_graph

    # The project's shapes plus one feature the Oxigraph engine does not implement (sh:minLength).
    shapes = shapes_graph()
    shapes.parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix sck: <https://w3id.org/smartcity-kg/ontology#> .
        <https://example.org/LongNames> a sh:NodeShape ; sh:targetClass sck:Framework ;
            sh:property [ sh:path sck:nothing ; sh:minLength 2 ; sh:message "m" ] .
        """,
        format="turtle",
    )
    monkeypatch.setattr(kg.validation.oxigraph_engine, "load_shapes", lambda path=None: compile_shapes(shapes))
    # A small graph that conforms (the ontology, the schemes, one framework): the fallback is the point, not the data.
    documents = [
        d
        for d in read_documents([])
        if d.path.name in ("smartcity.ttl", "coe-participation-index.ttl") or d.path.parent.name == "schemes"
    ]
    assert any(d.path.name == "coe-participation-index.ttl" for d in documents)  # a framework LongNames targets
    report = validate_documents(documents, checked=[], engine="auto")
    assert report.conforms and report.problems == []
    note = capsys.readouterr().err.splitlines()
    assert len(note) == 1 and note[0].startswith("kg: note: validating with pySHACL, slower: ")
    assert "https://example.org/LongNames: it uses sh:minLength, which the Oxigraph engine does not support" in note[0]
    with pytest.raises(UnsupportedShape, match="validate with --engine pyshacl"):
        validate_documents(documents, checked=[], engine="oxigraph")
