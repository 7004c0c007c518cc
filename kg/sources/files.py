"""Find the bundled files and read RDF files safely.

Every input passes through here: the format comes from the file extension, the bytes must be
UTF-8, RDF/XML with DTD entity declarations is refused before any parser sees it, and syntax
errors name the file, line and column.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import InputError, shown

RDF_FILE_FORMATS: dict[str, ox.RdfFormat] = {
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
    package = Path(__file__).resolve().parent.parent  # kg/, this file being kg/sources/files.py
    bundled = package / "_bundled"
    return bundled if (bundled / "ontology").is_dir() else package.parent


def ontology_path() -> Path:
    """The bundled ontology (ontology/smartcity.ttl)."""
    return project_root() / "ontology" / "smartcity.ttl"


def shapes_path() -> Path:
    """The bundled SHACL shapes (ontology/shapes.ttl)."""
    return project_root() / "ontology" / "shapes.ttl"


def queries_dir() -> Path:
    """The folder of the named queries (queries/*.rq)."""
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
    """The RDF format a file's extension names (RDF_FILE_FORMATS); InputError for any other extension."""
    fmt = RDF_FILE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(RDF_FILE_FORMATS))
        raise InputError(f"{path}: unknown RDF file type {path.suffix or '(none)'!r}; use one of {known}.")
    return fmt


def check_regular_file(path: Path) -> None:
    """Refuse, in one sentence, anything but a regular file (a folder, device, pipe or socket).

    A device such as /dev/zero, even behind a symlink, would be read until memory runs out.
    Raises InputError, also for a missing or unreadable path.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path.") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror}).") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"{path}: is a folder, not a file; name the files inside it.")
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: is not a regular file (a device, pipe or socket); save the data to a file first.")


def read_text(path: Path, *, fix: str = "save the file as UTF-8 and try again") -> str:
    """The file's text, without a byte-order mark.

    Raises InputError if it is missing, not a regular file, unreadable or not UTF-8 (``fix`` says
    what to do about the last).
    """
    check_regular_file(path)
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


def printable(text: str) -> str:
    """Text quoted from a file or a parser, control characters escaped (kg.errors.shown): a message stays one line."""
    return shown(text)


def parse_text(text: str, fmt: ox.RdfFormat, *, name: str, base_iri: str | None = None) -> list[ox.Quad]:
    """Parse RDF text in format ``fmt``; ``name`` says where an error is, ``base_iri`` resolves relative IRIs.

    Raises InputError for unsafe RDF/XML (DTD entities), nesting deeper than MAX_NESTING, a syntax
    error (file:line:column) or RDF 1.2 triple terms.
    """
    if fmt == ox.RdfFormat.RDF_XML and _UNSAFE_DTD.search(text):
        raise InputError(
            f"{name}: refused, the RDF/XML declares DTD entities or an external DTD, which can expand "
            "without bound or read other files; expand the entities or convert the file to Turtle."
        )
    check_nesting(text, fmt, name=name)
    try:
        # Fresh blank node ids per file, so that _:b1 in two files stays two nodes.
        quads = list(ox.parse(text, format=fmt, base_iri=base_iri, rename_blank_nodes=True))
        if fmt.supports_datasets:  # TriG, N-Quads: the graph is one, so named graphs are merged into it
            quads = [ox.Quad(q.subject, q.predicate, q.object) for q in quads]
    except SyntaxError as error:
        raise syntax_error(error, fmt, name) from None
    except ValueError as error:
        raise InputError(f"{name}: cannot be parsed as {fmt.name}: {printable(str(error))}.") from None
    if any(isinstance(q.subject, ox.Triple) or isinstance(q.object, ox.Triple) for q in quads):
        raise InputError(
            f"{name}: uses RDF 1.2 triple terms (<< ... >>), which smartcity-kg does not support; "
            "state the triple itself, and its evidence as a sck:Classification."
        )
    return quads


def syntax_error(error: SyntaxError, fmt: ox.RdfFormat, name: str) -> InputError:
    """pyoxigraph's syntax error as one sentence: file:line:column, what is wrong, what to do."""
    detail = str(error.msg)
    # pyoxigraph prefixes the position in words; we give it as file:line:column instead.
    detail = re.sub(r"^Parser error (?:at line \d+ )?(?:between|column) [^:]*: ", "", printable(detail))
    where = f"{name}:{error.lineno}:{error.offset}" if error.lineno else name
    return InputError(f"{where}: {fmt.name} syntax error: {detail}; fix the file and try again.")


# The parsers recurse once per level of nesting: a JSON-LD file 5,000 levels deep crashed the
# process (stack overflow) and RDF/XML 50,000 deep took 79 s. Real data nests a few levels.
MAX_NESTING = 100
# Tokens that may hold brackets without nesting anything: strings, IRIs, comments.
_TURTLE_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>|#[^\n]*',
    re.DOTALL,
)
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}()]")
_JSON_BRACKETS = re.compile(r"[\[\]{}]")
# RDF/XML: comments, CDATA, processing instructions and declarations hold no elements.
_XML_SKIP = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<![^>]*>", re.DOTALL)
_XML_TAG = re.compile(r"<(/?)[^\s>/]+(?:\s[^>]*?)?(/?)>", re.DOTALL)


def _keep_lines(match: re.Match[str]) -> str:
    """A skipped token's replacement: its line breaks only, so that line numbers stay right."""
    return "\n" * match.group().count("\n") or " "


def check_nesting(text: str, fmt: ox.RdfFormat, *, name: str) -> None:
    """Refuse text nested deeper than MAX_NESTING levels, before any parser sees it (InputError, at its line)."""
    depth, deepest, at = 0, 0, 0
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.JSON_LD):
        json = fmt == ox.RdfFormat.JSON_LD
        stripped = (_JSON_STRING if json else _TURTLE_SKIP).sub(_keep_lines, text)
        for bracket in (_JSON_BRACKETS if json else _BRACKETS).finditer(stripped):
            depth += 1 if bracket.group() in "[{(" else -1
            if depth > deepest:
                deepest, at = depth, bracket.start()
                if deepest > MAX_NESTING:
                    break
    elif fmt == ox.RdfFormat.RDF_XML:
        stripped = _XML_SKIP.sub(_keep_lines, text)
        for tag in _XML_TAG.finditer(stripped):
            closing, empty = tag.group(1), tag.group(2)
            depth += -1 if closing else 0 if empty else 1
            if depth > deepest:
                deepest, at = depth, tag.start()
                if deepest > MAX_NESTING:
                    break
    if deepest > MAX_NESTING:
        line = stripped.count("\n", 0, at) + 1
        raise InputError(
            f"{name}:{line}: refused, the data nests more than {MAX_NESTING} levels deep; "
            "flatten it (name the nested nodes) or convert it to N-Triples."
        )


def read_rdf(path: Path | str) -> RdfDocument:
    """Read and parse one RDF file, its format chosen by its extension.

    Raises InputError for an unknown extension, or as read_text and parse_text do.
    """
    path = Path(path)
    check_regular_file(path)
    fmt = rdf_format(path)
    text = read_text(path)
    return RdfDocument(path, parse_text(text, fmt, name=str(path), base_iri=path.resolve().as_uri()))
