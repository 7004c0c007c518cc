"""Large N-Triples files added to a workspace through Oxigraph's bulk loader (kg.graph.loading, kg.ingest.add).

The bulk path must give exactly what the parsed path gives: the same graph, the same reports.
These tests lower the size threshold so that small real files take the bulk path, in-process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.errors import InputError
from kg.graph import loading
from kg.graph.workspace import open_workspace
from kg.ingest.add import add_files
from tests.conftest import run_kg, workspace_copy

SCK = "https://w3id.org/smartcity-kg/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DOCUMENT = "https://w3id.org/smartcity-kg/id/document/2017-u4ssc-collection-methodology"


def page(iri: str, number: str, datatype: str = "integer", subject: str | None = None) -> str:
    subject = subject or f"<{iri}>"
    return (
        f"{subject} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{SCK}Page> .\n"
        f"{subject} <http://purl.org/dc/terms/isPartOf> <{DOCUMENT}> .\n"
        f'{subject} <{SCK}pageNumber> "{number}"^^<{XSD}{datatype}> .\n'
    )


# "03"^^xsd:positiveInteger, as data written before xsd:integer: the store keeps it as "3"^^xsd:integer.
GOOD = page("https://example.org/p/1", "03", "positiveInteger") + page("https://example.org/p/2", "12")
BAD = GOOD + page("https://example.org/p/3", "-3") + page("https://example.org/p/4", "0", "positiveInteger")


@pytest.fixture
def bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loading, "BULK_MIN_BYTES", 0)


def default_graph(folder: Path) -> set[tuple[str, str, str]]:
    workspace = open_workspace(folder)
    store = ox.Store.read_only(str(workspace.store_folder / str(workspace.manifest["generation"])))
    quads = store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    return {(str(q.subject), str(q.predicate), str(q.object)) for q in quads}


def add(tmp_path: Path, name: str, text: str, monkeypatch: pytest.MonkeyPatch, *, bulk: bool, pristine: Path):
    monkeypatch.setattr(loading, "BULK_MIN_BYTES", 0 if bulk else 2**62)
    folder = tmp_path / f"ws-{name}-{'bulk' if bulk else 'parsed'}"
    workspace = workspace_copy(pristine, folder)  # as init(folder) makes it
    path = tmp_path / f"{name}.nt"
    path.write_text(text, encoding="utf-8")
    return folder, add_files(workspace, [path])


@pytest.mark.slow
@pytest.mark.parametrize("text", [GOOD, BAD], ids=["conforms", "does-not-conform"])
def test_bulk_and_parsed_paths_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, pristine_workspace: Path
) -> None:
    parsed_folder, parsed = add(tmp_path, "pages", text, monkeypatch, bulk=False, pristine=pristine_workspace)
    bulk_folder, bulked = add(tmp_path, "pages", text, monkeypatch, bulk=True, pristine=pristine_workspace)
    assert (parsed is None) == (bulked is None) == (text == GOOD)
    if text == GOOD:
        assert default_graph(parsed_folder) == default_graph(bulk_folder)
        assert (f"<{SCK}pageNumber>", f'"3"^^<{XSD}integer>') in {(p, o) for _s, p, o in default_graph(bulk_folder)}
        assert json.loads((bulk_folder / "kg-workspace.json").read_text())["sources"][0]["stored"].endswith(".nt")
    else:
        assert parsed is not None and bulked is not None
        found = {(str(p.focus), str(p.value)) for p in bulked.problems}
        assert found == {(str(p.focus), str(p.value)) for p in parsed.problems}
        assert {focus for focus, _ in found} == {"https://example.org/p/3", "https://example.org/p/4"}
        assert all(str(paths[0]).endswith("pages.nt") for paths in bulked.origins.values())


@pytest.mark.slow
def test_refused_bulk_add_leaves_the_workspace_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pristine_workspace: Path
) -> None:
    folder, report = add(tmp_path, "pages", BAD, monkeypatch, bulk=True, pristine=pristine_workspace)
    assert report is not None and not report.conforms
    manifest = json.loads((folder / "kg-workspace.json").read_text())
    assert manifest["sources"] == [] and manifest["generation"] == 1
    assert list((folder / "sources").iterdir()) == []
    assert sorted(p.name for p in (folder / "store").iterdir() if p.is_dir()) == ["1"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        page("", "03", subject="_:b1") + GOOD,  # a blank-node subject: the loader renames it
        GOOD + '<https://example.org/x> <https://example.org/says> "caf\\u00E9" .\n',  # escapes
    ],
    ids=["blank-node", "escapes"],
)
def test_blank_nodes_and_escapes_take_the_bulk_path_and_conform_as_parsed(
    tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch, pristine_workspace: Path
) -> None:
    path = tmp_path / "data.nt"
    path.write_text(text, encoding="utf-8")
    assert not loading.has_triple_terms(path)
    parsed_folder, parsed = add(tmp_path, "data", text, monkeypatch, bulk=False, pristine=pristine_workspace)
    bulk_folder, bulked = add(tmp_path, "data", text, monkeypatch, bulk=True, pristine=pristine_workspace)
    assert parsed is None and bulked is None  # "03"^^xsd:positiveInteger conforms, on a blank node too
    assert json.loads((bulk_folder / "kg-workspace.json").read_text())["sources"][0]["stored"].endswith(".nt")
    iris = {t for t in default_graph(parsed_folder) if not t[0].startswith("_:")}
    assert iris == {t for t in default_graph(bulk_folder) if not t[0].startswith("_:")}


@pytest.mark.slow
def test_triple_terms_in_a_bulk_file_are_refused(tmp_path: Path, bulk: None, pristine_workspace: Path) -> None:
    path = tmp_path / "terms.nt"
    path.write_text(f"<https://example.org/a> <{SCK}says> <<( <https://example.org/a> <https://example.org/b> "
                    "<https://example.org/c> )>> .\n", encoding="utf-8")  # fmt: skip
    workspace = workspace_copy(pristine_workspace, tmp_path / "ws")
    with pytest.raises(InputError, match="triple terms") as refused:  # parsed instead, which refuses them
        add_files(workspace, [path])
    assert str(refused.value).startswith(f"{path}: ")  # the user's file, not the workspace's copy
    assert list((workspace.folder / "sources").iterdir()) == []


@pytest.mark.slow
def test_a_format_1_workspace_is_rebuilt_in_format_2(tmp_path: Path, pristine_workspace: Path) -> None:
    folder = workspace_copy(pristine_workspace, tmp_path / "old").folder  # as init makes it, then made format 1
    manifest = json.loads((folder / "kg-workspace.json").read_text())
    manifest["format"] = 1
    (folder / "kg-workspace.json").write_text(json.dumps(manifest))
    run = run_kg("--workspace", str(folder), "query", "core-participation-kpis")
    assert run.returncode == 0, run.stderr
    assert "rebuilding the store of the workspace" in run.stderr and "format 2" in run.stderr
    assert "u4ssc:SC-SH-SI-4C" in run.stdout
    assert json.loads((folder / "kg-workspace.json").read_text())["format"] == 2


@pytest.mark.slow
def test_a_syntax_error_in_a_bulk_file_is_one_sentence_and_leaves_the_workspace_as_it_was(
    tmp_path: Path, bulk: None, pristine_workspace: Path
) -> None:
    path = tmp_path / "broken.nt"
    path.write_text(GOOD + "<https://example.org/a> <https://example.org/b> oops .\n", encoding="utf-8")
    workspace = workspace_copy(pristine_workspace, tmp_path / "ws")
    with pytest.raises(InputError, match=r"broken\.nt:7:\d+: N-Triples syntax error: .*; fix the file") as refused:
        add_files(workspace, [path])
    assert str(refused.value).startswith(str(path))
    assert json.loads((workspace.folder / "kg-workspace.json").read_text())["generation"] == 1
    assert list((workspace.folder / "sources").iterdir()) == []
    assert sorted(p.name for p in (workspace.folder / "store").iterdir() if p.is_dir()) == ["1"]
