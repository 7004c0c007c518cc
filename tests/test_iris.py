"""The project's IRIs stay short and stable (issue 23): none over 120 characters but the retired ones, every retired
IRI replaced by one the graph describes, and ``kg serve`` answering a retired IRI 301 to its replacement.

What is expected is read from the data: the framework sheets whose description says ``name_iris,replaced``
and the codes of their groupings (the UN's goal and target numbers of the SDG sheets).
"""

from __future__ import annotations

import csv
import http.client
import re
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

from kg.namespaces import ID, PREFIXES
from kg.web.negotiate import PAGE_EXTENSIONS
from kg.web.redirects import retired_iris

ROOT = Path(__file__).resolve().parent.parent
FRAMEWORKS = ROOT / "data" / "frameworks"
LONGEST = 120
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RETIREMENT = {PREFIXES["rdfs"] + "label", PREFIXES["dcterms"] + "isReplacedBy", PREFIXES["owl"] + "deprecated"}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _moves() -> dict[str, str]:
    """Old IRI -> new, from the sheets: each coded grouping's IRI as its name made it -> as its code makes it."""
    moves = {}
    for meta in sorted(FRAMEWORKS.glob("*/*.meta.csv")):
        if {"key": "name_iris", "value": "replaced"} not in _rows(meta):
            continue
        framework = meta.name.removesuffix(".meta.csv")
        ns = f"{ID}{framework}/"
        for row in _rows(meta.with_name(f"{framework}.csv")):
            names: list[str] = []
            for column in ("dimension", "sub_dimension", "category"):
                if row.get(column):
                    names.append(re.sub(r"[^A-Za-z0-9]+", "-", row[column]).strip("-").lower())
                    if row.get(f"{column}_code"):
                        kind, code = column.replace("_", ""), row[f"{column}_code"].replace(".", "-")
                        moves[f"{ns}{kind}-{'-'.join(names)}"] = f"{ns}{kind}-{code}"
    return moves


def test_no_project_iri_is_over_120_characters_but_the_retired_ones(graph):
    """Every IRI of the project's namespace in the graph is short, or retired and nothing but its retirement record.

    Other hosts' IRIs (the pages of ITU's flipbooks, lines of GitHub files cited as sources) are theirs to name.
    """
    store = graph.store
    retired = retired_iris(store)
    long = {}
    for quad in store:
        for term in (quad.subject, quad.predicate, quad.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(ID) and len(term.value) > LONGEST:
                long.setdefault(term.value, set()).add((term == quad.subject, quad.predicate.value))
    assert long, "no long IRI at all: the retired SDG goal and target IRIs are missing"
    assert set(long) <= set(retired), f"long IRIs in use: {sorted(set(long) - set(retired))[:3]}"
    used = {iri: uses for iri, uses in long.items() if uses - {(True, predicate) for predicate in RETIREMENT}}
    assert not used, f"a retired IRI is used beyond its retirement record: {next(iter(used.items()))}"
    assert max(len(new) for new in retired.values()) <= LONGEST


def test_every_retired_iri_is_replaced_by_the_grouping_its_code_names(graph):
    """The retired IRIs are exactly the sheets' coded groupings' name IRIs; each keeps its label, and its
    replacement is a typed grouping of the same label with the code as its notation."""
    store = graph.store
    expected = _moves()
    assert len(expected) == 2 * (17 + 169)  # the two SDG editions: 17 goals and 169 targets each
    assert retired_iris(store) == expected
    skos = PREFIXES["skos"]
    for old, new in expected.items():
        (label,) = [
            q.object for q in store.quads_for_pattern(ox.NamedNode(old), ox.NamedNode(PREFIXES["rdfs"] + "label"), None)
        ]
        assert [
            q.object for q in store.quads_for_pattern(ox.NamedNode(new), ox.NamedNode(skos + "prefLabel"), None)
        ] == [label]
        assert list(store.quads_for_pattern(ox.NamedNode(new), RDF_TYPE, None)), new
        (notation,) = [
            q.object.value for q in store.quads_for_pattern(ox.NamedNode(new), ox.NamedNode(skos + "notation"), None)
        ]
        assert new.endswith("-" + notation.replace(".", "-"))
        assert not list(store.quads_for_pattern(ox.NamedNode(old), RDF_TYPE, None))


def test_the_sdg_goals_and_targets_match_the_un_sdg_kos_iris(graph):
    """Each 2019 goal and target is skos:exactMatch the UN SDG KOS concept of its number (data/reference/sdg-kos.tsv)"""
    with (ROOT / "data" / "reference" / "sdg-kos.tsv").open(encoding="utf-8", newline="") as handle:
        kos = {row["code"]: row["iri"] for row in csv.DictReader(handle, delimiter="\t") if row["kind"] != "indicator"}
    rows = graph.sparql(
        "SELECT ?code ?un WHERE { ?group skos:inScheme fw:sdg-participation ; skos:notation ?code ; "
        "skos:exactMatch ?un FILTER NOT EXISTS { ?group a sck:Indicator } }"
    )
    assert {(str(code), str(un)) for code, un in rows} == set(kos.items())


def test_kg_serve_answers_a_retired_iri_301_to_its_replacement_in_every_format(served):
    """The IRI itself and each of its documents (.html, .ttl ...) move to the replacement's; the new one answers."""
    old = max(_moves().items(), key=lambda move: len(move[0]))
    address = urllib.parse.urlsplit(served)
    paths = [urllib.parse.quote("/id/" + iri[len(ID) :]) for iri in old]
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        for extension in (None, *sorted(PAGE_EXTENSIONS)):
            suffix = f".{extension}" if extension else ""
            connection.request("GET", paths[0] + suffix, headers={"Accept": "text/turtle"})
            answer = connection.getresponse()
            answer.read()
            assert (answer.status, answer.getheader("Location")) == (301, paths[1] + suffix), extension
        connection.request("GET", paths[1] + ".ttl")
        answer = connection.getresponse()
        body = answer.read()
        assert answer.status == 200
        triples = ox.parse(body, format=ox.RdfFormat.TURTLE, base_iri=old[1])
        assert any(t.subject == ox.NamedNode(old[1]) and t.predicate == RDF_TYPE for t in triples)
    finally:
        connection.close()
