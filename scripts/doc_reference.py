"""The generated reference pages' text: every kg command's --help, the named queries' #+ headers, the vocabulary.

cog runs these from docs/reference/cli.md, docs/reference/queries.md and docs/reference/vocabulary.md (the
ontology's sck: terms; `python scripts/refresh_docs.py` or `cog -r docs/reference/*.md`); tests/test_docs.py
runs `cog --check`, so no page can drift.
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


def vocabulary_reference() -> str:
    """Every sck: term of ontology/smartcity.ttl: classes, properties, individuals (docs/reference/vocabulary.md)."""
    import pyoxigraph as ox

    from kg.namespaces import PREFIXES, SCK, compact
    from kg.sources.files import ontology_path, read_rdf

    rdf, rdfs, owl = PREFIXES["rdf"], PREFIXES["rdfs"], PREFIXES["owl"]
    store = ox.Store()
    store.extend(read_rdf(ontology_path()).quads)

    def values(node: ox.NamedNode, predicate: str) -> list[str]:
        found = store.quads_for_pattern(node, ox.NamedNode(predicate), None, None)
        return sorted(q.object.value if isinstance(q.object, ox.Literal) else compact(q.object.value) for q in found)

    def curies(node: ox.NamedNode, predicate: str) -> str:
        return ", ".join(f"`{v}`" for v in values(node, predicate) if not v.startswith("_:")) or ""

    named = {q.subject for q in store if isinstance(q.subject, ox.NamedNode)}
    terms = sorted((node for node in named if node.value.startswith(SCK)), key=lambda node: node.value)
    classes, properties, others = [], [], []
    for term in terms:
        types = values(term, rdf + "type")
        deprecated = " (deprecated)" if "true" in values(term, owl + "deprecated") else ""
        name = f"`{compact(term.value)}`{deprecated}"
        label, comment = _cell(" ".join(values(term, rdfs + "label"))), _cell(" ".join(values(term, rdfs + "comment")))
        if "owl:Class" in types:
            defined = "defined (`owl:equivalentClass`)" if values(term, owl + "equivalentClass") else ""
            parents = ", ".join(part for part in (curies(term, rdfs + "subClassOf"), defined) if part)
            classes.append(f"| {name} | {label} | {comment} | {parents} |")
        elif any(t.endswith("Property") for t in types):
            kind = ", ".join(
                t.removeprefix("owl:") for t in types if t != "owl:FunctionalProperty" and t.startswith("owl:")
            )
            kind += ", functional" if "owl:FunctionalProperty" in types else ""
            domain, range_ = curies(term, rdfs + "domain"), curies(term, rdfs + "range")
            properties.append(f"| {name} | {kind} | {label} | {comment} | {domain} | {range_} |")
        else:
            shown = ", ".join(f"`{t}`" for t in types if t != "owl:NamedIndividual")
            others.append(f"| {name} | {shown} | {label} | {comment} |")
    tables = [
        (f"### Classes ({len(classes)})", "| term | label | comment | subclass of |", classes),
        (f"### Properties ({len(properties)})", "| term | kind | label | comment | domain | range |", properties),
        (f"### Individuals and other terms ({len(others)})", "| term | type | label | comment |", others),
    ]
    parts = []
    for title, header, rows in tables:
        rule = "|---" * header.count(" | ") + "|---|"
        parts.append("\n".join([title, "", header, rule, *rows]) + "\n")
    return "\n".join(parts)
