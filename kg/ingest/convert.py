"""Turn a framework sheet's rows into the project's vocabulary, as Oxigraph triples and Turtle.

kg.ingest.frameworks checks the rows first; rows with problems still convert as far as they can, so
that the SHACL shapes can run on the whole sheet. The triples are made as Oxigraph terms (no
rdflib Graph: at 10,000 rows that cost most of the import) and written by Oxigraph's Turtle
serialiser, each subject's triples together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.ingest.codebook import decides
from kg.ingest.groupings import GROUPS, groups, iri, slug, text
from kg.namespaces import ID, PREFIXES, SCK
from kg.sources.files import RdfDocument
from kg.sources.sheets import Sheet
from kg.sources.sheetspec import (
    CODED_IN_PART,
    KINDS,
    NAME_IRIS_REPLACED,
    REVIEWED,
    SCOPES,
    SUGGESTED,
    TIERS,
    Row,
    coding_status,
    split,
    untiered,
    web_address,
)

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = PREFIXES["rdfs"]
XSD = PREFIXES["xsd"]
SKOS = PREFIXES["skos"]
DCTERMS = PREFIXES["dcterms"]
SUGGESTER = "kg-suggest"  # the software agent a suggested link is attributed to
PROV = PREFIXES["prov"]


@dataclass
class Vocabulary:
    """What a sheet may refer to, read from the graph it will join (kg.ingest.frameworks.vocabulary makes it)."""

    aspects: dict[str, str]  # notation, preferred and alternative labels (casefolded) -> aspect IRI
    codes_in_graph: dict[str, str]  # code -> indicator IRI, for this framework
    sdg: set[str]
    rules: dict[str, str] = field(default_factory=dict)  # codebook rule notation -> rule IRI
    rule_aspects: dict[str, str] = field(default_factory=dict)  # rule IRI -> the aspect IRI it assigns, if any


def comment(text: str) -> str:
    """``text`` safe inside a one-line comment: line breaks and other unprintable characters escaped."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def typed(value: str, datatype: str) -> ox.Literal:
    """A literal of the XSD ``datatype`` (its local name: "gYear", "date" ...)."""
    return ox.Literal(value, datatype=iri(XSD + datatype))


@dataclass
class Converted:
    """The converted triples, each once and in the order made, and the sheet row of each node."""

    prefixes: dict[str, str] = field(default_factory=dict)  # more prefixes for the Turtle (name -> namespace)
    triples: dict[ox.Triple, None] = field(default_factory=dict)
    rows_of: dict[str, int] = field(default_factory=dict)  # indicator, grouping, classification ... IRI -> row
    header: str = ""  # the comment block a file of these triples starts with

    def add(self, subject: ox.NamedNode, predicate: str, value: ox.NamedNode | ox.Literal) -> None:
        """Add the triple (``predicate`` an IRI string); a triple already made is kept once."""
        self.triples[ox.Triple(subject, iri(predicate), value)] = None

    def __len__(self) -> int:
        return len(self.triples)

    def document(self) -> RdfDocument:
        """The triples as a document of the graph, for the shapes check."""
        return RdfDocument(Path("(import)"), [ox.Quad(t.subject, t.predicate, t.object) for t in self.triples])

    def turtle(self) -> bytes:
        """Turtle, each subject's triples together (a stable sort keeps their order within it)."""
        ordered = sorted(self.triples, key=_subject_key)
        names = ("sck", "skos", "dcterms", "fw", "aspect", "agent", "rdfs", "xsd", "prov", "foaf")
        prefixes = {p: PREFIXES[p] for p in names}
        # Oxigraph writes any prefix name it is given: one that Turtle does not allow ("9x") would
        # make the file unreadable, and one of ours would hide our namespace.
        valid = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
        prefixes |= {p: ns for p, ns in self.prefixes.items() if valid.fullmatch(p) and p not in prefixes}
        turtle = ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
        assert turtle is not None  # serialize returns the bytes when given no output
        return turtle


def _subject_key(triple: ox.Triple) -> str:
    """A triple's subject as the Turtle's order sorts it: the IRI (or blank node id) itself."""
    subject = triple.subject
    return subject.value if isinstance(subject, ox.NamedNode | ox.BlankNode) else str(subject)


def agent_for(name: str) -> ox.NamedNode:
    """The agent (a person or an organisation) called ``name``, in the project's agent namespace."""
    return iri(f"{ID}agent/{slug(name).lower()}")


def coded_in_part(sheet: Sheet) -> bool:
    """Whether only some indicators were reviewed: the description says so, or the coded column shows it."""
    said = sheet.meta.get("coding", "").strip().lower()
    if said == CODED_IN_PART:
        return True
    return not said and "coded" in sheet.columns and any(coding_status(row) != REVIEWED for row in sheet.rows)


@dataclass(frozen=True)
class _Context:
    """What every row of one sheet is converted with: its namespace, framework, document and agents."""

    ns: str
    framework: ox.NamedNode
    document: ox.NamedNode
    coder: ox.NamedNode
    suggester: ox.NamedNode
    coded_on: str  # the coding's date if the description gives a valid one, else ""
    vocab: Vocabulary
    retire: bool = False  # keep the groupings' published name IRIs, replaced by their code IRIs (kg.ingest.groupings)


def convert(sheet: Sheet, framework_id: str, vocab: Vocabulary) -> Converted:
    """The sheet in the project's vocabulary. Rows with problems still convert, as far as they can.

    ``framework_id`` names the framework (fw:ID) and the namespace of its indicators; ``vocab``
    resolves the aspects column and tells which codes the graph already has.
    """
    out = Converted({framework_id: f"{ID}{framework_id}/"})
    context = _describe_framework(out, sheet, framework_id, vocab)
    seen: set[str] = set()
    for position, row in enumerate(sheet.rows, start=1):
        _indicator(out, context, row, position, seen)
    return out


def _describe_framework(out: Converted, sheet: Sheet, framework_id: str, vocab: Vocabulary) -> _Context:
    """The framework, its source document and the agents named by the description; the rows' context."""
    meta, add = sheet.meta, out.add
    ns = f"{ID}{framework_id}/"
    framework = iri(f"{PREFIXES['fw']}{framework_id}")
    source = meta.get("source", "")
    document = iri(source if web_address(source) else f"{ns}source")
    publisher = agent_for(meta.get("publisher") or "unknown publisher")
    coded_by = meta.get("coded_by") or "smartcity-kg"
    coder = agent_for(coded_by)
    add(framework, RDF + "type", iri(SCK + "Framework"))
    add(framework, DCTERMS + "identifier", text(framework_id))
    add(framework, SKOS + "prefLabel", text(meta.get("title", framework_id), "en"))
    add(framework, DCTERMS + "source", document)
    add(framework, DCTERMS + "publisher", publisher)
    add(document, RDF + "type", iri(SCK + "Document"))
    add(document, DCTERMS + "title", text(meta.get("source_title") or meta.get("title", framework_id), "en"))
    # The document the framework is read from is described by its own rows (source_publisher,
    # source_year): the framework's publisher and year are not the source's (an ontology of ISO
    # 37120 is not ISO's, nor of 2014). Without them the source has no publisher or year.
    agents = [(publisher, meta.get("publisher", "")), (coder, coded_by)]
    if meta.get("source_publisher"):
        source_publisher = agent_for(meta["source_publisher"])
        add(document, DCTERMS + "publisher", source_publisher)
        agents.append((source_publisher, meta["source_publisher"]))
    _dates_and_flags(out, sheet, framework, document)
    coded_on = meta.get("coded_on", "") if re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta.get("coded_on", "")) else ""
    suggester = iri(f"{ID}agent/{SUGGESTER}")
    if any(coding_status(row) == SUGGESTED for row in sheet.rows):
        agents.append((suggester, "kg suggest (smartcity-kg's participation aspect suggester)"))
        _describe_suggester(out, suggester, coder, coded_on)
    for agent, name in agents:
        add(agent, RDF + "type", iri(PREFIXES["foaf"] + "Agent"))
        add(agent, RDF + "type", iri(PREFIXES["prov"] + "Agent"))
        add(agent, PREFIXES["foaf"] + "name", text(name))
    if meta.get("note"):
        add(framework, SKOS + "editorialNote", text(meta["note"], "en"))
    retire = meta.get("name_iris", "").strip().lower() == NAME_IRIS_REPLACED
    return _Context(ns, framework, document, coder, suggester, coded_on, vocab, retire)


def _dates_and_flags(out: Converted, sheet: Sheet, framework: ox.NamedNode, document: ox.NamedNode) -> None:
    """The framework's and its document's years, and whether the framework has no tiers or is coded in part."""
    for node, year in ((framework, sheet.meta.get("year", "")), (document, sheet.meta.get("source_year", ""))):
        if re.fullmatch(r"\d{4}", year):
            out.add(node, DCTERMS + "issued", typed(year, KINDS["year"].datatype))
    if untiered(sheet.meta):
        out.add(framework, SCK + "tiered", ox.Literal("false", datatype=iri(XSD + "boolean")))
    scope = SCOPES.get(sheet.meta.get("scope", "").strip().lower())
    if scope and web_address(sheet.meta.get("scope_source", "")):
        out.add(framework, SCK + "scope", iri(SCK + scope))
        out.add(framework, SCK + "scopeSource", iri(sheet.meta["scope_source"]))
    if coded_in_part(sheet):
        out.add(framework, SCK + "codedInFull", ox.Literal("false", datatype=iri(XSD + "boolean")))


def _describe_suggester(out: Converted, suggester: ox.NamedNode, coder: ox.NamedNode, coded_on: str) -> None:
    """kg suggest, the software agent of the suggested rows: smartcity-kg's tool, acting for the sheet's coder."""
    out.add(suggester, RDF + "type", iri(PROV + "SoftwareAgent"))
    out.add(suggester, PROV + "actedOnBehalfOf", coder)
    out.add(suggester, DCTERMS + "source", coder)
    out.add(suggester, PROV + "wasAttributedTo", coder)
    if coded_on:
        out.add(suggester, DCTERMS + "created", typed(coded_on, KINDS["date"].datatype))


def _indicator(out: Converted, context: _Context, row: Row, position: int, seen: set[str]) -> None:
    """One row's indicator: its code, name, tier, groupings, measure, SDG references, source and coding."""
    add, cell, ns = out.add, row.values.get, context.ns
    code = cell("code", "") or f"row {row.number}"
    # A repeated code is check_rows' to report, naming both rows: its notation stays out of the
    # shapes' way. Codes that differ but slug alike ("A.1", "A-1") keep apart by row number.
    repeated = code in context.vocab.codes_in_graph or code in seen
    seen.add(code)
    if f"{ns}{slug(code)}" in out.rows_of:
        code = f"{code} row {row.number}"
    kpi = iri(f"{ns}{slug(code)}")
    out.rows_of[kpi.value] = row.number
    add(kpi, RDF + "type", iri(SCK + "Indicator"))
    add(kpi, SKOS + "inScheme", context.framework)
    add(kpi, SCK + "listPosition", typed(str(position), "integer"))  # a type no store rewrites (kg.validation)
    if cell("code") and not repeated:
        add(kpi, SKOS + "notation", text(row.values["code"]))
    if cell("name"):
        add(kpi, SKOS + "prefLabel", text(row.values["name"], "en"))
    if cell("tier", "").lower() in TIERS:
        add(kpi, SCK + "tier", iri(SCK + TIERS[row.values["tier"].lower()]))
    broader = groups(out, ns, context.framework, context.document, row, retire=context.retire)
    for column, node in broader.items():
        out.rows_of.setdefault(node.value, row.number)  # a grouping's problems show at its first row
        add(kpi, SCK + GROUPS[column][1], node)
    if broader:
        add(kpi, SKOS + "broader", list(broader.values())[-1])
    if cell("measure"):
        add(kpi, SCK + "measure", text(row.values["measure"]))
    for number in split(cell("sdg", "")):
        add(kpi, SCK + "sdgReference", text(number))
    origin = _source(out, context.document, row)
    out.rows_of.setdefault(origin.value, row.number)
    add(kpi, DCTERMS + "source", origin)
    _code_row(out, context, row, code, kpi, origin)


def _code_row(out: Converted, context: _Context, row: Row, code: str, kpi: ox.NamedNode, origin: ox.NamedNode) -> None:
    """A reviewed or suggested row's coding and the classifications it generated; nothing for a row not yet reviewed."""
    status = coding_status(row)
    if status not in (REVIEWED, SUGGESTED):
        return  # not yet reviewed for participation (or an unknown status, which check_rows reports)
    who = context.coder if status == REVIEWED else context.suggester
    note = row.values.get("coding_note", "")
    coding = _coding(out, context.ns, code, kpi, origin, who, status, context.coded_on, note)
    out.rows_of[coding.value] = row.number
    rules = [iri(context.vocab.rules[r]) for r in split(row.values.get("rules", "")) if r in context.vocab.rules]
    for rule in rules:
        out.add(coding, SCK + "codingRule", rule)
    for aspect_name in split(row.values.get("aspects", "")):
        aspect = context.vocab.aspects.get(aspect_name.casefold())
        if aspect is not None:
            classification = _classification(out, context, row, _Coded(code, kpi, iri(aspect), who, coding, origin))
            for rule in rules:  # the rules that decided this aspect: its own include- rule, and the general ones
                if decides(context.vocab, rule.value, aspect):
                    out.add(classification, SCK + "codingRule", rule)


@dataclass(frozen=True)
class _Coded:
    """One aspect a coded row names: the indicator, the aspect, who coded it, in which coding, from where."""

    code: str
    kpi: ox.NamedNode
    aspect: ox.NamedNode
    who: ox.NamedNode
    coding: ox.NamedNode
    origin: ox.NamedNode


def _classification(out: Converted, context: _Context, row: Row, coded: _Coded) -> ox.NamedNode:
    """The link of an indicator to an aspect, attributed and dated, with the evidence quoted from its source."""
    add, cell = out.add, row.values.get
    local = f"{slug(coded.code)}-{coded.aspect.value.rsplit('/', 1)[-1]}"
    classification, evidence = iri(f"{context.ns}classification-{local}"), iri(f"{context.ns}evidence-{local}")
    out.rows_of[classification.value] = out.rows_of[evidence.value] = row.number
    add(coded.kpi, SCK + "addresses", coded.aspect)
    add(classification, RDF + "type", iri(SCK + "Classification"))
    add(classification, SCK + "indicator", coded.kpi)
    add(classification, SCK + "aspect", coded.aspect)
    add(classification, DCTERMS + "source", coded.who)
    add(classification, PROV + "wasAttributedTo", coded.who)
    add(classification, PROV + "wasGeneratedBy", coded.coding)
    if context.coded_on:
        add(classification, DCTERMS + "created", typed(context.coded_on, KINDS["date"].datatype))
    add(classification, SCK + "evidence", evidence)
    if cell("measure"):
        add(classification, SCK + "measure", text(row.values["measure"]))
    if cell("coding_note"):
        add(classification, RDFS + "comment", text(row.values["coding_note"], "en"))
    add(evidence, RDF + "type", iri(SCK + "Evidence"))
    add(evidence, DCTERMS + "source", coded.origin)
    if cell("evidence"):
        add(evidence, SCK + "quote", text(row.values["evidence"]))
    return classification


def _coding(out: Converted, ns: str, code: str, kpi: ox.NamedNode, origin: ox.NamedNode, who: ox.NamedNode,
            status: str, coded_on: str, note: str) -> ox.NamedNode:  # fmt: skip
    """The act of coding one indicator for participation: who did it, when, and why (aspects or none).

    Its classifications are generated by it (prov:wasGeneratedBy); a review that found no aspect
    is this node alone, so that "reviewed, addresses none" differs from "not yet reviewed".
    Its source is what was read: the indicator as its source publishes it.
    """
    coding = iri(f"{ns}coding-{slug(code)}")
    label = f"participation review of indicator {code}"
    if status == SUGGESTED:
        label = f"participation aspects suggested for indicator {code} by kg suggest, not reviewed"
    out.add(coding, RDF + "type", iri(PROV + "Activity"))
    out.add(coding, RDFS + "label", text(label, "en"))
    out.add(coding, PROV + "used", kpi)
    out.add(coding, PROV + "wasAssociatedWith", who)
    out.add(coding, DCTERMS + "source", origin)
    if coded_on:
        out.add(coding, DCTERMS + "date", typed(coded_on, KINDS["date"].datatype))
    if note:
        out.add(coding, RDFS + "comment", text(note, "en"))
    return coding


def _source(out: Converted, document: ox.NamedNode, row: Row) -> ox.NamedNode:
    """Where the row's indicator is defined: the framework's document, a page of it, or another document.

    A ``source`` below the framework's source address is a web page of that publication; any
    other address is a document of its own, titled by ``source_title``. ``page`` adds a page
    number (as ``#page=N``, the fragment PDF readers understand).
    """
    url, page = row.values.get("source", ""), row.values.get("page", "")
    if not web_address(url) or (page and "#" in url):
        url = ""  # reported by check_rows
    parent = document
    if url and not url.startswith(document.value):
        parent = iri(url)
        out.add(parent, RDF + "type", iri(SCK + "Document"))
        out.add(parent, DCTERMS + "title", text(row.values.get("source_title") or url, "en"))
        url = ""
    page = page if re.fullmatch(r"[1-9]\d*", page) else ""  # else reported by check_rows
    if not url and not page:
        return parent
    node = iri(f"{url or parent.value}#page={page}" if page else url)
    out.add(node, RDF + "type", iri(SCK + "Page"))
    out.add(node, DCTERMS + "isPartOf", parent)
    if page:
        out.add(node, SCK + "pageNumber", typed(page, KINDS["page"].datatype))
    return node
