"""The module paths of smartcity-kg 0.1 (one flat package), kept importable with a DeprecationWarning.

``from kg.claims import check_claims`` was how notebooks reached a module before the package was
built in layers (``kg.analysis.claims`` now). An import of an old path gets the module that took
its place, the very same object, with a warning naming the new path; nothing else is aliased.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType

# old module -> the module that took its place (the layer it moved into)
MOVED = {
    "additions": "ingest.add", "answers": "web.answers", "boundary": "cli.boundary", "bounded": "graph.remote.http",
    "catalog": "query.catalog", "claims": "analysis.claims", "cli_options": "cli.options",
    "cli_server": "cli.server", "cli_study": "cli.study", "compare": "analysis.compare",
    "connections": "web.connections", "convert": "ingest.convert", "describe": "web.resources",
    "endpoint": "graph.remote.endpoint", "generations": "graph.generations", "graphstore": "graph.remote.push",
    "home": "web.home", "importer": "ingest.frameworks", "links": "sources.sssom", "loading": "graph.loading",
    "markup": "web.markup", "negotiate": "web.negotiate", "observations": "ingest.observations",
    "ontodoc": "web.ontodoc", "pages": "web.pages", "params": "query.params", "prologue": "query.prologue",
    "publish": "web.publish", "rdfout": "query.rdfout", "reason": "reasoning.reasoner",
    "reasoncheck": "reasoning.probe", "remote": "graph.remote.client", "remotecall": "graph.remote.call",
    "report": "analysis.report", "reportcharts": "analysis.reportcharts", "reportdata": "analysis.reportdata",
    "results": "query.results", "serve": "web.app", "services": "query.services", "sheets": "sources.sheets",
    "sheetspec": "sources.sheetspec", "site": "web.site", "sparqljson": "graph.remote.sparqljson",
    "store": "sources.documents", "suggest": "analysis.suggest", "tables": "query.tables",
    "templates": "sources.templates", "void": "web.void", "workers": "web.workers", "workspace": "graph.workspace",
    "workspace_cli": "cli.workspace",
}  # fmt: skip


class _Alias:  # a loader by its two methods: importlib.abc costs 20 ms to import (importlib.resources)
    """Gives the module that took an old path's place instead of a new module object."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        """The moved module itself, so both names share one object (and one state)."""
        return self.module

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module ran when it was imported under its new name."""


class OldPaths:  # a meta path finder by its one method
    """Finds ``kg.<old>`` for the modules in :data:`MOVED`, warning once per import."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        """A spec for an old module path; None for every other name (the normal finders go on)."""
        package, _, name = fullname.partition(".")
        if package != "kg" or name not in MOVED:
            return None
        new = f"kg.{MOVED[name]}"
        warnings.warn(f"{fullname} moved to {new}; import it from there", DeprecationWarning, stacklevel=2)
        loader = _Alias(importlib.import_module(new))
        return importlib.machinery.ModuleSpec(fullname, loader)  # type: ignore[arg-type]  # a Loader by its methods


def install() -> None:
    """Put the finder on ``sys.meta_path`` (once): the package root calls this when it is imported."""
    if not any(isinstance(finder, OldPaths) for finder in sys.meta_path):
        sys.meta_path.append(OldPaths())
