"""One cheap check of each real component, so that the quick run (``-m "not slow"``) touches them all.

HermiT on Java (through Owlready2), the Oxigraph server, Virtuoso 7 and Chromium (through Selenium):
each test uses the session's component as the rest of the suite does (tests/components.py), started
but not loaded with the bundled graph, so each costs about its component's start. Marked ``smoke``:
tests/conftest.py keeps them out of ``slow`` although they run Java, a server or a browser. Under
CI=true a missing component fails here as everywhere.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.graph.remote.client import remote_sparql
from kg.graph.remote.push import push
from kg.sources.files import RdfDocument

pytestmark = pytest.mark.smoke

EX = "https://example.org/smoke/"
LINKED = "https://w3id.org/smartcity-kg/ontology#SmokeTestLinked"  # kg keeps the memberships of sck: classes only
TINY = f"""\
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix ex: <{EX}> .
ex:Thing a owl:Class .
ex:p a owl:ObjectProperty .
<{LINKED}> a owl:Class ;
    owl:equivalentClass [ a owl:Restriction ; owl:onProperty ex:p ; owl:someValuesFrom ex:Thing ] .
ex:a a owl:NamedIndividual ; ex:p ex:b .
ex:b a owl:NamedIndividual , ex:Thing .
"""
SMOKE_GRAPH = "urn:smartcity-kg:test-smoke"


def tiny(tmp_path: Path) -> RdfDocument:
    path = tmp_path / "tiny.ttl"
    path.write_text(TINY, encoding="utf-8")
    return RdfDocument(path, list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)))


def stored_triples(endpoint: str) -> int:
    return int(remote_sparql(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0])


@pytest.mark.java
def test_hermit_classifies_an_individual_into_a_defined_class(tmp_path):
    from kg.reasoning.reasoner import reason

    inference = reason([tiny(tmp_path)], "hermit")
    assert inference.reasoner == "hermit"
    assert inference.memberships.get(LINKED) == [EX + "a"]  # the data never says it: HermiT infers it


@pytest.mark.network
def test_the_oxigraph_server_stores_what_is_pushed_and_answers(oxigraph_process, tmp_path):
    document = tiny(tmp_path)
    assert push(oxigraph_process.store, [document], SMOKE_GRAPH, replace=True) == len(document.quads)
    assert stored_triples(oxigraph_process.graph(SMOKE_GRAPH)) == len(document.quads)


@pytest.mark.network
def test_virtuoso_stores_what_is_pushed_and_answers(virtuoso_process_shared, tmp_path):
    document = tiny(tmp_path)
    store = virtuoso_process_shared.sparql.removesuffix("/sparql") + "/sparql-graph-crud"
    assert push(store, [document], SMOKE_GRAPH, replace=True) == len(document.quads)
    endpoint = virtuoso_process_shared.sparql + "?" + urllib.parse.urlencode({"default-graph-uri": SMOKE_GRAPH})
    assert stored_triples(endpoint) == len(document.quads)


@pytest.mark.browser
@pytest.mark.network
def test_chromium_shows_the_served_home_page(browser, served):
    from selenium.webdriver.common.by import By

    browser.get(served + "/")
    assert browser.title == "smartcity-kg"
    assert browser.find_element(By.TAG_NAME, "h1").text == "smartcity-kg"
