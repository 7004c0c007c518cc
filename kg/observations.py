"""Import city observations: indicator values by city and year, as W3C Data Cube observations.

A sheet (.csv or .xlsx) has one row per value with the columns city, framework, indicator (the
code as the framework writes it), year, value, unit, source, and optionally wikidata (the
city's Wikidata item, e.g. Q12345) and note. Every row is checked against the graph (the
framework and indicator exist, the year and value are numbers, one value per city, indicator
and year) and all problems are reported at once, with row and column; the Turtle is written
atomically, only when the sheet is clean.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .convert import RDF, RDFS, SKOS, Converted, comment, iri, slug, text, typed, web_address
from .importer import ImportProblems, Problem, empty_cells
from .namespaces import ID, PREFIXES, SCK
from .output import write_atomically
from .query import KnowledgeGraph
from .sheets import read_table
from .sources import RdfDocument

QB = "http://purl.org/linked-data/cube#"
SDMX_DIMENSION = "http://purl.org/linked-data/sdmx/2009/dimension#"
SDMX_ATTRIBUTE = "http://purl.org/linked-data/sdmx/2009/attribute#"
COLUMNS = ("city", "framework", "indicator", "year", "value", "unit", "source", "wikidata", "note")
REQUIRED = ("city", "framework", "indicator", "year", "value", "unit", "source")

INDICATORS = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?id ?code ?kpi WHERE { ?framework dcterms:identifier ?id . ?kpi skos:inScheme ?framework ; skos:notation ?code }
"""


def import_observations(
    path: Path | str,
    out: Path | str | None,
    dataset_id: str | None = None,
    *,
    base: Sequence[RdfDocument] | None = None,
) -> tuple[Converted, int]:
    """Check and convert an observation sheet; write ``out`` only if every row is clean.

    Returns the converted triples (``len`` counts them) and the number of observation rows.
    ``base``: the graph's documents that name the indicators (default: the bundled graph); ``out``
    None writes nothing (the workspace stores the Turtle instead).
    """
    path = Path(path)
    target = Path(out).resolve() if out is not None else None
    columns, rows = read_table(path)
    dataset_id = dataset_id or slug(path.stem).lower()
    graph_documents = list(base) if base is not None else KnowledgeGraph.load().documents
    others = [d for d in graph_documents if d.path.resolve() != target]
    known = {(str(r["id"]), str(r["code"])): str(r["kpi"]) for r in KnowledgeGraph(others).sparql(INDICATORS).dicts()}
    frameworks = {framework for framework, _ in known}
    problems = [Problem(1, c, "the header row lacks this column") for c in REQUIRED if c not in columns]
    problems += [
        Problem(1, c, f"unknown column; the columns are {', '.join(COLUMNS)}") for c in columns if c not in COLUMNS
    ]
    ns = f"{ID}observation/{dataset_id}/"
    dataset = iri(f"{ns}dataset")
    more = {"qb": QB, "sdmx-dimension": SDMX_DIMENSION, "sdmx-attribute": SDMX_ATTRIBUTE, "city": f"{ID}city/"}
    graph = Converted(more | {dataset_id: ns})
    add = graph.add
    add(dataset, RDF + "type", iri(QB + "DataSet"))
    add(dataset, QB + "structure", iri(SCK + "ObservationStructure"))
    add(dataset, RDFS + "label", text(f"City observations imported from {path.name}", "en"))
    seen: dict[tuple[str, str, str, str], int] = {}
    made: dict[str, int] = {}  # observation IRI -> its row
    for row in rows:
        cell = row.values.get

        def problem(column: str, message: str, number: int = row.number) -> None:
            problems.append(Problem(number, column, message))

        problems.extend(empty_cells(row, REQUIRED, "observation"))
        framework, code, year, value = cell("framework", ""), cell("indicator", ""), cell("year", ""), cell("value", "")
        if framework and framework not in frameworks:
            problem("framework", f"{framework!r} is not a framework of the graph; 'kg query frameworks' lists them")
        elif framework and code and (framework, code) not in known:
            problem("indicator", f"{code!r} is not an indicator code of {framework}")
        if year and not re.fullmatch(r"\d{4}", year):
            problem("year", f"{year!r} is not a four-digit year")
        if value and not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", value):
            problem("value", f"{value!r} is not a number (use a dot for decimals)")
        if cell("source") and not web_address(cell("source")):
            problem("source", f"{cell('source')!r} is not a web address (https://...)")
        wikidata = cell("wikidata", "")
        if wikidata and not re.fullmatch(r"Q\d+", wikidata):
            problem("wikidata", f"{wikidata!r} is not a Wikidata item id such as Q1065")
        key = (cell("city", "").casefold(), framework, code, year)
        name = cell("city", "")
        observation = f"{ns}{slug(f'{name}-{framework}-{code}-{year}').lower()}"
        if key in seen:
            problem("value", f"row {seen[key]} already gives {cell('city')}'s {code} for {year}")
        elif observation in made:  # "A.1" and "A-1", or "São Paulo" and "S o Paulo", make one name
            problem("city", f"row {made[observation]}'s city, indicator and year name the same observation; rename one")
        seen.setdefault(key, row.number)
        made.setdefault(observation, row.number)
        if problems and problems[-1].row == row.number:
            continue
        city = iri(f"{ID}city/{slug(name).lower()}")
        add(city, RDF + "type", iri(SCK + "City"))
        add(city, RDFS + "label", text(name, "en"))
        if wikidata:
            add(city, SKOS + "exactMatch", iri(f"{PREFIXES['wikidata']}{wikidata}"))
        node = iri(observation)
        add(node, RDF + "type", iri(QB + "Observation"))
        add(node, QB + "dataSet", dataset)
        add(node, SCK + "measuredIndicator", iri(known[(framework, code)]))
        add(node, SDMX_DIMENSION + "refArea", city)
        add(node, SDMX_DIMENSION + "refPeriod", typed(year, "gYear"))
        add(node, SCK + "observedValue", typed(value, "decimal"))
        add(node, SDMX_ATTRIBUTE + "unitMeasure", text(cell("unit")))
        # The city and the dataset are known from the pages that report their values: without
        # these, both would be entities with no source (queries/qc/entities-without-source.rq).
        for described in (node, city, dataset):
            add(described, PREFIXES["dcterms"] + "source", iri(cell("source")))
        if cell("note"):
            add(node, RDFS + "comment", text(cell("note"), "en"))
    if not rows:
        problems.append(Problem(2, "city", "the sheet has a header but no observation rows; add one row per value"))
    if problems:
        raise ImportProblems(path, problems)
    header = f"# Generated by 'kg import-observations' from {comment(path.name)}: edit the sheet, not this file.\n"
    graph.header = header
    if out is not None:
        write_atomically(out, header.encode("utf-8") + graph.turtle())
    return graph, len(rows)
