"""Resource pages read like LodView or Wikidata (kg.web.resourceview, frameworkview, browse, voidpage).

Everything is read from the session's one ``kg publish`` output and one ``kg serve``
(tests/components.py), the expected answers from the U4SSC source table and the graph.
"""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from tests.test_site import links_of

pytestmark = pytest.mark.slow

ID = "https://w3id.org/smartcity-kg/id/"
VOTER = ID + "u4ssc/SC-SH-SI-4C"
PREFIX = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX sssom: <https://w3id.org/sssom/>
PREFIX sck: <https://w3id.org/smartcity-kg/ontology#> """


def _section(page: str, start: str, end: str = "</section>") -> str:
    part = page[page.index(start) :]
    return part[: part.index(end)]


def _values(graph, query: str) -> list[tuple[str, ...]]:
    return [tuple(term.value for term in row) for row in graph.store.query(PREFIX + query)]


def test_the_u4ssc_page_lists_its_indicators_by_dimension_and_tier(published_site: Path, u4ssc_rows, graph):
    page = (published_site / "id/framework/u4ssc.html").read_text(encoding="utf-8")
    indicators = _section(page, "<section id='indicators'>", "<section id='queries'>")
    assert f"<h2>Indicators ({len(u4ssc_rows)})</h2>" in indicators
    listed: dict[tuple[str, str], set[str]] = {}
    for dimension in re.split(r"<section id='dimension-\d+'>", indicators)[1:]:
        name = re.search(r"<h3><a [^>]*>([^<]+) <small>", dimension).group(1)
        for tier_part in re.split(r"<h4>", dimension)[1:]:
            tier = re.match(r"<a [^>]*>([^<]+) <small>", tier_part).group(1)
            count = int(re.search(r"\((\d+)\)</h4>", tier_part).group(1))
            codes = set(re.findall(r"<td><code>([^<]+)</code></td>", tier_part))
            assert len(codes) == count
            listed[(name, tier)] = codes
    expected: dict[tuple[str, str], set[str]] = {}
    for row in u4ssc_rows:
        expected.setdefault((row["dimension"], row["tier"]), set()).add(row["code"])
    assert listed == expected
    # its participation share, as the named query 'frameworks' counts it
    share = next(int(row[4]) for row in graph.query("frameworks").rows if str(row[0]) == ID + "framework/u4ssc")
    assert f"{share} of its {len(u4ssc_rows)} indicators" in indicators
    # the indicators' own sources stay on their pages: the framework's sources name none of them
    sources = _section(page, "<h2>Sources</h2>")
    assert not re.search(r"href='\.\./u4ssc/[A-Z]{2}-", sources)


def test_a_kpi_page_has_identifiers_groups_mappings_and_inline_blank_nodes(published_site: Path, u4ssc_rows, graph):
    page = (published_site / "id/u4ssc/SC-SH-SI-4C.html").read_text(encoding="utf-8")
    row = next(r for r in u4ssc_rows if r["code"] == "SC: SH: SI: 4C")
    ids = _section(page, "<dl class='ids'", "</dl>")
    assert f"<code>{row['code']}</code>" in ids and f"<code>{VOTER}</code>" in ids
    un = _values(graph, f"SELECT ?o {{ <{VOTER}> ?p ?o FILTER(STRSTARTS(STR(?o), 'http://metadata.un.org/')) }}")
    assert un and all(f"href='{iri}'" in ids for (iri,) in un)
    headings = re.findall(r"<h2>([^<(]+)", page)
    order = ["What it is", "Where it sits in its framework", "Participation coding", "Mappings ", "Sources",
             "Links to it ", "Named queries that mention it"]  # fmt: skip
    assert [h for h in headings if h in order] == order
    # the participation coding names its rule, linked
    for (rule,) in _values(graph, f"SELECT ?r {{ ?c sck:indicator <{VOTER}> ; sck:codingRule ?r }}"):
        path = urllib.parse.quote(rule.removeprefix(ID))
        assert f"href='../{path}.html'" in _section(page, "<section id='participation'>")
    # one mappings row per SSSOM row naming it, with its confidence
    mappings = _section(page, "<section id='mappings'>")
    rows = _values(graph, f"SELECT ?c {{ ?m sssom:subject_id|sssom:object_id <{VOTER}> ; sssom:confidence ?c }}")
    assert rows and mappings.count("<tr><td>") == len(rows)
    assert Counter(re.findall(r"<td>([\d.]+) <small>xsd:double</small></td>", mappings)) == Counter(c for (c,) in rows)
    # blank nodes (the evidence items) inline, none left as dead text
    assert "<table class='bnode'>" in page and "[a blank node]" not in page
    # the links to it, by property, each with its count
    incoming = _section(page, "<section id='incoming'>")
    counts = _values(graph, f"SELECT ?p (COUNT(*) AS ?n) {{ ?s ?p <{VOTER}> }} GROUP BY ?p")
    for predicate, n in counts:
        if not predicate.startswith("https://w3id.org/sssom/"):
            assert re.search(rf"title='{re.escape(predicate)}'>.*?</a> \({n}\)</h3>", incoming)


def test_the_index_reaches_every_resource_through_its_browse_pages(published_site: Path):
    index = published_site / "index.html"
    browse = [index.parent / link for link in links_of(index) if link.startswith("browse/")]
    assert browse and len(links_of(index)) < 500  # no longer one list of every resource
    reached = {(page.parent / link).resolve() for page in browse for link in links_of(page)}
    pages = {p.resolve() for p in (published_site / "id").rglob("*.html")}
    assert pages <= reached


def _get(url: str) -> str:
    request = urllib.request.Request(url, headers={"Accept": "text/html"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return answer.read().decode("utf-8")


@pytest.mark.network
def test_void_and_the_service_description_show_names_not_raw_iris(served: str):
    for path, names in (("/void", ["void:triples", "formats:Turtle", "skos:", "Classes ("]),
                        ("/sparql", ["sd:endpoint", "sd:resultFormat", "formats:SPARQL_Results_JSON"])):  # fmt: skip
        page = _get(served + path)
        assert all(name in page for name in names), path
        texts = re.findall(r"<a [^>]*>([^<]*)</a>", page)
        raw = [t for t in texts if t.startswith(("http://www.w3.org", "http://rdfs.org", "http://purl.org"))]
        assert not raw, (path, raw)
