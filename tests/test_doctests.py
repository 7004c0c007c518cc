"""The ``>>>`` examples of every kg module's docstrings and of the Python blocks of README.md and docs/ run, and pass.

An example that drifts from what the code does fails here, so the documentation cannot lie.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re

import pytest

import kg
from tests.conftest import ROOT

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
MODULES = [*sorted(info.name for info in pkgutil.iter_modules(kg.__path__, "kg.")), "kg"]


def _run(test: doctest.DocTest) -> doctest.TestResults:
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test)
    return runner.summarize(verbose=False)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_pass(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # examples name the repository's files by relative path
    module = importlib.import_module(name)
    for test in doctest.DocTestFinder(exclude_empty=True).find(module, name):
        if test.examples:
            assert _run(test).failed == 0, f"{test.name}: a docstring example fails (its output is above)"


def test_readme_and_docs_python_examples_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    examples = []
    for document in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        blocks = re.findall(r"^```python\n(.*?)^```", document.read_text(encoding="utf-8"), re.DOTALL | re.MULTILINE)
        examples += [(document.relative_to(ROOT), block) for block in blocks if ">>>" in block]
    assert examples, "README.md and docs/ have no Python examples to run"
    for number, (document, block) in enumerate(examples, start=1):
        name = f"{document} python block {number}"
        test = doctest.DocTestParser().get_doctest(block, {}, name, str(document), 0)
        assert _run(test).failed == 0, f"{name} fails (its output is above)"


def test_examples_exist_where_the_api_is_taught() -> None:
    """The modules a notebook user meets first show their use."""
    for name in ("kg", "kg.query.results", "kg.query.params", "kg.errors", "kg.query.tables"):
        module = importlib.import_module(name)
        assert ">>>" in (module.__doc__ or "") or any(t.examples for t in doctest.DocTestFinder().find(module, name)), (
            name
        )
