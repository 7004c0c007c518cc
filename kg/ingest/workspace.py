"""kg.Workspace: the workspace as the Python API and every ``kg`` command that changes it use it.

It extends kg.graph.workspace.Workspace (the folder and its manifest) with what a user does to a
workspace: add files, import a framework sheet or city observations, remove sources, list them,
query the graph. Every change goes through the one write path, kg.ingest.add.write, under the
writer lock, so that a script and a ``kg`` command running at once never both commit unchecked.

>>> import kg, tempfile
>>> ws = kg.Workspace.init(tempfile.mkdtemp())    # a new workspace: the bundled data loaded, seconds
>>> ws.import_sheet("data/templates/framework.csv", framework="demo")
Written(added demo (197 triples))
>>> [(s.id, s.kind) for s in ws.sources()]
[('bundled', 'bundled'), ('demo', 'framework')]
>>> len(ws.graph().query("participation-by-framework"))      # the 4 bundled frameworks and demo
5
>>> ws.remove("demo")
Written(removed demo (197 triples))
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg.graph import workspace as base
from kg.graph.embedded import WorkspaceGraph

if TYPE_CHECKING:  # the write path needs rdflib (kg.validation's engine), which ``import kg`` does not load
    from kg.ingest.add import Written
    from kg.ingest.repair import Repaired


@dataclass(frozen=True)
class SourceRecord:
    """One row of ``kg sources``: a source of the workspace's graph (or the bundled data, kind "bundled").

    ``triples``: those it added to the graph (a triple an earlier source states counts there);
    ``added``: when (ISO 8601, UTC; empty for the bundled data); ``checked``: how it was checked;
    ``original``: the file or sheet it came from; ``stored``: the workspace's copy ("" if bundled).
    """

    id: str
    kind: str
    triples: int
    added: str
    checked: str
    original: str
    stored: str = ""

    def __repr__(self) -> str:
        return f"SourceRecord({self.id!r}, {self.kind}, {self.triples} triples, from {self.original!r})"


class Workspace(base.Workspace):
    """A workspace folder (see kg.graph.workspace): its graph, its sources, and the changes a user makes.

    ``Workspace.open()`` is the workspace ``kg`` uses (``--workspace``, $KG_WORKSPACE, the nearest
    folder upward holding one, else your own, made on first use); ``Workspace.open(path)`` the one at
    ``path``, which ``Workspace.init(path)`` creates. Each change returns what it did (``Written``).
    """

    @classmethod
    def open(cls, path: Path | str | None = None) -> Workspace:
        """The workspace at ``path``, or without one the workspace ``kg`` would use (created on first use).

        The bundled data is brought up to date. Raises WorkspaceError if ``path`` holds no workspace
        (``Workspace.init`` makes one) or the workspace is damaged or cannot be written.
        """
        if path is None:
            opened = base.open_workspace()
        else:
            opened = base.open_workspace(Path(path).expanduser().absolute(), create=False)
        return cls(opened.folder, opened.manifest)

    @classmethod
    def init(cls, path: Path | str) -> Workspace:
        """Create a workspace at ``path`` with the bundled data loaded (an existing one is opened as it is).

        Raises WorkspaceError if ``path`` is a file or cannot be written.
        """
        made = base.init(Path(path).expanduser().absolute())
        return cls(made.folder, made.manifest)

    def __repr__(self) -> str:
        return f"Workspace({str(self.folder)!r}, {self.manifest['triples']} triples, {len(self.entries)} sources)"

    def add(self, *files: Path | str, engine: str = "auto") -> Written:
        """Add RDF files or SSSOM mapping tables (``kg add``), if with the workspace's graph they conform.

        A file added again from the same path replaces its earlier copy. Returns what was added, or
        (``Written.report``, ``committed`` False) the shapes' report that refused it: nothing is added.
        Raises InputError when a file cannot be read, WorkspaceError when the workspace cannot be changed.
        """
        from kg.ingest.add import file_documents, write
        from kg.validation import choose_engine

        choose_engine(engine)
        return write(self, file_documents([Path(f) for f in files]), engine=engine)

    def import_sheet(self, sheet: Path | str, *, framework: str, engine: str = "auto") -> Written:
        """Check a framework sheet (.csv or .xlsx) row by row, convert it and add it as source ``framework``
        (``kg import``; ``framework``: its id, ``fw:`` CURIE or IRI); importing the same framework again replaces it.

        Raises BadFrameworkId for an id that is not one, InputError for a sheet that cannot be read,
        ImportProblems (exit 1) listing every problem with its row and column (the shapes' findings
        too: nothing is added), KgError when bundled data defines ``framework``.
        """
        from kg.ingest.add import write
        from kg.ingest.frameworks import framework_document
        from kg.query.params import framework_id

        framework = framework_id(framework)
        path = Path(sheet)
        return write(self, lambda ws: [framework_document(path, framework, ws, engine=engine)], engine=engine)

    def import_observations(self, sheet: Path | str) -> Written:
        """Convert city observations to Data Cube and add them (``kg import-observations``); a sheet of the
        same name imported again is replaced. Raises InputError for a sheet that cannot be read and
        SheetProblems (exit 1) listing every problem with its row and column: nothing is added.
        """
        from kg.ingest.add import write
        from kg.ingest.observations import observations_document

        path = Path(sheet)
        return write(self, lambda ws: [observations_document(path, ws)])

    def remove(self, *source_names: str) -> Written:
        """Take sources out (``kg remove``), each named by its id, original path or stored copy.

        Raises InputError naming the sources when one is not there (nothing is removed).
        """
        from kg.ingest.add import write

        return write(self, remove=source_names)

    def repair(self, *, force: bool = False) -> Repaired:
        """Check every store file and, if one is damaged (or ``force``), rebuild the store (``kg repair``).

        Returns what was found and done (kg.ingest.repair.Repaired). Raises WorkspaceError if a source's
        stored copy is missing or changed, or the workspace cannot be written.
        """
        from kg.ingest.repair import repair

        return repair(self, force=force)

    def sources(self) -> list[SourceRecord]:
        """What the graph holds (``kg sources``): the bundled data, then each source in the order added."""
        self.manifest = base.read_manifest(self.folder)
        bundled = self.manifest["bundled"]
        files = bundled["files"]
        first = SourceRecord("bundled", "bundled", sum(f["triples"] for f in files), "",
                             f"smartcity-kg {bundled['version']}", f"{len(files)} files of the package")  # fmt: skip
        return [first, *(
            SourceRecord(s["id"], s["kind"], s["triples"], s["added"], s["checked"], s["original"], s["stored"])
            for s in self.entries
        )]  # fmt: skip

    def graph(self) -> WorkspaceGraph:
        """The workspace's graph as it is now, for queries (kg.KnowledgeGraph's methods), read-only."""
        self.manifest = base.read_manifest(self.folder)
        return WorkspaceGraph(self)
