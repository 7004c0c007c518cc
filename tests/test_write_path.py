"""The one write path (kg.ingest.add.write) and kg.Workspace, its Python API.

Two processes writing conflicting data at once (``kg import`` and ``kg add``) never both commit
unchecked: whatever order they take the writer lock in, the graph the last commit leaves conforms.
kg.Workspace is driven end to end on a temporary workspace, with answers counted from the sheets.
"""

from __future__ import annotations

import csv
import doctest
import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import kg
from kg.ingest import workspace as api
from tests.conftest import ROOT, run_kg, workspace_copy

TEMPLATE = ROOT / "data" / "templates" / "framework.csv"
FW = "https://w3id.org/smartcity-kg/id/framework/"


def template_codes() -> list[str]:
    with TEMPLATE.open(encoding="utf-8", newline="") as handle:
        return [row["code"] for row in csv.DictReader(handle)]


@pytest.fixture
def demo_ttl(tmp_path: Path) -> Path:
    """The template imported to a file, as kg import --out writes it."""
    from kg.ingest.frameworks import import_sheet

    out = tmp_path / "demo.ttl"
    import_sheet(TEMPLATE, "demo", out)
    return out


@pytest.fixture
def conflicting(demo_ttl: Path, tmp_path: Path) -> Path:
    """The template's framework with other indicator IRIs: alone it conforms; with the import, each code
    names two indicators of one framework (and each classification two indicators)."""
    path = tmp_path / "conflict.ttl"
    path.write_text(demo_ttl.read_text(encoding="utf-8").replace("demo:11-", "demo:x11-"), encoding="utf-8")
    return path


def _waits_for_the_writer_lock(process: subprocess.Popen[bytes]) -> bool:
    """Whether ``process`` has the workspace's writer.lock open: it is waiting to take it."""
    try:
        fds = os.listdir(f"/proc/{process.pid}/fd")
        return any(os.readlink(f"/proc/{process.pid}/fd/{fd}").endswith("writer.lock") for fd in fds)
    except OSError:  # gone, or a descriptor closed while read
        return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see who waits for the lock")
@pytest.mark.parametrize("first", ["import", "add"])
def test_import_and_add_of_conflicting_data_never_both_commit_unchecked(
    pristine_workspace: Path, tmp_path: Path, conflicting: Path, first: str
) -> None:
    folder = tmp_path / "ws"
    workspace_copy(pristine_workspace, folder)
    commands = {"import": ["import", str(TEMPLATE), "--framework", "demo"], "add": ["add", str(conflicting)]}
    order = [first, "add" if first == "import" else "import"]
    running: dict[str, subprocess.Popen[bytes]] = {}
    with (folder / "store" / "writer.lock").open("ab") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # both wait for it, having done what they do before the lock
        for name in order:
            running[name] = subprocess.Popen(
                [sys.executable, "-m", "kg.cli", "--workspace", str(folder), *commands[name]],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            )  # fmt: skip
            deadline = time.monotonic() + 120
            while not _waits_for_the_writer_lock(running[name]) and running[name].poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            assert running[name].poll() is None, running[name].communicate()
    codes = {name: process.wait(120) for name, process in running.items()}
    assert sorted(codes.values()) in ([0, 0], [0, 1]), {n: p.stderr.read() for n, p in running.items() if p.stderr}
    workspace = kg.Workspace.open(folder)
    if codes["add"] == 1:  # the import committed first: the add was checked against it and refused
        assert [s.id for s in workspace.sources()] == ["bundled", "demo"]
    else:  # the add committed first: the import replaced it (it defines the framework the import replaces)
        assert codes["import"] == 0 and [s.id for s in workspace.sources()] == ["bundled", "demo"]
    check = run_kg("--workspace", str(folder), "validate")  # in this process: the two writers have ended
    assert check.returncode == 0 and check.stdout.startswith("Conforms:"), check.stdout[:2000]


@pytest.mark.slow
def test_the_python_api_end_to_end(tmp_path: Path, conflicting: Path) -> None:
    folder = tmp_path / "new"
    with pytest.raises(kg.WorkspaceError, match="not a workspace"):
        kg.Workspace.open(folder)
    assert not folder.exists()
    workspace = kg.Workspace.init(folder)
    bundled_triples = workspace.manifest["triples"]
    assert repr(workspace) == f"Workspace({str(folder)!r}, {bundled_triples} triples, 0 sources)"
    assert kg.Workspace.open(folder).manifest == workspace.manifest
    assert [s.kind for s in workspace.sources()] == ["bundled"]

    labels = tmp_path / "labels.ttl"
    labels.write_text("<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> 'a'@en , 'b'@en .\n")
    added = workspace.add(labels)
    assert added.committed and repr(added) == "Written(added labels (2 triples))"
    record = workspace.sources()[1]
    assert (record.id, record.kind, record.triples, record.original) == ("labels", "rdf", 2, str(labels))
    assert record.checked == "SHACL: conforms (oxigraph engine)"
    assert repr(record) == f"SourceRecord('labels', rdf, 2 triples, from {str(labels)!r})"

    codes = template_codes()
    imported = workspace.import_sheet(TEMPLATE, framework="demo")
    assert imported.documents[0].rows == len(codes) and imported.added[0]["id"] == "demo"
    assert imported.added[0]["checked"] == "rows checked by kg import; SHACL: conforms (oxigraph engine)"
    graph = workspace.graph()
    by_framework = {str(row["framework"]): row for row in graph.query("participation-by-framework").dicts()}
    assert int(by_framework[FW + "demo"]["indicators"]) == len(codes)

    refused = workspace.add(conflicting)  # the same codes as the import, for other indicators: refused
    assert not refused.committed and refused.added == [] and refused.report is not None
    unique = {p.focus for p in refused.report.problems if "UniqueNotation" in str(p.constraint)}
    assert len(unique) == 2 * len(codes)  # each code, on the imported indicator and on the conflicting one
    assert repr(refused).startswith("Written(refused: ") and [s.id for s in workspace.sources()][1:] == [
        "labels",
        "demo",
    ]

    sheet = tmp_path / "testville.csv"
    sheet.write_text(
        "city,framework,indicator,year,value,unit,source\n"
        f"Testville,demo,{codes[0]},2024,61.5,%,https://example.org/report\n"
        f"Testville,demo,{codes[1]},2024,40,%,https://example.org/report\n",
        encoding="utf-8",
    )
    observed = workspace.import_observations(sheet)
    assert observed.added[0]["id"] == "testville" and observed.documents[0].rows == 2
    values = (
        "SELECT ?v WHERE { ?o <https://w3id.org/smartcity-kg/ontology#observedValue> ?v ; "
        "<http://purl.org/linked-data/sdmx/2009/dimension#refArea> <https://w3id.org/smartcity-kg/id/city/testville> }"
    )
    assert sorted(float(row[0].value) for row in workspace.graph().sparql(values).terms()) == [40.0, 61.5]
    assert graph.sparql(values).rows == []  # a graph opened before the import keeps reading its generation

    removed = workspace.remove("testville", "demo", str(labels))
    assert [s["id"] for s in removed.removed] == ["testville", "demo", "labels"]
    assert [s.id for s in workspace.sources()] == ["bundled"]
    assert workspace.manifest["triples"] == bundled_triples
    assert FW + "demo" not in {str(row["framework"]) for row in workspace.graph().query("frameworks").dicts()}
    with pytest.raises(kg.InputError, match="nosuch: no such source"):
        workspace.remove("nosuch")


def test_kg_workspace_extends_the_graph_layers_workspace(pristine_workspace: Path, tmp_path: Path) -> None:
    opened = workspace_copy(pristine_workspace, tmp_path / "ws")
    assert type(opened).__name__ == "Workspace" and opened.entries == []  # the dataclass's source entries
    assert isinstance(kg.Workspace.open(tmp_path / "ws"), type(opened))  # kg.Workspace extends it


@pytest.mark.slow
def test_the_module_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for test in doctest.DocTestFinder(exclude_empty=True).find(api, api.__name__):
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        runner.run(test)
        assert runner.summarize(verbose=False).failed == 0


@pytest.mark.slow
def test_an_import_the_shapes_refuse_in_the_store_names_its_row(pristine_workspace: Path, tmp_path: Path) -> None:
    """The row checks pass; the shapes, run in the new generation with what the workspace holds, do not."""
    workspace = workspace_copy(pristine_workspace, tmp_path / "ws")
    extra = tmp_path / "extra.nt"  # a second indicator for the classification the template's first row makes
    extra.write_text(
        "<https://w3id.org/smartcity-kg/id/demo/classification-11-1-voting> "
        "<https://w3id.org/smartcity-kg/ontology#indicator> <https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C> .\n"
    )
    api_workspace = kg.Workspace.open(workspace.folder)
    assert api_workspace.add(extra).committed
    before = (workspace.folder / "kg-workspace.json").read_bytes()
    with pytest.raises(kg.ImportProblems) as refused:
        api_workspace.import_sheet(TEMPLATE, framework="demo")
    assert str(refused.value) == (
        f"{TEMPLATE}: 1 problem(s), nothing written:\n"
        "  row 2, column (row): A classification is about exactly one indicator (sck:indicator)."
    )
    assert (workspace.folder / "kg-workspace.json").read_bytes() == before
