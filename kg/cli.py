"""The ``kg`` command: a thin layer over the Python API.

Data goes to stdout, diagnostics to stderr. Exit codes: 0 success (or conforms), 1 data problems
(violations, failed QC checks, bad rows), 2 an error the user can fix (unreadable input, unknown
query or parameter, unusable environment, unreachable endpoint, --timeout), 3 a bug (see
kg.boundary, which runs every command), 130 Ctrl-C, 143 SIGTERM.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .boundary import interrupt_ends_normally, run, set_debug, time_left, timeout_given, timeout_option
from .catalog import list_queries
from .errors import EXIT_VIOLATIONS, MissingParameter, QueryError
from .params import parse_assignments
from .results import RDF_FORMATS, RESULT_FORMATS, default_format, render

DATA_OPTION = click.option(
    "--data",
    "data_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also load this RDF file (Turtle, N-Triples, JSON-LD, RDF/XML); repeatable.",
)
REASONER_OPTION = click.option(
    "--reasoner", type=click.Choice(["hermit", "pellet"]), default="hermit", show_default=True, help="The OWL reasoner."
)
NO_BUNDLED_OPTION = click.option(
    "--no-bundled", is_flag=True, help="Leave out the bundled ontology and data; query only --data files."
)


def _bound_remote_requests() -> None:
    """Requests to endpoints end by the command's --timeout too, and say so (else KG_REMOTE_TIMEOUT or 30 s)."""
    from .remotecall import set_limits

    left, given = time_left(), timeout_given()
    if left is not None and given is not None:
        # What is left of it, rounded ("within 1.9 s", not "within 1.9805 s"); the message names the option as given.
        set_limits(timeout=round(left, 1), option=f"--timeout {given:g} s")


def _graph(data_files: tuple[Path, ...] = (), endpoint: str | None = None):
    """The graph a reading command works on: the embedded one (plus --data files) or an endpoint's."""
    if endpoint is None:
        from .query import KnowledgeGraph

        return KnowledgeGraph.open(data_files)
    if data_files:
        raise click.UsageError("--data applies to the embedded graph, not to --endpoint")
    from .endpoint import RemoteGraph

    _bound_remote_requests()
    return RemoteGraph(endpoint)


ENDPOINT_OPTION = click.option(
    "--endpoint",
    metavar="URL",
    help="Work on this SPARQL 1.1 endpoint's graph instead of the workspace's "
    "(credentials from KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD).",
)


def _choose_workspace(folder: Path | None) -> None:
    from .workspace import choose

    choose(folder)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    callback=lambda _ctx, _param, value: _choose_workspace(value),
    help="The workspace to use (else KG_WORKSPACE, else the nearest folder upward holding kg-workspace.json, "
    "else your own default); see 'kg init'.",
)
def cli() -> None:
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


@cli.command("queries")
@click.option("--qc", is_flag=True, help="List the quality-control queries (they must return no rows) instead.")
@click.option("--claims", is_flag=True, help="List the queries that test the study's claims instead.")
def queries_command(qc: bool, claims: bool) -> None:
    """List the named queries with the question each answers and its parameters."""
    for query in list_queries("qc" if qc else "claims" if claims else ""):
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
    from .query import KnowledgeGraph

    if bool(name) == bool(query_file):
        raise click.UsageError("give either a query NAME or --file Q.rq")
    values = parse_assignments(params)
    if endpoint:
        if inferred or data_files or no_bundled:
            raise click.UsageError("--inferred, --data and --no-bundled apply to the embedded graph, not to --endpoint")
        graph = _graph(endpoint=endpoint)
    else:
        graph = KnowledgeGraph.load(data_files, bundled=False) if no_bundled else KnowledgeGraph.open(data_files)
        if inferred:
            graph = graph.with_inferences(reasoner)
    try:
        results = graph.query_file(query_file, **values) if query_file else graph.query(name, **values)
    except MissingParameter as missing:  # the library says "parameter code"; here it is given with --param
        raise QueryError(f"query {missing.query!r} needs --param {missing.name}=VALUE ({missing.hint}).") from None
    if not endpoint and not graph.inferred:  # a defined class without --inferred: say so in one line
        from .prologue import query_hint

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
@timeout_option()
def validate_command(files: tuple[Path, ...], engine: str, endpoint: str | None) -> None:
    """Check FILES (with the workspace's graph) against the SHACL shapes.

    With no FILES, check the workspace's graph (or with --endpoint, the endpoint's whole graph).
    Exit 0 when it conforms, 1 on violations (reported per node), 2 when a file cannot be read.
    A file without triples conforms, with a note on stderr.
    """
    from .query import KnowledgeGraph
    from .validation import format_report, validate, validate_documents

    if endpoint:
        if files:
            raise click.UsageError("give either FILES or --endpoint: --endpoint validates the endpoint's whole graph")
        documents = _graph(endpoint=endpoint).documents()
        report = validate_documents(documents, checked=[d.path for d in documents], engine=engine)
    elif engine == "pyshacl" and not files:  # the reference engine works on the parsed documents
        report = validate(files, engine=engine, base=KnowledgeGraph.open().documents)
    else:
        from .additions import check_files
        from .workspace import open_workspace

        report = check_files(open_workspace(), files, engine=engine)
    click.echo(format_report(report), nl=False)
    sys.exit(report.exit_code)


@cli.command("claims")
@click.option("--format", "-f", "fmt", type=click.Choice(RESULT_FORMATS), default="table", show_default=True)
@DATA_OPTION
@ENDPOINT_OPTION
@timeout_option()
def claims_command(fmt: str, data_files: tuple[Path, ...], endpoint: str | None) -> None:
    """Check the study's claims against the data: claim, study says, data says, verdict.

    Exit 0 whatever the verdicts; 2 if a claim's query fails. --data adds claims (or data)
    of your own.
    """
    from .claims import check_claims, verdict_table

    verdicts = check_claims(_graph(data_files, endpoint))
    click.echo(render(verdict_table(verdicts), fmt), nl=False)


@cli.command("report")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("report"),
    show_default=True,
    help="Directory to write report.md, report.html and the charts into (created if needed).",
)
@click.option("--framework", default="fw:u4ssc", show_default=True, help="The framework to audit, as an IRI or CURIE.")
@ENDPOINT_OPTION
@timeout_option()
def report_command(out_dir: Path, framework: str, endpoint: str | None) -> None:
    """Write a participation audit of a framework: report.md with PNG charts and a self-contained report.html.

    Every number in it is a query's answer; the files written are listed on stderr.
    """
    from .report import build_report

    for path in build_report(_graph(endpoint=endpoint), out_dir, framework=framework):
        click.echo(f"wrote {path}", err=True)


@cli.command("reason")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@REASONER_OPTION
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the inferred triples to FILE (Turtle)."
)
@timeout_option()
def reason_command(files: tuple[Path, ...], reasoner: str, out: Path | None) -> None:
    """Classify the workspace's graph (plus FILES) with an OWL reasoner and list what it inferred.

    Prints the class memberships the data does not assert, grouped by class, and caches the
    inferred triples for 'kg query --inferred'. Exit 0 when consistent, 1 when the data
    contradicts the ontology (naming the culprit), 2 when no usable Java runtime is found.
    """
    from .output import write_turtle
    from .query import KnowledgeGraph
    from .reason import inference_summary, reason, store_in_cache

    documents = KnowledgeGraph.open(files).documents
    inference = reason(documents, reasoner)
    store_in_cache(documents, inference)
    if out is not None:
        write_turtle(inference.graph, out)
        click.echo(f"wrote {len(inference.graph)} inferred triples to {out}", err=True)
    click.echo(inference_summary(inference), nl=False)


@cli.command("suggest")
@click.argument("framework")
@click.option("--top", default=2, show_default=True, help="Candidates per indicator.")
@click.option("--format", "-f", "fmt", type=click.Choice(RESULT_FORMATS), default="table", show_default=True)
@DATA_OPTION
@ENDPOINT_OPTION
@timeout_option()
def suggest_command(framework: str, top: int, fmt: str, data_files: tuple[Path, ...], endpoint: str | None) -> None:
    """Propose participation aspects for indicators nobody has reviewed yet.

    FRAMEWORK is a framework in the graph (its id, e.g. iso37120, or IRI) or a sheet
    (.csv/.xlsx), whose rows with empty aspects and coded cells are proposed for. Each
    candidate shows its score and the label that matched; review it against the indicator,
    then record the result in the sheet (aspects, evidence, coding_note, coded: reviewed).
    """
    from .suggest import as_results, aspect_labels, sheet_indicators, suggestions, uncoded_indicators

    graph = _graph(data_files, endpoint)
    is_sheet = Path(framework).suffix.lower() in (".csv", ".xlsx")
    indicators = sheet_indicators(Path(framework)) if is_sheet else uncoded_indicators(graph, framework)
    click.echo(render(as_results(suggestions(indicators, aspect_labels(graph), top=top)), fmt), nl=False)


@cli.group("links")
def links_group() -> None:
    """Links to external vocabularies (the SSSOM tables in data/links/)."""


@links_group.command("check")
@click.argument("tables", nargs=-1, type=click.Path(path_type=Path))
@click.option("--endpoint", metavar="URL", help="Also check that every linked object exists on this SPARQL endpoint.")
@timeout_option()
def links_check_command(tables: tuple[Path, ...], endpoint: str | None) -> None:
    """Check mapping tables (default: the bundled ones): well-formed objects in known namespaces,
    subjects that exist in the graph, no pair both exactMatch and relatedMatch. Exit 1 on problems.
    """
    from .links import check_links, link_tables
    from .query import KnowledgeGraph

    chosen = list(tables) or link_tables()
    if endpoint:
        _bound_remote_requests()
    problems = check_links(chosen, KnowledgeGraph.open(tables).documents, endpoint)
    for problem in problems:
        click.echo(str(problem))
    click.echo(f"{len(problems)} problem(s) in {len(chosen)} mapping table(s)", err=True)
    sys.exit(EXIT_VIOLATIONS if problems else 0)


@cli.command("push")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--endpoint", required=True, metavar="URL", help="The Graph Store Protocol address, e.g. .../store.")
@click.option("--graph", "graph_iri", metavar="IRI", help="The named graph to write (default: the default graph).")
@click.option("--replace", is_flag=True, help="Replace the graph's content instead of adding to it.")
@click.option(
    "--inferred",
    is_flag=True,
    help="Also upload what the OWL reasoner infers (from the workspace's graph and FILES; cached), so that "
    "queries whose header says 'inferred: true' work on the endpoint.",
)
@click.option(
    "--bulk",
    is_flag=True,
    help="Ask the store for its bulk loader (Oxigraph server: no_transaction; several times faster for large "
    "graphs, but not atomic: a failed upload leaves part of the data).",
)
@REASONER_OPTION
@timeout_option()
def push_command(
    files: tuple[Path, ...], endpoint: str, graph_iri: str | None, replace: bool, inferred: bool, bulk: bool,
    reasoner: str,
) -> None:  # fmt: skip
    """Upload the workspace's graph (or only FILES) to a triple store through the Graph Store Protocol."""
    from .graphstore import push
    from .query import KnowledgeGraph
    from .remotecall import check_url
    from .store import read_documents

    check_url(endpoint, "Graph Store address")  # before reading or reasoning over anything
    workspace = KnowledgeGraph.open()  # its documents are read only if asked for
    if not files and not inferred:  # the store's graph, dumped by Oxigraph: nothing parsed in Python
        from .graphstore import dumped

        _bound_remote_requests()
        with dumped(workspace.store, len(workspace), workspace.workspace.folder) as graph:
            count = push(endpoint, graph, graph_iri, replace, bulk=bulk)
        _pushed(count, endpoint, bulk)
        return
    documents = read_documents(files, bundled=False) if files else workspace.documents
    if inferred:
        from .reason import cached_inference
        from .terms import document_from_graph

        # The reasoner needs the ontology and the data, FILES or not.
        everything = [*workspace.documents, *documents] if files else documents
        documents = [*documents, document_from_graph(cached_inference(everything, reasoner), "inferred triples")]
    _bound_remote_requests()
    count = push(endpoint, documents, graph_iri, replace, bulk=bulk)
    _pushed(count, endpoint, bulk)


def _pushed(count: int, endpoint: str, bulk: bool) -> None:
    from .graphstore import BULK_HINT_TRIPLES
    from .remotecall import shown

    click.echo(f"uploaded {count} triples to {shown(endpoint)}", err=True)
    if count > BULK_HINT_TRIPLES and not bulk:
        click.echo("for graphs this large, --bulk (an Oxigraph server) or the store's own loader (README: "
                   "'Pushing a large graph') is much faster", err=True)  # fmt: skip


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=7878, show_default=True, help="The port (0 picks a free one).")
@click.option("--timeout", default=30.0, show_default=True, help="Seconds a query may run before it is stopped (503).")
@click.option("--workers", default=2, show_default=True, help="Query worker processes (queries run at once).")
@click.option("--allow-service", "allow_service", multiple=True, metavar="HOST[:PORT]",
              help="A host SERVICE may call (repeatable; '*' allows any). By default SERVICE is refused.")  # fmt: skip
@DATA_OPTION
def serve_command(
    host: str, port: int, timeout: float, workers: int, allow_service: tuple[str, ...], data_files: tuple[Path, ...]
) -> None:
    """Serve the workspace's graph as a read-only SPARQL 1.1 endpoint, with a page of the named queries."""
    from .serve import serve
    from .workspace import open_workspace

    open_workspace()  # created or brought up to date here, once, before the query workers open it
    interrupt_ends_normally()
    serve(data_files, host, port, workers=workers, timeout=timeout, allow_service=allow_service)


@cli.command("check")
@DATA_OPTION
@ENDPOINT_OPTION
@timeout_option()
def check_command(data_files: tuple[Path, ...], endpoint: str | None) -> None:
    """Run the quality-control queries; each must return no rows (exit 1 if any does)."""
    graph = _graph(data_files, endpoint)
    failed = 0
    for query in list_queries("qc"):
        results = graph.query(query)
        status = "ok" if not results.rows else f"FAILED, {len(results)} row(s)"
        click.echo(f"{query.name}: {status}")
        if results.rows:
            failed += 1
            click.echo(render(results, "table"))
    sys.exit(EXIT_VIOLATIONS if failed else 0)


from .publish import register as register_publish  # noqa: E402
from .workspace_cli import register  # noqa: E402 - the workspace's commands join the group defined above

register(cli)
register_publish(cli)


def main(args: list[str] | None = None) -> None:
    """The ``kg`` program: the commands above under the error boundary, --timeout and Ctrl-C."""
    sys.exit(run(cli, args))


if __name__ == "__main__":  # pragma: no cover
    main()
