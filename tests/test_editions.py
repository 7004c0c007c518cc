"""Framework editions: the SDG framework's 2025 edition beside its 2019 edition (issue 22).

Expected numbers are read from the source table (data/reference/sdg-gif-2025.tsv) and the 2019
sheet, never pinned: the edition chain, the changed indicators with their review, the carried-over
coding, and the 2019 IRIs answering as before.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest

from kg import KnowledgeGraph

ROOT = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/smartcity-kg/id/"
PREFIXES = """
PREFIX sck: <https://w3id.org/smartcity-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("build_sdg_edition", ROOT / "scripts" / "build_sdg_edition.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_sdg_edition", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build():  # type: ignore[no-untyped-def]
    return _script()


@pytest.fixture(scope="module")
def reference() -> list[dict[str, str]]:
    with (ROOT / "data" / "reference" / "sdg-gif-2025.tsv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture(scope="module")
def old_sheet() -> list[dict[str, str]]:
    path = ROOT / "data" / "frameworks" / "sdg-participation" / "sdg-participation.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _select(graph: KnowledgeGraph, query: str) -> list[tuple[str, ...]]:
    return [tuple(str(cell) for cell in row) for row in graph.sparql(PREFIXES + query).rows]


def _codes_and_names(graph: KnowledgeGraph, framework: str) -> list[tuple[str, ...]]:
    """(code, name) of every indicator of the framework ``framework`` (its id)."""
    return _select(
        graph,
        f"SELECT ?code ?name WHERE {{ ?i skos:inScheme <{ID}framework/{framework}> ; a sck:Indicator ; "
        "skos:notation ?code ; skos:prefLabel ?name }",
    )


def test_the_2025_edition_revises_the_2019_edition(graph: KnowledgeGraph) -> None:
    rows = _select(
        graph,
        "SELECT ?new ?version ?old ?oldVersion WHERE { ?new prov:wasRevisionOf ?old ; owl:versionInfo ?version . "
        "?new a sck:Framework . ?old a sck:Framework ; owl:versionInfo ?oldVersion }",
    )
    assert rows == [(f"{ID}framework/sdg-2025", "2025", f"{ID}framework/sdg-participation", "2019")]


def test_the_edition_holds_every_row_of_the_source_table(graph: KnowledgeGraph, reference) -> None:  # type: ignore[no-untyped-def]
    rows = _codes_and_names(graph, "sdg-2025")
    assert sorted(rows) == sorted((row["code"], row["name"]) for row in reference)
    assert len({row["unsd_code"] for row in reference}) < len(reference)  # repeated indicators share a UNSD code
    assert all(row["name_source"].startswith("https://unstats.un.org/") for row in reference)
    named = next(row for row in reference if row["code"] == "17.13.1")
    assert named["name"] == "Macroeconomic Dashboard" and named["open_sdg"] == "agrees"


def test_added_reworded_and_deleted_indicators_say_so_with_their_review(  # type: ignore[no-untyped-def]
    graph: KnowledgeGraph, reference, old_sheet
) -> None:
    old_codes = {row["code"] for row in old_sheet}
    new_codes = {row["code"] for row in reference}
    added = _select(
        graph,
        "SELECT ?code ?review WHERE { ?i sck:change sck:IndicatorAdded ; skos:notation ?code ; sck:changedBy ?r . "
        "?r a sck:FrameworkReview ; dcterms:source ?review }",
    )
    assert {code for code, _ in added} == new_codes - old_codes
    assert "13.2.2" in {code for code, _ in added}
    deleted = _select(
        graph,
        "SELECT ?code WHERE { ?i owl:deprecated true ; sck:change sck:IndicatorDeleted ; skos:notation ?code }",
    )
    renumbered = {"17.6.2"}  # footnote 4 of the UN list: 17.6.1 was previously listed as 17.6.2
    assert {code for (code,) in deleted} == (old_codes - new_codes - renumbered) | {"17.6.1"}
    assert "13.3.2" in {code for (code,) in deleted}
    old_names = {row["code"]: " ".join(row["name"].split()) for row in old_sheet}
    reworded = {row["code"] for row in reference if row["code"] in old_names and old_names[row["code"]] != row["name"]}
    replaced = _select(
        graph,
        "SELECT ?code WHERE { ?old dcterms:isReplacedBy ?new ; owl:deprecated true ; "
        "sck:change sck:IndicatorReworded ; sck:changedBy ?review . ?new dcterms:replaces ?old ; "
        f"skos:inScheme <{ID}framework/sdg-2025> ; skos:notation ?code }}",
    )
    assert {code for (code,) in replaced} == reworded - {"17.6.1"}


def test_old_iris_answer_as_before(graph: KnowledgeGraph, old_sheet) -> None:  # type: ignore[no-untyped-def]
    rows = _codes_and_names(graph, "sdg-participation")
    assert sorted(rows) == sorted((row["code"], row["name"]) for row in old_sheet)
    label = _select(graph, f"SELECT ?name WHERE {{ <{ID}sdg-participation/13-3-2> skos:prefLabel ?name }}")
    assert label == [(next(row["name"] for row in old_sheet if row["code"] == "13.3.2"),)]
    positive = {row["code"] for row in old_sheet if row["aspects"]}
    coded = _select(
        graph,
        f"SELECT DISTINCT ?code WHERE {{ ?i skos:inScheme <{ID}framework/sdg-participation> ; sck:addresses ?a ; "
        "skos:notation ?code }",
    )
    assert {code for (code,) in coded} == positive


def test_unchanged_text_carries_the_2019_decision(build, reference, old_sheet) -> None:  # type: ignore[no-untyped-def]
    rows = {row["code"]: row for row in build.sheet_rows(reference, old_sheet)}
    with (ROOT / "data" / "frameworks" / "sdg-2025" / "sdg-2025.csv").open(encoding="utf-8", newline="") as handle:
        assert list(csv.DictReader(handle)) == list(rows.values())  # the committed sheet is the script's output
    for old in old_sheet:
        new = rows.get(old["code"])
        if new is not None and new["name"] == " ".join(old["name"].split()):
            assert all(new[column] == old[column] for column in build.CARRIED), old["code"]
    # A changed 2019 decision is carried over on the next run.
    changed = [dict(row, coding_note="changed note") if row["code"] == "16.7.2" else row for row in old_sheet]
    assert (
        build.sheet_rows(reference, changed)[next(i for i, row in enumerate(reference) if row["code"] == "16.7.2")][
            "coding_note"
        ]
        == "changed note"
    )
    new_or_reworded = [code for code, row in rows.items() if build.carried_row(code, row["name"], old_sheet) is None]
    assert new_or_reworded and all(rows[code]["coding_note"].startswith("Measures ") for code in new_or_reworded)


def test_the_edition_links_file_is_the_script_output(build, reference, old_sheet) -> None:  # type: ignore[no-untyped-def]
    written = (ROOT / "data" / "frameworks" / "sdg-2025" / "sdg-2025-editions.ttl").read_text(encoding="utf-8")
    assert written == build.edition_links(reference, old_sheet)


PLANTED = """
@prefix sck: <https://w3id.org/smartcity-kg/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
<https://w3id.org/smartcity-kg/id/review/planted> a sck:FrameworkReview .
<https://w3id.org/smartcity-kg/id/sdg-participation/1-1-1> sck:change sck:Nonsense .
<https://w3id.org/smartcity-kg/id/sdg-participation/1-2-1> owl:deprecated true .
<https://w3id.org/smartcity-kg/id/framework/iso37120>
    prov:wasRevisionOf <https://w3id.org/smartcity-kg/id/framework/coe-participation-index> .
"""


def test_the_edition_shapes_catch_what_they_are_for(tmp_path: Path, own_workspace: Path) -> None:
    from tests.conftest import run_kg

    planted = tmp_path / "planted.ttl"
    planted.write_text(PLANTED, encoding="utf-8")
    run = run_kg("validate", str(planted))
    assert run.returncode == 1
    for message in (
        "A framework edition needs its version",
        "A framework review needs its source",
        "A framework review needs a name",
        "sck:change must be one of",
        "A deprecated indicator says what happened to it",
    ):
        assert message in run.stdout, message


@pytest.mark.slow
def test_comparisons_default_to_the_current_edition_and_take_every_one(graph: KnowledgeGraph) -> None:
    from kg.analysis.reportdata import collect

    for name in ("participation-by-framework", "compare-participation", "framework-summary"):
        current = {row["id"] for row in graph.query(name).dicts()}
        every = {row["id"] for row in graph.query(name, editions="all").dicts()}
        assert "sdg-2025" in current and "sdg-participation" not in current, name
        assert every - current == {"sdg-participation"}, name
    data = collect(graph, editions="all")
    assert {"sdg-2025", "sdg-participation"} <= {row["id"] for row in data.rows("compare-participation")}
    assert data.parameters["compare-participation"] == {"editions": "all"}
