"""kg publish: the static site of the bundled workspace, checked as a browser and a crawler would use it.

One publish (in-process, through the real CLI) serves every check: no link between its pages is
broken or absolute, the data of a resource parses and says what the source table says, the dumps
hold the whole graph and match their checksums, VoID parses, and the output is all-or-nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.cli.boundary import run
from kg.cli.group import cli
from kg.web.publish import SITE_MARKER

pytestmark = pytest.mark.slow

VOTER = "https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"


@pytest.fixture
def site(published_site: Path) -> Path:
    """The session's kg publish output (tests/components.py): read it, copy it to change it."""
    return published_site


class Links(HTMLParser):
    """Every href and src of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value for name, value in attrs if name in ("href", "src") and value is not None]


def links_of(page: Path) -> list[str]:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.found


def test_no_link_is_broken_or_absolute(site):
    root = os.path.realpath(site)
    files = {os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names}  # every file, once
    checked = 0
    for page in sorted(Path(root).rglob("*.html")):
        for target in links_of(page):
            parts = urllib.parse.urlsplit(target)
            if parts.scheme in ("http", "https", "data", "mailto"):
                continue
            assert not parts.scheme and not parts.netloc, f"{page}: {target}"
            assert not target.startswith("/"), f"{page} links to the absolute path {target}"
            if not parts.path:  # '#fragment' on the same page
                continue
            local = os.path.normpath(os.path.join(page.parent, urllib.parse.unquote(parts.path)))
            assert local.startswith(root + os.sep), f"{page}: {target} leaves the site"
            assert local in files, f"{page}: {target} is broken"  # the site has no symlinks: normpath is the file
            checked += 1
    assert checked > 1000  # the pages do link to each other


def test_every_resource_of_the_graph_has_a_page_and_data(site, graph):
    query = "SELECT DISTINCT ?r { { ?r ?p ?o } UNION { ?s ?r ?o } UNION { ?s ?p ?r } FILTER(isIRI(?r) && %s) }"
    iris = {
        row[0].value for row in graph.store.query(query % "STRSTARTS(STR(?r), 'https://w3id.org/smartcity-kg/id/')")
    }
    pages = {p for p in site.rglob("*.html") if p.parent != site and p.parent.name not in ("report", "queries")}
    assert len(pages) == len(iris) == json.loads((site / SITE_MARKER).read_text())["resources"]
    for extension in ("ttl", "jsonld", "nt"):
        assert len(list(site.rglob(f"id/**/*.{extension}"))) == len(iris)


def voter_name(u4ssc_rows) -> str:
    return next(r["name"] for r in u4ssc_rows if r["code"] == "SC: SH: SI: 4C")


@pytest.mark.parametrize(("extension", "rdf_format"), [("ttl", ox.RdfFormat.TURTLE), ("jsonld", ox.RdfFormat.JSON_LD),
                                                       ("nt", ox.RdfFormat.N_TRIPLES)])  # fmt: skip
def test_voter_participation_data_parses_and_names_it(site, u4ssc_rows, extension, rdf_format):
    triples = [q.triple for q in ox.parse(path=str(site / f"id/u4ssc/SC-SH-SI-4C.{extension}"), format=rdf_format)]
    labels = {t.object.value for t in triples if t.subject == ox.NamedNode(VOTER) and t.predicate.value == SKOS_PREF}
    assert labels == {voter_name(u4ssc_rows)}


def test_voter_participation_page_shows_its_sources_as_links(site, u4ssc_rows):
    page = (site / "id/u4ssc/SC-SH-SI-4C.html").read_text(encoding="utf-8")
    assert f"<h1>{voter_name(u4ssc_rows)}</h1>" in page
    row = next(r for r in u4ssc_rows if r["code"] == "SC: SH: SI: 4C")
    for url in row["source_url"].split():
        if url.startswith("https://"):
            assert f"href='{url.rstrip(';')}'" in page
    assert "href='../../index.html'" in page and "href='SC-SH-SI-4C.ttl'" in page


def test_the_dumps_hold_the_whole_graph_and_match_their_checksums(site, graph):
    count = int(next(iter(graph.store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")))[0].value)
    formats = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}
    for extension, rdf_format in formats.items():
        store = ox.Store()
        store.load(path=str(site / f"dumps/smartcity-kg.{extension}"), format=rdf_format)
        assert len(store) == count, extension
    sums = (site / "dumps/SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert len(sums) == len(formats)
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256((site / "dumps" / name).read_bytes()).hexdigest() == digest


def test_void_parses_and_points_at_the_dumps(site, graph):
    base = (site / "void.ttl").as_uri()
    triples = [q.triple for q in ox.parse(path=str(site / "void.ttl"), format=ox.RdfFormat.TURTLE, base_iri=base)]
    dumps = {t.object.value for t in triples if t.predicate.value == "http://rdfs.org/ns/void#dataDump"}
    assert {urllib.parse.urlsplit(d).path.rpartition("/")[2] for d in dumps} == {
        f"smartcity-kg.{x}" for x in ("ttl", "nt", "jsonld")
    }
    assert all(Path(urllib.parse.unquote(urllib.parse.urlsplit(d).path)).is_file() for d in dumps)
    size = next(t.object.value for t in triples if t.predicate.value == "http://rdfs.org/ns/void#triples")
    assert int(size) == len(graph)


def test_the_ontology_and_the_report_are_in_the_site(site):
    page = (site / "ontology.html").read_text(encoding="utf-8")
    assert "<section id='Indicator'>" in page and "href='ontology.ttl'" in page
    assert (site / "report/report.html").is_file() and (site / "report/report.md").is_file()
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "href='report/report.html'" in index and "href='id/framework/u4ssc.html'" in index


def test_a_folder_that_is_not_a_site_is_refused_and_left_alone(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert run(cli, ["publish", "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "was not written by kg publish" in error
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # no temporary folder left behind


def previous_site(folder: Path) -> Path:
    """A folder kg publish wrote before (its marker says so) holding a page the new site does not have."""
    from kg.web.sitemanifest import manifest

    folder.mkdir()
    (folder / "stale.html").write_text("old", encoding="utf-8")
    (folder / SITE_MARKER).write_bytes(manifest(folder, {"generator": "kg publish"}))
    return folder


def small_build(graph, root: Path, progress, base_url=None, fail: bool = False) -> dict:
    """A few files where kg.web.publish.build writes the whole site (the session's published_site checks that):
    the replacement is the renames around the build, the same whatever the build writes. ``fail`` raises as a
    full disk would, after a file is written."""
    from kg.web.sitemanifest import manifest

    (root / "index.html").write_text("<h1>new</h1>", encoding="utf-8")
    if fail:
        raise OSError(28, "No space left on device")
    (root / "void.ttl").write_text("", encoding="utf-8")
    (root / SITE_MARKER).write_bytes(manifest(root, {"generator": "kg publish"}))
    return {"resources": 0, "triples": 0}


def test_a_previous_site_is_replaced_and_a_failure_leaves_it_whole(tmp_path, monkeypatch, capsys):
    out = previous_site(tmp_path / "site")
    monkeypatch.setattr("kg.web.publish.build", lambda *args: small_build(*args, fail=True))
    assert run(cli, ["publish", "--out", str(out)]) == 2
    assert "cannot write the site" in capsys.readouterr().err
    assert (out / "stale.html").is_file() and not (out / "index.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    monkeypatch.setattr("kg.web.publish.build", small_build)
    assert run(cli, ["publish", "--out", str(out)]) == 0
    assert not (out / "stale.html").exists() and (out / "void.ttl").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_ctrl_c_between_the_renames_puts_the_previous_site_back(tmp_path, monkeypatch, capsys):
    import os

    out = previous_site(tmp_path / "site")
    replace = os.replace

    def interrupted(source, target):
        if Path(source).name.startswith(".site.publish-"):  # the new site, about to take the old one's place
            raise KeyboardInterrupt
        replace(source, target)

    monkeypatch.setattr("kg.web.publish.build", small_build)
    monkeypatch.setattr("kg.web.publish.os.replace", interrupted)
    assert run(cli, ["publish", "--out", str(out)]) == 130
    assert (out / "stale.html").is_file() and (out / SITE_MARKER).is_file() and not (out / "index.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
