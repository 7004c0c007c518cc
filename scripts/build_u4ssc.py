"""Generate data/u4ssc/kpis.ttl from the checked fact table data/u4ssc/source/u4ssc_kpis.tsv.

The table is the single source of the KPI facts; the Turtle is derived from it and committed
so that users need no build step. tests/test_u4ssc_data.py proves the two agree row for row
and that running this script again yields an isomorphic graph.

    python scripts/build_u4ssc.py            # rewrite data/u4ssc/kpis.ttl
    python scripts/build_u4ssc.py --check    # exit 1 if the committed file is stale
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, SKOS

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "data" / "u4ssc" / "source" / "u4ssc_kpis.tsv"
OUTPUT = ROOT / "data" / "u4ssc" / "kpis.ttl"

SCK = Namespace("https://w3id.org/smartcity-kg/ontology#")
U4SSC = Namespace("https://w3id.org/smartcity-kg/id/u4ssc/")
DOC = Namespace("https://w3id.org/smartcity-kg/id/document/")
FW = Namespace("https://w3id.org/smartcity-kg/id/framework/")
FRAMEWORK = FW.u4ssc
METHODOLOGY = DOC["2017-u4ssc-collection-methodology"]

TIERS = {"core": SCK.Core, "advanced": SCK.Advanced}

# Dimension and sub-dimension abbreviations as the codes use them (u4ssc_notes.md section 4).
DIMENSIONS = {"Economy": "EC", "Environment": "EN", "Society and Culture": "SC"}
SUB_DIMENSIONS = {
    ("EC", "ICT"): "ICT",
    ("EC", "Productivity"): "P",
    ("EC", "Infrastructure"): "I",
    ("EN", "Environment"): "EN",
    ("EN", "Energy"): "E",
    ("SC", "Education, Health and Culture"): "EH",
    ("SC", "Safety, Housing and Social Inclusion"): "SH",
}
# Category abbreviations (u4ssc_notes.md section 4). A category used under several
# sub-dimensions is one concept; the code's third part is not used because one KPI
# (Electronic Health Records, SC: EH: ED: 5A) is filed under Health with an Education code.
CATEGORIES = {
    "ICT Infrastructure": "ICT",
    "Water and Sanitation": "WS",
    "Drainage": "D",
    "Electricity Supply": "ES",
    "Transport": "T",
    "Public Sector": "PS",
    "Innovation": "IN",
    "Employment": "EM",
    "Waste": "WA",
    "Buildings": "B",
    "Urban Planning": "UP",
    "Air Quality": "AQ",
    "Environmental Quality": "EQ",
    "Public Space and Nature": "PSN",
    "Energy": "E",
    "Education": "ED",
    "Health": "H",
    "Culture": "C",
    "Housing": "HO",
    "Social Inclusion": "SI",
    "Safety": "SA",
    "Food Security": "FS",
}

URL = re.compile(r"https?://[^\s;]+")
PAGE_URL = re.compile(r"/Documents/tsb/(?P<doc>[^/]+)/files/basic-html/page(?P<page>\d+)\.html$")
CODE = re.compile(r"^(?P<dim>[A-Z]+): (?P<sub>[A-Z]+): (?P<cat>[A-Z]+): (?P<num>\d+)(?P<tier>[CA])$")
UNCONFIRMED_PREFIX = "unconfirmed:"


class TableError(ValueError):
    """A row of the fact table that cannot be turned into RDF."""


def read_table(path: Path = TABLE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def local_name(code: str) -> str:
    return code.replace(": ", "-")


def document_for(url: str) -> URIRef:
    match = PAGE_URL.search(url)
    if not match:
        raise TableError(f"{url} is not an ITU flipbook page address")
    return DOC[match["doc"].lower()]


def add_page(graph: Graph, url: str) -> URIRef:
    page = URIRef(url)
    graph.add((page, RDF.type, SCK.Page))
    graph.add((page, DCTERMS.isPartOf, document_for(url)))
    number = int(PAGE_URL.search(url)["page"])
    graph.add((page, SCK.pageNumber, Literal(number, datatype=XSD.positiveInteger)))
    return page


def add_structure(graph: Graph, row: dict[str, str]) -> tuple[URIRef, URIRef, URIRef]:
    dim_code = DIMENSIONS[row["dimension"]]
    sub_code = SUB_DIMENSIONS[(dim_code, row["sub_dimension"])]
    cat_code = CATEGORIES[row["category"]]
    dimension = U4SSC[f"dimension-{dim_code}"]
    sub_dimension = U4SSC[f"subdimension-{dim_code}-{sub_code}"]
    category = U4SSC[f"category-{cat_code}"]
    graph.add((dimension, RDF.type, SCK.Dimension))
    graph.add((dimension, SKOS.notation, Literal(dim_code)))
    graph.add((dimension, SKOS.prefLabel, Literal(row["dimension"], lang="en")))
    graph.add((dimension, SKOS.topConceptOf, FRAMEWORK))
    graph.add((FRAMEWORK, SKOS.hasTopConcept, dimension))
    graph.add((sub_dimension, RDF.type, SCK.SubDimension))
    graph.add((sub_dimension, SKOS.notation, Literal(f"{dim_code}: {sub_code}")))
    graph.add((sub_dimension, SKOS.prefLabel, Literal(row["sub_dimension"], lang="en")))
    graph.add((sub_dimension, SKOS.broader, dimension))
    graph.add((category, RDF.type, SCK.Category))
    graph.add((category, SKOS.notation, Literal(cat_code)))
    graph.add((category, SKOS.prefLabel, Literal(row["category"], lang="en")))
    graph.add((category, SKOS.broader, sub_dimension))
    for concept in (dimension, sub_dimension, category):
        graph.add((concept, SKOS.inScheme, FRAMEWORK))
        graph.add((concept, DCTERMS.source, METHODOLOGY))
    return dimension, sub_dimension, category


def add_sources(graph: Graph, kpi: URIRef, source: str) -> None:
    urls = URL.findall(source)
    if source.startswith(UNCONFIRMED_PREFIX):
        graph.add((kpi, SCK.verificationStatus, SCK.Unverified))
        graph.add((kpi, DCTERMS.source, METHODOLOGY))
        detail = source[len(UNCONFIRMED_PREFIX) :].strip()
        note = f"Not checked against an ITU page of the methodology or verification manual; {detail}"
        graph.add((kpi, SKOS.editorialNote, Literal(note, lang="en")))
        for url in urls:
            graph.add((kpi, RDFS.seeAlso, add_page(graph, url)))
        return
    if not urls:
        raise TableError(f"source {source!r} names no page")
    graph.add((kpi, SCK.verificationStatus, SCK.Verified))
    for url in urls:
        graph.add((kpi, DCTERMS.source, add_page(graph, url)))


def add_row(graph: Graph, position: int, row: dict[str, str]) -> None:
    code = row["code"]
    match = CODE.match(code)
    if not match:
        raise TableError(f"row {position}: code {code!r} is not of the form 'EC: ICT: PS: 1A'")
    tier = TIERS.get(row["tier"])
    if tier is None or {"C": "core", "A": "advanced"}[match["tier"]] != row["tier"]:
        raise TableError(f"row {position}: tier {row['tier']!r} does not match code {code!r}")
    kpi = U4SSC[local_name(code)]
    dimension, sub_dimension, category = add_structure(graph, row)
    graph.add((kpi, RDF.type, SCK.Indicator))
    graph.add((kpi, SKOS.inScheme, FRAMEWORK))
    graph.add((kpi, SKOS.notation, Literal(code)))
    graph.add((kpi, SKOS.prefLabel, Literal(row["name"], lang="en")))
    graph.add((kpi, SCK.tier, tier))
    graph.add((kpi, SCK.dimension, dimension))
    graph.add((kpi, SCK.subDimension, sub_dimension))
    graph.add((kpi, SCK.category, category))
    graph.add((kpi, SKOS.broader, category))
    graph.add((kpi, SCK.measure, Literal(row["unit_or_measure"])))
    graph.add((kpi, SCK.listPosition, Literal(position, datatype=XSD.positiveInteger)))
    for sdg in filter(None, (part.strip() for part in row["sdg_targets"].split(";"))):
        graph.add((kpi, SCK.sdgReference, Literal(sdg)))
    add_sources(graph, kpi, row["source_url"])


def build_graph(rows: list[dict[str, str]]) -> Graph:
    graph = Graph()
    for prefix, namespace in (
        ("sck", SCK),
        ("u4ssc", U4SSC),
        ("doc", DOC),
        ("fw", FW),
        ("skos", SKOS),
        ("dcterms", DCTERMS),
    ):
        graph.bind(prefix, namespace)
    for position, row in enumerate(rows, start=1):
        add_row(graph, position, row)
    return graph


HEADER = (
    "# GENERATED by scripts/build_u4ssc.py from data/u4ssc/source/u4ssc_kpis.tsv: do not edit.\n"
    "# The 91 U4SSC KPIs (Collection Methodology for KPIs for Smart Sustainable Cities, 2017).\n"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if kpis.ttl is stale")
    args = parser.parse_args(argv)
    graph = build_graph(read_table())
    if args.check:
        committed = Graph().parse(OUTPUT, format="turtle")
        if not isomorphic(graph, committed):
            print(f"{OUTPUT} is stale: run python scripts/build_u4ssc.py", file=sys.stderr)
            return 1
        return 0
    text = HEADER + graph.serialize(format="turtle")
    tmp = OUTPUT.with_suffix(".ttl.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(OUTPUT)
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(graph)} triples", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
