"""Import a framework spreadsheet: check every row, convert it to RDF, as a file or a workspace document.

Nothing is written unless the whole sheet is clean. The checks run in two layers and all
problems are reported at once, each with its row and column:

1. row checks against the project's vocabularies and the rest of the graph: required cells,
   tiers, participation aspects, real SDG targets and indicators, codes unique within the
   framework (in the sheet and in the graph), dimension names that differ only in case or spaces,
   and the coding record (the coded column's statuses, its date, a 'coding,full' every row bears out);
2. the SHACL shapes (kg.validation) on the converted rows with the graph they join: the bundled
   graph for a file (``import_sheet``), or, for the document ``framework_document`` makes, the
   workspace's store under its writer lock (kg.ingest.add.write, the one write path).

Rows become Oxigraph triples directly and are written by Oxigraph's Turtle serialiser, atomically
(a temporary file, then a rename): every step is linear in the rows (10,000 rows in seconds).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from kg.errors import KgError, SheetProblems
from kg.graph.embedded import KnowledgeGraph
from kg.graph.workspace import Workspace
from kg.ingest.add import Document
from kg.ingest.codebook import coding_rules, rule_problems, unruled_rows
from kg.ingest.convert import DCTERMS, RDF, SKOS, Converted, Vocabulary, comment, convert
from kg.ingest.groupings import GROUPS
from kg.namespaces import PREFIXES, SCK
from kg.output import write_atomically
from kg.query.binding import bind
from kg.query.params import framework_id as id_of  # the one reading of a framework name
from kg.sources.files import RdfDocument, parse_text, project_root
from kg.sources.sheets import Sheet, read_sheet
from kg.sources.sheetspec import (
    CODED_IN_FULL,
    CODED_IN_PART,
    FRAMEWORK,
    FRAMEWORK_META,
    NO_TIERS,
    REVIEWED,
    SCOPES,
    SUGGESTED,
    TIERS,
    Row,
    SheetProblem,
    cell_problems,
    coding_status,
    empty_cells,
    meta_problems,
    missing_columns,
    split,
    unknown_columns,
    untiered,
    web_address,
)
from kg.validation import ValidationReport

ImportProblems = SheetProblems  # data problems of a sheet: listed with row and column, nothing written

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


FRAMEWORK_CODES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?kpi ?code WHERE { ?kpi skos:inScheme ?framework ; skos:notation ?code }
"""


def vocabulary(graph: KnowledgeGraph, framework: str) -> Vocabulary:
    """The participation aspects, the codes ``framework`` (an IRI) already has, and the SDG codes."""
    aspects = {}
    for row in graph.query("participation-aspects").dicts():
        aspects[str(row["label"]).casefold()] = aspects[str(row["notation"]).casefold()] = str(row["aspect"])
    codes_query = bind(FRAMEWORK_CODES, {"framework": URIRef(framework)})
    codes = {str(row["code"]): str(row["kpi"]) for row in graph.sparql(codes_query).dicts()}
    return Vocabulary(aspects, codes, sdg_codes(), *coding_rules(graph))


def check_meta(sheet: Sheet) -> list[SheetProblem]:
    """Problems of the framework description and the header row (all reported on row 1)."""
    where = sheet.meta_source
    found = meta_problems(sheet.meta, FRAMEWORK_META, where)

    def problem(column: str, message: str) -> None:
        found.append(SheetProblem(1, column, message))

    tiers = sheet.meta.get("tiers", "")
    if tiers and not untiered(sheet.meta):
        fix = f"write '{NO_TIERS}' for a framework without tiers, or leave the row out"
        problem("tiers", f"{where}: tiers {tiers!r} is not understood; {fix}")
    coding = sheet.meta.get("coding", "")
    if coding and coding.strip().lower() not in (CODED_IN_PART, CODED_IN_FULL):
        fix = f"write '{CODED_IN_PART}' when only some indicators were reviewed for participation, or '{CODED_IN_FULL}'"
        problem("coding", f"{where}: coding {coding!r} is not understood; {fix}")
    scope, scope_source = sheet.meta.get("scope", ""), sheet.meta.get("scope_source", "")
    if scope and scope.strip().lower() not in SCOPES:
        problem("scope", f"{where}: scope {scope!r} is not understood; write {', '.join(SCOPES)}")
    if scope and not scope_source:
        problem("scope_source", f"{where}: a scope needs a 'scope_source' row: the page that says what it measures")
    if missing := missing_columns(FRAMEWORK, sheet.columns):
        problem(", ".join(missing), "the header row lacks these columns; copy the template's header")
    if unknown := unknown_columns(FRAMEWORK, sheet.columns):
        problem(", ".join(unknown), f"unknown column(s); the columns are {', '.join(FRAMEWORK.names)}")
    return found


def check_rows(rows: list[Row], vocab: Vocabulary, *, tiered: bool = True) -> list[SheetProblem]:
    """Problems of the indicator rows, against each other and against the graph.

    ``tiered`` False: the framework has no tiers (its description says 'tiers: none'), so every
    tier cell must be empty, rather than filled with a tier the framework does not have.
    """
    required = FRAMEWORK.required if tiered else tuple(c for c in FRAMEWORK.required if c != "tier")
    first_code: dict[str, int] = {}
    spellings: dict[tuple[str, str], tuple[str, int]] = {}  # (column, normalised name) -> first spelling
    found = []
    for row in rows:
        found += empty_cells(row, required, "indicator") + cell_problems(row, FRAMEWORK)
        found += _code_problems(row, vocab, first_code) + _tier_problems(row, tiered)
        found += _reference_problems(row, vocab) + _spelling_problems(row, spellings)
        source, page = row.values.get("source", ""), row.values.get("page", "")
        if page and "#" in source and web_address(source):
            message = f"the source {source!r} already points into the page (#); give either the page or the #"
            found.append(SheetProblem(row.number, "page", message))
    return found


def _code_problems(row: Row, vocab: Vocabulary, first_code: dict[str, int]) -> list[SheetProblem]:
    """A code used by an earlier row, or by the framework in the graph (``first_code``: code -> its first row)."""
    code = row.values.get("code", "")
    found = []
    if code and code in first_code:
        message = f"{code!r} is already used in row {first_code[code]}; give each indicator its own code"
        found.append(SheetProblem(row.number, "code", message))
    elif code in vocab.codes_in_graph:
        message = f"{code!r} is already used in this framework by {vocab.codes_in_graph[code]}"
        found.append(SheetProblem(row.number, "code", message))
    first_code.setdefault(code, row.number)
    return found


def _tier_problems(row: Row, tiered: bool) -> list[SheetProblem]:
    """A tier the framework does not have, or any tier in a framework without tiers."""
    tier = row.values.get("tier", "")
    if tier and not tiered:
        message = f"{tier!r}: the framework has no tiers (its description says 'tiers: none'); leave it out"
        return [SheetProblem(row.number, "tier", message)]
    if tier and tier.lower() not in TIERS:
        return [SheetProblem(row.number, "tier", f"{tier!r} is not a tier; use core, advanced or supporting")]
    return []


def _reference_problems(row: Row, vocab: Vocabulary) -> list[SheetProblem]:
    """Aspects that are not participation aspects, and SDG numbers that are not SDG targets or indicators."""
    aspect_names = ", ".join(sorted({a.rsplit("/", 1)[-1] for a in vocab.aspects.values()}))
    found = []
    for aspect in split(row.values.get("aspects", "")):
        if aspect.casefold() not in vocab.aspects:
            message = f"{aspect!r} is not a participation aspect; use one of {aspect_names}"
            found.append(SheetProblem(row.number, "aspects", message))
    found += rule_problems(row, vocab)
    for number in split(row.values.get("sdg", "")):
        if number not in vocab.sdg:
            message = f"{number!r} is not an SDG target or indicator (such as 11.3 or 11.3.2)"
            found.append(SheetProblem(row.number, "sdg", message))
    return found


def _spelling_problems(row: Row, spellings: dict[tuple[str, str], tuple[str, int]]) -> list[SheetProblem]:
    """Grouping names that differ from an earlier row's only in case or spaces (``spellings``: the first ones)."""
    found = []
    for column in GROUPS:
        name = row.values.get(column, "")
        if not name:
            continue
        first = spellings.setdefault((column, _normalised(name)), (name, row.number))
        if first[0] != name:
            message = f"{name!r} differs from {first[0]!r} (row {first[1]}) only in case or spaces"
            found.append(SheetProblem(row.number, column, message))
    return found


def check_coding(sheet: Sheet) -> list[SheetProblem]:
    """Problems of the coding record: the coded column's values, its date, and the 'coding' claim.

    A sheet with a ``coded`` column records which rows were reviewed; its description must then
    date the coding (coded_on), and may say 'coding,full' only if every row was reviewed (a
    suggestion nobody reviewed is not a finding). Without a 'coding' row, a sheet with rows not
    yet reviewed is converted as coded in part.
    """
    if "coded" not in sheet.columns:
        return []
    found = []
    full = sheet.meta.get("coding", "").strip().lower() == CODED_IN_FULL
    for row in sheet.rows:
        coded, status = row.values.get("coded", "").strip().lower(), coding_status(row)
        if coded and coded not in (REVIEWED, SUGGESTED):
            fix = f"write {REVIEWED} or {SUGGESTED}, or leave it empty until the row is reviewed"
            found.append(SheetProblem(row.number, "coded", f"{coded!r} is not a coding status; {fix}"))
        elif coded == SUGGESTED and not split(row.values.get("aspects", "")):
            found.append(
                SheetProblem(row.number, "aspects", "is empty; a suggested coding names the aspects suggested")
            )
        elif status != REVIEWED and full:
            fix = f"review it (coded: {REVIEWED}) or write 'coding,{CODED_IN_PART}' in the description"
            message = f"the description says 'coding,full', but this row is not reviewed; {fix}"
            found.append(SheetProblem(row.number, "coded", message))
    found += unruled_rows(sheet)
    if any(coding_status(row) for row in sheet.rows) and not sheet.meta.get("coded_on"):
        where = sheet.meta_source
        found.append(
            SheetProblem(1, "coded_on", f"{where} needs a 'coded_on' row (YYYY-MM-DD): the date of the coding")
        )
    return found


def shacl_problems(
    converted: Converted, others: list[RdfDocument], rows_done: set[int], engine: str = "auto"
) -> list[SheetProblem]:
    """The shapes' findings on the converted rows joined to ``others``, in row-and-column terms (``sheet_problems``).

    ``engine`` as in kg.validate. Used where nothing is written to the workspace (``--out``, a refused
    import); the workspace's write path runs the shapes in its store instead (``framework_document``).
    """
    from kg.validation import validate_documents

    report = validate_documents([*others, converted.document()], checked=[], engine=engine)
    return sheet_problems(converted, report, rows_done)


def sheet_problems(converted: Converted, report: ValidationReport, rows_done: set[int]) -> list[SheetProblem]:
    """A shapes report on a graph holding the converted rows, in row-and-column terms.

    Findings on ``rows_done`` (rows the row checks already faulted) are left out, since those checks
    say it more precisely; so are repeated codes, which the row checks report naming both rows.
    """
    problems = []
    for problem in report.problems:
        if not problem.is_violation or str(problem.constraint) == UNIQUE_NOTATION:
            continue
        row = converted.rows_of.get(str(problem.focus), 1)
        column = PATH_COLUMNS.get(str(problem.path), "(row)")
        if row not in rows_done:
            problems.append(SheetProblem(row, column, problem.message))
    return problems


def defines(document: RdfDocument, framework: str) -> bool:
    """Whether a parsed file states that ``framework`` is a sck:Framework."""
    subject, kind = ox.NamedNode(framework), ox.NamedNode(SCK + "Framework")
    rdf_type = ox.NamedNode(RDF + "type")
    return any(q.subject == subject and q.predicate == rdf_type and q.object == kind for q in document.quads)


def _replaced(
    documents: list[RdfDocument], framework: str, target: Path | None
) -> tuple[list[RdfDocument], list[RdfDocument]]:
    """The documents an import replaces (those defining ``framework``, and the file at ``target``), and the rest."""
    replaced = [d for d in documents if d.path.resolve() == target or defines(d, framework)]
    return replaced, [d for d in documents if all(d is not r for r in replaced)]


@dataclass
class _Conversion:
    """A sheet converted against a graph: the triples, the row checks' problems, and which documents it replaces."""

    converted: Converted
    rows: int
    problems: list[SheetProblem]
    replaced: list[RdfDocument]
    others: list[RdfDocument]


def _convert(path: Path, framework_id: str, base: Sequence[RdfDocument] | None, target: Path | None) -> _Conversion:
    """Read, row-check and convert the sheet at ``path`` against ``base`` (default: the bundled graph)."""
    framework_id = id_of(framework_id, name="the framework id")
    sheet = read_sheet(path)
    if not sheet.rows:
        raise ImportProblems(
            path, [SheetProblem(2, "code", "the sheet has a header but no indicator rows; add one row per indicator")]
        )
    framework = f"{PREFIXES['fw']}{framework_id}"
    replaced, others = _replaced(list(base) if base is not None else KnowledgeGraph.load().documents, framework, target)
    vocab = vocabulary(KnowledgeGraph(others), framework)
    problems = check_meta(sheet) + check_rows(sheet.rows, vocab, tiered=not untiered(sheet.meta)) + check_coding(sheet)
    converted = convert(sheet, framework_id, vocab)
    made = f"from {comment(path.name)} (framework {framework_id})"
    converted.header = f"# Generated by 'kg import' {made}: edit the sheet, not this file.\n"
    return _Conversion(converted, len(sheet.rows), problems, replaced, others)


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
    (kg.Workspace.import_sheet adds a sheet to the workspace, through ``framework_document``).

    Raises BadFrameworkId for a ``framework_id`` that is not an id, InputError for a file that
    is not a readable sheet, and ImportProblems (SheetProblems, exit 1) listing every data problem.
    """
    path, out = Path(path), Path(out) if out is not None else None
    target = out.resolve() if out is not None else None
    done = _convert(path, framework_id, base, target)
    # The row checks say more precisely what the shapes would also find on those rows.
    problems = done.problems + shacl_problems(done.converted, done.others, {p.row for p in done.problems}, engine)
    if problems:
        raise ImportProblems(path, problems)
    if out is not None:
        write_atomically(out, done.converted.header.encode("utf-8") + done.converted.turtle())
    return done.converted, done.rows, [d.path for d in done.replaced if d.path.resolve() != target]


def framework_document(path: Path | str, framework_id: str, workspace: Workspace, *, engine: str = "auto") -> Document:
    """The sheet at ``path`` as the document kg.ingest.add.write adds to ``workspace`` as source ``framework_id``.

    Called under the writer lock: the rows are checked against the workspace's graph as it is, and the
    shapes run in its store when the document is written (its judge turns their findings into rows
    and columns). It replaces the workspace's sources that define the framework. Raises what
    ``import_sheet`` raises, and KgError when a bundled file defines the framework (bundled data
    cannot be replaced).
    """
    path = Path(path)
    done = _convert(path, framework_id, workspace.documents(), None)
    stored = {str(workspace.folder / s["stored"]): s["id"] for s in workspace.entries}
    bundled = [d.path for d in done.replaced if str(d.path) not in stored]
    if done.problems or bundled:  # refused whatever the store says: checked as import_sheet checks
        problems = done.problems + shacl_problems(done.converted, done.others, {p.row for p in done.problems}, engine)
        if problems:
            raise ImportProblems(path, problems)
        raise KgError(
            f"--framework {framework_id}: the bundled file {bundled[0]} defines this framework, and bundled data "
            "cannot be replaced in a workspace; choose another id, or write a file with --out."
        )
    converted = done.converted

    def judge(report: ValidationReport) -> None:
        if not report.conforms:  # a finding the row checks would name is still a refusal, on row 1 if need be
            found = sheet_problems(converted, report, set()) or [
                SheetProblem(converted.rows_of.get(str(p.focus), 1), "(row)", p.message)
                for p in report.problems if p.is_violation
            ]  # fmt: skip
            raise ImportProblems(path, found)

    turtle = converted.header.encode("utf-8") + converted.turtle()
    rdf = RdfDocument(path, parse_text(turtle.decode("utf-8"), ox.RdfFormat.TURTLE, name=str(path)))
    replaces = tuple(stored[str(d.path)] for d in done.replaced)
    return Document(path, "framework", rdf, turtle, ".ttl", framework_id, "rows checked by kg import", replaces,
                    judge, done.rows)  # fmt: skip
