"""The same rows on every store: the embedded graph, an Oxigraph server and Virtuoso Open Source 7.

Both servers are the session's (tests/components.py), loaded once with the bundled graph (Oxigraph
through the Graph Store Protocol, as `kg push` sends it; Virtuoso from N-Triples written by
pyoxigraph, through isql-vt), and stopped by process id.

How answers are compared, exactly:

- the variables, in order, must be the same;
- every term must be the same term: IRIs by their text; literals by lexical form, datatype and
  language tag (so "3.3"^^xsd:decimal equals only "3.3"^^xsd:decimal: no numeric normalisation,
  the queries emit the same lexical forms); an unbound value only equals an unbound value;
  blank nodes, which no named query returns, would be compared as "some blank node";
- rows in order when the query has a top-level ORDER BY (a line starting "ORDER BY"), else as
  sorted lists (the same rows, the same number of times).

Covered: every named query but sdg-labels-federated, which calls a second endpoint through
SERVICE; those whose header says ``inferred: true`` run where the servers also hold the OWL
reasoner's inferences (Virtuoso: a second graph, named by a second default-graph-uri; Oxigraph:
the graph `kg push --inferred` loaded). Also every claim check with the
parameters its claim gives, and the queries of `kg report` for each framework of the graph. Where the two engines read
SPARQL 1.1 differently, the query says how it is written to agree in its ``#+ portability:``
header. Under CI=true a missing virtuoso-t fails these tests (tests/servers.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from kg import get_query, list_queries
from kg.analysis.claims import read_claims
from kg.analysis.report import QUERIES as REPORT_QUERIES
from kg.analysis.report import collect, to_markdown
from kg.graph.named import bind_named
from kg.graph.remote.client import remote_sparql
from kg.graph.remote.endpoint import RemoteGraph
from kg.query.results import Results, render
from kg.query.tables import is_number
from tests.components import GROUPS
from tests.conftest import ROOT, run_kg
from tests.servers import kg_server

pytestmark = pytest.mark.network  # the session's servers: each test in its component's xdist group (GROUPS)

SCK, ID = "https://w3id.org/smartcity-kg/ontology#", "https://w3id.org/smartcity-kg/id/"
NOT_COMPARED = {"sdg-labels-federated": "calls a second endpoint through SERVICE"}
CLAIMS = ROOT / "data" / "claims"
NAMED = [q for q in list_queries() if not q.inferred and q.name not in NOT_COMPARED]
INFERRED = [q for q in list_queries() if q.inferred]
# A test given one store by name reads it through request.getfixturevalue: its xdist group is set here.
STORES = [pytest.param(name, marks=pytest.mark.xdist_group(GROUPS[name])) for name in ("oxigraph", "virtuoso")]


@pytest.fixture
def oxigraph(oxigraph_server):
    """The session's Oxigraph server (tests/components.py): the endpoint of the graph kg push uploaded."""
    return oxigraph_server.query


@pytest.fixture
def oxigraph_inferred(oxigraph_server):
    """The endpoint of what kg push --inferred uploaded there: the graph, the inferences and their marker."""
    return oxigraph_server.inferred


@pytest.fixture
def virtuoso(virtuoso_server):
    """The session's Virtuoso (tests/components.py): the endpoint of the bundled graph alone."""
    return virtuoso_server.bundled


@pytest.fixture
def virtuoso_inferred(virtuoso_server):
    """Virtuoso's query endpoint for the bundled graph and the inferences: two default-graph-uri parameters."""
    return virtuoso_server.inferred


def terms(results: Results) -> list[tuple[str | None, ...]]:
    """Rows as tuples of N-Triples terms (lexical form, datatype, language); blank nodes masked."""
    return [
        tuple(None if t is None else "_:b" if t.n3().startswith("_:") else t.n3() for t in row) for row in results.rows
    ]


def ordered(text: str) -> bool:
    """Whether the query orders its answer: an ORDER BY at the start of a line (not a sub-select's)."""
    return re.search(r"(?m)^ORDER BY\b", text) is not None


def assert_same(graph, named, params: dict[str, str], endpoints: dict[str, str]) -> None:
    local = graph.query(named, **params)
    expected = terms(local) if ordered(named.text) else sorted(terms(local), key=repr)
    text = bind_named(named, params)
    for store, endpoint in endpoints.items():
        answer = remote_sparql(endpoint, text)
        got = terms(answer) if ordered(named.text) else sorted(terms(answer), key=repr)
        assert answer.variables == local.variables, f"{named.name} on {store}"
        assert got == expected, f"{named.name} {params} on {store}"


@pytest.mark.parametrize("query", NAMED, ids=lambda q: q.name)
def test_every_named_query_gives_the_same_rows_on_every_store(graph, virtuoso, oxigraph, query):
    """Virtuoso asked for first: the group's first test starts it (seconds) before waiting for the session's warm
    inference (tests/conftest.py), which another xdist worker may be making meanwhile."""
    params = query.example_parameters()
    assert_same(graph, query, params, {"oxigraph": oxigraph, "virtuoso": virtuoso})


@pytest.mark.java
@pytest.mark.parametrize("query", INFERRED, ids=lambda q: q.name)
def test_inferred_queries_give_the_same_rows_on_every_store(graph, oxigraph_inferred, virtuoso_inferred, query):
    assert_same(graph, query, {}, {"oxigraph": oxigraph_inferred, "virtuoso": virtuoso_inferred})


def test_every_claim_check_gives_the_same_answer_on_every_store(graph, oxigraph, virtuoso):
    claims = [claim for claim in read_claims(graph) if claim.query is not None]
    tested = sum(path.read_text(encoding="utf-8").count("sck:testedBy") for path in CLAIMS.glob("*.ttl"))
    assert len(claims) == tested > 0
    for claim in claims:
        assert_same(graph, get_query(claim.query), claim.parameters, {"oxigraph": oxigraph, "virtuoso": virtuoso})


def test_the_report_numbers_agree_for_every_framework(graph, oxigraph, virtuoso):
    frameworks = [str(f) for f in graph.query("frameworks").column("framework")]
    assert len(frameworks) == 5  # the SDG framework twice: its 2019 and 2025 editions
    for framework in frameworks:
        for name in REPORT_QUERIES:
            named = get_query(name)
            params = {"framework": framework} if "framework" in named.parameters else {}
            assert_same(graph, named, params, {"oxigraph": oxigraph, "virtuoso": virtuoso})


def test_kg_query_runs_unchanged_on_virtuoso(virtuoso):
    """The endpoint address carries default-graph-uri: nothing Virtuoso-specific in kg."""
    run = run_kg("query", "kpis-by-dimension", "--endpoint", virtuoso, "--format", "csv")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[1:3] == ["Economy,core,24,45,53.3,26.4", "Economy,advanced,21,45,46.7,23.1"]


def test_the_portability_notes_are_read():
    assert "Virtuoso 7 divides two integers as integers" in get_query("kpis-by-dimension").portability
    assert get_query("aspect-coverage").portability == ""


def test_ask_on_virtuoso_reads_its_one_row_answer(virtuoso):
    """Virtuoso 7 answers ASK with a table (one row ?__ASK_RETVAL = 1, or none), which kg reads as yes or no."""
    assert remote_sparql(virtuoso, "ASK { ?s a <https://w3id.org/smartcity-kg/ontology#Framework> }").boolean is True
    assert remote_sparql(virtuoso, "ASK { ?s a <https://w3id.org/smartcity-kg/ontology#Nothing> }").boolean is False


@pytest.fixture(scope="module")
def local_commands(tmp_path_factory):
    """claims, check and suggest run once on the local graph: what each store's run must print (command, run)."""
    folder = tmp_path_factory.mktemp("suggest")
    sheet = folder / "mine.csv"  # suggest reads the aspects and their labels from the graph
    sheet.write_text("code,name,dimension,tier\nD6,Participatory budgeting share of capital budget,Governance,core\n")
    (folder / "mine.meta.csv").write_text(
        "key,value\ntitle,Mine\npublisher,Me\nyear,2026\nsource,https://example.org/\n"
    )
    commands = (("claims", "--format", "csv"), ("check",), ("suggest", str(sheet), "--format", "csv"))
    return [(command, run_kg(*command)) for command in commands]


@pytest.mark.parametrize("store", STORES)
def test_claims_check_and_suggest_print_the_same_on_every_store(store, request, local_commands):
    """The commands built on queries run on an endpoint through kg.graph.remote.endpoint.RemoteGraph, unchanged."""
    endpoint = request.getfixturevalue(store)
    for command, local in local_commands:
        remote = run_kg(*command, "--endpoint", endpoint)
        assert (remote.returncode, remote.stdout) == (local.returncode, local.stdout), (command, remote.stderr)
        assert local.returncode == 0 and local.stdout.count("\n") > 1


REPORTED = ("fw:u4ssc", "fw:iso37120")


@pytest.fixture(scope="module")
def local_reports(graph):
    """report.md of each REPORTED framework from the local graph (what kg report writes there), made once."""
    return {framework: to_markdown(collect(graph, framework)) for framework in REPORTED}


@pytest.mark.parametrize("store", STORES)
def test_the_report_is_the_same_on_every_store(store, request, tmp_path, local_reports):
    """kg report --endpoint writes the local report.md (its charts drawn from the store's answers); the second
    framework's report.md is compared as its text, without drawing the same charts again."""
    endpoint = request.getfixturevalue(store)
    first, second = REPORTED
    run = run_kg("report", "--framework", first, "--out", str(tmp_path), "--endpoint", endpoint)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "report.md").read_text(encoding="utf-8") == local_reports[first]
    assert {path.suffix for path in tmp_path.iterdir()} == {".md", ".html", ".png"}
    assert to_markdown(collect(RemoteGraph(endpoint), second)) == local_reports[second]
    assert local_reports[first] != local_reports[second]


@pytest.fixture(scope="module")
def answers_with_numbers(graph, oxigraph_server, virtuoso_server):
    """Each named query whose local answer holds a number: its local answer and each store's, asked once for the
    three formats (name, named query, local, [Oxigraph's, Virtuoso's])."""
    found = []
    for named in NAMED:
        params = named.example_parameters()
        local = graph.query(named, **params)
        if any(is_number(term) for row in local.terms() for term in row):
            stores = (oxigraph_server.query, virtuoso_server.bundled)
            found.append((named, local, [RemoteGraph(endpoint).query(named, **params) for endpoint in stores]))
    return found


@pytest.mark.parametrize("fmt", ["csv", "tsv", "table"])
def test_numbers_are_written_the_same_whatever_store_answered(answers_with_numbers, fmt):
    """Every named query that returns numbers prints the same cells from every store (kg.query.tables.canonical_number).

    Virtuoso writes a confidence of 1 (xsd:double) as "1.0" where Oxigraph writes "1": the
    stores' own lexical forms differ, the printed cells do not.
    """
    with_numbers, differing = [], set()
    for named, local, remotes in answers_with_numbers:
        with_numbers.append(named.name)
        expected = lines(render(local, fmt), named)
        for store, remote in zip(("oxigraph", "virtuoso"), remotes, strict=True):
            assert lines(render(remote, fmt), named) == expected, f"{named.name} on {store}"
            if lexical_numbers(remote) != lexical_numbers(local):
                differing.add(named.name)
    assert {"sdg-links", "u4ssc-counterparts", "kpis-by-dimension"} <= set(with_numbers)  # confidence, shares
    assert "sdg-links" in differing  # the case canonical numbers are for: the stores wrote them differently


def lines(text: str, named) -> list[str]:
    """The rendered answer's lines, the rows sorted unless the query orders them (the header first)."""
    every = text.splitlines()
    return every if ordered(named.text) else every[:1] + sorted(every[1:])


def lexical_numbers(results: Results) -> list[str]:
    """The numbers of the answer as the store wrote them, sorted (no canonical form)."""
    return sorted(t.value for row in results.terms() for t in row if is_number(t))


def test_an_unknown_framework_is_an_error_on_every_store(oxigraph, virtuoso):
    for endpoint in (oxigraph, virtuoso):
        run = run_kg("report", "--framework", "fw:nosuch", "--out", "unused", "--endpoint", endpoint)
        assert run.returncode == 2 and run.stderr.startswith("kg: the graph has no framework fw:nosuch")


@pytest.mark.parametrize("store", STORES)
def test_construct_and_describe_give_the_same_triples_on_every_store(graph, store, request):
    endpoint = request.getfixturevalue(store)
    kpi = "<https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C>"
    for text in (f"CONSTRUCT {{ {kpi} ?p ?o }} WHERE {{ {kpi} ?p ?o }}", f"CONSTRUCT WHERE {{ {kpi} ?p ?o }}"):
        local, remote = graph.sparql(text), remote_sparql(endpoint, text)
        assert remote.variables == ["subject", "predicate", "object"]
        assert sorted(terms(remote), key=repr) == sorted(terms(local), key=repr) and len(local) > 5


def without_origins(report: str) -> str:
    """A validation report without the "(in FILE or ENDPOINT)" that says where each node was read."""
    return re.sub(r"(?m)  \(in [^)]*\)$", "", report)


def test_validating_the_whole_graph_on_an_endpoint(virtuoso, oxigraph):
    """Every store gives the page numbers back as the data types them (xsd:integer), so each conforms as the
    local graph does: an Oxigraph server after kg push, Virtuoso after loading the same graph (kg serve:
    tests/test_conformance.py, on the session's served workspace, where the served group's worker runs it)."""
    local = run_kg("validate")
    assert local.returncode == 0, local.stdout + local.stderr
    for endpoint in (oxigraph, virtuoso):
        run = run_kg("validate", "--endpoint", endpoint)
        assert run.returncode == 0, f"{endpoint}: {run.stdout}{run.stderr}"
        assert run.stdout.startswith("Conforms: ") and "satisfies every shape" in run.stdout


@pytest.mark.parametrize("store", STORES)
def test_a_planted_bad_page_number_is_a_violation_on_every_store(planted, store, request):
    """The planted pages: "-3"^^xsd:integer and a printed "0"^^xsd:positiveInteger fail, "03"^^xsd:positiveInteger
    (data typed before xsd:integer) passes, with the same report on each engine locally and at each endpoint (the
    reference engine, pySHACL, at Virtuoso; the pyoxigraph stores give back the local graph's literal forms).

    One run per store's xdist group: [oxigraph] also checks the local engines' agreement and kg serve (pyoxigraph's
    literal forms, as the Oxigraph server's), [virtuoso] the store that writes literals its own way."""
    local = run_kg("validate", str(planted))
    assert local.returncode == 1, local.stdout + local.stderr
    assert local.stdout.startswith("Does not conform: 2 violation(s) on 2 node(s).")
    assert "page-minus-three" in local.stdout and "page-zero" in local.stdout and "written-before" not in local.stdout
    check = _planted_on_oxigraph if store == "oxigraph" else _planted_on_virtuoso
    for endpoint, engine in check(planted, request, local.stdout):
        run = run_kg("validate", "--engine", engine, "--endpoint", endpoint)
        assert run.returncode == 1, f"{endpoint}: {run.stdout}{run.stderr}"
        assert without_origins(run.stdout) == without_origins(local.stdout), (endpoint, engine)


def _planted_on_oxigraph(planted, request, local: str) -> Iterator[tuple[str, str]]:
    """pySHACL's local report is the auto engine's (``local``); then kg serve --data and the session's Oxigraph
    server, in a graph of this test's own (pushed twice: the second push adds to the first), each with the auto
    engine."""
    reference = run_kg("validate", "--engine", "pyshacl", str(planted))
    assert reference.returncode == 1 and reference.stdout == local
    oxigraph, mine = request.getfixturevalue("oxigraph_server"), "urn:smartcity-kg:test-planted"
    with kg_server("--workers", "1", "--data", str(planted)) as served:
        for files in ((), (str(planted),)):
            run = run_kg("push", *files, "--endpoint", oxigraph.store, "--graph", mine)
            assert run.returncode == 0, run.stderr
        yield f"{served}/sparql", "auto"
        yield oxigraph.graph(mine), "auto"


def _planted_on_virtuoso(planted, request, local: str) -> Iterator[tuple[str, str]]:
    """The session's Virtuoso, holding the bundled graph and the planted pages: the auto engine and pySHACL."""
    endpoint = request.getfixturevalue("virtuoso_server").planted
    yield endpoint, "auto"
    yield endpoint, "pyshacl"


@pytest.mark.parametrize("store", STORES)
def test_python_parameter_values_bind_alike_on_an_endpoint(graph, store, request, u4ssc_rows):
    """RemoteGraph.query takes the Python values KnowledgeGraph.query takes, and binds them alike."""
    import datetime

    import kg
    from kg.graph.remote.endpoint import RemoteGraph

    remote = RemoteGraph(request.getfixturevalue(store))
    stated = len(u4ssc_rows)  # an int, as a notebook passes it
    assert (
        remote.query("indicator-count", stated=stated).dicts() == graph.query("indicator-count", stated=stated).dicts()
    )
    framework = kg.IRI("https://w3id.org/smartcity-kg/id/framework/u4ssc")
    assert (
        remote.query("participation-kpis", framework=framework).dicts()
        == graph.query("participation-kpis", framework=framework).dicts()
    )
    with pytest.raises(kg.QueryError, match="parameter code"):
        remote.query("kpi-details", code=datetime.date(2026, 11, 30))
