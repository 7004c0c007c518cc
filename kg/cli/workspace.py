"""The ``kg`` commands that change the workspace: init, add, sources, remove, import, import-observations.

Each is a thin click layer over the Python API (kg.graph.workspace, kg.ingest.add, kg.ingest.frameworks,
kg.ingest.observations); they join kg.cli.group's group through ``register``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli.boundary import timeout_option
from kg.cli.options import ENGINE_OPTION
from kg.errors import EXIT_VIOLATIONS, KgError
from kg.query.results import RESULT_FORMATS, Results, render


@click.command("init")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
def init_command(folder: Path | None) -> None:
    """Create a workspace in FOLDER (default: here) and load the bundled data into it.

    Commands run in FOLDER or below use it. Without one, kg uses KG_WORKSPACE or your own
    default workspace, created on first use.
    """
    from kg.graph.workspace import MANIFEST, init

    folder = (folder or Path.cwd()).expanduser().absolute()
    existed = (folder / MANIFEST).is_file()
    workspace = init(folder)
    what = "is already a workspace" if existed else "is now a workspace"
    click.echo(f"{workspace.folder} {what}: {workspace.manifest['triples']} triples, {len(workspace.sources)} sources")


@click.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@ENGINE_OPTION
@timeout_option()
def add_command(files: tuple[Path, ...], engine: str) -> None:
    """Add RDF files or SSSOM mapping tables to the workspace, after checking them with its graph.

    A file added again from the same path replaces its earlier copy. Files that do not conform
    are refused with the report (exit 1) and nothing is added; 2 when a file cannot be read.
    """
    from kg.graph.workspace import open_workspace
    from kg.ingest.add import add_files
    from kg.validation import format_report

    workspace = open_workspace()
    report = add_files(workspace, list(files), engine)
    if report is not None:
        click.echo(format_report(report), nl=False)
        click.echo(f"kg: nothing was added to the workspace {workspace.folder}.", err=True)
        sys.exit(EXIT_VIOLATIONS)
    for source in workspace.sources[-len(files) :]:
        click.echo(f"added {source['original']} as {source['id']}: {source['triples']} new triples", err=True)


@click.command("sources")
@click.option("--format", "-f", "fmt", type=click.Choice(RESULT_FORMATS), default="table", show_default=True)
def sources_command(fmt: str) -> None:
    """List what the workspace's graph holds: each source with its kind, the triples it adds (a triple an earlier
    source states is counted there), time added and check."""
    import pyoxigraph as ox

    from kg.graph.inferences import derived_sources
    from kg.graph.workspace import open_workspace

    workspace = open_workspace()
    bundled = workspace.manifest["bundled"]
    rows = [
        ("bundled", "bundled", sum(f["triples"] for f in bundled["files"]), "", f"smartcity-kg {bundled['version']}",
         f"{len(bundled['files'])} files of the package"),
        *((s["id"], s["kind"], s["triples"], s["added"], s["checked"], s["original"]) for s in workspace.sources),
        *derived_sources(workspace),  # the reasoner's inferences, kept for these sources (kg.graph.inferences)
    ]  # fmt: skip
    columns = ["id", "kind", "triples", "added", "checked", "original"]
    raw = [tuple(ox.Literal(str(value)) for value in row) for row in rows]
    click.echo(render(Results(columns, raw=raw), fmt), nl=False)
    click.echo(f"workspace {workspace.folder}: {workspace.manifest['triples']} triples", err=True)


@click.command("remove")
@click.argument("sources", nargs=-1, required=True)
def remove_command(sources: tuple[str, ...]) -> None:
    """Take sources (by id, original path or stored copy; see 'kg sources') out of the workspace."""
    from kg.graph import generations
    from kg.graph.workspace import change, open_workspace, read_manifest

    workspace = open_workspace()
    with generations.writer_lock(workspace.store_folder):
        workspace.manifest = read_manifest(workspace.folder)
        found = {id(s): s for s in (workspace.find(wanted) for wanted in sources)}
        change(workspace, removals=list(found.values()))
    for source in found.values():
        click.echo(f"removed {source['id']} ({source['triples']} triples) from {workspace.folder}", err=True)


@click.command("import")
@click.argument("sheet", type=click.Path(path_type=Path))
@click.option("--framework", "framework_id", required=True, help="The framework's short id, e.g. iso37120.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
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
    from kg.ingest.frameworks import check_framework_id, import_sheet

    check_framework_id(framework_id, "--framework")
    if out is not None:
        graph, rows, elsewhere = import_sheet(sheet, framework_id, out, engine=engine)
        click.echo(f"imported {rows} indicators from {sheet}: wrote {len(graph)} triples to {out}", err=True)
        for path in elsewhere:
            click.echo(f"note: {path} also defines framework {framework_id}; the new file is meant to replace it",
                       err=True)  # fmt: skip
        return
    from kg.graph.embedded import KnowledgeGraph
    from kg.graph.workspace import open_workspace
    from kg.ingest.add import add_turtle, checked_as

    workspace = open_workspace()
    documents = KnowledgeGraph.open(workspace=workspace.folder).documents
    graph, rows, elsewhere = import_sheet(sheet, framework_id, None, engine=engine, base=documents)
    stored = {str(workspace.folder / s["stored"]) for s in workspace.sources}
    bundled = [path for path in elsewhere if str(path) not in stored]
    if bundled:
        raise KgError(
            f"--framework {framework_id}: the bundled file {bundled[0]} defines this framework, and bundled data "
            "cannot be replaced in a workspace; choose another id, or write a file with --out."
        )
    turtle = graph.header.encode("utf-8") + graph.turtle()
    checked = f"rows checked by kg import; {checked_as(engine)}"
    entry = add_turtle(workspace, "framework", framework_id, sheet, turtle, checked, [str(p) for p in elsewhere])
    again = " (replacing the earlier import)" if elsewhere else ""
    click.echo(
        f"imported {rows} indicators from {sheet}: added {entry['triples']} triples to the workspace "
        f"{workspace.folder} as {framework_id}{again}",
        err=True,
    )


@click.command("import-observations")
@click.argument("sheet", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
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
        click.echo(f"imported {rows} observations from {sheet}: wrote {len(graph)} triples to {out}", err=True)
        return
    from kg.graph.embedded import KnowledgeGraph
    from kg.graph.workspace import open_workspace
    from kg.ingest.add import add_turtle
    from kg.ingest.convert import slug

    workspace = open_workspace()
    graph, rows = import_observations(sheet, None, base=KnowledgeGraph.open(workspace=workspace.folder).documents)
    source_id = slug(sheet.stem).lower()
    turtle = graph.header.encode("utf-8") + graph.turtle()
    checked = "rows checked by kg import-observations"
    entry = add_turtle(workspace, "observations", source_id, sheet, turtle, checked, [])
    click.echo(
        f"imported {rows} observations from {sheet}: added {entry['triples']} triples to the workspace "
        f"{workspace.folder} as {source_id}",
        err=True,
    )


def register(group: click.Group) -> None:
    """Add this module's commands to ``group`` (the ``kg`` group)."""
    for command in (init_command, add_command, sources_command, remove_command, import_command,
                    import_observations_command):  # fmt: skip
        group.add_command(command)
