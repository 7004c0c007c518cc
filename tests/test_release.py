"""A citable release (issue 22, part 6): one version everywhere, the licences stated where people look.

The version is written once, in pyproject.toml; kg.version reads it, and the ontology's header, the
alignment's, CITATION.cff, the VoID description and every page's footer state the same one, so they
cannot drift apart unnoticed. Each bundled framework names whose terms its texts keep.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from kg.sources.files import ontology_path, project_root
from kg.version import CODE_LICENSE, CREATOR, DATA_LICENSE, ONTOLOGY, ONTOLOGY_VERSION_IRI, __version__
from kg.web.markup import footer
from kg.web.void import DATASET, void_triples

ROOT = Path(__file__).resolve().parent.parent
OWL = "http://www.w3.org/2002/07/owl#"
DCT = "http://purl.org/dc/terms/"
SCK = "https://w3id.org/smartcity-kg/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ALIGNMENT = "https://w3id.org/smartcity-kg/ontology/iso21972-alignment"


def pyproject_version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


def header(path: Path, subject: str) -> dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]]:
    """The objects of each predicate of ``subject`` in the Turtle file ``path``."""
    found: dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]] = {}
    for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        if triple.subject == ox.NamedNode(subject):
            found.setdefault(triple.predicate.value, []).append(triple.object)
    return found


def test_the_version_is_the_same_everywhere():
    version = pyproject_version()
    assert __version__ == version  # the installed metadata is pyproject.toml's
    assert f"{ONTOLOGY}/{version}" == ONTOLOGY_VERSION_IRI
    for path, subject in ((ontology_path(), ONTOLOGY), (project_root() / "ontology/iso21972-alignment.ttl", ALIGNMENT)):
        stated = header(path, subject)
        assert [o.value for o in stated[OWL + "versionInfo"]] == [version], path
        assert stated[OWL + "versionIRI"] == [ox.NamedNode(f"{subject}/{version}")], path
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["version"] == version


def test_the_ontology_header_states_licence_creator_and_date():
    stated = header(ontology_path(), ONTOLOGY)
    assert stated[DCT + "license"] == [ox.NamedNode(DATA_LICENSE)]
    assert stated[DCT + "creator"] == [ox.NamedNode(CREATOR)]
    [modified] = stated[DCT + "modified"]
    assert isinstance(modified, ox.Literal) and modified.datatype.value.endswith("#date")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", modified.value)


def test_citation_cff_is_valid_cff_1_2_0():
    """The keys CFF 1.2.0 requires (cff-version, message, title, authors), each author a person or an entity."""
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    assert all(isinstance(citation[key], str) and citation[key].strip() for key in ("message", "title"))
    assert citation["authors"] and all("name" in a or "family-names" in a for a in citation["authors"])
    assert citation["license"] == "MIT" and citation["type"] == "software"


def test_licence_files_and_changelog_are_at_the_root():
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert DATA_LICENSE in (ROOT / "LICENSE-data").read_text(encoding="utf-8")
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", changelog, flags=re.MULTILINE)
    assert changelog.startswith("# Changelog") and headings[0] == "[Unreleased]"
    assert all(re.fullmatch(r"\[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}", h) for h in headings[1:])  # Keep a Changelog


def test_the_void_states_licence_version_and_ontology_version():
    store = ox.Store()
    store.load(path=str(ontology_path()), format=ox.RdfFormat.TURTLE)
    stated = {(t.predicate.value, t.object.value) for t in void_triples(store, None) if t.subject.value == DATASET}
    assert {(DCT + "license", DATA_LICENSE), (OWL + "versionInfo", __version__)} <= stated
    assert {(DCT + "conformsTo", ONTOLOGY_VERSION_IRI), (DCT + "creator", CREATOR)} <= stated


def test_every_bundled_framework_names_whose_terms_its_texts_keep(graph):
    """data/rights.ttl: a framework added without its owner's terms fails here."""
    rows = graph.sparql(
        f"SELECT ?f (COUNT(?holder) AS ?holders) (COUNT(?rights) AS ?statements) WHERE {{ ?f a <{SCK}Framework> "
        f"OPTIONAL {{ ?f <{DCT}rightsHolder> ?holder }} OPTIONAL {{ ?f <{DCT}rights> ?rights }} }} GROUP BY ?f"
    )
    counts = {str(row[0]): (int(row[1]), int(row[2])) for row in rows}
    assert counts and all(c == (1, 1) for c in counts.values()), counts


@pytest.mark.slow
def test_the_published_sites_pages_end_with_version_and_licences(published_site):
    for page in ("index.html", "ontology.html", "id/framework/u4ssc.html", "queries/index.html"):
        text = (published_site / page).read_text(encoding="utf-8")
        assert footer() in text, page
    assert f"smartcity-kg {__version__}" in footer() and DATA_LICENSE in footer() and CODE_LICENSE in footer()
    void = (published_site / "void.ttl").read_text(encoding="utf-8")
    assert f"<{DATA_LICENSE}>" in void


@pytest.mark.network
def test_the_served_pages_end_with_version_and_licences(served):
    import urllib.request

    for path in ("/", "/ontology.html", "/id/framework/u4ssc.html"):
        with urllib.request.urlopen(served + path, timeout=20) as answer:
            assert footer() in answer.read().decode("utf-8"), path
