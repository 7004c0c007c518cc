"""The ``kg`` command: its group, and the commands that query and check the graph (queries, query, validate, check).

The other commands live in kg.cli.study (claims, report, reason, suggest, links), kg.cli.server
(push, serve) and kg.cli.workspace (init, add, sources, remove, import, import-observations),
each a thin layer over the Python API, and join the group here.

Data goes to stdout, diagnostics to stderr. Exit codes: 0 success (or conforms), 1 data problems
(violations, failed QC checks, bad rows), 2 an error the user can fix (unreadable input, unknown
query or parameter, unusable environment, unreachable endpoint, --timeout), 3 a bug (see
kg.cli.boundary, which runs every command), 130 Ctrl-C, 143 SIGTERM.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli import server as cli_server
from kg.cli import study as cli_study
from kg.cli import workspace as workspace_cli
from kg.cli.boundary import Group, run, set_debug, timeout_option
from kg.cli.listings import check_rows, format_option, problem_rows, query_rows
from kg.cli.options import DATA_OPTION, ENDPOINT_OPTION, NO_BUNDLED_OPTION, REASONER_OPTION, graph_for, remote_graph
from kg.errors import EXIT_VIOLATIONS, MissingParameter, QueryError, WorkspaceError
from kg.query.catalog import list_queries
from kg.query.params import parse_assignments
from kg.query.results import RDF_FORMATS, RESULT_FORMATS, default_format, render
from kg.version import __version__


def _choose_workspace(ctx: click.Context, folder: Path | None) -> None:
    from kg.graph.workspace import choose

    choose(folder)
    ctx.meta["kg.workspace"] = folder.expanduser().absolute() if folder is not None else None


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
@click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda _ctx, _param, value: set_debug(value),
    help="On an internal error, show the traceback (also KG_DEBUG=1).",
)
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, _param, value: _choose_workspace(ctx, value),
    help="The workspace to use (else KG_WORKSPACE, else the nearest folder upward holding kg-workspace.json, "
    "else your own default); see 'kg init'.",
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """smartcity-kg: query and validate smart-city indicator frameworks as a knowledge graph.

    Commands read and change your workspace: the bundled data plus what you add (kg init,
    kg add, kg import, kg sources, kg remove).

    Exit codes: 0 success, 1 data problems (violations, failed checks, bad rows), 2 an error
    you can fix (unreadable input, unknown name, unusable environment, unreachable endpoint,
    --timeout reached), 3 an internal error (a bug), 130 interrupted (Ctrl-C), 143 terminated
    (SIGTERM).

    \b
    Examples:
      kg queries
      kg query core-participation-kpis
      kg query kpis-by-dimension --format csv
      kg query kpi-details --param code="SC: SH: SI: 4C"
      kg validate my-framework.ttl
      kg report --out report
    """
    _check_chosen_workspace(ctx)


def _check_chosen_workspace(ctx: click.Context) -> None:
    """A --workspace that is no workspace is an error for every command but 'kg init' (which makes one).

    Without the check a mistyped path silently became a new workspace holding only the bundled data, and
    a query there answered as if the user's sources did not exist.
    """
    from kg.graph.workspace import MANIFEST

    folder = ctx.meta.get("kg.workspace")
    if folder is None or ctx.invoked_subcommand == "init" or (folder / MANIFEST).is_file():
        return
    if any(arg in ("-h", "--help") for arg in ctx.meta.get("kg.args", [])):
        return  # help needs no workspace
    what = "does not exist" if not folder.exists() else f"is not a workspace (no {MANIFEST})"
    raise WorkspaceError(f"--workspace {folder} {what}; check the path, or run 'kg init {folder}' to make one there.")


@cli.command("queries")
@click.option("--qc", is_flag=True, help="List the quality-control queries (they must return no rows) instead.")
@click.option("--claims", is_flag=True, help="List the queries that test the study's claims instead.")
@format_option("one row per query")
def queries_command(qc: bool, claims: bool, fmt: str | None) -> None:
    """List the named queries with the question each answers and its parameters."""
    queries = list_queries("qc" if qc else "claims" if claims else "")
    if fmt is not None:
        click.echo(render(query_rows(queries), fmt), nl=False)
        return
    for query in queries:
        click.echo(f"{query.name}\n    {query.question}")
        for parameter in query.parameters.values():
            default = f" (default {parameter.default})" if parameter.default is not None else " (required)"
            click.echo(f"    --param {parameter.name}=<{parameter.type}>{default}: {parameter.description}")


@cli.command("query")
@click.argument("name", required=False)
@click.option("--file", "query_file", type=click.Path(dir_okay=False, path_type=Path), help="Run this .rq file.")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="Set a query parameter; repeatable.")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(RESULT_FORMATS + RDF_FORMATS),
    default=None,
    help="table (the default for SELECT and ASK): aligned columns for reading (long cells cut); csv, tsv, json, "
    "xml: the SPARQL 1.1 results formats; turtle (the default for CONSTRUCT and DESCRIBE), ntriples, jsonld, "
    "rdfxml: the graph a CONSTRUCT or DESCRIBE returns.",
)
@DATA_OPTION
@NO_BUNDLED_OPTION
@click.option(
    "--inferred",
    is_flag=True,
    help="Query the asserted triples plus what the OWL reasoner infers (cached on disk); queries whose "
    "header says 'inferred: true' always do.",
)
@REASONER_OPTION
@ENDPOINT_OPTION
@timeout_option()
def query_command(
    name: str | None,
    query_file: Path | None,
    params: tuple[str, ...],
    fmt: str | None,
    data_files: tuple[Path, ...],
    no_bundled: bool,
    inferred: bool,
    reasoner: str,
    endpoint: str | None,
) -> None:
    """Run the named query NAME (see 'kg queries') or a query file, on the workspace's graph or an endpoint."""
    from kg.graph.embedded import KnowledgeGraph
    from kg.graph.protocol import Graph

    if bool(name) == bool(query_file):
        raise click.UsageError("give either a query NAME or --file Q.rq")
    values = parse_assignments(params)
    graph: Graph
    if endpoint:
        if inferred or data_files or no_bundled:
            raise click.UsageError("--inferred, --data and --no-bundled apply to the embedded graph, not to --endpoint")
        graph = graph_for(endpoint=endpoint)
    else:
        local = KnowledgeGraph.load(data_files, bundled=False) if no_bundled else KnowledgeGraph.open(data_files)
        graph = local.with_inferences(reasoner) if inferred else local
    try:
        results = graph.query_file(query_file, **values) if query_file else graph.query(name or "", **values)
    except MissingParameter as missing:  # the library says "parameter code"; here it is given with --param
        raise QueryError(f"query {missing.query!r} needs --param {missing.name}=VALUE ({missing.hint}).") from None
    if not endpoint and not graph.holds_inferences():  # a defined class without --inferred: say so in one line
        from kg.graph.named import query_hint

        if hint := query_hint(graph, query_file, name):
            click.echo(f"kg: {hint}", err=True)
    fmt = fmt or default_format(results)
    click.echo(render(results, fmt), nl=False)
    if fmt == "table" and sys.stdout.isatty():
        click.echo(f"({len(results)} row{'s' if len(results) != 1 else ''})", err=True)


@cli.command("validate")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--engine",
    type=click.Choice(["auto", "pyshacl", "oxigraph"]),
    default="auto",
    show_default=True,
    help="oxigraph: the shapes compiled to SPARQL (proven equal to pySHACL by the tests), linear in the data; "
    "pyshacl: the reference SHACL engine, minutes on large graphs; auto: oxigraph, or pyshacl for shapes "
    "oxigraph refuses (with a note).",
)
@ENDPOINT_OPTION
@format_option("one row per SHACL result")
@timeout_option()
def validate_command(files: tuple[Path, ...], engine: str, endpoint: str | None, fmt: str | None) -> None:
    """Check FILES (with the workspace's graph) against the SHACL shapes.

    With no FILES, check the workspace's graph (or with --endpoint, the endpoint's whole graph).
    Exit 0 when it conforms, 1 on violations (reported per node), 2 when a file cannot be read.
    A file without triples conforms, with a note on stderr.
    """
    from kg.graph.embedded import KnowledgeGraph
    from kg.validation import format_report, validate, validate_documents

    if endpoint:
        if files:
            raise click.UsageError("give either FILES or --endpoint: --endpoint validates the endpoint's whole graph")
        documents = remote_graph(endpoint).dump()
        report = validate_documents(documents, checked=[d.path for d in documents], engine=engine)
    elif engine == "pyshacl" and not files:  # the reference engine works on the parsed documents
        report = validate(files, engine=engine, base=KnowledgeGraph.open().documents)
    else:
        from kg.graph.workspace import open_workspace
        from kg.ingest.add import check_files

        report = check_files(open_workspace(), files, engine=engine)
    if fmt is None:
        click.echo(format_report(report), nl=False)
    else:
        click.echo(render(problem_rows(report), fmt), nl=False)
        click.echo(format_report(report).splitlines()[0], err=True)  # the report's sentence
    sys.exit(report.exit_code)


@cli.command("check")
@DATA_OPTION
@ENDPOINT_OPTION
@format_option("one row per query (its name, rows and status)")
@click.option("--deep", is_flag=True, help="First verify the checksum of every file of the workspace's store.")
@timeout_option()
def check_command(data_files: tuple[Path, ...], endpoint: str | None, fmt: str | None, deep: bool) -> None:
    """Run the quality-control queries; each must return no rows (exit 1 if any does).

    With --deep, every file of the workspace's store is first checked against the checksum recorded
    when it was written (exit 2 naming 'kg repair' if one is damaged).
    """
    if deep and endpoint is None:
        from kg.ingest.repair import check_store
        from kg.ingest.workspace import Workspace

        workspace = Workspace.open()
        files = check_store(workspace)
        state = f"all {files} files as written" if files else "no record of its files (run 'kg repair' to make one)"
        click.echo(f"workspace {workspace.folder}: store {state}", err=True)
    graph = graph_for(data_files, endpoint)
    counts = []
    for query in list_queries("qc"):
        results = graph.query(query)
        counts.append((query.name, len(results)))
        if fmt is None:
            click.echo(f"{query.name}: " + ("ok" if not results.rows else f"FAILED, {len(results)} row(s)"))
            if results.rows:
                click.echo(render(results, "table"))
    failed = sum(1 for _, count in counts if count)
    if fmt is not None:
        click.echo(render(check_rows(counts), fmt), nl=False)
        click.echo(f"{failed} of {len(counts)} quality-control queries failed" if failed
                   else f"all {len(counts)} quality-control queries passed", err=True)  # fmt: skip
    sys.exit(EXIT_VIOLATIONS if failed else 0)


# The other command families join the group defined above.
for family in (workspace_cli.register, cli_study.register, cli_server.register):
    family(cli)


def main(args: list[str] | None = None) -> None:
    """The ``kg`` program: the commands above under the error boundary, --timeout and Ctrl-C."""
    sys.exit(run(cli, args))


if __name__ == "__main__":  # pragma: no cover
    main()
