from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kg import KnowledgeGraph

ROOT = Path(__file__).resolve().parent.parent
U4SSC_TABLE = ROOT / "data" / "u4ssc" / "source" / "u4ssc_kpis.tsv"


@pytest.fixture(scope="session")
def graph() -> KnowledgeGraph:
    """The bundled graph, loaded once: the real ontology and data."""
    return KnowledgeGraph.load()


@pytest.fixture(scope="session")
def u4ssc_rows() -> list[dict[str, str]]:
    with U4SSC_TABLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))
