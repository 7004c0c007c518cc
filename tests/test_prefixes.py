"""The project's prefixes: documented in one table (docs/guide/prefixes.md), declared for queries that omit them."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from kg.errors import QueryError
from kg.graph.named import inference_hint
from kg.graph.remote.client import RemoteError, remote_sparql
from kg.graph.remote.endpoint import RemoteGraph
from kg.namespaces import ID, PREFIXES, expand
from kg.query.prologue import declare, mentioned_iris, undeclared_prefixes
from tests.components import EMPTY
from tests.conftest import ROOT, run_kg, workspace_copy

README = ROOT / "docs" / "guide" / "prefixes.md"
ROW = re.compile(r"^\| `([\w-]+):` \| `([^`]+)` \| (.*) \|$")


def readme_table() -> dict[str, tuple[str, str]]:
    """prefix -> (namespace, what lives there), from the table of prefixes in docs/guide/prefixes.md."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## ", 1)[0]
    return {m.group(1): (m.group(2), m.group(3)) for line in section.splitlines() if (m := ROW.match(line))}


def test_the_readme_table_lists_every_declared_prefix_with_its_namespace():
    table = readme_table()
    assert {prefix: namespace for prefix, (namespace, _) in table.items()} == PREFIXES


def test_every_example_in_the_table_names_something_in_the_graph(graph):
    examples = [c for _, what in readme_table().values() for c in re.findall(r"`([\w-]+:[\w.-]+)`", what)]
    assert examples
    for curie in examples:
        iri = expand(curie)
        assert iri is not None, curie
        assert graph.sparql(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}").boolean, curie


def test_every_namespace_of_the_data_is_a_declared_prefix_or_a_frameworks_items(graph):
    """Each namespace the data files (Turtle @prefix, SSSOM curie_map) abbreviate under the project's id space:
    a declared prefix, or the items of a framework or of an observation dataset (kg import-observations)."""
    frameworks = {
        str(i) for i in graph.sparql("SELECT ?id WHERE { ?f a sck:Framework ; dcterms:identifier ?id }").column("id")
    }
    datasets = {
        str(d).rsplit("/", 1)[0] + "/"
        for d in graph.sparql("SELECT ?d WHERE { ?d a <http://purl.org/linked-data/cube#DataSet> }").column("d")
    }
    allowed = set(PREFIXES.values()) | {f"{ID}{framework}/" for framework in frameworks} | datasets
    found = set()
    for path in [*ROOT.joinpath("data").rglob("*.ttl"), *ROOT.joinpath("data").rglob("*.sssom.tsv")]:
        text = path.read_text(encoding="utf-8")
        found |= {(path.name, ns) for ns in re.findall(r"@prefix\s+[\w-]*:\s*<([^>]+)>", text) if ns.startswith(ID)}
        found |= {(path.name, ns) for ns in re.findall(r"^#\s{2,}[\w-]+:\s+(\S+)$", text, re.M) if ns.startswith(ID)}
    assert found
    assert {(name, ns) for name, ns in found if ns not in allowed} == set()


def test_a_query_without_prefix_lines_runs(graph):
    rows = graph.sparql("SELECT ?kpi WHERE { ?kpi skos:inScheme fw:u4ssc ; sck:addresses aspect:voting }").rows
    assert [str(row[0]) for row in rows] == [PREFIXES["u4ssc"] + "SC-SH-SI-4C"]


def test_the_querys_own_prefix_wins(graph):
    ask = "ASK { fw:u4ssc a ?type }"
    assert graph.sparql(ask).boolean
    assert not graph.sparql("PREFIX fw: <https://example.org/other/>\n" + ask).boolean
    assert declare("PREFIX fw: <https://example.org/other/>\n" + ask).count("PREFIX fw:") == 1


def test_only_prefixes_used_outside_strings_and_comments_are_declared():
    text = 'SELECT * WHERE { ?s skos:prefLabel "fw:u4ssc" } # sck:Indicator\n'
    first = declare(text).splitlines()[0]
    assert first.startswith("PREFIX skos: ") and "fw:" not in first and "sck:" not in first
    assert declare("SELECT * WHERE { ?s ?p ?o }") == "SELECT * WHERE { ?s ?p ?o }"


BROKEN = """# a comment
SELECT ?kpi WHERE {
  ?kpi skos:inScheme %s .
  ?kpi skos:notation ?code ) .
}
"""


@pytest.mark.parametrize("framework", ["fw:u4ssc", "<https://w3id.org/smartcity-kg/id/framework/u4ssc>"])
def test_syntax_errors_point_at_the_users_line_and_column(tmp_path, framework):
    text = BROKEN % framework
    column = text.splitlines()[3].index(")") + 1
    query = tmp_path / "broken.rq"
    query.write_text(text, encoding="utf-8")
    run = run_kg("query", "--file", str(query))
    assert run.returncode == 2
    assert f"at line 4, column {column}:" in run.stderr, run.stderr


def _position(message: str) -> str:
    return re.search(r"at line \d+, column \d+", message).group()


def _where_the_bracket_is(text: str) -> str:
    line = text.splitlines()[1]
    return f"at line 2, column {line.index(')') + 1}"


# The same broken query with and without project prefixes: each error is where the user's ')' is.
PREFIXED = "SELECT ?s WHERE {\n  ?s a sck:Indicator ; ) }"
FULL = "SELECT ?s WHERE {\n  ?s a <https://w3id.org/smartcity-kg/ontology#Indicator> ; ) }"


def test_syntax_errors_in_python_point_at_the_users_line(graph):
    for text in (PREFIXED, FULL):
        with pytest.raises(QueryError) as error:
            graph.sparql(text)
        assert _position(str(error.value)) == _where_the_bracket_is(text)


@pytest.mark.network
def test_an_endpoint_is_sent_the_prefix_lines(oxigraph):
    """An Oxigraph server (here an empty graph of the session's one) knows none of the project's prefixes: the
    text sent must declare them."""
    endpoint = oxigraph.graph(EMPTY)
    text = "SELECT (STR(fw:u4ssc) AS ?iri) WHERE {}"
    with pytest.raises(RemoteError):  # the endpoint refuses the undeclared prefix when sent as it is
        remote_sparql(endpoint, text)
    assert [str(r[0]) for r in RemoteGraph(endpoint).sparql(text).rows] == [PREFIXES["fw"] + "u4ssc"]
    mine = "PREFIX fw: <https://example.org/>\n" + text
    assert [str(r[0]) for r in RemoteGraph(endpoint).sparql(mine).rows] == ["https://example.org/u4ssc"]


def _post(base: str, query: str) -> tuple[int, str]:
    data = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(f"{base}/sparql", data=data, headers={"Accept": "text/csv"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


@pytest.mark.network
def test_kg_serve_accepts_queries_without_prefix_lines(served):
    status, body = _post(served, "SELECT ?kpi WHERE { ?kpi skos:inScheme fw:u4ssc ; sck:addresses aspect:voting }")
    assert status == 200 and body.splitlines()[1] == PREFIXES["u4ssc"] + "SC-SH-SI-4C"
    for text in (PREFIXED, FULL):
        status, body = _post(served, text)
        assert status == 400 and _position(body) == _where_the_bracket_is(text), body
    status, body = _post(served, "SELECT * WHERE { SERVICE fw:elsewhere { ?s ?p ?o } }")
    assert status == 403 and "w3id.org" in body, body  # resolved with the declared prefix, then refused


def test_mentioned_iris_resolve_declared_and_default_prefixes():
    text = "PREFIX x: <https://example.org/>\nSELECT * WHERE { ?s a x:C, sck:Indicator, <https://example.org/D> }"
    assert mentioned_iris(text) >= {"https://example.org/C", PREFIXES["sck"] + "Indicator", "https://example.org/D"}


@pytest.mark.java
def test_a_defined_class_without_inferred_gets_a_one_line_hint(tmp_path, graph, pristine_workspace, warm_inference):
    """The CLI runs on a copy of the pristine workspace holding the session's warm inference: the named query
    reads it, as it would read any earlier run's (tests/test_reason.py tests the reasoner)."""
    defined = [
        str(c) for c in graph.sparql("SELECT ?c WHERE { ?c owl:equivalentClass ?d FILTER(isIRI(?c)) }").column("c")
    ]
    assert PREFIXES["sck"] + "CoreParticipationIndicator" in defined
    for iri in defined:
        hint = inference_hint(graph, f"SELECT ?x WHERE {{ ?x a <{iri}> }}")
        assert hint is not None and "--inferred" in hint and "\n" not in hint
    assert inference_hint(graph, "SELECT ?x WHERE { ?x a sck:Indicator }") is None
    query = tmp_path / "core.rq"
    query.write_text("SELECT ?x WHERE { ?x a sck:CoreParticipationIndicator }", encoding="utf-8")
    workspace = workspace_copy(pristine_workspace, tmp_path / "ws").folder
    warm_inference.into_workspace(workspace)
    env = {"KG_WORKSPACE": str(workspace)}
    run = run_kg("query", "--file", str(query), env=env)
    assert run.returncode == 0
    [line] = [line for line in run.stderr.splitlines() if "--inferred" in line]
    assert "sck:CoreParticipationIndicator" in line
    named = run_kg("query", "core-participation-kpis-inferred", env=env)  # its header says inferred: true
    assert named.returncode == 0 and "--inferred" not in named.stderr


@pytest.mark.parametrize("collection", ["", "qc", "claims"])
def test_named_queries_declare_every_prefix_they_use(collection):
    """Named queries run as written on any endpoint (tests/test_backends.py sends them unchanged)."""
    from kg.query.catalog import list_queries

    queries = list_queries(collection)
    assert queries
    assert {query.name: undeclared_prefixes(query.text) for query in queries if undeclared_prefixes(query.text)} == {}
