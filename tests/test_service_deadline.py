"""SERVICE calls of local queries end by their deadline (issue 21): kg.graph.remote.service's relay.

A silent endpoint or one that sends a byte at a time (tests/hostile_servers.py) held ``kg query`` until
it was killed; now each call has --endpoint's deadline, set short here through KG_REMOTE_TIMEOUT. The
graph is an empty in-memory one: the deadline is about the call, not the data.
"""

from __future__ import annotations

import json
import time

import pytest

from kg.errors import QueryError
from kg.graph.embedded import KnowledgeGraph
from kg.graph.remote import service
from tests.conftest import run_kg
from tests.hostile_servers import one_sentence

ANSWER = {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "from afar"}}]}}


@pytest.fixture
def empty() -> KnowledgeGraph:
    return KnowledgeGraph.load(bundled=False)


@pytest.mark.parametrize("mode", ["silent", "slow"])
def test_a_silent_or_dripping_endpoint_ends_by_the_deadline_with_exit_2(hostile, tmp_path, mode):
    address = hostile.address(mode, "0.2")
    query = tmp_path / "far.rq"
    query.write_text(f"SELECT ?x WHERE {{ SERVICE <{address}> {{ ?x ?p ?o }} }}\n")
    started = time.monotonic()
    run = run_kg("query", "--file", str(query), "--no-bundled", env={"KG_REMOTE_TIMEOUT": "0.5"})
    assert one_sentence(run, started, 10) == (
        f"kg: {query}: the SERVICE call at {address} failed: no complete answer within 0.5 s "
        "(KG_REMOTE_TIMEOUT sets this limit); check the address and the server."
    )


def test_the_python_api_goes_on_after_a_stuck_call(hostile, empty, monkeypatch, tmp_path):
    """The process is not held: the relay forgets the failed query's route, and the next call (through a
    prefixed name) gives the endpoint's rows."""
    monkeypatch.setenv("KG_REMOTE_TIMEOUT", "0.5")
    with pytest.raises(QueryError, match=r"^query: the SERVICE call at .* no complete answer within 0\.5 s"):
        empty.sparql(f"SELECT * WHERE {{ SERVICE <{hostile.address('silent')}> {{ ?x ?p ?o }} }}")
    assert service._relay_of_process().routes == {}
    answer = tmp_path / "answer.srj"
    answer.write_text(json.dumps(ANSWER))
    folder, _, name = hostile.address("file", str(answer)).rpartition("/")
    rows = empty.sparql(f"PREFIX far: <{folder}/> SELECT ?x WHERE {{ SERVICE far:{name} {{ ?x ?p ?o }} }}")
    assert rows.dicts() == [{"x": "from afar"}]
    assert hostile.requests(folder) == 1


def test_service_silent_gives_the_empty_solution_after_the_deadline(hostile, empty, monkeypatch):
    monkeypatch.setenv("KG_REMOTE_TIMEOUT", "0.5")
    results = empty.sparql(f"SELECT * WHERE {{ SERVICE SILENT <{hostile.address('silent')}> {{ ?x ?p ?o }} }}")
    assert results.dicts() == [{"x": None, "p": None, "o": None}]  # one solution, nothing bound


@pytest.mark.parametrize(
    ("clause", "shown"),
    [("SERVICEx:q { }", "'SERVICEx:q'"), ("SERVICE <urn:x:y> { }", "SERVICE <urn:x:y>")],
    ids=["glued", "not-http"],
)
def test_a_call_that_cannot_be_bounded_is_refused_before_it_runs(empty, clause, shown):
    with pytest.raises(QueryError) as refused:
        empty.sparql(f"PREFIX x: <http://127.0.0.1:9/> SELECT * WHERE {{ {clause} }}")
    assert str(refused.value) == (
        f"query: {shown} cannot be called: kg calls other endpoints only at an absolute http(s) address "
        "written apart after SERVICE (e.g. SERVICE <https://example.org/sparql> { ... }); write it so."
    )
