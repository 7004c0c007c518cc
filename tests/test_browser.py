"""The served page in a real browser: Debian's chromium driven by Selenium through chromium-driver.

The session's ``kg serve`` and browser (tests/components.py). The page is used as a person would: a named
query's form (no JavaScript needed), the same query opened in the editor, a query typed into the
editor, a result IRI followed to its resource page and back, the results downloaded as CSV; and
the same server is asked with urllib for Turtle by content negotiation. Screenshots go to each
test's tmp_path. Under CI (CI=true) a missing browser is a failure, not a skip: .ci/run
installs chromium and chromium-driver.

Run only these: ``pytest -m browser``.
"""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.namespaces import ID, PREFIXES

pytestmark = [pytest.mark.browser, pytest.mark.network]  # the browser reads a kg serve

ROOT = Path(__file__).resolve().parent.parent
WAIT = 20  # seconds any one thing may take to show in the page
POLL = 0.05  # seconds between looks (Selenium's default, 0.5 s, is most of what a test waits)


@pytest.fixture
def base(served):
    """The session's kg serve (tests/components.py)."""
    return served


def wait(driver, condition, seconds: float = WAIT):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds, poll_frequency=POLL).until(condition)


def css(selector: str):
    from selenium.webdriver.common.by import By

    return (By.CSS_SELECTOR, selector)


def shot(driver, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def remote_requests(driver, base: str) -> list[str]:
    """What the page has fetched from anywhere but this server (scripts, styles, fetch() calls)."""
    names = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    return [name for name in names if not name.startswith(base + "/")]


def open_home(driver, base: str) -> None:
    from selenium.webdriver.support import expected_conditions as ec

    driver.get(base + "/")
    wait(driver, ec.presence_of_element_located(css("#kg-editor .yasqe .CodeMirror")))


def result_cells(driver) -> list[list[str]]:
    """The editor's results table, as the text of its cells (row number column left out)."""
    rows = driver.find_elements(*css("#kg-editor .yasr table.dataTable tbody tr"))
    return [[cell.text for cell in row.find_elements(*css("td"))][1:] for row in rows]


def wait_for_results(driver, predicate, seconds: float = WAIT) -> list[list[str]]:
    found: list[list[str]] = []

    def ready(d):
        nonlocal found
        found = result_cells(d)
        return found and predicate(found)

    wait(driver, ready, seconds)
    return found


# The facts the page must show, read from the source data (not pinned here).
def _voter_participation() -> tuple[str, str, str]:
    """(IRI, notation, English name) of U4SSC's voter-participation indicator, from data/u4ssc/kpis.ttl."""
    store = ox.Store()
    store.load(path=str(ROOT / "data/u4ssc/kpis.ttl"), format=ox.RdfFormat.TURTLE)
    iri = ID + "u4ssc/SC-SH-SI-4C"
    skos = PREFIXES["skos"]

    def objects(predicate: str) -> list:
        return [q.object for q in store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(skos + predicate), None)]

    (notation,) = [n.value for n in objects("notation")]
    names = objects("prefLabel")
    (name,) = [n.value for n in names if n.language == "en"]
    return iri, notation, name


KPI, NOTATION, NAME = _voter_participation()


def has_name(rows: list[list[str]]) -> bool:
    return any(NAME in cell for cells in rows for cell in cells)


def test_the_home_page_loads_the_editor_from_this_server_only(browser, base, tmp_path):
    open_home(browser, base)
    shot(browser, tmp_path, "home")
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert any("/static/yasgui/yasgui.min.js" in r for r in resources)
    assert remote_requests(browser, base) == []
    # every named query has a form, which works without JavaScript, and an "Open in editor" button
    forms = browser.find_elements(*css("form[data-query]"))
    names = sorted(path.stem for path in (ROOT / "queries").glob("*.rq"))
    assert sorted(f.get_attribute("data-query") for f in forms) == names
    assert all(f.find_element(*css(".kg-open")).is_displayed() for f in forms)


def kpi_details_form(browser, base):
    """The home page's form of kpi-details, its code filled in with Voter Participation's."""
    open_home(browser, base)
    form = browser.find_element(*css("form[data-query='kpi-details']"))
    field = form.find_element(*css("input[name='code']"))
    field.clear()
    field.send_keys(NOTATION)
    return form


def test_a_named_query_with_a_parameter_runs_from_its_form(browser, base, tmp_path):
    from selenium.webdriver.support import expected_conditions as ec

    form = kpi_details_form(browser, base)
    form.find_element(*css("button:not([type='button'])")).click()  # the plain submit: no JavaScript involved
    wait(browser, ec.presence_of_element_located(css("table")))
    shot(browser, tmp_path, "named-query-form")
    assert urllib.parse.urlsplit(browser.current_url).path == "/queries/kpi-details"
    assert NAME in browser.find_element(*css("table")).text
    # the indicator's IRI links to its resource page here, still without JavaScript
    browser.find_element(*css("table a[href='/id/u4ssc/SC-SH-SI-4C.html']")).click()
    wait(browser, ec.url_contains("/id/u4ssc/SC-SH-SI-4C.html"))
    assert NAME in browser.find_element(*css("h1")).text
    browser.back()
    wait(browser, ec.url_contains("/queries/kpi-details"))


def test_a_named_query_opens_in_the_editor_with_its_parameter(browser, base, tmp_path):
    form = kpi_details_form(browser, base)
    form.find_element(*css(".kg-open")).click()
    rows = wait_for_results(browser, has_name)
    shot(browser, tmp_path, "named-query-editor")
    assert len(rows) == 1
    text = browser.execute_script("return window.kgYasgui.getTab().getYasqe().getValue()")
    assert f'"{NOTATION}"' in text  # the parameter, bound by the server


def test_an_inferred_query_opens_in_the_editor_on_the_inferred_endpoint(browser, base, served_workspace, tmp_path):
    from tests.conftest import run_kg

    name = "core-participation-kpis-inferred"  # the data asserts no sck:CoreParticipationIndicator
    cli = run_kg("query", name, "--format", "csv", env={"KG_WORKSPACE": str(served_workspace)})  # its inferences
    assert cli.returncode == 0, cli.stderr
    expected = list(csv.DictReader(io.StringIO(cli.stdout)))
    assert expected  # rows that rest on the reasoner's inferences
    open_home(browser, base)
    form = browser.find_element(*css(f"form[data-query='{name}']"))
    assert form.get_attribute("data-endpoint") == "/sparql/inferred"
    form.find_element(*css(".kg-open")).click()
    rows = wait_for_results(
        browser, lambda found: any(row and row[0] for row in found), seconds=WAIT
    )  # the served workspace holds the inferences
    shot(browser, tmp_path, "inferred-query-editor")
    assert len(rows) == len(expected)
    assert [row[1] for row in rows] == [row["code"] for row in expected]
    endpoint = browser.execute_script("return window.kgYasgui.getTab().getEndpoint()")
    assert endpoint == base + "/sparql/inferred"
    # a query opened afterwards that needs no inferences goes back to /sparql
    kpi_details_form(browser, base).find_element(*css(".kg-open")).click()
    wait_for_results(browser, has_name)
    assert browser.execute_script("return window.kgYasgui.getTab().getEndpoint()") == base + "/sparql"


def type_query(driver, text: str, close: bool = True) -> None:
    """Type ``text`` into the editor as keystrokes, after selecting what is there; ``close`` a completion list."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    driver.find_element(*css("#kg-editor .CodeMirror")).click()
    ActionChains(driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys(Keys.DELETE).perform()
    ActionChains(driver).send_keys(text).perform()
    if close:
        ActionChains(driver).send_keys(Keys.ESCAPE).perform()  # (it also takes the focus from the editor)


def run_editor(driver) -> None:
    driver.find_element(*css("#kg-editor .yasqe_queryButton")).click()


def test_a_typed_query_runs_and_its_iri_leads_to_the_resource_page_and_back(browser, base, tmp_path):
    from selenium.webdriver.support import expected_conditions as ec

    open_home(browser, base)
    type_query(browser, f'SELECT ?kpi ?name WHERE {{ ?kpi skos:notation "{NOTATION}" ; skos:prefLabel ?name }}')
    text = browser.execute_script("return window.kgYasgui.getTab().getYasqe().getValue()")
    assert f"PREFIX skos: <{PREFIXES['skos']}>" in text  # the project's prefix, added as it was typed
    run_editor(browser)
    rows = wait_for_results(browser, has_name)
    shot(browser, tmp_path, "typed-query")
    assert rows == [["u4ssc:SC-SH-SI-4C", f'"{NAME}"@en']]
    assert remote_requests(browser, base) == []
    link = browser.find_element(*css("#kg-editor .yasr table.dataTable tbody a.iri"))
    assert urllib.parse.urlsplit(link.get_attribute("href")).path == "/id/u4ssc/SC-SH-SI-4C.html"
    assert link.get_attribute("data-iri") == KPI
    link.click()
    wait(browser, ec.url_contains("/id/u4ssc/SC-SH-SI-4C"))
    wait(browser, ec.presence_of_element_located(css("h1")))
    shot(browser, tmp_path, "resource-page")
    assert NAME in browser.find_element(*css("h1")).text
    assert "itu.int" in browser.page_source  # its sources, as links
    browser.back()
    wait(browser, ec.presence_of_element_located(css("#kg-editor .yasqe .CodeMirror")))
    assert urllib.parse.urlsplit(browser.current_url).path == "/"


def downloaded(driver, suffix: str, before: set[Path]) -> Path:
    """The file the browser saved with ``suffix`` since ``before`` (its download folder then)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        new = [p for p in set(driver.downloads.iterdir()) - before if p.suffix == suffix]
        if new:
            return new[0]
        time.sleep(POLL)
    raise AssertionError(f"no {suffix} file was downloaded within {WAIT} s")


def test_results_download_as_csv_and_json(browser, base, tmp_path):
    open_home(browser, base)
    type_query(browser, f'SELECT ?kpi ?name WHERE {{ ?kpi skos:notation "{NOTATION}" ; skos:prefLabel ?name }}')
    run_editor(browser)
    wait_for_results(browser, has_name)
    before = set(browser.downloads.iterdir())
    browser.find_element(*css("#kg-editor .yasr_downloadIcon")).click()  # the table's download: CSV
    rows = list(csv.reader(io.StringIO(downloaded(browser, ".csv", before).read_text(encoding="utf-8"))))
    assert rows == [["kpi", "name"], [KPI, NAME]]
    before = set(browser.downloads.iterdir())
    browser.find_element(*css("#kg-editor .select_response")).click()  # the raw answer: SPARQL JSON
    browser.find_element(*css("#kg-editor .yasr_downloadIcon")).click()
    answer = json.loads(downloaded(browser, ".json", before).read_text(encoding="utf-8"))
    assert answer["head"]["vars"] == ["kpi", "name"]
    assert [(b["kpi"]["value"], b["name"]["value"]) for b in answer["results"]["bindings"]] == [(KPI, NAME)]


def test_the_editor_completes_the_ontologys_terms(browser, base, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    open_home(browser, base)
    type_query(browser, "SELECT * WHERE { ?kpi a sck:Indic", close=False)
    ActionChains(browser).key_down(Keys.CONTROL).send_keys(" ").key_up(Keys.CONTROL).perform()
    hints = wait(browser, lambda d: [h.text for h in d.find_elements(*css(".CodeMirror-hints li"))])
    shot(browser, tmp_path, "completion")
    assert "sck:Indicator" in hints
    assert all(h.startswith("sck:Indic") for h in hints)
    text = browser.execute_script("return window.kgYasgui.getTab().getYasqe().getValue()")
    assert f"PREFIX sck: <{PREFIXES['sck']}>" in text
    assert remote_requests(browser, base) == []  # the completions came from this server


def test_content_negotiation_on_the_same_server(base):
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(base + "/id/u4ssc/SC-SH-SI-4C", headers={"Accept": "text/turtle"})
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.build_opener(NoRedirect).open(request, timeout=WAIT)
    assert (answer.value.code, answer.value.headers["Location"]) == (303, "/id/u4ssc/SC-SH-SI-4C.ttl")
    with urllib.request.urlopen(request, timeout=WAIT) as followed:
        assert followed.headers["Content-Type"].startswith("text/turtle")
        store = ox.Store()
        store.load(followed.read(), format=ox.RdfFormat.TURTLE)
    names = store.quads_for_pattern(ox.NamedNode(KPI), ox.NamedNode(PREFIXES["skos"] + "prefLabel"), None)
    assert NAME in [q.object.value for q in names]


def test_the_editors_files_are_served_with_types_and_cache_headers(base):
    expected = {
        "/static/yasgui/yasgui.min.js": "text/javascript",
        "/static/yasgui/yasgui.min.css": "text/css",
        "/static/editor.js": "text/javascript",
        "/static/yasgui/LICENSE": "text/plain",
    }
    for path, media in expected.items():
        with urllib.request.urlopen(base + path, timeout=WAIT) as answer:
            assert answer.headers["Content-Type"].split(";")[0] == media
            assert answer.read() == (ROOT / "kg/web/static" / path.removeprefix("/static/")).read_bytes()
            etag, cache = answer.headers["ETag"], answer.headers["Cache-Control"]
        assert "max-age" in cache
        again = urllib.request.Request(base + path, headers={"If-None-Match": etag})
        with pytest.raises(urllib.error.HTTPError) as unchanged:
            urllib.request.urlopen(again, timeout=WAIT)
        assert unchanged.value.code == 304
    for path in ("/static/../pyproject.toml", "/static/yasgui/yasgui.min.js.map", "/static/nothing.js"):
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base + path, timeout=WAIT)
        assert missing.value.code == 404


def test_a_shared_link_opens_its_query_in_the_editor(browser, base, tmp_path):
    open_home(browser, base)
    query = f'SELECT ?kpi WHERE {{ ?kpi skos:notation "{NOTATION}" }}'
    browser.execute_script("window.kgYasgui.getTab().getYasqe().setValue(arguments[0])", query)
    link = browser.execute_script("return window.kgYasgui.getTab().getShareableLink()")
    assert link.startswith(base + "/"), link
    open_home(browser, base)  # afresh: nothing is kept in the browser's storage
    assert browser.execute_script("return window.kgYasgui.getTab().getYasqe().getValue()") != query
    browser.get("about:blank")  # as if opened in a new tab: the link differs from the page only by its #...
    browser.get(link)
    value = "return window.kgYasgui && window.kgYasgui.getTab().getYasqe().getValue()"
    wait(browser, lambda d: d.execute_script(value))
    assert browser.execute_script(value) == query, link


def test_a_named_querys_text_comes_with_its_parameters_bound(base):
    from kg.query.catalog import list_queries

    (named,) = [q for q in list_queries() if q.name == "kpi-details"]
    url = f"{base}/queries/kpi-details?{urllib.parse.urlencode({'code': NOTATION, 'format': 'sparql'})}"
    with urllib.request.urlopen(url, timeout=WAIT) as answer:
        assert answer.headers["Content-Type"].startswith("application/sparql-query")
        text = answer.read().decode("utf-8")
    assert text.startswith(f"# {named.title}: ") and "\n#+" not in text
    assert f'"{NOTATION}"' in text
    run = f"{base}/sparql?{urllib.parse.urlencode({'query': text})}"
    with urllib.request.urlopen(urllib.request.Request(run, headers={"Accept": "text/csv"}), timeout=WAIT) as answer:
        rows = list(csv.DictReader(io.StringIO(answer.read().decode("utf-8"))))
    assert [(row["kpi"], row["name"]) for row in rows] == [(KPI, NAME)]
    with pytest.raises(urllib.error.HTTPError) as refused:  # its required parameter left out
        urllib.request.urlopen(f"{base}/queries/kpi-details?format=sparql", timeout=WAIT)
    message = refused.value.read().decode("utf-8")
    assert refused.value.code == 400 and message.count("\n") == 1 and "code" in message
