"""Import a framework spreadsheet: check every row, convert it to Turtle, validate, write.

Nothing is written unless the whole sheet is clean. The checks run in two layers and all
problems are reported at once, each with its row and column:

1. row checks against the project's vocabularies and the rest of the graph: required cells,
   tiers, participation aspects, real SDG targets and indicators, codes unique within the
   framework (in the sheet and in the graph), dimension names that differ only in case or spaces,
   and the coding record (the coded column's statuses, its date, a 'coding,full' every row bears out);
2. the SHACL shapes (on Oxigraph, kg.validation), run on the converted rows together with the
   bundled graph.

Rows become Oxigraph triples directly and are written by Oxigraph's Turtle serialiser, atomically
(a temporary file, then a rename): every step is linear in the rows (10,000 rows in seconds).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .convert import (
    CODED_IN_PART,
    DCTERMS,
    GROUPS,
    NO_TIERS,
    RDF,
    REVIEWED,
    SCOPES,
    SKOS,
    SUGGESTED,
    TIERS,
    Converted,
    coding_status,
    comment,
    convert,
    split,
    untiered,
    web_address,
)
from .errors import KgError
from .namespaces import PREFIXES, SCK
from .output import write_atomically
from .params import bind
from .query import KnowledgeGraph
from .sheets import Problem, Row, Sheet, SheetProblems, read_sheet
from .sources import RdfDocument, project_root

ImportProblems = SheetProblems  # data problems of a sheet: listed with row and column, nothing written

REQUIRED = ("code", "name", "dimension", "tier")
COLUMNS = ("code", "name", "dimension", "sub_dimension", "category", "tier", "aspects", "sdg", "measure", "source")
COLUMNS += ("source_title", "page", "evidence", "coding_note", "coded")
META_REQUIRED = ("title", "publisher", "year", "source")
FRAMEWORK_ID = re.compile(r"[a-z0-9][a-z0-9-]*")

UNIQUE_NOTATION = "https://w3id.org/smartcity-kg/shapes#UniqueNotation"
# SHACL result paths, back to the sheet's columns.
PATH_COLUMNS = {
    SKOS + "notation": "code",
    SKOS + "prefLabel": "name",
    SCK + "tier": "tier",
    SCK + "dimension": "dimension",
    SCK + "subDimension": "sub_dimension",
    SCK + "category": "category",
    SCK + "addresses": "aspects",
    DCTERMS + "source": "source",
}


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

    aspects: dict[str, str]  # notation, preferred and alternative labels (casefolded) -> aspect IRI
    codes_in_graph: dict[str, str]  # code -> indicator IRI, for this framework
    sdg: set[str]


FRAMEWORK_CODES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?kpi ?code WHERE { ?kpi skos:inScheme ?framework ; skos:notation ?code }
"""


def vocabulary(graph: KnowledgeGraph, framework: str) -> Vocabulary:
    from rdflib import URIRef

    aspects = {}
    for row in graph.query("participation-aspects").dicts():
        aspects[str(row["label"]).casefold()] = aspects[str(row["notation"]).casefold()] = str(row["aspect"])
    codes_query = bind(FRAMEWORK_CODES, {"framework": URIRef(framework)})
    codes = {str(row["code"]): str(row["kpi"]) for row in graph.sparql(codes_query).dicts()}
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
    for key in ("year", "source_year"):
        year = sheet.meta.get(key, "")
        if year and not re.fullmatch(r"\d{4}", year):
            problem(key, f"{where}: {key} {year!r} is not a four-digit year")
    tiers = sheet.meta.get("tiers", "")
    if tiers and not untiered(sheet.meta):
        fix = f"write '{NO_TIERS}' for a framework without tiers, or leave the row out"
        problem("tiers", f"{where}: tiers {tiers!r} is not understood; {fix}")
    coding = sheet.meta.get("coding", "")
    if coding and coding.strip().lower() not in (CODED_IN_PART, "full"):
        fix = f"write '{CODED_IN_PART}' when only some indicators were reviewed for participation, or 'full'"
        problem("coding", f"{where}: coding {coding!r} is not understood; {fix}")
    coded_on = sheet.meta.get("coded_on", "")
    if coded_on and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", coded_on):
        problem("coded_on", f"{where}: coded_on {coded_on!r} is not a date; write it as YYYY-MM-DD")
    source = sheet.meta.get("source", "")
    if source and not web_address(source):
        problem("source", f"{where}: source {source!r} is not a web address (https://...)")
    scope, scope_source = sheet.meta.get("scope", ""), sheet.meta.get("scope_source", "")
    if scope and scope.strip().lower() not in SCOPES:
        problem("scope", f"{where}: scope {scope!r} is not understood; write {', '.join(SCOPES)}")
    if scope_source and not web_address(scope_source):
        problem("scope_source", f"{where}: scope_source {scope_source!r} is not a web address (https://...)")
    if scope and not scope_source:
        problem("scope_source", f"{where}: a scope needs a 'scope_source' row: the page that says what it measures")
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


def check_rows(rows: list[Row], vocab: Vocabulary, *, tiered: bool = True) -> list[Problem]:
    """Problems of the indicator rows, against each other and against the graph.

    ``tiered`` False: the framework has no tiers (its description says 'tiers: none'), so every
    tier cell must be empty, rather than filled with a tier the framework does not have.
    """
    found = []
    required = REQUIRED if tiered else tuple(c for c in REQUIRED if c != "tier")
    first_code: dict[str, int] = {}
    spellings: dict[tuple[str, str], tuple[str, int]] = {}  # (column, normalised name) -> first spelling
    aspect_names = ", ".join(sorted({a.rsplit("/", 1)[-1] for a in vocab.aspects.values()}))
    for row in rows:
        cell = row.values.get

        def problem(column: str, message: str, number: int = row.number) -> None:
            found.append(Problem(number, column, message))

        found.extend(empty_cells(row, required, "indicator"))
        code = cell("code", "")
        if code and code in first_code:
            problem("code", f"{code!r} is already used in row {first_code[code]}; give each indicator its own code")
        elif code in vocab.codes_in_graph:
            problem("code", f"{code!r} is already used in this framework by {vocab.codes_in_graph[code]}")
        first_code.setdefault(code, row.number)
        tier = cell("tier", "")
        if tier and not tiered:
            problem("tier", f"{tier!r}: the framework has no tiers (its description says 'tiers: none'); leave it out")
        elif tier and tier.lower() not in TIERS:
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
        if source and not web_address(source):
            problem("source", f"{source!r} is not a web address (https://...)")
        elif source and page and "#" in source:
            problem("page", f"the source {source!r} already points into the page (#); give either the page or the #")
        if page and not re.fullmatch(r"[1-9]\d*", page):
            problem("page", f"{page!r} is not a page number")
    return found


def check_coding(sheet: Sheet) -> list[Problem]:
    """Problems of the coding record: the coded column's values, its date, and the 'coding' claim.

    A sheet with a ``coded`` column records which rows were reviewed; its description must then
    date the coding (coded_on), and may say 'coding,full' only if every row was reviewed (a
    suggestion nobody reviewed is not a finding). Without a 'coding' row, a sheet with rows not
    yet reviewed is converted as coded in part.
    """
    if "coded" not in sheet.columns:
        return []
    found = []
    full = sheet.meta.get("coding", "").strip().lower() == "full"
    for row in sheet.rows:
        coded, status = row.values.get("coded", "").strip().lower(), coding_status(row)
        if coded and coded not in (REVIEWED, SUGGESTED):
            fix = f"write {REVIEWED} or {SUGGESTED}, or leave it empty until the row is reviewed"
            found.append(Problem(row.number, "coded", f"{coded!r} is not a coding status; {fix}"))
        elif coded == SUGGESTED and not split(row.values.get("aspects", "")):
            found.append(Problem(row.number, "aspects", "is empty; a suggested coding names the aspects suggested"))
        elif status != REVIEWED and full:
            fix = f"review it (coded: {REVIEWED}) or write 'coding,{CODED_IN_PART}' in the description"
            message = f"the description says 'coding,full', but this row is not reviewed; {fix}"
            found.append(Problem(row.number, "coded", message))
    if any(coding_status(row) for row in sheet.rows) and not sheet.meta.get("coded_on"):
        where = sheet.meta_source
        found.append(Problem(1, "coded_on", f"{where} needs a 'coded_on' row (YYYY-MM-DD): the date of the coding"))
    return found


# ------------------------------------------------------------------ the whole import


def shacl_problems(
    converted: Converted, others: list[RdfDocument], rows_done: set[int], engine: str = "auto"
) -> list[Problem]:
    """The shapes' findings on the converted rows, in row-and-column terms."""
    from .validation import validate_documents

    report = validate_documents([*others, converted.document()], checked=[], engine=engine)
    problems = []
    for problem in report.problems:
        # Repeated codes are the row checks' to report: they name both rows.
        if not problem.is_violation or str(problem.constraint) == UNIQUE_NOTATION:
            continue
        row = converted.rows_of.get(str(problem.focus), 1)
        column = PATH_COLUMNS.get(str(problem.path), "(row)")
        if row not in rows_done:
            problems.append(Problem(row, column, problem.message))
    return problems


def defines(document: RdfDocument, framework: str) -> bool:
    """Whether a parsed file states that ``framework`` is a sck:Framework."""
    return any(
        q.subject.value == framework and q.predicate.value == RDF + "type" and q.object.value == SCK + "Framework"
        for q in document.quads
    )


def import_sheet(
    path: Path | str,
    framework_id: str,
    out: Path | str | None,
    *,
    engine: str = "auto",
    base: Sequence[RdfDocument] | None = None,
) -> tuple[Converted, int, list[Path]]:
    """Check and convert ``path``; write ``out`` only if there is no problem.

    Returns the converted triples (``len`` counts them), the number of indicator rows, and the
    bundled files that define the framework already (which the new file replaces, unless it
    was written elsewhere). ``engine`` validates the shapes, as in kg.validate. ``base``: the
    graph's documents to check against (default: the bundled graph); ``out`` None writes nothing
    (the workspace stores the Turtle instead).
    """
    path, out = Path(path), Path(out) if out is not None else None
    if not FRAMEWORK_ID.fullmatch(framework_id):
        raise KgError(
            f"--framework {framework_id!r} is not an id; use lower-case letters, digits and hyphens (e.g. iso37120)."
        )
    sheet = read_sheet(path)
    if not sheet.rows:
        raise ImportProblems(
            path, [Problem(2, "code", "the sheet has a header but no indicator rows; add one row per indicator")]
        )
    framework = f"{PREFIXES['fw']}{framework_id}"
    # Importing a framework replaces the file that defines it (and whatever is at --out).
    bundled = list(base) if base is not None else KnowledgeGraph.load().documents
    target = out.resolve() if out is not None else None
    replaced = [d for d in bundled if d.path.resolve() == target or defines(d, framework)]
    others = [d for d in bundled if all(d is not r for r in replaced)]
    vocab = vocabulary(KnowledgeGraph(others), framework)
    problems = check_meta(sheet) + check_rows(sheet.rows, vocab, tiered=not untiered(sheet.meta)) + check_coding(sheet)
    converted = convert(sheet, framework_id, vocab)
    # The row checks say more precisely what the shapes would also find on those rows.
    problems += shacl_problems(converted, others, {p.row for p in problems}, engine)
    if problems:
        raise ImportProblems(path, problems)
    made = f"from {comment(path.name)} (framework {framework_id})"
    header = f"# Generated by 'kg import' {made}: edit the sheet, not this file.\n"
    converted.header = header
    if out is not None:
        write_atomically(out, header.encode("utf-8") + converted.turtle())
    return converted, len(sheet.rows), [d.path for d in replaced if d.path.resolve() != target]
