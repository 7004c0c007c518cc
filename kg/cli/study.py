"""The ``kg`` commands that study the graph: claims, report, reason, suggest and links check.

Each is a thin click layer over the Python API (kg.analysis.claims, kg.analysis.report,
kg.reasoning.reasoner, kg.analysis.suggest, kg.sources.sssom); kg.cli.group adds them to its group
through ``register``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli.boundary import timeout_option
from kg.cli.listings import format_option, inference_rows
from kg.cli.options import DATA_OPTION, ENDPOINT_OPTION, REASONER_OPTION, bound_remote_requests, graph_for, out_file
from kg.errors import EXIT_VIOLATIONS, shown
from kg.query.params import framework_iri
from kg.query.results import RESULT_FORMATS, render


@click.command("claims")
@click.option("--format", "-f", "fmt", type=click.Choice(RESULT_FORMATS), default="table", show_default=True)
@DATA_OPTION
@ENDPOINT_OPTION
@timeout_option()
def claims_command(fmt: str, data_files: tuple[Path, ...], endpoint: str | None) -> None:
    """Check the study's claims against the data: claim, study says, data says, verdict.

    Exit 0 whatever the verdicts; 2 if a claim's query fails. --data adds claims (or data)
    of your own.
    """
    from kg.analysis.claims import check_claims, verdict_table

    verdicts = check_claims(graph_for(data_files, endpoint))
    click.echo(render(verdict_table(verdicts), fmt), nl=False)


@click.command("report")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("report"),
    show_default=True,
    help="Directory to write report.md, report.html and the charts into (created if needed).",
)
@click.option(
    "--framework", default="u4ssc", show_default=True, help="The framework to audit: its id, a CURIE or its IRI."
)
@click.option(
    "--editions",
    type=click.Choice(["current", "all"]),
    default="current",
    show_default=True,
    help="Which editions of each framework the comparison shows: the latest (current) or every one (all).",
)
@ENDPOINT_OPTION
@timeout_option()
def report_command(out_dir: Path, framework: str, editions: str, endpoint: str | None) -> None:
    """Write a participation audit of a framework: report.md with PNG charts and a self-contained report.html.

    Every number in it is a query's answer; the files written are listed on stderr.
    """
    from kg.analysis.report import build_report

    iri = framework_iri(framework, name="--framework").value  # a malformed one is refused before any query
    for path in build_report(graph_for(endpoint=endpoint), out_dir, framework=iri, editions=editions):
        click.echo(f"wrote {shown(path)}", err=True)


@click.command("reason")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@REASONER_OPTION
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=out_file,
    help="Also write the inferred triples to FILE (Turtle).",
)
@format_option("one row per inferred class membership")
@timeout_option()
def reason_command(files: tuple[Path, ...], reasoner: str, out: Path | None, fmt: str | None) -> None:
    """Classify the workspace's graph (plus FILES) with an OWL reasoner and list what it inferred.

    Prints the class memberships the data does not assert, grouped by class, and caches the
    inferred triples for 'kg query --inferred' (a cached, verified answer for the same inputs and Java is
    read back instead of reasoning again). Exit 0 when consistent, 1 when the data
    contradicts the ontology (naming the culprit), 2 when no usable Java runtime is found.
    """
    from kg.graph.embedded import KnowledgeGraph
    from kg.output import write_turtle
    from kg.reasoning.reasoner import cached_reasoning, inference_summary

    inference = cached_reasoning(KnowledgeGraph.open(files).documents, reasoner)
    if out is not None:
        write_turtle(inference.graph, out)
        click.echo(f"wrote {len(inference.graph)} inferred triples to {shown(out)}", err=True)
    if fmt is None:
        click.echo(inference_summary(inference), nl=False)
    else:
        click.echo(render(inference_rows(inference), fmt), nl=False)
        click.echo(inference_summary(inference).splitlines()[0].rstrip(":"), err=True)


@click.command("suggest")
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
    from kg.analysis.suggest import as_results, aspect_labels, sheet_indicators, suggestions, uncoded_indicators

    graph = graph_for(data_files, endpoint)
    is_sheet = Path(framework).suffix.lower() in (".csv", ".xlsx")
    indicators = sheet_indicators(Path(framework)) if is_sheet else uncoded_indicators(graph, framework)
    found = suggestions(indicators, aspect_labels(graph), top=top)
    click.echo(render(as_results(found), fmt), nl=False)
    where = shown(Path(framework)) if is_sheet else framework
    if not indicators:  # an empty table says why (issue 24)
        click.echo(f"kg: note: every indicator of {where} is already coded (aspects or a coded cell): "
                   "nothing to propose.", err=True)  # fmt: skip
    elif not found:
        click.echo(f"kg: note: no participation aspect's label matched the name or measure of the "
                   f"{len(indicators)} uncoded indicator(s) of {where}: code them by hand.", err=True)  # fmt: skip


@click.group("links")
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
    from kg.analysis.links import check_links
    from kg.graph.embedded import KnowledgeGraph
    from kg.sources.sssom import link_tables

    chosen = list(tables) or link_tables()
    if endpoint:
        bound_remote_requests()
    problems = check_links(chosen, KnowledgeGraph.open(tables).documents, endpoint)
    for problem in problems:
        click.echo(str(problem))
    click.echo(f"{len(problems)} problem(s) in {len(chosen)} mapping table(s)", err=True)
    sys.exit(EXIT_VIOLATIONS if problems else 0)


def register(group: click.Group) -> None:
    """Add this module's commands to ``group`` (the ``kg`` group)."""
    for command in (claims_command, report_command, reason_command, suggest_command, links_group):
        group.add_command(command)
