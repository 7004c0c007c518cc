"""Generate data/u4ssc/kpis.ttl from the checked fact tables in data/u4ssc/source/.

u4ssc_kpis.tsv (a copy of the reference table) holds the KPI facts. Three tables of the
project's own say what each KPI rests on: u4ssc_confirmations.tsv (a public page, read by
smartcity-kg, that shows a KPI the reference table left unconfirmed), u4ssc_where_looked.tsv
(for every KPI still unconfirmed, where its page was looked for) and u4ssc_documents.tsv (the
documents those rows cite that documents.ttl does not describe, such as the secondary list).
u4ssc_evidence.tsv lists, per KPI, each further source and what it confirms; from it and the
verification status each KPI gets its confirmation level (sck:confirmationLevel).
The Turtle is derived from the tables and committed so that users need no build step. The KPI
table's columns are declared in kg/sheetspec.py (U4SSC_KPIS), with the framework sheets': a row
that lacks a required cell, or a table whose header differs, is refused before anything is made.
tests/test_u4ssc_data.py proves the two agree row for row and that running this script again
yields an isomorphic graph.

    python scripts/build_u4ssc.py            # rewrite data/u4ssc/kpis.ttl
    python scripts/build_u4ssc.py --check    # exit 1 if the committed file is stale
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF, SKOS

from kg.sources.sheetspec import U4SSC_KPIS, split

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "data" / "u4ssc" / "source"
TABLE = SOURCE / "u4ssc_kpis.tsv"
CONFIRMATIONS = SOURCE / "u4ssc_confirmations.tsv"
WHERE_LOOKED = SOURCE / "u4ssc_where_looked.tsv"
DOCUMENTS = SOURCE / "u4ssc_documents.tsv"
EVIDENCE = SOURCE / "u4ssc_evidence.tsv"
OUTPUT = ROOT / "data" / "u4ssc" / "kpis.ttl"

SCK = Namespace("https://w3id.org/smartcity-kg/ontology#")
U4SSC = Namespace("https://w3id.org/smartcity-kg/id/u4ssc/")
DOC = Namespace("https://w3id.org/smartcity-kg/id/document/")
FW = Namespace("https://w3id.org/smartcity-kg/id/framework/")
FRAMEWORK = FW.u4ssc
METHODOLOGY = DOC["2017-u4ssc-collection-methodology"]
# What an unconfirmed KPI's code and tier rest on (reference notes, section 1).
SECONDARY_LIST = DOC["u4ssc-kpi-secondary-list"]
SECONDARY_MAP = DOC["sdg-ontology-visualizer-u4ssc-kpi-map"]  # the secondary list, identified
PROJECT = Namespace("https://w3id.org/smartcity-kg/id/agent/")["smartcity-kg"]
PROV = Namespace("http://www.w3.org/ns/prov#")

TIERS = {"core": SCK.Core, "advanced": SCK.Advanced}
# The levels of u4ssc_evidence.tsv, strongest first; a KPI takes its strongest (ITU page when verified).
LEVELS = {"itu-page": SCK.ConfirmedOnITUPage, "city-report": SCK.ConfirmedInCityReport,
          "secondary-list": SCK.SecondaryListOnly}  # fmt: skip
FACTS = ("code", "name", "dimension", "sub-dimension", "category", "tier")

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
    """The rows of a tab-separated table, as dicts by column name."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def check_rows(rows: list[dict[str, str]]) -> None:
    """Every KPI row has the columns kg.sources.sheetspec declares for the table, and its required cells filled."""
    for position, row in enumerate(rows, start=1):
        missing = [name for name in U4SSC_KPIS.names if name not in row]
        unknown = [name for name in row if name not in U4SSC_KPIS.names]
        if missing or unknown:
            raise TableError(f"row {position}: the columns differ from kg.sources.sheetspec's {U4SSC_KPIS.name} "
                             f"(missing {missing}, unknown {unknown})")  # fmt: skip
        for name in U4SSC_KPIS.required:
            if not row[name].strip():
                raise TableError(f"row {position}: {name} is empty ({U4SSC_KPIS.column(name).meaning})")
        for column in U4SSC_KPIS.checked():
            if problem := column.problem(row[column.name]):
                raise TableError(f"row {position}, column {column.name}: {problem}")


def read_evidence() -> dict[str, list[dict[str, str]]]:
    """The project's own tables, by name: confirmations, where_looked, documents, evidence."""
    return {
        "confirmations": read_table(CONFIRMATIONS),
        "where_looked": read_table(WHERE_LOOKED),
        "documents": read_table(DOCUMENTS),
        "evidence": read_table(EVIDENCE),
    }


def local_name(code: str) -> str:
    return code.replace(": ", "-")


def document_for(url: str) -> URIRef:
    match = PAGE_URL.search(url)
    if not match:
        raise TableError(f"{url} is not an ITU flipbook page address")
    return DOC[match["doc"].lower()]


def add_page(graph: Graph, url: str, number: int | None = None) -> URIRef:
    """A flipbook page: its document and number come from its address unless given."""
    page = URIRef(url)
    graph.add((page, RDF.type, SCK.Page))
    graph.add((page, DCTERMS.isPartOf, document_for(url)))
    number = number or int(PAGE_URL.search(url)["page"])
    graph.add((page, SCK.pageNumber, Literal(number, datatype=XSD.integer)))
    return page


def unconfirmed_codes(rows: list[dict[str, str]], confirmations: list[dict[str, str]]) -> list[str]:
    """Codes the reference table leaves unconfirmed and no confirmation row confirms, in table order."""
    confirmed = {row["code"] for row in confirmations}
    return [
        row["code"] for row in rows if row["source_url"].startswith(UNCONFIRMED_PREFIX) and row["code"] not in confirmed
    ]


def add_documents(graph: Graph, documents: list[dict[str, str]]) -> None:
    """Documents the KPI rows cite that documents.ttl does not describe."""
    for row in documents:
        document = DOC[row["id"]]
        graph.add((document, RDF.type, SCK.Document))
        graph.add((document, DCTERMS.title, Literal(row["title"], lang="en")))
        if row["issued"]:
            graph.add((document, DCTERMS.issued, Literal(row["issued"], datatype=XSD.gYear)))
        if row["url"]:
            graph.add((document, FOAF.page, URIRef(row["url"])))
            graph.add((document, DCTERMS.source, URIRef(row["url"])))
        else:  # known by no address: the description is the project's own, and says how it was found
            graph.add((document, DCTERMS.source, PROJECT))
            graph.add((document, PROV.wasAttributedTo, PROJECT))
            graph.add((document, DCTERMS.created, Literal(row["described"], datatype=XSD.date)))
        if row["note"]:
            graph.add((document, SKOS.editorialNote, Literal(row["note"], lang="en")))


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


def add_confirmed(graph: Graph, kpi: URIRef, name: str, confirmations: list[dict[str, str]]) -> None:
    """A KPI the reference table left unconfirmed, confirmed on the pages smartcity-kg read."""
    graph.add((kpi, SCK.verificationStatus, SCK.Verified))
    for row in confirmations:
        if not row["url"] or not row["page"]:
            raise TableError(f"confirmation of {row['code']!r} lacks its url or page")
        page = add_page(graph, row["url"], int(row["page"]))
        graph.add((kpi, DCTERMS.source, page))
        variant = ""
        if row["name_on_page"] != name:
            graph.add((kpi, SKOS.altLabel, Literal(row["name_on_page"], lang="en")))
            variant = f' The page names it "{row["name_on_page"]}".'
        note = (
            f"Confirmed by smartcity-kg on {row['checked']}, after the reference table left it unconfirmed: "
            f"{row['confirms']} read on page {row['page']} ({row['url']}); {row['how']}.{variant}"
        )
        graph.add((kpi, SKOS.editorialNote, Literal(note, lang="en")))
        graph.add((kpi, DCTERMS.created, Literal(row["checked"], datatype=XSD.date)))
    graph.add((kpi, PROV.wasAttributedTo, PROJECT))


def add_unconfirmed(graph: Graph, kpi: URIRef, source: str, looked: str) -> None:
    """A KPI no ITU page was found for: its sources are what it rests on (a city report, the secondary list)."""
    if not looked:
        raise TableError(f"unconfirmed KPI {kpi} has no where-looked note in {WHERE_LOOKED.name}")
    graph.add((kpi, SCK.verificationStatus, SCK.Unverified))
    graph.add((kpi, DCTERMS.source, SECONDARY_LIST))
    for url in URL.findall(source):
        graph.add((kpi, DCTERMS.source, add_page(graph, url)))
    detail = source[len(UNCONFIRMED_PREFIX) :].strip()
    note = f"Not checked against an ITU page of the methodology or verification manual; {detail}"
    graph.add((kpi, SKOS.editorialNote, Literal(note, lang="en")))
    graph.add((kpi, SKOS.editorialNote, Literal(f"Where its page was looked for: {looked}", lang="en")))


def add_sources(graph: Graph, kpi: URIRef, row: dict[str, str], evidence: dict[str, list[dict[str, str]]]) -> None:
    source = row["source_url"]
    urls = URL.findall(source)
    if source.startswith(UNCONFIRMED_PREFIX):
        confirmations = [c for c in evidence["confirmations"] if c["code"] == row["code"]]
        if confirmations:
            add_confirmed(graph, kpi, row["name"], confirmations)
            return
        looked = " ".join(w["where_looked"] for w in evidence["where_looked"] if w["code"] == row["code"])
        add_unconfirmed(graph, kpi, source, looked)
        return
    if not urls:
        raise TableError(f"source {source!r} names no page")
    graph.add((kpi, SCK.verificationStatus, SCK.Verified))
    for url in urls:
        graph.add((kpi, DCTERMS.source, add_page(graph, url)))


def add_evidence(graph: Graph, kpi: URIRef, rows: list[dict[str, str]]) -> None:
    """Each further source of a KPI as an evidence item: its page (or the secondary list), level, what it shows."""
    levels = [SCK.ConfirmedOnITUPage] if graph.value(kpi, SCK.verificationStatus) == SCK.Verified else []
    for row in rows:
        item = BNode()
        graph.add((kpi, SCK.evidence, item))
        graph.add((item, RDF.type, SCK.Evidence))
        graph.add((item, SCK.confirmationLevel, LEVELS[row["level"]]))
        if row["level"] == "secondary-list":
            graph.add((item, DCTERMS.source, SECONDARY_MAP))
            graph.add((item, RDFS.seeAlso, URIRef(row["url"])))
        else:
            graph.add((item, DCTERMS.source, add_page(graph, row["url"], int(row["page"]))))
        graph.add((item, SCK.quote, Literal(row["name_on_page"])))
        for fact in split(row["confirms"]):
            graph.add((item, SCK.confirms, Literal(fact)))
        graph.add((item, PROV.wasAttributedTo, PROJECT))
        graph.add((item, DCTERMS.created, Literal(row["checked"], datatype=XSD.date)))
        graph.add((item, RDFS.comment, Literal(row["note"], lang="en")))
        levels.append(LEVELS[row["level"]])
    order = list(LEVELS.values())
    graph.add((kpi, SCK.confirmationLevel, min(levels, key=order.index, default=SCK.NotConfirmed)))


def add_row(graph: Graph, position: int, row: dict[str, str], evidence: dict[str, list[dict[str, str]]]) -> None:
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
    graph.add((kpi, SCK.listPosition, Literal(position, datatype=XSD.integer)))
    for sdg in split(row["sdg_targets"]):
        graph.add((kpi, SCK.sdgReference, Literal(sdg)))
    add_sources(graph, kpi, row, evidence)
    add_evidence(graph, kpi, [item for item in evidence.get("evidence", []) if item["code"] == code])


def build_graph(rows: list[dict[str, str]], evidence: dict[str, list[dict[str, str]]] | None = None) -> Graph:
    evidence = read_evidence() if evidence is None else evidence
    graph = Graph()
    for prefix, namespace in (
        ("sck", SCK),
        ("u4ssc", U4SSC),
        ("doc", DOC),
        ("fw", FW),
        ("skos", SKOS),
        ("dcterms", DCTERMS),
        ("prov", PROV),
    ):
        graph.bind(prefix, namespace)
    check_rows(rows)
    check_evidence(rows, evidence)
    add_documents(graph, evidence["documents"])
    for position, row in enumerate(rows, start=1):
        add_row(graph, position, row, evidence)
    return graph


def check_evidence(rows: list[dict[str, str]], evidence: dict[str, list[dict[str, str]]]) -> None:
    """Every row of the project's tables names a KPI the reference table leaves unconfirmed."""
    open_codes = {row["code"] for row in rows if row["source_url"].startswith(UNCONFIRMED_PREFIX)}
    for table in ("confirmations", "where_looked"):
        for number, row in enumerate(evidence[table], start=2):
            if row["code"] not in open_codes:
                raise TableError(f"{table} line {number}: {row['code']!r} is not an unconfirmed KPI of the table")
    codes = {row["code"] for row in rows}
    for number, row in enumerate(evidence.get("evidence", []), start=2):
        where = f"evidence line {number}"
        if row["code"] not in codes or row["level"] not in LEVELS or row["level"] == "itu-page":
            raise TableError(f"{where}: unknown code {row['code']!r} or level {row['level']!r}")
        if not row["url"].startswith("https://") or (row["level"] == "city-report") != row["page"].isdigit():
            raise TableError(f"{where}: a source needs its https address, and a city report its page number")
        if not set(split(row["confirms"])) <= set(FACTS) or not row["name_on_page"] or not row["checked"]:
            raise TableError(f"{where}: confirms names facts among {FACTS}; name_on_page what the source prints")
    confirmed = {row["code"] for row in evidence["confirmations"]}
    for number, row in enumerate(evidence["where_looked"], start=2):
        if row["code"] in confirmed:
            raise TableError(f"where_looked line {number}: {row['code']!r} is confirmed; drop its note")


HEADER = (
    "# GENERATED by scripts/build_u4ssc.py from the tables in data/u4ssc/source/: do not edit.\n"
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
