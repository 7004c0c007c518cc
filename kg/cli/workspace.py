"""The ``kg`` commands that change the workspace: init, add, sources, remove, import, import-observations, repair.

Each parses its arguments, makes one call to kg.Workspace (kg.ingest.workspace, whose changes all go
through the one write path, kg.ingest.add.write) and prints what it did; they join kg.cli.group's
group through ``register``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kg.cli.boundary import timeout_option
from kg.cli.options import ENGINE_OPTION, out_file
from kg.errors import EXIT_VIOLATIONS, shown
from kg.query.results import RESULT_FORMATS, Results, render

if TYPE_CHECKING:
    from kg.graph.workspace import Source, Workspace
    from kg.sources.sssom import Mapping


@click.command("init")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
def init_command(folder: Path | None) -> None:
    """Create a workspace in FOLDER (default: here) and load the bundled data into it.

    Commands run in FOLDER or below use it. Without one, kg uses KG_WORKSPACE or your own
    default workspace, created on first use.
    """
    from kg.graph.workspace import MANIFEST
    from kg.ingest.workspace import Workspace

    folder = (folder or Path.cwd()).expanduser().absolute()
    existed = (folder / MANIFEST).is_file()
    workspace = Workspace.init(folder)
    what = "is already a workspace" if existed else "is now a workspace"
    sources = len(workspace.entries)
    click.echo(f"{workspace.folder} {what}: {workspace.manifest['triples']} triples, {sources} sources", err=True)


@click.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@ENGINE_OPTION
@timeout_option()
def add_command(files: tuple[Path, ...], engine: str) -> None:
    """Add RDF files or SSSOM mapping tables to the workspace, after checking them with its graph.

    A file added again from the same path replaces its earlier copy. Files that do not conform
    are refused with the report (exit 1) and nothing is added; 2 when a file cannot be read.
    """
    from kg.ingest.workspace import Workspace
    from kg.validation import format_report

    workspace = Workspace.open()
    written = workspace.add(*files, engine=engine)
    if written.report is not None:
        click.echo(format_report(written.report), nl=False)
        click.echo(f"kg: nothing was added to the workspace {workspace.folder}.", err=True)
        sys.exit(EXIT_VIOLATIONS)
    for source in written.added:
        click.echo(f"added {shown(source['original'])} as {source['id']}: {source['triples']} new triples", err=True)


@click.command("sources")
@click.option("--format", "-f", "fmt", type=click.Choice(RESULT_FORMATS), default="table", show_default=True)
def sources_command(fmt: str) -> None:
    """List what the workspace's graph holds: each source with its kind, the triples it adds (a triple an earlier
    source states is counted there), time added and check; exit 2 if the store is damaged (see kg repair)."""
    import pyoxigraph as ox

    from kg.graph import integrity
    from kg.graph.inferences import derived_sources
    from kg.ingest.workspace import Workspace

    workspace = Workspace.open()
    columns = ["id", "kind", "triples", "added", "checked", "original"]
    rows = [tuple(getattr(s, c) for c in columns) for s in workspace.sources()]
    rows += derived_sources(workspace)  # the reasoner's inferences, kept for these sources (kg.graph.inferences)
    raw = [tuple(ox.Literal(str(value)) for value in row) for row in rows]
    click.echo(render(Results(columns, raw=raw), fmt), nl=False)
    click.echo(f"workspace {workspace.folder}: {workspace.manifest['triples']} triples", err=True)
    # The list is the manifest's; whether the store still holds it is checked as any reader's open does.
    integrity.verify(workspace.store_folder, workspace.manifest["generation"])


@click.command("repair")
@click.option("--force", is_flag=True, help="Rebuild the store even when every file of it is as written.")
def repair_command(force: bool) -> None:
    """Check every file of the workspace's store and, if one is damaged, rebuild the store from the workspace's
    copies of its sources and the bundled data (a new generation, committed only when complete and checked)."""
    from kg.ingest.workspace import Workspace

    workspace = Workspace.open()
    repaired = workspace.repair(force=force)
    if not repaired.rebuilt:
        click.echo(f"the store of the workspace {workspace.folder} is intact (every file as written); nothing was "
                   "rebuilt.", err=True)  # fmt: skip
        return
    ids = ", ".join(s["id"] for s in repaired.sources)
    sources = f"{len(repaired.sources)} source(s) ({ids})" if repaired.sources else "no other source"
    why = f"{repaired.damage}; " if repaired.damage else "as asked (--force); "
    click.echo(
        f"repaired the workspace {workspace.folder}: {why}rebuilt its store as generation {repaired.generation} "
        f"from the bundled data ({repaired.bundled_files} files) and {sources}: {repaired.triples} triples, "
        "counted and recorded.",
        err=True,
    )


@click.command("remove")
@click.argument("sources", nargs=-1, required=True)
def remove_command(sources: tuple[str, ...]) -> None:
    """Take sources (by id, original path or stored copy; see 'kg sources') out of the workspace."""
    from kg.ingest.workspace import Workspace

    workspace = Workspace.open()
    # the terms the link tables name, read before the removal: which of them it leaves undefined
    watched = _watched_links(workspace, [workspace.find(wanted) for wanted in sources])
    removed = workspace.remove(*sources).removed
    for source in removed:
        click.echo(f"removed {source['id']} ({source['triples']} triples) from {workspace.folder}", err=True)
    _warn_dangling(workspace, watched, [s["id"] for s in removed])


def _watched_links(workspace: Workspace, removed: list[Source]) -> list[tuple[Path, Mapping, str]]:
    """The rows of the link tables that stay whose subject or object the graph defines now (before the removal)."""
    from kg.analysis.links import defined_terms
    from kg.graph.embedded import KnowledgeGraph

    gone = {s["id"] for s in removed}
    tables = [workspace.folder / s["stored"] for s in workspace.entries if s["kind"] == "links" and s["id"] not in gone]
    return defined_terms(KnowledgeGraph.open(workspace=workspace.folder), tables) if tables else []


def _warn_dangling(workspace: Workspace, watched: list[tuple[Path, Mapping, str]], removed: list[str]) -> None:
    """Warn about mappings whose subject or object only the removed sources defined: how many, and one."""
    from kg.analysis.links import undefined_now
    from kg.graph.embedded import KnowledgeGraph
    from kg.namespaces import compact

    if not watched or not (dangling := undefined_now(KnowledgeGraph.open(workspace=workspace.folder), watched)):
        return
    table, row, iri = dangling[0]
    originals = {str(workspace.folder / s["stored"]): s["original"] for s in workspace.entries}
    rows = len({(t, m.line) for t, m, _ in dangling})
    click.echo(
        f"kg: warning: {rows} mapping(s) in the workspace's link tables now name a term no source defines "
        f"(only {', '.join(removed)} did), e.g. {originals.get(str(table), table)} line {row.line}: "
        f"{compact(row.subject)} {compact(row.predicate)} {compact(row.object)} ({compact(iri)}); "
        "remove those rows or add the term again.",
        err=True,
    )


@click.command("import")
@click.argument("sheet", type=click.Path(path_type=Path))
@click.option(
    "--framework", "framework_id", required=True, help="The framework's id, e.g. iso37120 (or fw:iso37120, or its IRI)."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=out_file,
    help="Write the Turtle to FILE only, checked against the bundled graph; the workspace is left as it is.",
)
@ENGINE_OPTION
@timeout_option()
def import_command(sheet: Path, framework_id: str, out: Path | None, engine: str) -> None:
    """Check a framework sheet (.csv or .xlsx) row by row, convert it to Turtle and add it to the workspace.

    The sheet has one row per indicator (see data/templates/framework.csv); the framework is
    described in NAME.meta.csv beside a CSV, or in a worksheet 'meta' of an XLSX. Importing the
    same framework again replaces it. Every problem is listed with its row and column, and
    nothing is added: exit 1 on data problems, 2 when the sheet cannot be read.
    """
    from kg.ingest.frameworks import import_sheet
    from kg.query.params import framework_id as id_of

    framework_id = id_of(framework_id, name="--framework")
    if out is not None:
        graph, rows, elsewhere = import_sheet(sheet, framework_id, out, engine=engine)
        click.echo(
            f"imported {rows} indicators from {shown(sheet)}: wrote {len(graph)} triples to {shown(out)}", err=True
        )
        for path in elsewhere:
            click.echo(f"note: {shown(path)} also defines framework {framework_id}; the new file is meant to "
                       "replace it", err=True)  # fmt: skip
        _note_without_scope(sheet, framework_id)
        return
    from kg.ingest.workspace import Workspace

    workspace = Workspace.open()
    written = workspace.import_sheet(sheet, framework=framework_id, engine=engine)
    again = " (replacing the earlier import)" if written.documents[0].replaces else ""
    click.echo(
        f"imported {written.documents[0].rows} indicators from {shown(sheet)}: added {written.added[0]['triples']} "
        f"triples to the workspace {workspace.folder} as {framework_id}{again}",
        err=True,
    )
    _note_without_scope(sheet, framework_id)


def _note_without_scope(sheet: Path, framework_id: str) -> None:
    """An imported framework without a scope drops out of the comparison claims: say so, and how to add one."""
    from kg.sources.sheets import meta_path, read_sheet

    if read_sheet(sheet).meta.get("scope", "").strip():
        return
    where = shown(meta_path(sheet)) if sheet.suffix.lower() == ".csv" else f"the 'meta' worksheet of {shown(sheet)}"
    click.echo(
        f"kg: note: {framework_id} has no scope, so it is left out of the claims that compare frameworks of one "
        f"scope (kg claims); add a 'scope' row (city, national or project) and a 'scope_source' row (the page "
        f"that says so) to {where}.",
        err=True,
    )


@click.command("import-observations")
@click.argument("sheet", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=out_file,
    help="Write the Turtle to FILE only, checked against the bundled graph; the workspace is left as it is.",
)
@timeout_option()
def import_observations_command(sheet: Path, out: Path | None) -> None:
    """Convert city observations (city, framework, indicator, year, value, unit, source) to Data Cube
    Turtle and add them to the workspace (importing the same sheet again replaces them).

    Every problem is listed with its row and column, and nothing is added: exit 1 on data
    problems, 2 when the sheet cannot be read.
    """
    from kg.ingest.observations import import_observations

    if out is not None:
        graph, rows = import_observations(sheet, out)
        click.echo(
            f"imported {rows} observations from {shown(sheet)}: wrote {len(graph)} triples to {shown(out)}", err=True
        )
        return
    from kg.ingest.workspace import Workspace

    workspace = Workspace.open()
    written = workspace.import_observations(sheet)
    added = written.added[0]
    click.echo(
        f"imported {written.documents[0].rows} observations from {shown(sheet)}: added {added['triples']} triples to "
        f"the workspace {workspace.folder} as {added['id']}",
        err=True,
    )


def register(group: click.Group) -> None:
    """Add this module's commands to ``group`` (the ``kg`` group)."""
    for command in (init_command, add_command, sources_command, remove_command, import_command,
                    import_observations_command, repair_command):  # fmt: skip
        group.add_command(command)
