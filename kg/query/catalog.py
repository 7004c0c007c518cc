"""Named queries: one ``.rq`` file each, with a ``#+`` YAML header (grlc style).

    #+ title: Core KPIs that address citizen participation
    #+ question: Which core indicators of a framework address a form of citizen participation?
    #+ parameters:
    #+   framework:
    #+     type: iri
    #+     default: fw:u4ssc
    #+     description: the framework to ask about

A malformed header is an error naming the file and line, never a warning: a query whose
parameters are misdeclared would silently answer a different question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kg.errors import QueryError
from kg.query.params import PARAMETER_TYPES, Parameter
from kg.sources.files import queries_dir, read_text

# portability: why the query is written as it is, so that the embedded store, Oxigraph server and
# Virtuoso give the same rows (tests/test_backends.py). Whether a query is a QC check is its folder's say.
HEADER_KEYS = {"title", "question", "parameters", "inferred", "portability"}
PARAMETER_KEYS = {"type", "default", "description", "example"}


@dataclass(frozen=True)
class NamedQuery:
    """A query file read with its ``#+`` header: name (the file's stem), title, question, text, parameters.

    ``inferred`` says the query needs the OWL reasoner's inferences (it runs over them);
    ``portability`` why its text is written as it is, so that every engine gives the same rows.
    """

    name: str
    title: str
    question: str
    text: str
    path: Path | None = None
    parameters: dict[str, Parameter] = field(default_factory=dict)
    inferred: bool = False  # asks for classes only the OWL reasoner fills (kg query --inferred)
    portability: str = ""  # how the text keeps engines agreeing where they read SPARQL 1.1 differently

    def example_parameters(self) -> dict[str, str]:
        """The values the query is shown with: each parameter without a default, given its header's example.

        >>> get_query("kpi-details").example_parameters()
        {'code': 'SC: SH: SI: 4C'}
        """
        return {name: p.example for name, p in self.parameters.items() if p.default is None and p.example is not None}


def _header(text: str, where: str) -> tuple[str, int]:
    """The YAML of the leading ``#+`` lines, and how many lines it spans."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#+"):
            break
        lines.append(line[2:].removeprefix(" "))
    if not lines:
        raise QueryError(f"{where}:1: no '#+' header; start the file with '#+ title:' and '#+ question:' lines.")
    return "\n".join(lines), len(lines)


def _parameter(name: str, spec: object, where: str) -> Parameter:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise QueryError(f"{where}: parameter {name!r} is not a valid SPARQL variable name.")
    if not isinstance(spec, dict):
        raise QueryError(f"{where}: parameter {name!r} must be a mapping with type, default and description.")
    unknown = set(spec) - PARAMETER_KEYS
    if unknown:
        raise QueryError(f"{where}: parameter {name!r} has unknown key(s) {', '.join(sorted(unknown))}.")
    kind = spec.get("type", "string")
    if kind not in PARAMETER_TYPES:
        raise QueryError(
            f"{where}: parameter {name!r} has type {kind!r}; use one of {', '.join(sorted(PARAMETER_TYPES))}."
        )
    default, example = spec.get("default"), spec.get("example")
    parameter = Parameter(
        name,
        kind,
        None if default is None else str(default),
        str(spec.get("description", "")),
        None if example is None else str(example),
    )
    for value in (parameter.default, parameter.example):
        if value is not None:
            parameter.to_term(value, where=where)  # a bad default or example fails at load, not at use
    return parameter


def parse_named_query(text: str, *, name: str, path: Path | None = None) -> NamedQuery:
    """Read the header of a query's text; ``path`` is only used to say where an error is.

    Raises QueryError, naming the file and line, for a missing or malformed header, an unknown
    key, a parameter declared with a bad type or default, or one the text does not use.
    """
    where = str(path or name)
    header, _ = _header(text, where)
    try:
        meta = yaml.safe_load(header)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise QueryError(f"{where}{line}: malformed '#+' header ({problem}); fix the YAML.") from None
    if not isinstance(meta, dict):
        raise QueryError(f"{where}:1: the '#+' header must be YAML 'key: value' lines.")
    unknown = set(meta) - HEADER_KEYS
    if unknown:
        raise QueryError(
            f"{where}: unknown header key(s) {', '.join(sorted(unknown))}; use {', '.join(sorted(HEADER_KEYS))}."
        )
    for key in ("title", "question"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise QueryError(f"{where}: the '#+' header needs a '{key}:' line.")
    specs = meta.get("parameters") or {}
    if not isinstance(specs, dict):
        raise QueryError(f"{where}: 'parameters:' must map each parameter name to its type, default, description.")
    parameters = {key: _parameter(key, spec, where) for key, spec in specs.items()}
    for parameter in parameters.values():
        if not re.search(rf"[?$]{parameter.name}\b", text):
            raise QueryError(f"{where}: parameter {parameter.name!r} is declared but ?{parameter.name} is not used.")
    return NamedQuery(
        name=name,
        title=meta["title"].strip(),
        question=meta["question"].strip(),
        text=text,
        path=path,
        parameters=parameters,
        inferred=bool(meta.get("inferred", False)),
        portability=" ".join(str(meta.get("portability") or "").split()),
    )


def load_query_file(path: Path | str) -> NamedQuery:
    """Read a ``.rq`` file and its header. Raises InputError if it cannot be read, QueryError for a bad header."""
    path = Path(path)
    return parse_named_query(read_text(path), name=path.stem, path=path)


COLLECTIONS = ("", "qc", "claims")  # folders of queries/: named, quality control, claim checks


def list_queries(collection: str = "", *, directory: Path | None = None) -> list[NamedQuery]:
    """The named queries of a collection: "" (the main ones), "qc" (must return no rows) or "claims"."""
    folder = (directory or queries_dir()) / collection
    return [load_query_file(path) for path in sorted(folder.glob("*.rq"))]


def get_query(name: str, *, directory: Path | None = None) -> NamedQuery:
    """The named query ``name`` from any collection (named, qc, claims) of ``directory`` (default: the bundled queries).

    Raises QueryError for an unknown name, suggesting close ones.

    >>> get_query("core-participation-kpis").parameters["framework"].default
    'fw:u4ssc'
    """
    folder = directory or queries_dir()
    for collection in COLLECTIONS:
        candidate = folder / collection / f"{name}.rq"
        if candidate.is_file():
            return load_query_file(candidate)
    names = sorted(path.stem for path in folder.rglob("*.rq"))
    close = [n for n in names if name.lower() in n or n in name.lower()]
    hint = f"did you mean {', '.join(close)}?" if close else "run 'kg queries' to list them."
    raise QueryError(f"no named query {name!r}; {hint}")
