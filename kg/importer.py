"""Import a framework spreadsheet: check every row, convert it to Turtle, validate, write.

Nothing is written unless the whole sheet is clean. The checks run in two layers and all
problems are reported at once, each with its row and column:

1. row checks against the project's vocabularies and the rest of the graph: required cells,
   tiers, participation aspects, real SDG targets and indicators, codes unique within the
   framework (in the sheet and in the graph), dimension names that differ only in case or spaces;
2. the SHACL shapes, run on the converted rows together with the bundled graph.

The Turtle is then written atomically (a temporary file, then a rename).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, SKOS

from .errors import EXIT_VIOLATIONS, KgError
from .namespaces import ID, PREFIXES, SCK
from .output import write_turtle
from .params import bind
from .query import KnowledgeGraph
from .sheets import Row, Sheet, read_sheet
from .sources import RdfDocument, project_root
from .store import document_from_graph

SCK_NS = Namespace(SCK)
REQUIRED = ("code", "name", "dimension", "tier")
COLUMNS = ("code", "name", "dimension", "sub_dimension", "category", "tier", "aspects", "sdg", "measure", "source")
COLUMNS += ("source_title", "page", "evidence", "coding_note")
META_REQUIRED = ("title", "publisher", "year", "source")
TIERS = {"core": SCK_NS.Core, "advanced": SCK_NS.Advanced, "supporting": SCK_NS.Supporting}
# Grouping columns: the concept class and the indicator property of each, outermost first.
GROUPS = {
    "dimension": (SCK_NS.Dimension, SCK_NS.dimension),
    "sub_dimension": (SCK_NS.SubDimension, SCK_NS.subDimension),
    "category": (SCK_NS.Category, SCK_NS.category),
}
FRAMEWORK_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
URL = re.compile(r"https?://[^\s<>\"{}|\\^`]+")

UNIQUE_NOTATION = URIRef("https://w3id.org/smartcity-kg/shapes#UniqueNotation")
# SHACL result paths, back to the sheet's columns.
PATH_COLUMNS = {
    SKOS.notation: "code",
    SKOS.prefLabel: "name",
    SCK_NS.tier: "tier",
    SCK_NS.dimension: "dimension",
    SCK_NS.subDimension: "sub_dimension",
    SCK_NS.category: "category",
    SCK_NS.addresses: "aspects",
    DCTERMS.source: "source",
}


@dataclass(frozen=True, order=True)
class Problem:
    row: int  # 1 for the header or the framework description
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


class ImportProblems(KgError):
    """The sheet has data problems; nothing was written."""

    exit_code = EXIT_VIOLATIONS

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"{path}: {len(self.problems)} problem(s), nothing written:\n{lines}")


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "x"


def _normalised(name: str) -> str:
    return " ".join(name.split()).casefold()


def sdg_codes() -> set[str]:
    """The real SDG target and indicator codes (UN SDG KOS snapshot in data/reference/)."""
    path = project_root() / "data" / "reference" / "sdg-kos.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["code"] for row in csv.DictReader(handle, delimiter="\t") if row["kind"] in ("target", "indicator")}


@dataclass
class Vocabulary:
    """What the sheet may refer to, read from the graph it will join."""

    aspects: dict[str, URIRef]  # notation, preferred and alternative labels (casefolded) -> aspect
    codes_in_graph: dict[str, str]  # code -> indicator IRI, for this framework
    sdg: set[str]


FRAMEWORK_CODES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?kpi ?code WHERE { ?kpi skos:inScheme ?framework ; skos:notation ?code }
"""


def vocabulary(graph: KnowledgeGraph, framework: URIRef) -> Vocabulary:
    aspects = {}
    for row in graph.query("participation-aspects").dicts():
        aspects[str(row["label"]).casefold()] = aspects[str(row["notation"]).casefold()] = URIRef(row["aspect"])
    codes_query = bind(FRAMEWORK_CODES, {"framework": framework})
    codes = {str(row["code"]): row["kpi"] for row in graph.sparql(codes_query).dicts()}
    return Vocabulary(aspects, codes, sdg_codes())


# ------------------------------------------------------------------ row checks


def check_meta(sheet: Sheet) -> list[Problem]:
    """Problems of the framework description and the header row (all reported on row 1)."""
    where = sheet.meta_source
    found = []

    def problem(column: str, message: str) -> None:
        found.append(Problem(1, column, message))

    for key in META_REQUIRED:
        if not sheet.meta.get(key):
            problem(key, f"{where} needs a '{key}' row")
    year, source = sheet.meta.get("year", ""), sheet.meta.get("source", "")
    if year and not re.fullmatch(r"\d{4}", year):
        problem("year", f"{where}: year {year!r} is not a four-digit year")
    if source and not URL.fullmatch(source):
        problem("source", f"{where}: source {source!r} is not a web address (https://...)")
    missing = [column for column in REQUIRED if column not in sheet.columns]
    if missing:
        problem(", ".join(missing), "the header row lacks these columns; copy the template's header")
    unknown = [column for column in sheet.columns if column and column not in COLUMNS]
    if unknown:
        problem(", ".join(unknown), f"unknown column(s); the columns are {', '.join(COLUMNS)}")
    return found


def empty_cells(row: Row, required: Iterable[str], what: str) -> list[Problem]:
    """A problem for each required cell the row leaves empty."""
    return [Problem(row.number, c, f"is empty; every {what} needs a {c}") for c in required if not row.values.get(c)]


def split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def check_rows(rows: list[Row], vocab: Vocabulary) -> list[Problem]:
    """Problems of the indicator rows, against each other and against the graph."""
    found = []
    first_code: dict[str, int] = {}
    spellings: dict[tuple[str, str], tuple[str, int]] = {}  # (column, normalised name) -> first spelling
    aspect_names = ", ".join(sorted({str(a).rsplit("/", 1)[-1] for a in vocab.aspects.values()}))
    for row in rows:
        cell = row.values.get

        def problem(column: str, message: str, number: int = row.number) -> None:
            found.append(Problem(number, column, message))

        found.extend(empty_cells(row, REQUIRED, "indicator"))
        code = cell("code", "")
        if code and code in first_code:
            problem("code", f"{code!r} is already used in row {first_code[code]}; give each indicator its own code")
        elif code in vocab.codes_in_graph:
            problem("code", f"{code!r} is already used in this framework by {vocab.codes_in_graph[code]}")
        first_code.setdefault(code, row.number)
        tier = cell("tier", "")
        if tier and tier.lower() not in TIERS:
            problem("tier", f"{tier!r} is not a tier; use core, advanced or supporting")
        for aspect in split(cell("aspects", "")):
            if aspect.casefold() not in vocab.aspects:
                problem("aspects", f"{aspect!r} is not a participation aspect; use one of {aspect_names}")
        for number in split(cell("sdg", "")):
            if number not in vocab.sdg:
                problem("sdg", f"{number!r} is not an SDG target or indicator (such as 11.3 or 11.3.2)")
        for column in GROUPS:
            name = cell(column, "")
            first = spellings.setdefault((column, _normalised(name)), (name, row.number)) if name else (name, 0)
            if first[0] != name:
                problem(column, f"{name!r} differs from {first[0]!r} (row {first[1]}) only in case or spaces")
        source, page = cell("source", ""), cell("page", "")
        if source and not URL.fullmatch(source):
            problem("source", f"{source!r} is not a web address (https://...)")
        if page and not re.fullmatch(r"[1-9]\d*", page):
            problem("page", f"{page!r} is not a page number")
    return found


# ------------------------------------------------------------------ conversion


@dataclass
class Converted:
    graph: Graph
    rows_of: dict[URIRef, int]  # indicator, classification and evidence nodes -> sheet row


def agent_for(name: str) -> URIRef:
    return URIRef(f"{ID}agent/{slug(name).lower()}")


def convert(sheet: Sheet, framework_id: str, vocab: Vocabulary) -> Converted:
    """The sheet in the project's vocabulary. Rows with problems still convert, as far as they can."""
    meta = sheet.meta
    ns = Namespace(f"{ID}{framework_id}/")
    framework = URIRef(f"{PREFIXES['fw']}{framework_id}")
    graph = Graph()
    for prefix, namespace in (
        ("sck", SCK),
        ("skos", SKOS),
        ("dcterms", DCTERMS),
        ("fw", PREFIXES["fw"]),
        (framework_id, ns),
    ):
        graph.bind(prefix, namespace)
    document = URIRef(meta.get("source") or f"{ns}source")
    publisher = agent_for(meta.get("publisher") or "unknown publisher")
    coder = agent_for(meta.get("coded_by") or "smartcity-kg")
    year = meta.get("year", "")
    graph.add((framework, RDF.type, SCK_NS.Framework))
    graph.add((framework, DCTERMS.identifier, Literal(framework_id)))
    graph.add((framework, SKOS.prefLabel, Literal(meta.get("title", framework_id), lang="en")))
    graph.add((framework, DCTERMS.source, document))
    graph.add((framework, DCTERMS.publisher, publisher))
    graph.add((document, RDF.type, SCK_NS.Document))
    graph.add(
        (document, DCTERMS.title, Literal(meta.get("source_title") or meta.get("title", framework_id), lang="en"))
    )
    graph.add((document, DCTERMS.publisher, publisher))
    if re.fullmatch(r"\d{4}", year):
        for node in (framework, document):
            graph.add((node, DCTERMS.issued, Literal(year, datatype=XSD.gYear)))
    for agent, name in ((publisher, meta.get("publisher", "")), (coder, meta.get("coded_by") or "smartcity-kg")):
        graph.add((agent, RDF.type, FOAF.Agent))
        graph.add((agent, RDF.type, PROV.Agent))
        graph.add((agent, FOAF.name, Literal(name)))
    if meta.get("note"):
        graph.add((framework, SKOS.editorialNote, Literal(meta["note"], lang="en")))

    rows_of: dict[URIRef, int] = {}
    for position, row in enumerate(sheet.rows, start=1):
        cell = row.values.get
        code = cell("code", "") or f"row {row.number}"
        kpi = ns[slug(code)]
        if kpi in rows_of:  # a repeated code (already reported): keep the rows apart
            code = f"{code} row {row.number}"
            kpi = ns[slug(code)]
        rows_of[kpi] = row.number
        graph.add((kpi, RDF.type, SCK_NS.Indicator))
        graph.add((kpi, SKOS.inScheme, framework))
        graph.add((kpi, SCK_NS.listPosition, Literal(position, datatype=XSD.positiveInteger)))
        if cell("code"):
            graph.add((kpi, SKOS.notation, Literal(cell("code"))))
        if cell("name"):
            graph.add((kpi, SKOS.prefLabel, Literal(cell("name"), lang="en")))
        if cell("tier", "").lower() in TIERS:
            graph.add((kpi, SCK_NS.tier, TIERS[cell("tier").lower()]))
        broader = _groups(graph, ns, framework, document, row)
        for node in broader.values():
            rows_of.setdefault(node, row.number)  # a grouping's problems show at its first row
        for column, prop in (
            ("dimension", SCK_NS.dimension),
            ("sub_dimension", SCK_NS.subDimension),
            ("category", SCK_NS.category),
        ):
            if column in broader:
                graph.add((kpi, prop, broader[column]))
        if broader:
            graph.add((kpi, SKOS.broader, list(broader.values())[-1]))
        if cell("measure"):
            graph.add((kpi, SCK_NS.measure, Literal(cell("measure"))))
        for number in split(cell("sdg", "")):
            graph.add((kpi, SCK_NS.sdgReference, Literal(number)))
        source = _source(graph, document, row)
        rows_of.setdefault(source, row.number)
        graph.add((kpi, DCTERMS.source, source))
        for aspect_name in split(cell("aspects", "")):
            aspect = vocab.aspects.get(aspect_name.casefold())
            if aspect is None:
                continue
            graph.add((kpi, SCK_NS.addresses, aspect))
            classification = ns[f"classification-{slug(code)}-{aspect.rsplit('/', 1)[-1]}"]
            evidence = ns[f"evidence-{slug(code)}-{aspect.rsplit('/', 1)[-1]}"]
            rows_of[classification] = rows_of[evidence] = row.number
            graph.add((classification, RDF.type, SCK_NS.Classification))
            graph.add((classification, SCK_NS.indicator, kpi))
            graph.add((classification, SCK_NS.aspect, aspect))
            graph.add((classification, DCTERMS.source, coder))
            graph.add((classification, SCK_NS.evidence, evidence))
            if cell("measure"):
                graph.add((classification, SCK_NS.measure, Literal(cell("measure"))))
            if cell("coding_note"):
                graph.add((classification, RDFS.comment, Literal(cell("coding_note"), lang="en")))
            graph.add((evidence, RDF.type, SCK_NS.Evidence))
            graph.add((evidence, DCTERMS.source, source))
            if cell("evidence"):
                graph.add((evidence, SCK_NS.quote, Literal(cell("evidence"))))
    return Converted(graph, rows_of)


def _groups(graph: Graph, ns: Namespace, framework: URIRef, document: URIRef, row: Row) -> dict[str, URIRef]:
    """The row's dimension, sub-dimension and category concepts, each below the one before."""
    found: dict[str, URIRef] = {}
    parent = None
    path = []
    for column, cls in (
        ("dimension", SCK_NS.Dimension),
        ("sub_dimension", SCK_NS.SubDimension),
        ("category", SCK_NS.Category),
    ):
        name = row.values.get(column, "")
        if not name:
            continue
        path.append(slug(name).lower())
        node = ns[f"{column.replace('_', '')}-{'-'.join(path)}"]
        graph.add((node, RDF.type, cls))
        graph.add((node, SKOS.prefLabel, Literal(name, lang="en")))
        graph.add((node, SKOS.inScheme, framework))
        graph.add((node, DCTERMS.source, document))
        if parent is None:
            graph.add((node, SKOS.topConceptOf, framework))
            graph.add((framework, SKOS.hasTopConcept, node))
        else:
            graph.add((node, SKOS.broader, parent))
        found[column] = parent = node
    return found


def _source(graph: Graph, document: URIRef, row: Row) -> URIRef:
    """Where the row's indicator is defined: the framework's document, a page of it, or another document.

    A ``source`` below the framework's source address is a web page of that publication; any
    other address is a document of its own, titled by ``source_title``. ``page`` adds a page
    number (as ``#page=N``, the fragment PDF readers understand).
    """
    url, page = row.values.get("source", ""), row.values.get("page", "")
    if url and not URL.fullmatch(url):
        url = ""  # reported by check_rows
    parent = document
    if url and not url.startswith(str(document)):
        parent = URIRef(url)
        graph.add((parent, RDF.type, SCK_NS.Document))
        graph.add((parent, DCTERMS.title, Literal(row.values.get("source_title") or url, lang="en")))
        url = ""
    if not url and not page:
        return parent
    node = URIRef(f"{url or parent}#page={page}" if page else url)
    graph.add((node, RDF.type, SCK_NS.Page))
    graph.add((node, DCTERMS.isPartOf, parent))
    if re.fullmatch(r"[1-9]\d*", page):
        graph.add((node, SCK_NS.pageNumber, Literal(page, datatype=XSD.positiveInteger)))
    return node


# ------------------------------------------------------------------ the whole import


def shacl_problems(converted: Converted, others: list[RdfDocument], rows_done: set[int]) -> list[Problem]:
    """The shapes' findings on the converted rows, in row-and-column terms."""
    from .validate import validate_documents

    mine = document_from_graph(converted.graph, "import")
    report = validate_documents([*others, mine], checked=[])
    problems = []
    for problem in report.problems:
        # Repeated codes are the row checks' to report: they name both rows.
        if not problem.is_violation or problem.constraint == UNIQUE_NOTATION:
            continue
        row = converted.rows_of.get(problem.focus, 1)
        column = PATH_COLUMNS.get(problem.path, "(row)")
        if row not in rows_done:
            problems.append(Problem(row, column, problem.message))
    return problems


def defines(document: RdfDocument, framework: URIRef) -> bool:
    """Whether a parsed file states that ``framework`` is a sck:Framework."""
    return any(
        q.subject.value == str(framework)
        and q.predicate.value == str(RDF.type)
        and q.object.value == str(SCK_NS.Framework)
        for q in document.quads
    )


def import_sheet(path: Path | str, framework_id: str, out: Path | str) -> tuple[Graph, int, list[Path]]:
    """Check and convert ``path``; write ``out`` only if there is no problem.

    Returns the graph, the number of indicator rows, and the bundled files that define the
    framework already (which the new file replaces, unless it was written elsewhere).
    """
    path, out = Path(path), Path(out)
    if not FRAMEWORK_ID.fullmatch(framework_id):
        raise KgError(
            f"--framework {framework_id!r} is not an id; use lower-case letters, digits and hyphens (e.g. iso37120)."
        )
    sheet = read_sheet(path)
    framework = URIRef(f"{PREFIXES['fw']}{framework_id}")
    # Importing a framework replaces the file that defines it (and whatever is at --out).
    bundled = KnowledgeGraph.load().documents
    replaced = [d for d in bundled if d.path.resolve() == out.resolve() or defines(d, framework)]
    others = [d for d in bundled if all(d is not r for r in replaced)]
    graph = KnowledgeGraph(others)
    vocab = vocabulary(graph, framework)
    problems = check_meta(sheet) + check_rows(sheet.rows, vocab)
    if not sheet.rows:
        problems.append(Problem(2, "code", "the sheet has no indicator rows"))
    converted = convert(sheet, framework_id, vocab)
    # The row checks say more precisely what the shapes would also find on those rows.
    problems += shacl_problems(converted, others, {p.row for p in problems})
    if problems:
        raise ImportProblems(path, problems)
    header = f"# Generated by 'kg import' from {path.name} (framework {framework_id}): edit the sheet, not this file.\n"
    write_turtle(converted.graph, out, header)
    return converted.graph, len(sheet.rows), [d.path for d in replaced if d.path.resolve() != out.resolve()]
