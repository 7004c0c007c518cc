from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg import KnowledgeGraph

ROOT = Path(__file__).resolve().parent.parent
U4SSC_TABLE = ROOT / "data" / "u4ssc" / "source" / "u4ssc_kpis.tsv"


@pytest.fixture(scope="session", autouse=True)
def own_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache of the test run's own, for every process it starts: no test sees another run's entries."""
    folder = tmp_path_factory.mktemp("cache")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    return folder


@pytest.fixture(scope="session", autouse=True)
def own_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace of the test run's own, for every process it starts: no test touches the user's."""
    from kg.workspace import init

    folder = tmp_path_factory.mktemp("workspace")
    os.environ["KG_WORKSPACE"] = str(folder)
    init(folder)  # now, so that no test's stderr holds the line that says the bundled data is loaded
    return folder


@pytest.fixture(scope="session")
def graph(own_workspace: Path) -> KnowledgeGraph:
    """The graph every kg command reads: the session's workspace, holding the real ontology and data.

    tests/test_workspace.py checks that it answers every named query as the in-memory graph does.
    """
    return KnowledgeGraph.open()


@pytest.fixture(scope="session")
def u4ssc_rows() -> list[dict[str, str]]:
    with U4SSC_TABLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def run_kg(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the real ``kg`` command in a fresh process, as a user would.

    Output is decoded by hand so that CSV's CRLF line ends survive; ``env`` adds variables.
    """
    run = subprocess.run(
        [sys.executable, "-m", "kg.cli", *args],
        capture_output=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    return subprocess.CompletedProcess(run.args, run.returncode, run.stdout.decode("utf-8"), run.stderr.decode("utf-8"))
