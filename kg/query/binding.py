"""Binding parameters: RDF terms put into a query through a VALUES block, never pasted as text.

The term's own serialisation goes into a ``VALUES`` block at the top of the query's outermost
WHERE group. That works the same on the embedded store and on any SPARQL 1.1 endpoint, for
projected and unprojected variables alike.
"""

from __future__ import annotations

import re

from kg.errors import QueryError
from kg.query.params import Node, Parameter

# Tokens that may hold braces or the word WHERE without being syntax: strings, IRIs, comments.
_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|#[^\n]*"
    r"|[?$]\w+"  # variables
    r"|(?:[A-Za-z_][\w.-]*)?:[\w.%-]*"  # prefixed names and blank node labels (ex:where)
    r"|[A-Za-z_]\w*",  # keywords and function names
    re.DOTALL,
)


def _where_brace(query: str) -> int:
    """Index of the ``{`` that opens the query's outermost WHERE group."""
    seen_where = False
    depth = 0
    first_brace = -1
    position = 0
    while position < len(query):
        match = _SKIP.match(query, position)
        if match:
            token = match.group()
            if depth == 0 and token.upper() == "WHERE":
                seen_where = True
            position = match.end()
            continue
        char = query[position]
        if char == "{":
            if depth == 0 and seen_where:
                return position
            if depth == 0 and first_brace < 0:
                first_brace = position
            depth += 1
        elif char == "}":
            depth -= 1
        position += 1
    if first_brace < 0:
        raise QueryError("the query has no WHERE group to bind parameters in.")
    return first_brace


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def sparql_term(term: Node) -> str:
    """A term in SPARQL syntax on one line (escaped, never triple-quoted): pyoxigraph or rdflib."""
    if not isinstance(term, str):
        return str(term)  # pyoxigraph writes N-Triples, which is valid SPARQL
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, Literal):
        text = '"' + str(term).translate(_ESCAPES) + '"'
        if term.language:
            return f"{text}@{term.language}"
        return f"{text}^^<{term.datatype}>" if term.datatype else text
    if isinstance(term, URIRef | BNode):
        return term.n3()
    raise TypeError(f"not an RDF term: {term!r}")  # a bug: parameters are always terms


def bind_parameters(query: str, parameters: dict[str, Parameter], terms: dict[str, Node]) -> str:
    """Bind every parameter: values through VALUES, endpoints into their SERVICE clauses.

    Oxigraph evaluates SERVICE before any binding reaches it ("the variable encoding the
    service name is unbound"), so a ``service`` parameter's ``SERVICE ?name`` becomes
    ``SERVICE <iri>``, the IRI checked and written as a term like any other.
    """
    services = {name: term for name, term in terms.items() if parameters[name].type == "service"}
    for name, term in services.items():
        query = _replace_service(query, name, sparql_term(term))
    return bind(query, {name: term for name, term in terms.items() if name not in services})


def _replace_service(query: str, name: str, iri: str) -> str:
    out, position, replaced = [], 0, False
    pattern = re.compile(rf"SERVICE(\s+SILENT)?\s+[?$]{name}\b", re.IGNORECASE)
    while position < len(query):
        match = _SKIP.match(query, position)
        service = pattern.match(query, position)
        if service:
            out.append(f"SERVICE{service.group(1) or ''} {iri}")
            position = service.end()
            replaced = True
        elif match:
            out.append(match.group())
            position = match.end()
        else:
            out.append(query[position])
            position += 1
    if not replaced:
        raise QueryError(f"the service parameter ?{name} is not used in a SERVICE clause.")
    return "".join(out)


def bind(query: str, terms: dict[str, Node]) -> str:
    """The query with a VALUES block binding ``terms`` as its WHERE group's first element.

    The block goes on the same line as the opening brace so that line numbers in any later
    error message still match the query file.
    """
    return bind_rows(query, list(terms), [tuple(terms.values())]) if terms else query


def bind_rows(query: str, variables: list[str], rows: list[tuple[Node, ...]]) -> str:
    """The query with ``VALUES (?a ?b) { (..) (..) }`` for several rows of terms."""
    brace = _where_brace(query)
    header = " ".join(f"?{name}" for name in variables)
    data = " ".join("(" + " ".join(sparql_term(term) for term in row) + ")" for row in rows)
    block = f" VALUES ({header}) {{ {data} }} "
    return query[: brace + 1] + block + query[brace + 1 :]
