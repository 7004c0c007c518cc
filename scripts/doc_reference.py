"""The generated reference pages' text: every kg command's --help, and the named queries from their #+ headers.

cog runs these from docs/reference/cli.md and docs/reference/queries.md (`python scripts/refresh_docs.py`
or `cog -r docs/reference/*.md`); tests/test_docs.py runs `cog --check`, so neither page can drift.
"""

from __future__ import annotations

import click
from click.testing import CliRunner


def _commands(group: click.Group, prefix: list[str]) -> list[list[str]]:
    found = []
    for name in sorted(group.list_commands(click.Context(group))):
        command = group.get_command(click.Context(group), name)
        if command is None or command.hidden:
            continue
        found.append([*prefix, name])
        if isinstance(command, click.Group):
            found += _commands(command, [*prefix, name])
    return found


def cli_reference() -> str:
    """`kg --help` and `kg COMMAND --help` for every command, each under its own heading."""
    from kg.cli.group import cli

    runner = CliRunner()
    parts = []
    for words in [[], *_commands(cli, [])]:
        shown = " ".join(["kg", *words])
        result = runner.invoke(cli, [*words, "--help"], prog_name="kg", terminal_width=100)
        assert result.exit_code == 0, f"{shown} --help failed: {result.output}"
        parts.append(f"## `{shown}`\n\n```text\n$ {shown} --help\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def queries_reference() -> str:
    """One table per collection (named, claims, qc): name, question, parameters with type, default and meaning."""
    from kg.query.catalog import list_queries

    parts = []
    for collection, title in (("", "Named queries"), ("claims", "Claim checks"), ("qc", "Quality-control queries")):
        lines = [f"## {title}", "", "| name | question | parameters |", "|---|---|---|"]
        for query in list_queries(collection):
            described = [
                f"`{p.name}` ({p.type}{'' if p.default is None else f', default `{p.default}`'}): {p.description}"
                for p in query.parameters.values()
            ]
            inferred = " (`inferred: true`)" if query.inferred else ""
            name = f"{collection}/{query.name}" if collection else query.name
            lines.append(f"| `{name}` | {_cell(query.question)}{inferred} | {_cell('; '.join(described)) or 'none'} |")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def claims_table() -> str:
    """The claims and their verdicts on the bundled graph, as `kg claims` checks them (docs/guide/claims.md)."""
    from kg.analysis.claims import check_claims
    from kg.graph.embedded import KnowledgeGraph

    lines = ["| claim | stated | data says | verdict |", "|---|---|---|---|"]
    for v in check_claims(KnowledgeGraph.load()):
        who = "" if "safranova" in (v.claim.made_by or "") else "(smartcity-kg) "
        lines.append(f"| {who}{_cell(v.claim.text)} | {_cell(v.claim.stated)} | {_cell(v.data_says)} | {v.verdict} |")
    return "\n".join(lines) + "\n"
