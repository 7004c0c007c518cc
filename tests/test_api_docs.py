"""The Python API reference (docs/reference/python-api.md) covers the public API, from docstrings that exist.

The page is built by mkdocstrings when the site is (`mkdocs build --strict` in .ci/run, which fails on a
docstring or link it cannot render); these checks are cheap and need no MkDocs: every name of ``kg.__all__``
has its ``::: kg.NAME`` entry, no entry names something that is not public, the page is in the site's nav,
and every public class and function, and the methods a notebook uses, say what they do.
"""

from __future__ import annotations

import inspect
import re

import yaml

import kg
from tests.conftest import ROOT

PAGE = ROOT / "docs" / "reference" / "python-api.md"
DIRECTIVE = re.compile(r"^::: (kg(?:\.\w+)?)\s*$", re.MULTILINE)


def _entries() -> list[str]:
    return DIRECTIVE.findall(PAGE.read_text(encoding="utf-8"))


def test_every_public_name_has_an_entry_and_every_entry_is_public() -> None:
    entries = _entries()
    named = {entry.removeprefix("kg.") for entry in entries if entry != "kg"}
    assert "kg" in entries  # the package's docstring: the API at a glance
    assert sorted(set(kg.__all__) - named) == [], "add a ::: kg.NAME entry for each"
    assert sorted(named - set(kg.__all__)) == [], "an entry for a name kg does not export"
    assert len(entries) == len(set(entries)), "a name with two entries"


def test_the_page_is_in_the_sites_nav_and_the_guide_links_to_it() -> None:
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
    reference = next(section["Reference"] for section in nav if "Reference" in section)
    assert "reference/python-api.md" in reference
    guide = (ROOT / "docs" / "guide" / "python-api.md").read_text(encoding="utf-8")
    assert "(../reference/python-api.md)" in guide


def test_every_public_class_and_function_has_its_own_docstring() -> None:
    undocumented = []
    for name in kg.__all__:
        value = getattr(kg, name)
        ours = (inspect.isclass(value) or inspect.isfunction(value)) and value.__module__.startswith("kg")
        if ours and not (value.__doc__ or "").strip():
            undocumented.append(name)
    for method in ("dicts", "column", "to_pandas", "from_triples"):
        if not (getattr(kg.Results, method).__doc__ or "").strip():
            undocumented.append(f"Results.{method}")
    for cls in (kg.KnowledgeGraph, kg.Workspace, kg.RemoteGraph):
        for method in ("query", "query_file", "dump", "sparql"):
            if hasattr(cls, method) and not (getattr(cls, method).__doc__ or "").strip():
                undocumented.append(f"{cls.__name__}.{method}")
    assert undocumented == [], undocumented
