"""Reading links to external vocabularies, kept as SSSOM mapping tables (data/links/*.sssom.tsv).

Each table has a commented YAML header (``# curie_map:`` ...) and the SSSOM columns
subject_id, predicate_id, object_id, mapping_justification, confidence, creator_label (or
author_label) and comment, and optionally author_id, reviewer_id, mapping_date and see_also, and
the project's extra column measure_difference (the parts of the two measures that differ, see
data/links/README.md; read and checked, not stated in the graph). When
the graph is built every row becomes the mapping triple itself
(``u4ssc:EC-ICT-PS-1A skos:relatedMatch sdg:16.7``) plus an ``sssom:Mapping`` node carrying its
justification, confidence, creator, author, reviewer, date, page and comment, so all are queryable.

``kg.analysis.links`` checks them (``kg links check``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import yaml

from kg.errors import InputError
from kg.namespaces import ID, PREFIXES
from kg.sources.files import RdfDocument, project_root, read_text

SSSOM = PREFIXES["sssom"]
SKOS = PREFIXES["skos"]
COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
MATCHES = {SKOS + name for name in ("exactMatch", "closeMatch", "relatedMatch", "broadMatch", "narrowMatch")}
KNOWN_NAMESPACES = {
    "http://metadata.un.org/sdg/": "UN SDG",
    "http://www.wikidata.org/entity/": "Wikidata",
    "http://ontology.eil.utoronto.ca/ISO37120.owl#": "ISO 37120 ontology",
    ID: "smartcity-kg",
}
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# measure_difference: "none", or the parts that differ joined by "|", in this order
MEASURE_PARTS = ("numerator", "denominator", "unit", "scope")
# The one confidence scale of the bundled tables (data/links/README.md): what each value rests on.
CONFIDENCE_SCALE = {
    "1.0": "stated by a source: the object's own list or the subject's own sheet, or two independent public lists",
    "0.9": "both definitions read on public pages and compared part by part",
    "0.8": "one definition read on a public page, the other known by its official name or text; or one public list",
    "0.7": "neither definition read: names, or a measure known only from a secondary list",
}
IRI_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"{}|\\^`]+")


@dataclass(frozen=True)
class Mapping:
    """One row of a mapping table, CURIEs expanded; ``line`` is its line in the file."""

    line: int
    subject: str
    predicate: str
    object: str
    justification: str
    confidence: str
    creator: str
    comment: str
    author: str = ""  # author_id, reviewer_id, see_also: IRIs; mapping_date: YYYY-MM-DD
    reviewer: str = ""
    date: str = ""
    see_also: str = ""
    difference: str = ""  # measure_difference: "none" or e.g. "numerator|denominator"; "" where not given


@dataclass(frozen=True)
class LinkProblem:
    """A problem of a mapping table, at a line of it; ``str()`` gives ``path:line: message``."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def is_sssom(path: Path) -> bool:
    """Whether the file is an SSSOM mapping table (``*.sssom.tsv``) rather than RDF."""
    return path.name.endswith(".sssom.tsv")


def _expand(value: str, curies: dict[str, str]) -> str:
    prefix, sep, local = value.partition(":")
    if sep and prefix in curies and not local.startswith("//"):
        return curies[prefix] + local
    return value


def read_mapping_table(path: Path) -> list[Mapping]:
    """The rows of a mapping table, with CURIEs expanded by its curie_map.

    Raises InputError if the file cannot be read, its ``#`` YAML header is malformed or an SSSOM
    column is missing.
    """
    text = read_text(path)
    header = "\n".join(line[1:] for line in text.splitlines() if line.startswith("#"))
    try:
        meta = yaml.safe_load(header) or {}
    except yaml.YAMLError as error:
        raise InputError(f"{path}: malformed '#' metadata header ({error}); fix the YAML.") from None
    curies = dict(meta.get("curie_map") or {})
    body = [line for line in text.splitlines() if not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(body)), delimiter="\t")
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"{path}: the table lacks the SSSOM column(s) {', '.join(missing)}.")
    first_line = len(text.splitlines()) - len(body) + 2  # the header row is one line
    mappings = []
    for offset, row in enumerate(reader):
        mappings.append(
            Mapping(
                line=first_line + offset,
                subject=_expand(row["subject_id"].strip(), curies),
                predicate=_expand(row["predicate_id"].strip(), curies),
                object=_expand(row["object_id"].strip(), curies),
                justification=_expand(row["mapping_justification"].strip(), curies),
                confidence=(row.get("confidence") or "").strip(),
                creator=(row.get("creator_label") or row.get("author_label") or "").strip(),
                comment=(row.get("comment") or "").strip(),
                author=_expand((row.get("author_id") or "").strip(), curies),
                reviewer=_expand((row.get("reviewer_id") or "").strip(), curies),
                date=(row.get("mapping_date") or "").strip(),
                see_also=(row.get("see_also") or "").strip(),
                difference=(row.get("measure_difference") or "").strip(),
            )
        )
    return mappings


def _node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _double(lexical: str) -> str:
    """A confidence as the graph has always stated it: a number in Python's form ("1" as "1.0"), as rdflib wrote it."""
    try:
        return str(float(lexical))
    except ValueError:
        return lexical  # kept as written: check_links reports it


_RDF_TYPE = _node(PREFIXES["rdf"] + "type")
_XSD = PREFIXES["xsd"]


def mapping_triples(path: Path, mappings: Sequence[Mapping]) -> list[ox.Triple]:
    """The triples a mapping table states: each mapping itself and an ``sssom:Mapping`` node describing it.

    A row with a malformed subject, predicate or object states nothing (check_links reports it).
    Raises InputError for an IRI that looks well formed but that RDF does not allow (e.g. a bad
    percent-escape), naming the table's line.
    """
    triples: dict[ox.Triple, None] = {}  # a mapping stated on two rows is one triple, in order

    def add(
        subject: ox.NamedNode | ox.BlankNode, predicate: str, obj: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> None:
        triples[ox.Triple(subject, _node(predicate), obj)] = None

    for m in mappings:
        if not all(IRI_PATTERN.fullmatch(value) for value in (m.subject, m.predicate, m.object)):
            continue  # reported by check_links; a malformed IRI has no triple to state
        try:
            subject, predicate, obj = _node(m.subject), _node(m.predicate), _node(m.object)
            justification = _node(m.justification) if IRI_PATTERN.fullmatch(m.justification) else None
            people = [(slot, _node(value)) for slot, value in (("author_id", m.author), ("reviewer_id", m.reviewer),
                      ("see_also", m.see_also)) if IRI_PATTERN.fullmatch(value)]  # fmt: skip
        except ValueError as error:
            raise InputError(
                f"{path}:{m.line}: an IRI of this mapping is not allowed in RDF ({error}); fix it."
            ) from None
        triples[ox.Triple(subject, predicate, obj)] = None
        node = ox.BlankNode()
        triples[ox.Triple(node, _RDF_TYPE, _node(SSSOM + "Mapping"))] = None
        add(node, SSSOM + "subject_id", subject)
        add(node, SSSOM + "predicate_id", predicate)
        add(node, SSSOM + "object_id", obj)
        if justification is not None:
            add(node, SSSOM + "mapping_justification", justification)
        if m.confidence:
            add(node, SSSOM + "confidence", ox.Literal(_double(m.confidence), datatype=_node(_XSD + "double")))
        if m.creator:
            add(node, SSSOM + "creator_label", ox.Literal(m.creator))
        if m.comment:
            add(node, PREFIXES["rdfs"] + "comment", ox.Literal(m.comment, language="en"))
        for slot, value in people:
            add(node, SSSOM + slot, value)
        if DATE.fullmatch(m.date):
            add(node, SSSOM + "mapping_date", ox.Literal(m.date, datatype=_node(_XSD + "date")))
        add(node, PREFIXES["dcterms"] + "source", ox.Literal(path.name))
    return list(triples)


def read_links(path: Path | str) -> RdfDocument:
    """A mapping table as a parsed document of the graph; InputError if it cannot be read (see read_mapping_table)."""
    path = Path(path)
    triples = mapping_triples(path, read_mapping_table(path))
    return RdfDocument(path, [ox.Quad(t.subject, t.predicate, t.object) for t in triples])


def link_tables(folder: Path | None = None) -> list[Path]:
    """The mapping tables (``*.sssom.tsv``) in ``folder``, by default the bundled data/links/."""
    return sorted((folder or project_root() / "data" / "links").glob("*.sssom.tsv"))
