"""Light installs: each optional dependency missing gives one sentence naming its extra, exit 2, no traceback.

A missing package is simulated in-process (``sys.modules[name] = None`` makes its import fail),
and the command runs under the CLI's real error boundary (kg.cli.boundary.run).
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

from kg.cli.boundary import run
from kg.cli.group import cli
from kg.errors import EXIT_ERROR, MissingExtra
from kg.extras import EXTRAS, require

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_XLSX = ROOT / "data" / "templates" / "framework.xlsx"


def missing(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)


def kg_in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(cli, list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_report_without_matplotlib_names_the_extra(monkeypatch, capsys, tmp_path):
    missing(monkeypatch, "matplotlib", "matplotlib.figure", "matplotlib.patches", "matplotlib.ticker")
    code, out, err = kg_in_process(capsys, "report", "--out", str(tmp_path / "report"))
    assert code == EXIT_ERROR
    assert err == "kg: matplotlib is needed for the report's charts: pip install 'smartcity-kg[report]'.\n"
    assert out == "" and not (tmp_path / "report").exists()
    # docs/guide/install.md shows this sentence under `$ kg report`: the page and the program agree.
    page = (ROOT / "docs" / "guide" / "install.md").read_text(encoding="utf-8")
    assert page.split("    $ kg report\n", 1)[1].split("\n", 1)[0].strip() == err.strip()


def test_xlsx_import_without_openpyxl_names_the_extra(monkeypatch, capsys, tmp_path):
    missing(monkeypatch, "openpyxl")
    out_file = tmp_path / "demo.ttl"
    code, _, err = kg_in_process(capsys, "import", str(TEMPLATE_XLSX), "--framework", "demo", "--out", str(out_file))
    assert code == EXIT_ERROR
    assert err == "kg: openpyxl is needed for reading .xlsx sheets: pip install 'smartcity-kg[xlsx]'.\n"
    assert not out_file.exists()


def test_require_returns_the_module_or_one_sentence(monkeypatch):
    assert require("json", "none", "a test").dumps([]) == "[]"
    missing(monkeypatch, "pandas")
    with pytest.raises(MissingExtra) as raised:
        require("pandas", "pandas", "Results.to_pandas()")
    assert str(raised.value) == "pandas is needed for Results.to_pandas(): pip install 'smartcity-kg[pandas]'."
    assert raised.value.exit_code == EXIT_ERROR


def test_pyproject_declares_the_extras_the_messages_name():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = " ".join(project["dependencies"]).lower()
    optional = project["optional-dependencies"]
    for extra, package in EXTRAS.items():
        assert package not in core, f"{package} is an extra ({extra}), not a core dependency"
        assert any(requirement.startswith(package) for requirement in optional[extra])
    assert optional["all"] == [f"smartcity-kg[{','.join(EXTRAS)}]"]
    assert "smartcity-kg[all]" in optional["test"]  # the README's second command installs what the tests need
    for named in ("rdflib", "pyshacl", "owlready2", "sparqlwrapper"):  # the four the project is built on stay core
        assert named in core
