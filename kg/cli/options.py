"""The options and helpers the ``kg`` commands share: --data, --endpoint, --reasoner, the graph they read.

kg.cli.group (the group and the query commands) and the command modules (kg.cli.study, kg.cli.server,
kg.cli.workspace) import them from here, so that no command module imports another.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from kg.cli.boundary import time_left, timeout_given

if TYPE_CHECKING:
    from kg.graph.protocol import Graph
    from kg.graph.remote.endpoint import RemoteGraph


def out_file(_ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    """An --out FILE checked before the command's work: a device, FIFO, socket or folder is refused at once
    (kg.output.file_target; the write checks again)."""
    if value is not None:
        from kg.output import file_target

        file_target(value)
    return value


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
ENDPOINT_OPTION = click.option(
    "--endpoint",
    metavar="URL",
    help="Work on this SPARQL 1.1 endpoint's graph instead of the workspace's "
    "(credentials from KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD).",
)
ENGINE_OPTION = click.option(
    "--engine",
    type=click.Choice(["auto", "pyshacl", "oxigraph"]),
    default="auto",
    show_default=True,
    help="The SHACL engine for the shapes check, as for 'kg validate'.",
)


def bound_remote_requests() -> None:
    """Requests to endpoints end by the command's --timeout too, and say so (else KG_REMOTE_TIMEOUT or 30 s)."""
    from kg.graph.remote.call import set_limits

    left, given = time_left(), timeout_given()
    if left is not None and given is not None:
        # What is left of it, rounded ("within 1.9 s", not "within 1.9805 s"); the message names the option as given.
        set_limits(timeout=round(left, 1), option=f"--timeout {given:g} s")


def remote_graph(endpoint: str) -> RemoteGraph:
    """The graph of the SPARQL endpoint at ``endpoint``, its requests bounded by the command's --timeout."""
    from kg.graph.remote.endpoint import RemoteGraph

    bound_remote_requests()
    return RemoteGraph(endpoint)


def graph_for(data_files: tuple[Path, ...] = (), endpoint: str | None = None) -> Graph:
    """The graph a reading command works on: the workspace's (plus --data files) or an endpoint's (kg.graph.protocol).

    Raises click.UsageError for --data with --endpoint.
    """
    if endpoint is None:
        from kg.graph.embedded import KnowledgeGraph

        return KnowledgeGraph.open(data_files)
    if data_files:
        raise click.UsageError("--data applies to the embedded graph, not to --endpoint")
    return remote_graph(endpoint)
