"""The project's prefixes declared for a query that uses them without PREFIX lines.

A researcher's query may write ``fw:u4ssc`` or ``sck:Indicator`` without declaring ``fw:`` or
``sck:``: :func:`declare` puts the missing declarations in front of the text, one line of
PREFIX declarations for the prefixes the query uses and does not declare itself. A query's own
PREFIX lines always win, as its prefixes are never declared a second time.

The added line ends with a marker comment, so that an error position found in the text that
ran (line 5) can be given in the user's text (line 4): :func:`user_line`. Text for an endpoint
is declared without the marker (SPARQLWrapper reads words in comments as keywords).

:func:`mentioned_iris` gives the IRIs a query writes (kg.graph.named's note on defined classes
reads them). The tokenizer is kg.query.services's, which skips strings, IRIs and comments as the SPARQL grammar
does: ``"fw:x"`` in a string or ``# sck:`` in a comment declares nothing.
"""

from __future__ import annotations

from kg.namespaces import PREFIXES
from kg.query.services import decode_uchar, sparql_tokens

PREFIX_MARKER = "# prefixes declared by kg"


def scan(text: str) -> tuple[set[str], set[str]]:
    """The prefixes the query uses in prefixed names, and those it declares (names without ':')."""
    used: set[str] = set()
    declared: set[str] = set()
    previous = ""
    for kind, token in sparql_tokens(text):
        if kind == "pname":
            prefix = token.partition(":")[0]
            (declared if previous.upper() == "PREFIX" and token.endswith(":") else used).add(prefix)
        previous = token if kind == "word" else ""
    return used, declared


def undeclared_prefixes(text: str) -> list[str]:
    """The project prefixes the query uses without declaring them, in the order of kg.namespaces."""
    used, declared = scan(text)
    return [prefix for prefix in PREFIXES if prefix in used and prefix not in declared]


def declare(text: str, *, mark: bool = True) -> str:
    """The query with PREFIX declarations, on one line in front, for the project prefixes it leaves undeclared."""
    prefixes = undeclared_prefixes(text)
    if not prefixes:
        return text
    line = " ".join(f"PREFIX {prefix}: <{PREFIXES[prefix]}>" for prefix in prefixes)
    return f"{line} {PREFIX_MARKER}\n{text}" if mark else f"{line}\n{text}"


def added_lines(text: str) -> int:
    """How many lines :func:`declare` put in front of ``text`` (0 or 1)."""
    first, newline, _ = text.partition("\n")
    return 1 if newline and first.startswith("PREFIX ") and first.endswith(" " + PREFIX_MARKER) else 0


def user_text(text: str) -> str:
    """The text as the user wrote it, without the declarations :func:`declare` added."""
    return text.partition("\n")[2] if added_lines(text) else text


def user_line(text: str, line: int) -> int:
    """A line number of the text that ran, as a line number of the user's text."""
    return max(line - added_lines(text), 1)


def mentioned_iris(text: str) -> set[str]:
    """The IRIs the query writes, as IRIs (``<...>``) or prefixed names (the project's prefixes included)."""
    prefixes = {prefix + ":": namespace for prefix, namespace in PREFIXES.items()}
    tokens = [(kind, token) for kind, token in sparql_tokens(text)]
    iris: set[str] = set()
    for index, (kind, token) in enumerate(tokens):
        if kind == "word" and token.upper() == "PREFIX" and index + 2 < len(tokens):
            (name_kind, name), (iri_kind, iri) = tokens[index + 1], tokens[index + 2]
            if name_kind == "pname" and name.endswith(":") and iri_kind == "iri":
                prefixes[name] = decode_uchar(iri[1:-1])
    for kind, token in tokens:
        if kind == "iri":
            iris.add(decode_uchar(token[1:-1]))
        elif kind == "pname":
            prefix, _, local = token.partition(":")
            if prefix + ":" in prefixes:
                iris.add(prefixes[prefix + ":"] + local)
    return iris
