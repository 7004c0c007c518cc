"""Find the bundled files and read RDF files safely.

Every input passes through here: the format comes from the file extension, the bytes must be
UTF-8, RDF/XML with DTD entity declarations is refused before any parser sees it, and syntax
errors name the file, line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import InputError

FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
}

# An entity declaration (internal or external) or an external DTD can expand into gigabytes
# or read local files; RDF/XML never needs one.
_UNSAFE_DTD = re.compile(r"<!ENTITY|<!DOCTYPE[^>\[]*\b(?:SYSTEM|PUBLIC)\b")


def project_root() -> Path:
    """The folder holding ontology/, data/ and queries/.

    A wheel carries them in kg/_bundled; a source checkout or editable install has them
    beside the package.
    """
    package = Path(__file__).resolve().parent
    bundled = package / "_bundled"
    return bundled if (bundled / "ontology").is_dir() else package.parent


def ontology_path() -> Path:
    return project_root() / "ontology" / "smartcity.ttl"


def shapes_path() -> Path:
    return project_root() / "ontology" / "shapes.ttl"


def queries_dir() -> Path:
    return project_root() / "queries"


def bundled_data_paths() -> list[Path]:
    """Every file of the bundled graph: the ontology, then data/'s Turtle and SSSOM mapping tables."""
    data = project_root() / "data"
    return [ontology_path(), *sorted([*data.rglob("*.ttl"), *data.rglob("*.sssom.tsv")])]


@dataclass(frozen=True)
class RdfDocument:
    """The parsed content of one file, kept with its path for error messages and reports."""

    path: Path
    quads: list[ox.Quad]


def rdf_format(path: Path) -> ox.RdfFormat:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise InputError(f"{path}: unknown RDF file type {path.suffix or '(none)'!r}; use one of {known}.")
    return fmt


def read_text(path: Path, *, fix: str = "save the file as UTF-8 and try again") -> str:
    """The file's text; one clear sentence if it is missing, unreadable or not UTF-8 (``fix`` says what to do)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path.") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror}).") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not UTF-8 text (byte 0x{raw[error.start]:02x}); {fix}.") from None
    return text.removeprefix("\ufeff")


def parse_text(text: str, fmt: ox.RdfFormat, *, name: str, base_iri: str | None = None) -> list[ox.Quad]:
    """Parse RDF text; ``name`` is only used to say where an error is."""
    if fmt == ox.RdfFormat.RDF_XML and _UNSAFE_DTD.search(text):
        raise InputError(
            f"{name}: refused, the RDF/XML declares DTD entities or an external DTD, which can expand "
            "without bound or read other files; expand the entities or convert the file to Turtle."
        )
    try:
        # Fresh blank node ids per file, so that _:b1 in two files stays two nodes.
        quads = list(ox.parse(text, format=fmt, base_iri=base_iri, rename_blank_nodes=True))
        if fmt.supports_datasets:  # TriG, N-Quads: the graph is one, so named graphs are merged into it
            quads = [ox.Quad(q.subject, q.predicate, q.object) for q in quads]
    except SyntaxError as error:
        detail = str(error.msg)
        # pyoxigraph prefixes the position in words; we give it as file:line:column instead.
        detail = re.sub(r"^Parser error (?:at line \d+ )?(?:between|column) [^:]*: ", "", detail)
        where = f"{name}:{error.lineno}:{error.offset}" if error.lineno else name
        raise InputError(f"{where}: {fmt.name} syntax error: {detail}; fix the file and try again.") from None
    except ValueError as error:
        raise InputError(f"{name}: cannot be parsed as {fmt.name}: {error}.") from None
    if any(isinstance(q.subject, ox.Triple) or isinstance(q.object, ox.Triple) for q in quads):
        raise InputError(
            f"{name}: uses RDF 1.2 triple terms (<< ... >>), which smartcity-kg does not support; "
            "state the triple itself, and its evidence as a sck:Classification."
        )
    return quads


def read_rdf(path: Path | str) -> RdfDocument:
    """Read and parse one RDF file chosen by its extension."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file; name the RDF files inside it.")
    fmt = rdf_format(path)
    text = read_text(path)
    return RdfDocument(path, parse_text(text, fmt, name=str(path), base_iri=path.resolve().as_uri()))
