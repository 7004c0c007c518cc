"""The session's real components, started once and shared by every test that only reads them.

- ``served``: one ``kg serve`` (one query worker) on a copy of the session's pristine workspace;
- ``oxigraph``: one Oxigraph server. Its default graph holds what ``kg push`` uploads (the asserted
  graph); the graph PUSHED_INFERRED what ``kg push --inferred`` uploads (the graph, the reasoner's
  inferences and the marker saying they are there); SDG_SNAPSHOT the SDG labels snapshot alone; EMPTY
  nothing. A graph is read through the protocol's ``default-graph-uri`` (``OxigraphServer.graph``);
- ``virtuoso``: one Virtuoso 7. Its bulk loader loads the bundled graph (VIRTUOSO_GRAPH), the
  inferences alone (INFERRED_GRAPH) and planted bad page numbers (PLANTED_GRAPH); ``kg push
  --inferred`` to its /sparql-graph-crud loads PUSHED_INFERRED, as a user would;
- ``published_site``: one ``kg publish`` output;
- ``apache``: Debian's Apache httpd serving ``published_site`` with the rules of its generated .htaccess
  (included in the server's configuration, read once: as a .htaccess it would be read at every request), and a
  scratch folder at /scratch/ whose .htaccess files are read as such (AllowOverride All).

A test that writes to a server writes its own named graph, or starts its own server and is
marked ``serial``. Under pytest-xdist (``--dist loadgroup``) each test is put in the group of the
component it reads (GROUPS), so that one worker starts each component; a test reading two groups'
components starts the second on its worker too (correct, only slower). Under CI=true a missing
component fails (tests/servers.py, tests/test_browser.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import servers
from tests.servers import VIRTUOSO_GRAPH, _isql, kg_server, virtuoso_process, write_ntriples

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "data" / "links" / "snapshot.ttl"
PUSHED_INFERRED = "urn:smartcity-kg:pushed"  # what kg push --inferred uploads, in Oxigraph and in Virtuoso
SDG_SNAPSHOT = "urn:smartcity-kg:sdg-snapshot"
EMPTY = "urn:smartcity-kg:empty"
INFERRED_GRAPH = "urn:smartcity-kg:inferred"
PLANTED_GRAPH = "urn:smartcity-kg:planted"
PLANTED = """\
@prefix sck: <https://w3id.org/smartcity-kg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix doc: <https://w3id.org/smartcity-kg/id/document/> .
@prefix ex: <https://example.org/planted/> .

ex:page-minus-three a sck:Page ;
    dcterms:isPartOf doc:2017-u4ssc-collection-methodology ; sck:pageNumber "-3"^^xsd:integer .
ex:page-zero a sck:Page ;
    dcterms:isPartOf doc:2017-u4ssc-collection-methodology ;
    sck:pageNumber 3 ; sck:printedPage "0"^^xsd:positiveInteger .
ex:page-written-before a sck:Page ;
    dcterms:isPartOf doc:2017-u4ssc-collection-methodology ; sck:pageNumber "03"^^xsd:positiveInteger .
"""

# The xdist group of each component: the tests reading it run on one worker, which starts it once.
GROUPS = {
    "served": "served",
    "browser": "served",
    "served_workspace": "served",
    "oxigraph": "oxigraph",
    "oxigraph_server": "oxigraph",
    "oxigraph_process": "oxigraph",
    "virtuoso": "stores",
    "virtuoso_server": "stores",
    "virtuoso_process_shared": "stores",
    "published_site": "site",
    "apache": "site",
}

# A test reading components of several groups runs where the costliest of them starts (Virtuoso: seconds; a
# second Oxigraph server, loaded from the session's inferences, is half a second).
COSTLIER = ("stores",)


def _with_graphs(endpoint: str, *graphs: str) -> str:
    return endpoint + "?" + urllib.parse.urlencode([("default-graph-uri", graph) for graph in graphs])


def pytest_itemcollected(item: pytest.Item) -> None:
    """Each test in the xdist group of the first shared component it asks for (the COSTLIER group if it asks for
    one of its components; unless it names a group);
    a ``serial`` test in the group "serial", so that two of them never run at once on two workers.

    Marked as each test is collected: xdist reads the groups in its pytest_collection_modifyitems.
    """
    if item.get_closest_marker("xdist_group"):
        return
    if item.get_closest_marker("serial"):
        item.add_marker(pytest.mark.xdist_group("serial"))
        return
    groups = [GROUPS[name] for name in getattr(item, "fixturenames", ()) if name in GROUPS]
    group = next((costly for costly in COSTLIER if costly in groups), groups[0] if groups else None)
    if group:
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup``, each grouped test's id ends in ``@GROUP``, by which xdist's scheduler sends a
    group to one worker. xdist 3.8 sets ``item._nodeid``, which pytest 9 no longer reads (a node's id is
    ``item._id``): the suffix is set here again where pytest 9 reads it."""
    if not getattr(config.option, "loadgroup", False) or not hasattr(items[0] if items else None, "_id"):
        return
    from _pytest.nodes import NodeId  # pytest >= 9

    for item in items:
        groups = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                         for mark in item.iter_markers("xdist_group")})  # fmt: skip
        if groups and "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")


def _timed(what: str, began: float) -> None:
    print(f"\n{what} ready in {time.monotonic() - began:.1f} s")  # shown with -s


@pytest.fixture(scope="session")
def served_workspace(pristine_workspace: Path, warm_inference, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder ``served`` serves: a copy of the pristine workspace holding the session's warm inference as its
    derived source (kg.graph.inferences), so that kg serve's worker reads the inferences and does not reason again
    (a kg command given KG_WORKSPACE=this folder reads them too)."""
    folder = tmp_path_factory.mktemp("served") / "ws"
    shutil.copytree(pristine_workspace, folder, symlinks=True)  # as tests/conftest.py's workspace_copy, unopened
    warm_inference.into_workspace(folder)
    return folder


@pytest.fixture(scope="session")
def served(served_workspace: Path) -> Iterator[str]:
    """``kg serve --workers 1 --cors '*'`` on ``served_workspace`` (the pristine workspace and its inferences); its
    address. CORS is on so that tests/test_discovery.py reads its headers on this server (it is off by default)."""
    began = time.monotonic()
    with kg_server("--workers", "1", "--cors", "*", env={"KG_WORKSPACE": str(served_workspace)}) as address:
        _timed("kg serve", began)
        yield address


@dataclass(frozen=True)
class OxigraphServer:
    """The session's Oxigraph server: ``base`` address, /query (the default graph: kg push's upload), /store."""

    base: str

    @property
    def query(self) -> str:
        return f"{self.base}/query"

    @property
    def store(self) -> str:
        return f"{self.base}/store"

    def graph(self, *graphs: str) -> str:
        """The query endpoint whose default graph is the union of ``graphs``."""
        return _with_graphs(self.query, *graphs)

    @property
    def inferred(self) -> str:
        """The endpoint of what kg push --inferred uploaded: the graph, the inferences and their marker."""
        return self.graph(PUSHED_INFERRED)


@pytest.fixture(scope="session")
def oxigraph_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """The session's Oxigraph server, started: oxigraph_server loads it (a smoke test needs only this)."""
    began = time.monotonic()
    with servers.oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as base:
        _timed("Oxigraph server started", began)
        yield OxigraphServer(base)


@pytest.fixture(scope="session")
def inferred_own_workspace(own_workspace: Path, warm_inference) -> Path:
    """The session's workspace holding the session's warm inference as its derived source (kg.graph.inferences), so
    that kg push --inferred and the inferences of ``graph`` read it instead of running HermiT again (the same
    triples: warm_inference reasoned over the same bundled data; tests/test_reason.py checks the reasoning)."""
    from kg.graph.inferences import inferred_path
    from kg.graph.workspace import open_workspace

    if not inferred_path(open_workspace(own_workspace), "hermit").exists():
        warm_inference.into_workspace(own_workspace)
    return own_workspace


@pytest.fixture(scope="session")
def oxigraph_server(oxigraph_process: OxigraphServer, inferred_own_workspace: Path) -> OxigraphServer:
    """The session's Oxigraph server, loaded by kg push (its default graph), kg push --inferred (PUSHED_INFERRED)
    and kg push of the SDG snapshot (SDG_SNAPSHOT)."""
    from tests.conftest import run_kg

    began = time.monotonic()
    for args in ((), ("--inferred", "--graph", PUSHED_INFERRED), (str(SNAPSHOT), "--graph", SDG_SNAPSHOT)):
        run = run_kg("push", *args, "--endpoint", oxigraph_process.store)
        assert run.returncode == 0, run.stderr
    _timed("Oxigraph server loaded", began)
    return oxigraph_process


@pytest.fixture(scope="session")
def inferences_file(graph, inferred_own_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reasoner's inferences from the session's graph (cached on disk) as an N-Triples file."""
    inferred = graph.with_inferences().documents[len(graph.documents) :]
    return write_ntriples(inferred, tmp_path_factory.mktemp("inferred") / "inferred.nt")


@pytest.fixture(scope="session")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Turtle with two bad page numbers and one typed as data was before xsd:integer (it conforms)."""
    path = tmp_path_factory.mktemp("planted") / "planted.ttl"
    path.write_text(PLANTED, encoding="utf-8")
    return path


@dataclass(frozen=True)
class VirtuosoServer:
    """The session's Virtuoso: ``sparql`` is its /sparql; each property an endpoint for one set of graphs."""

    sparql: str

    @property
    def bundled(self) -> str:
        """The bundled graph alone, loaded by the bulk loader."""
        return _with_graphs(self.sparql, VIRTUOSO_GRAPH)

    @property
    def inferred(self) -> str:
        """The bundled graph and the inferences (two default-graph-uri parameters)."""
        return _with_graphs(self.sparql, VIRTUOSO_GRAPH, INFERRED_GRAPH)

    @property
    def planted(self) -> str:
        """The bundled graph and the planted pages."""
        return _with_graphs(self.sparql, VIRTUOSO_GRAPH, PLANTED_GRAPH)

    @property
    def pushed(self) -> str:
        """What kg push --inferred uploaded to /sparql-graph-crud."""
        return _with_graphs(self.sparql, PUSHED_INFERRED)


@pytest.fixture(scope="session")
def virtuoso_process_shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.Virtuoso]:
    """The session's Virtuoso 7, started, its Graph Store (/sparql-graph-crud) writable: virtuoso_server loads it
    (a smoke test needs only this)."""
    began = time.monotonic()
    with virtuoso_process(tmp_path_factory.mktemp("virtuoso")) as server:
        for statement in ('GRANT SPARQL_UPDATE TO "SPARQL"', "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7)"):
            _isql(server.sql_port, statement, server.log, 30)
        _timed("Virtuoso started", began)
        yield server


@pytest.fixture(scope="session")
def virtuoso_server(virtuoso_process_shared: servers.Virtuoso, inferences_file: Path, planted: Path) -> VirtuosoServer:
    """The session's Virtuoso holding the bundled graph, the inferences and the planted pages (bulk loader, in
    graphs of their own) and what kg push --inferred uploads through its writable Graph Store."""
    from kg.sources.documents import read_documents
    from tests.conftest import run_kg

    began, server = time.monotonic(), virtuoso_process_shared
    folder = Path(server.log).parent  # file_to_string_output reads only below the database's folder
    data = write_ntriples(read_documents(), folder / "bundled.nt")
    bad = write_ntriples(read_documents([planted], bundled=False), folder / "planted.nt")
    inferred = folder / "inferred.nt"
    shutil.copyfile(inferences_file, inferred)
    for graph, path in {VIRTUOSO_GRAPH: data, INFERRED_GRAPH: inferred, PLANTED_GRAPH: bad}.items():
        source = str(path.resolve()).replace("'", "''")
        _isql(server.sql_port, f"DB.DBA.TTLP_MT(file_to_string_output('{source}'), '', '{graph}', 0)",
              server.log, 120)  # fmt: skip
    store = server.sparql.removesuffix("/sparql") + "/sparql-graph-crud"
    run = run_kg("push", "--inferred", "--endpoint", store, "--graph", PUSHED_INFERRED)
    assert run.returncode == 0, run.stderr
    _timed("Virtuoso loaded", began)
    return VirtuosoServer(server.sparql)


@pytest.fixture(scope="session")
def oxigraph(oxigraph_server: OxigraphServer) -> OxigraphServer:
    """The session's Oxigraph server (a test module may give this name an endpoint of it)."""
    return oxigraph_server


@pytest.fixture(scope="session")
def virtuoso(virtuoso_server: VirtuosoServer) -> VirtuosoServer:
    """The session's Virtuoso (a test module may give this name an endpoint of it)."""
    return virtuoso_server


@pytest.fixture(scope="session")
def published_site(pristine_workspace: Path, warm_inference, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``kg publish`` of the session's workspace, once: read it, never write to it (copy it first).

    Published from a copy of the pristine workspace holding the session's warm inference, so that its inferred
    named queries and report read the inferences instead of reasoning again (the same triples)."""
    from tests.conftest import run_kg

    began = time.monotonic()
    folder = tmp_path_factory.mktemp("published") / "ws"
    shutil.copytree(pristine_workspace, folder, symlinks=True)
    warm_inference.into_workspace(folder)
    out = tmp_path_factory.mktemp("publish") / "site"
    result = run_kg("publish", "--out", str(out), env={"KG_WORKSPACE": str(folder)})
    assert result.returncode == 0, result.stderr
    _timed("kg publish", began)  # the run time the README quotes
    return out


BROWSER_WAIT = 20  # seconds a page may take to load
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
]  # fmt: skip


def _missing(why: str):
    message = f"{why}; install them (apt-get install -y chromium chromium-driver; pip install -e '.[test]')"
    if os.environ.get("CI") == "true":
        pytest.fail(f"the browser tests must run under CI: {message}.", pytrace=False)
    pytest.skip(message)


def _binaries() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        _missing("Debian's chromium and chromium-driver are not installed")
    return browser, driver


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory):
    """Debian's chromium driven by Selenium through chromium-driver, one for the session; ``downloads`` is
    where it saves files. A missing browser is a skip, a failure under CI=true."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed")
    binary, driver_path = _binaries()
    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = binary  # the system's browser and driver: Selenium downloads nothing
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    with tempfile.TemporaryDirectory(prefix="kg-chromium-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        options.add_experimental_option("prefs", {"download.default_directory": str(downloads)})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # driver.get_log("browser"): the console
        driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
        driver.set_page_load_timeout(BROWSER_WAIT)
        driver.downloads = downloads
        try:
            yield driver
        finally:
            driver.quit()


APACHE = "/usr/sbin/apache2"
APACHE_MODULES = ("mpm_event", "authz_core", "dir", "mime", "rewrite", "headers", "alias", "env")
APACHE_CONFIG = """\
Listen 127.0.0.1:{port}
ServerName 127.0.0.1
PidFile {run}/httpd.pid
ErrorLog {run}/error.log
LogLevel warn
DefaultRuntimeDir {run}
Mutex file:{run} default
{user}
{modules}
TypesConfig /etc/mime.types
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 30
DocumentRoot "{site}"
DirectoryIndex index.html
Alias /scratch "{scratch}"
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "{site}">
    Options FollowSymLinks
    AllowOverride None
    Require all granted
    Include "{site}/.htaccess"
</Directory>
<Directory "{scratch}">
    Options FollowSymLinks
    AllowOverride All
    Require all granted
</Directory>
<FilesMatch "^\\.ht">
    Require all denied
</FilesMatch>
"""


@dataclass(frozen=True)
class Apache:
    """The session's Apache httpd: ``base`` its address (serving ``site`` at /), ``scratch`` the folder at /scratch/."""

    base: str
    site: Path
    scratch: Path
    log: Path


def _searchable(folder: Path) -> None:
    """Let Apache's children (User nobody, when the tests run as root) reach ``folder``: o+x on it and its parents
    under the system's temporary folder (search only, no listing)."""
    top = Path(tempfile.gettempdir()).resolve()
    for part in [folder, *folder.parents]:
        if part == top or top not in part.parents:
            break
        part.chmod(part.stat().st_mode | 0o001)


@pytest.fixture(scope="session")
def apache(published_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Apache]:
    """Debian's /usr/sbin/apache2 with a configuration of its own, on a free port of 127.0.0.1, serving
    ``published_site`` (its generated .htaccess included in <Directory>) and a scratch folder at /scratch/
    (AllowOverride All); started and stopped by process id. A missing apache2 is a skip, a failure under CI=true
    (.ci/run installs it)."""
    import subprocess

    if not os.path.exists(APACHE):
        message = f"Debian's Apache httpd ({APACHE}) is not installed; apt-get install -y apache2"
        if os.environ.get("CI") == "true":
            pytest.fail(f"the Apache tests must run under CI: {message}.", pytrace=False)
        pytest.skip(message)
    began = time.monotonic()
    run, scratch = tmp_path_factory.mktemp("apache"), tmp_path_factory.mktemp("apache-scratch")
    modules = "\n".join(f"LoadModule {name}_module /usr/lib/apache2/modules/mod_{name}.so" for name in APACHE_MODULES)
    root = os.geteuid() == 0
    if root:
        for folder in (published_site, scratch):
            _searchable(folder)
        scratch.chmod(0o755)
    port = servers.free_port()
    config = run / "httpd.conf"
    user = "User nobody\nGroup nogroup" if root else ""
    text = APACHE_CONFIG.format(port=port, run=run, site=published_site, scratch=scratch, modules=modules, user=user)
    config.write_text(text, encoding="utf-8")
    process = subprocess.Popen([APACHE, "-f", str(config), "-DFOREGROUND"], stdout=subprocess.DEVNULL,
                               stderr=(run / "stderr.log").open("wb"))  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        servers.wait_until_up(base + "/index.html", process, log=run / "stderr.log")
        _timed("Apache httpd", began)
        yield Apache(base, published_site, scratch, run / "error.log")
    finally:
        servers.stop(process)
