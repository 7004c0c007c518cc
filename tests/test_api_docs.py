"""The API reference builds from the docstrings, and shows the notebook API (scripts/build_api_docs.py)."""

from __future__ import annotations

import importlib.util
import pkgutil
import warnings

import pytest

import kg
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # pdoc renders every module: seconds

pytest.importorskip("pdoc", reason="pdoc is a test extra: pip install -e '.[test]'")


def _builder():
    spec = importlib.util.spec_from_file_location("build_api_docs", ROOT / "scripts" / "build_api_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_reference_builds_a_page_per_module_without_warnings(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a docstring pdoc cannot read is a failure, not a note
        pages = _builder().build(tmp_path / "api")
    names = {page.relative_to(tmp_path / "api").as_posix() for page in pages}
    expected = {f"{name.replace('.', '/')}.html" for name in (i.name for i in pkgutil.iter_modules(kg.__path__, "kg."))}
    assert {"index.html", "kg.html"} | expected <= names
    results = (tmp_path / "api" / "kg" / "query" / "results.html").read_text(encoding="utf-8")
    for documented in ("to_pandas", "MissingExtra", "dicts", "column"):
        assert documented in results


def test_the_committed_reference_is_linked_from_the_python_guide():
    guide = (ROOT / "docs" / "guide" / "python-api.md").read_text(encoding="utf-8")
    assert "(../api/index.html)" in guide
    assert (ROOT / "docs" / "api" / "index.html").is_file()
    assert (ROOT / "docs" / "api" / "kg" / "query" / "results.html").is_file()
