"""Search by label or code, and the editor agreeing with the named queries (issue 23, items 4 and 6).

The session's kg serve, browser and kg publish output (tests/components.py). The served search is
the named query search-labels (queries/search-labels.rq): what its page lists is compared with the
rows the same query gives on the session's graph, not with pinned rows. The static site's search
reads the index kg publish wrote, from the file system. The editor's part: the project's prefixes
are known to the editor's parser, the federated query asks for its endpoint and a refused query
throws no JavaScript error (the browser's console, read through the driver), and the named-query
links on a resource page run.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.web.search import MAX_TEXT, QUERY
from tests.test_browser import KPI, NAME, NOTATION, css, open_home, wait

pytestmark = pytest.mark.network  # the session's kg serve; the browser's tests are marked browser too
WAIT = 20


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=WAIT) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def found(graph, text: str) -> list[str]:
    """The IRIs the named query finds for ``text`` on the session's graph, in its order."""
    return [str(row[0]) for row in graph.query(QUERY, text=text).rows]


def page_of(iri: str) -> str:
    return "/id/" + iri.removeprefix("https://w3id.org/smartcity-kg/id/") + ".html"


def result_links(page: str) -> list[str]:
    """The first cell's links of the results table (id='search-results') of a search page."""
    table = page.partition("id='search-results'")[2].partition("</table>")[0]
    return re.findall(r"<tr><td><a href='([^']*)'", table)


def test_the_search_page_lists_what_the_named_query_finds(served, graph):
    expected = found(graph, "voter")
    assert KPI in expected
    status, page = get(f"{served}/search?{urllib.parse.urlencode({'text': ' VOTER '})}")  # any case, trimmed
    assert status == 200
    assert result_links(page) == [page_of(iri) for iri in expected]
    assert f"<td>{NOTATION}</td>" in page and "sck:Indicator" in page
    status, page = get(f"{served}/search?{urllib.parse.urlencode({'text': NOTATION.lower()})}")  # by code
    assert result_links(page)[0] == page_of(KPI)
    status, data = get(f"{served}/queries/{QUERY}?{urllib.parse.urlencode({'text': 'voter', 'format': 'json'})}")
    assert [b["resource"]["value"] for b in json.loads(data)["results"]["bindings"]] == expected
    status, page = get(f"{served}/search")  # no text: the form, which needs no JavaScript
    assert status == 200 and "<label for='kg-search-text'>" in page and "action='/search'" in page
    status, message = get(f"{served}/search?text={'x' * (MAX_TEXT + 1)}")
    assert status == 400 and message.count("\n") == 1


def test_the_kpi_pages_named_query_links_run(served):
    status, page = get(f"{served}{page_of(KPI)}")
    links = re.findall(r"href='(/queries/[^']*)'", page)
    assert any(link.startswith("/queries/kpi-details?") for link in links), links
    for link in links:
        status, body = get(served + link.replace("&amp;", "&"))
        assert status == 200, (link, body)
    status, body = get(f"{served}/queries/kpi-details")
    assert status == 400  # the parameter the link carries is needed


def test_the_federated_query_asks_for_its_endpoint(served):
    status, message = get(f"{served}/queries/sdg-labels-federated?format=csv")
    assert status == 400 and message.startswith("give sdg_endpoint:") and message.count("\n") == 1
    status, home = get(f"{served}/")
    field = re.search(r"<input name='sdg_endpoint'[^>]*>", home)
    assert field and "required" in field.group() and "value=" not in field.group()


def test_the_static_sites_index_lists_every_page(published_site):
    index = json.loads((published_site / "search" / "index.json").read_text(encoding="utf-8"))
    assert index["columns"][:4] == ["label", "code", "type", "path"]
    paths = [row[3] for row in index["rows"]]
    pages = sorted(p.relative_to(published_site).as_posix() for p in (published_site / "id").rglob("*.html"))
    assert sorted(urllib.parse.unquote(path) for path in paths) == pages
    (row,) = [row for row in index["rows"] if row[1] == NOTATION]
    assert row[:4] == [NAME, NOTATION, "sck:Indicator", page_of(KPI).lstrip("/")]
    script = (published_site / "search" / "index.js").read_text(encoding="utf-8")
    assert json.loads(script.removeprefix("window.kgSearchIndex=").removesuffix(";\n")) == index["rows"]


def search_in_page(browser, text: str) -> list:
    from selenium.webdriver.support import expected_conditions as ec

    field = browser.find_element(*css("#kg-search-text"))
    field.clear()
    field.send_keys(text)
    field.submit()
    wait(browser, ec.presence_of_element_located(css("#search-results")))
    return browser.find_elements(*css("#search-results tr td:first-child a"))


@pytest.mark.browser
def test_search_finds_voter_on_the_served_home_page(browser, served, graph):
    open_home(browser, served)
    links = search_in_page(browser, "voter")
    assert [a.get_attribute("href") for a in links] == [served + page_of(iri) for iri in found(graph, "voter")]
    next(a for a in links if a.text == NAME).click()
    wait(browser, lambda d: d.current_url == served + page_of(KPI))
    assert browser.find_element(*css("h1")).text == NAME


@pytest.mark.browser
def test_search_finds_voter_on_the_static_site_from_the_file_system(published_site, browser):
    browser.get(Path(published_site, "index.html").as_uri())
    links = search_in_page(browser, "Voter")
    assert browser.current_url.startswith(Path(published_site, "search.html").as_uri())
    kpi = next(a for a in links if a.text == NAME)
    assert kpi.get_attribute("href") == Path(published_site, page_of(KPI).lstrip("/")).as_uri()
    kpi.click()
    wait(browser, lambda d: d.find_element(*css("h1")).text == NAME)


def parse_errors(browser, text: str) -> int:
    """How many parse errors the editor marks in ``text``."""
    script = "var y = kgYasgui.getTab().getYasqe(); y.setValue(arguments[0]); y.checkSyntax(); return y.queryValid"
    valid = browser.execute_script(script, text)
    return len(browser.find_elements(*css("#kg-editor .parseErrorIcon"))) + (0 if valid else 1)


@pytest.mark.browser
def test_the_editor_knows_the_servers_prefixes_and_a_refused_query_throws_nothing(browser, served):
    from selenium.webdriver.support import expected_conditions as ec

    open_home(browser, served)
    browser.get_log("browser")  # what earlier pages logged is not this test's
    assert parse_errors(browser, "SELECT ?k WHERE { ?k a sck:Indicator ; skos:inScheme fw:u4ssc } LIMIT 1") == 0
    assert parse_errors(browser, "SELECT ?k WHERE { ?k a nowhere:Indicator } LIMIT 1") == 2  # still marked
    form = browser.find_element(*css("form[data-query='sdg-labels-federated']"))
    button = form.find_element(*css(".kg-open"))
    browser.execute_script("arguments[0].scrollIntoView()", button)
    button.click()  # no endpoint given: the browser asks for it, nothing is sent
    field = form.find_element(*css("input[name='sdg_endpoint']"))
    assert browser.execute_script("return arguments[0].matches(':invalid')", field)
    field.send_keys("http://127.0.0.1:9/sparql")  # refused: kg serve was not started with --allow-service
    button.click()
    wait(browser, ec.text_to_be_present_in_element(css("#kg-editor .yasr"), "is refused"))
    errors = [e for e in browser.get_log("browser") if e["source"] == "javascript"]
    assert errors == []
