"""The pages for people using a keyboard, a screen reader or a small screen: axe-core in the real browser.

axe-core (tests/vendor/axe.min.js, the npm package, vendored with its licence: nothing is fetched
when the tests run) is injected into five pages of the session's ``kg serve``, read in the session's
browser (tests/components.py): the home page with the editor, a resource page (U4SSC's voter
participation KPI), a framework page (U4SSC), the ontology page and a named query's result page.
Each must have no serious or critical violation at 1400 px, and at 400 px the document must not
scroll sideways (long IRIs wrap, wide things scroll in their own box). The icon every page links
is answered by kg serve and written by kg publish (kg.web.access).
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.namespaces import ID, PREFIXES
from kg.web.access import FAVICON, favicon
from kg.web.resources import local_path
from tests.components import CHROMIUM_FLAGS

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "tests" / "vendor" / "axe.min.js"
WIDE, NARROW, HEIGHT = 1400, 400, 1000
BLOCKING = ("serious", "critical")  # axe's impacts that fail a page; "moderate" and "minor" are reported only
KPI_CODE = "SC-SH-SI-4C"  # U4SSC's Voter Participation, the KPI tests/test_browser.py reads from data/u4ssc/kpis.ttl
PAGES = {
    "home": "/",
    "resource": f"{local_path(ID + 'u4ssc/' + KPI_CODE)}.html",
    "framework": f"{local_path(PREFIXES['fw'] + 'u4ssc')}.html",
    "ontology": "/ontology.html",
    "result": "/queries/kpi-details?" + urllib.parse.urlencode({"code": KPI_CODE}),
}
_WINDOW = next(tuple(map(int, f.split("=")[1].split(","))) for f in CHROMIUM_FLAGS if f.startswith("--window-size="))


def _violations(driver) -> list[tuple[str, str, int, str]]:
    """axe-core's violations on the page shown: (rule id, impact, nodes, first node's selector).

    All of axe's rules but "region" (content outside landmarks: at most moderate, and a third of axe's time on
    the framework page); the layout's landmarks are checked by :func:`_load`.
    """
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations'], rules: {region: {enabled: false}}}).then("
        "  r => done(r.violations.map(v => [v.id, v.impact, v.nodes.length, v.nodes[0].target.join(' ')])),"
        "  e => done([['axe-error', 'critical', 0, String(e)]]));"
    )


def _load(driver, url: str, home: bool) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    wait = WebDriverWait(driver, 20, poll_frequency=0.05)
    if home:  # the editor drawn, and editor-a11y.js done with it (its last step: the add-tab button is a tab)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#kg-editor .tabsList .addTab[role='tab']"))
    assert driver.find_elements(By.CSS_SELECTOR, "main#main h1"), f"{url} has no main landmark with a heading"


@pytest.mark.browser
@pytest.mark.network
@pytest.mark.parametrize("page", PAGES)
def test_a_page_passes_axe_and_does_not_scroll_sideways_at_400_px(browser, served, page):
    url = served + PAGES[page]
    try:
        browser.set_window_size(WIDE, HEIGHT)
        _load(browser, url, page == "home")
        found = [v for v in _violations(browser) if v[1] in BLOCKING]
        assert found == [], f"axe-core on {PAGES[page]}: {found}"
        if page == "home":
            _focus_is_visible(browser)
        browser.set_window_size(NARROW, HEIGHT)  # the same page laid out again: reading the widths waits for it
        widths = browser.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"{PAGES[page]} scrolls sideways at {NARROW} px: {widths}"
    finally:
        browser.set_window_size(*_WINDOW)  # as the session's other tests expect it


def _focus_is_visible(driver) -> None:
    """The first Tab shows the skip link, which leads to main; the editor shows a ring when it has the focus."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    skip = driver.switch_to.active_element
    assert skip.get_attribute("class") == "skip-link" and skip.get_attribute("href").endswith("#main")
    assert skip.location["x"] >= 0 and skip.value_of_css_property("outline-style") == "solid"
    driver.find_element(By.CSS_SELECTOR, "#kg-editor .CodeMirror").click()
    ring = driver.find_element(By.CSS_SELECTOR, "#kg-editor .CodeMirror-focused")
    assert ring.value_of_css_property("outline-style") == "solid"
    assert float(ring.value_of_css_property("outline-width").removesuffix("px")) >= 2


@pytest.mark.network
def test_kg_serve_answers_the_icon_every_page_links(served):
    with urllib.request.urlopen(served + PAGES["resource"], timeout=30) as answer:
        assert f"<link rel='icon' type='image/svg+xml' href='/{FAVICON}'>" in answer.read().decode("utf-8")
    for path in (f"/{FAVICON}", "/favicon.ico"):
        with urllib.request.urlopen(served + path, timeout=30) as answer:
            assert answer.headers["Content-Type"] == "image/svg+xml"
            assert answer.read() == favicon()


@pytest.mark.slow
def test_kg_publish_writes_the_icon_and_links_it_relatively(published_site):
    assert (published_site / FAVICON).read_bytes() == favicon()
    index = (published_site / "index.html").read_text(encoding="utf-8")
    page = (published_site / PAGES["resource"].lstrip("/")).read_text(encoding="utf-8")
    assert f"href='{FAVICON}'" in index and f"href='../../{FAVICON}'" in page
    assert "<main id='main'>" in page and "<a class='skip-link' href='#main'>" in page
