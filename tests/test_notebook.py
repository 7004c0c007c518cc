"""examples/study-findings.ipynb runs from top to bottom in a kernel of the test venv's Python, offline.

Its cells assert what they show (counts from the U4SSC source table, the study's three participation
KPIs, the one core one), so running it checks the findings; the committed copy holds the outputs.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # starts a Jupyter kernel

# Found, not imported: importing them (pandas above all) cost every xdist worker 0.6 s of collection.
for _extra in ("nbformat", "nbclient", "ipykernel", "pandas"):
    if importlib.util.find_spec(_extra) is None:
        pytest.skip(f"{_extra} is a test extra: pip install -e '.[test]'", allow_module_level=True)

NOTEBOOK = ROOT / "examples" / "study-findings.ipynb"


def _builder():
    spec = importlib.util.spec_from_file_location("build_study_notebook", ROOT / "scripts" / "build_study_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_notebook_is_the_builders_with_outputs():
    import nbformat

    committed = nbformat.read(NOTEBOOK, as_version=4)
    built = _builder().build()
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in built.cells]
    code = [cell for cell in committed.cells if cell.cell_type == "code"]
    assert all(cell.outputs for cell in code), "commit the notebook with its outputs (scripts/build_study_notebook.py)"
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]


def test_the_notebook_runs_in_the_test_venvs_python():
    import nbformat

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    notebook.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.executable)"))
    _builder().execute(notebook)  # raises CellExecutionError, naming the cell, if any cell fails
    probe = notebook.cells[-1].outputs[0]
    assert probe.text.strip() == sys.executable
    shown = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in notebook.cells[6].outputs)
    assert "Voter Participation (core, Society and Culture)" in shown
