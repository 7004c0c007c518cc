"""The ``kg`` commands that publish the graph: push (to a Graph Store), serve (a SPARQL endpoint), publish (a site).

Each is a thin click layer over the Python API (kg.graph.remote.client, kg.web.app); kg.cli.group adds them to its
group through ``register``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from kg.cli.boundary import interrupt_ends_normally, timeout_option
from kg.cli.options import DATA_OPTION, REASONER_OPTION, bound_remote_requests
from kg.errors import shown


@click.command("push")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--endpoint", required=True, metavar="URL", help="The Graph Store Protocol address, e.g. .../store.")
@click.option("--graph", "graph_iri", metavar="IRI", help="The named graph to write (default: the default graph).")
@click.option("--replace", is_flag=True, help="Replace the graph's content instead of adding to it.")
@click.option(
    "--inferred",
    is_flag=True,
    help="Also upload what the OWL reasoner infers (from the workspace's graph and FILES; kept in the workspace), "
    "and a marker (an sck:InferenceSet) saying so, so that queries whose header says 'inferred: true' work on "
    "the endpoint.",
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
    from kg.graph.embedded import KnowledgeGraph, WorkspaceGraph
    from kg.graph.remote.call import check_url
    from kg.graph.remote.push import push
    from kg.sources.documents import read_documents
    from kg.sources.files import RdfDocument

    check_url(endpoint, "Graph Store address")  # before reading or reasoning over anything
    workspace = KnowledgeGraph.open()  # its documents are read only if asked for
    assert isinstance(workspace, WorkspaceGraph)  # KnowledgeGraph.open() without files gives one
    given = read_documents(files, bundled=False) if files else []
    extra: list[RdfDocument] = []
    if inferred:  # the inferences every door reads (kg.graph.inferences), and the marker saying they are there
        from kg.graph.inferences import inferred_document
        from kg.graph.remote.push import inference_marker

        if files:  # the reasoner needs the ontology and the data: the workspace's documents and FILES
            inferences = inferred_document(lambda: [*workspace.documents, *given], None, reasoner)
        else:
            inferences = inferred_document(lambda: workspace.documents, workspace.workspace, reasoner)
        extra = [inferences, inference_marker(reasoner, len(inferences.quads))]
    if not files:  # the store's graph, dumped by Oxigraph: nothing parsed in Python
        from kg.graph.remote.push import dumped

        bound_remote_requests()
        with dumped(workspace.store, len(workspace), workspace.workspace.folder, extra) as graph:
            count = push(endpoint, graph, graph_iri, replace, bulk=bulk)
        _pushed(count, endpoint, bulk)
        return
    bound_remote_requests()
    count = push(endpoint, [*given, *extra], graph_iri, replace, bulk=bulk)
    _pushed(count, endpoint, bulk)


def _pushed(count: int, endpoint: str, bulk: bool) -> None:
    from kg.graph.remote.call import shown_address
    from kg.graph.remote.push import BULK_HINT_TRIPLES

    click.echo(f"uploaded {count} triples to {shown_address(endpoint)}", err=True)
    if count > BULK_HINT_TRIPLES and not bulk:
        click.echo("for graphs this large, --bulk (an Oxigraph server) or the store's own loader (README: "
                   "'Pushing a large graph') is much faster", err=True)  # fmt: skip


def _port(port: int) -> int:
    """A TCP port (0 to 65535): anything else is one sentence, not the socket's OverflowError."""
    if not 0 <= port <= 65535:
        raise click.BadParameter(f"{port} is not a port; give a number from 1 to 65535 (0 picks a free one)")
    return port


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port",
    type=int,
    default=7878,
    show_default=True,
    callback=lambda _ctx, _param, port: _port(port),
    help="The port (0 picks a free one).",
)
@click.option(
    "--query-timeout",
    "query_timeout",
    type=float,
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="Seconds each query may run before it is stopped (answered 503).",
)
# Until 0.1 '--timeout' was the per-query deadline here, while on every other command it ends the
# command itself: it is read as --query-timeout for one more release, with a warning.
@click.option("--timeout", "old_timeout", type=float, default=None, hidden=True)
@click.option("--workers", default=2, show_default=True, help="Query worker processes (queries run at once).")
@click.option("--allow-service", "allow_service", multiple=True, metavar="HOST[:PORT]",
              help="A host SERVICE may call (repeatable; '*' allows any). By default SERVICE is refused.")  # fmt: skip
@click.option("--cors", "cors", multiple=True, metavar="ORIGIN",
              help="Let web pages from ORIGIN (https://host[:port]; repeatable; '*': any) read the answers "
                   "(CORS). Off by default: any page a user visits could otherwise query this server.")  # fmt: skip
@DATA_OPTION
def serve_command(
    host: str, port: int, query_timeout: float, old_timeout: float | None, workers: int,
    allow_service: tuple[str, ...], cors: tuple[str, ...], data_files: tuple[Path, ...],
) -> None:  # fmt: skip
    """Serve the workspace's graph as a read-only SPARQL 1.1 endpoint, with a page of the named queries."""
    from kg.graph.workspace import open_workspace
    from kg.web.app import serve

    if old_timeout is not None:
        click.echo(
            "kg serve: --timeout is deprecated here and will mean what it means on every other command (end the "
            f"command) in the next release; serving with --query-timeout {old_timeout:g} as it meant so far.",
            err=True,
        )
        query_timeout = old_timeout
    if not 0 < query_timeout <= 86400:  # NaN fails the comparison too
        raise click.BadParameter("must be more than 0 and at most 86400 seconds", param_hint="'--query-timeout'")
    open_workspace()  # created or brought up to date here, once, before the query workers open it
    interrupt_ends_normally()
    serve(data_files, host, port, workers=workers, timeout=query_timeout, allow_service=allow_service, cors=cors)


@click.command("publish")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    required=True,
    help="The folder to write the site into: new, empty, or an earlier kg publish output (replaced).",
)
@click.option(
    "--base-url",
    "base_url",
    metavar="URL",
    default=None,
    help="The address the site will be published at (http or https): its sitemap, robots.txt and dataset "
    "description name pages by it [default: https://w3id.org/smartcity-kg/, where the IRIs resolve], and "
    "DIR/w3id.htaccess, written only with this option, sends https://w3id.org/smartcity-kg/ there.",
)
@timeout_option("Stop after SECONDS and exit 2; nothing is written then.")
def publish_command(out_dir: Path, base_url: str | None) -> None:
    """Write the workspace's graph as a static linked-data site: a page and Turtle, JSON-LD, N-Triples and
    RDF/XML per resource, the ontology's documentation, the participation report, dumps with SHA-256
    checksums, VoID, a sitemap, and the rules that make the IRIs resolve (.htaccess, 404.html;
    w3id.htaccess with --base-url).

    Links between pages are relative: serve the folder with any static web server
    (python -m http.server -d DIR) or open DIR/index.html from the file system.
    """
    from kg.graph.embedded import KnowledgeGraph
    from kg.web.publish import publish
    from kg.web.sitemap import SAFE_URL

    if base_url is not None and not re.fullmatch(SAFE_URL, base_url):
        raise click.BadParameter(
            "must be an http or https address (a host, maybe a port and a path of letters, digits, '.', '_', '~', "
            "'-', '/'), such as https://example.org/smartcity-kg/",
            param_hint="'--base-url'",
        )
    record = publish(KnowledgeGraph.open(), out_dir, base_url=base_url)
    print(
        f"published {record['resources']} resources ({record['triples']} triples) into {shown(out_dir)} "
        f"in {record['seconds']:g} s; open {shown(out_dir / 'index.html')}",
        file=sys.stderr,
    )


def register(group: click.Group) -> None:
    """Add this module's commands to ``group`` (the ``kg`` group)."""
    for command in (push_command, serve_command, publish_command):
        group.add_command(command)
