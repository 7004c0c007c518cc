"""Which hosts a SPARQL query's SERVICE clauses would call, and whether ``kg serve`` allows them.

A query sent to ``kg serve`` with ``SERVICE <http://127.0.0.1:PORT/...>`` would make the server
send requests to any address its clients name (server-side request forgery; a plain cross-site
form POST can carry the query). So every SERVICE target is found with a tokenizer that skips
strings, IRIs and comments the way the SPARQL grammar does (with ``\\u`` escapes in IRIs and
``\\``-escapes in prefixed names decoded, as Oxigraph does), prefixed names are resolved from
the query's PREFIX declarations, and the host of each target must be one that ``--allow-service``
names. A target whose host cannot be known for certain (a variable, an unknown prefix, a relative
IRI, user information in the address) is allowed only by ``*``. ``kg serve`` declares the
project's prefixes a query leaves undeclared (kg.query.prologue) before this check, so the text
checked is the text that runs.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.errors import KgError

_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_LOCAL_ESCAPE = r"\\[_~.\-!$&'()*+,;=/?#@%]"
_CHARS = r"\w\-\u00B7\u0300-\u036F\u203F\u2040"  # PN_CHARS
_PREFIX = rf"(?:[^\W\d_](?:[{_CHARS}.]*[{_CHARS}])?)?:"  # PNAME_NS
_LOCAL = rf"(?:(?:[\w:]|%[0-9A-Fa-f]{{2}}|{_LOCAL_ESCAPE})(?:(?:[{_CHARS}.:]|%[0-9A-Fa-f]{{2}}|{_LOCAL_ESCAPE})*(?:[{_CHARS}:]|%[0-9A-Fa-f]{{2}}|{_LOCAL_ESCAPE}))?)?"  # noqa: E501
_TOKEN = re.compile(
    r'(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*')"
    rf"|(?P<iri><(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)"
    r"|(?P<comment>#[^\n\r]*)"
    r"|(?P<variable>[?$]\w+)"
    rf"|(?P<bnode>_:[\w](?:[{_CHARS}.]*[{_CHARS}])?)"
    rf"|(?P<pname>{_PREFIX}{_LOCAL})"
    r"|(?P<word>[^\W\d]\w*)"
    r"|(?P<space>\s+)"
    r"|(?P<other>[^\s\w\"'<#?$:.\\%-]+)",  # punctuation that starts no token, taken in runs
    re.DOTALL,
)


@dataclass(frozen=True)
class Service:
    """One SERVICE target: its IRI, or None with the text when it cannot be resolved.

    ``span`` is where the target's token is in the query (start, end), None when it has no token
    of its own (a SERVICE glued to what follows): kg.graph.remote.service rewrites targets there.
    """

    text: str
    iri: str | None
    span: tuple[int, int] | None = field(default=None, compare=False)


def decode_uchar(text: str) -> str:
    """``text`` with its ``\\uXXXX`` and ``\\UXXXXXXXX`` escapes decoded (in an IRI, as SPARQL reads them)."""
    return re.sub(_UCHAR, lambda m: chr(int(m.group()[2:], 16)), text)


def sparql_tokens(query: str) -> Iterable[tuple[str, str]]:
    """(kind, text) for every significant token of SPARQL text; any other character is its own token.

    Kinds: string, iri, variable, bnode, pname (a prefixed name), word, other, char; spaces and
    comments are left out. kg.query.prologue reads queries with it too.
    """
    for kind, text, _start in _tokens_at(query):
        yield kind, text


def _tokens_at(query: str) -> Iterable[tuple[str, str, int]]:
    """sparql_tokens' (kind, text), each with the position where it starts."""
    position = 0
    while position < len(query):
        match = _TOKEN.match(query, position)
        if match is None:
            yield "char", query[position], position
            position += 1
            continue
        position = match.end()
        kind = match.lastgroup or "char"
        if kind not in ("space", "comment"):
            yield kind, match.group(), match.start()


def services(query: str) -> list[Service]:
    """Every SERVICE target in the query, in order (kg.query.prologue reads the query's tokens the same way)."""
    if "service" not in query.lower():  # keywords cannot be escaped: no such word, no SERVICE
        return []
    prefixes: dict[str, str | None] = {}
    targets: list[tuple[str, str, int]] = []
    tokens = list(_tokens_at(query))
    for index, (kind, text, _start) in enumerate(tokens):
        if kind == "word" and text.upper() == "PREFIX" and index + 2 < len(tokens):
            (name_kind, name, _), (iri_kind, iri, _) = tokens[index + 1], tokens[index + 2]
            if name_kind == "pname" and name.endswith(":"):
                value = decode_uchar(iri[1:-1]) if iri_kind == "iri" else None
                # a prefix declared twice with different namespaces cannot be resolved for certain
                prefixes[name] = value if prefixes.get(name, value) == value else None
        if kind == "word" and text.upper() == "SERVICE":
            rest = tokens[index + 1 : index + 3]
            if rest and rest[0][0] == "word" and rest[0][1].upper() == "SILENT":
                rest = rest[1:]
            elif rest and rest[0][0] in ("word", "pname") and rest[0][1].upper().startswith("SILENT"):
                rest = [("glued", rest[0][1], -1)]  # "SILENTx:q" is read as SILENT x:q
            targets.append(rest[0] if rest else ("char", "", -1))
        elif kind in ("word", "pname", "bnode") and _hides_service(kind, text):
            targets.append(("glued", text, -1))
    return [_target(token, prefixes) for token in targets]


def _hides_service(kind: str, text: str) -> bool:
    """Whether a word or prefixed name may be read by Oxigraph as SERVICE glued to what follows.

    Oxigraph matches keywords without a word boundary: "SERVICEx:q", "SERVICESILENT<...>" and
    "?s ?p trueSERVICE<...>" all call out. Such a SERVICE counts as one whose target cannot be
    checked (refused unless ``*`` is allowed).

    A prefixed name's local part is taken whole by the parser, so only its prefix (and any
    part after a dot, where the name could end) can hide the keyword.
    """
    if kind == "word":
        return "service" in text.lower()
    prefix, _, local = text.partition(":")
    return "service" in prefix.lower() or any(part.lower().startswith("service") for part in local.split(".")[1:])


def _target(token: tuple[str, str, int], prefixes: dict[str, str | None]) -> Service:
    kind, text, start = token
    span = (start, start + len(text)) if start >= 0 else None
    if kind == "iri":
        return Service(text, decode_uchar(text[1:-1]), span)
    if kind == "pname" and not text.startswith("_:"):
        prefix, _, local = text.partition(":")
        namespace = prefixes.get(prefix + ":")
        local = re.sub(_LOCAL_ESCAPE, lambda m: m.group()[1], local)
        return Service(text, None if namespace is None else namespace + local, span)
    return Service(text or "nothing", None, span)


def parse_allowed(hosts: Iterable[str]) -> frozenset[tuple[str, int | None]]:
    """The hosts a SERVICE may call (``HOST``, ``HOST:PORT``, ``[::1]:PORT`` or ``*``), as (host, port).

    Raises KgError for an entry that is none of these.
    """
    allowed: set[tuple[str, int | None]] = set()
    for entry in hosts:
        entry = entry.strip()
        if entry == "*":
            allowed.add(("*", None))
            continue
        parts = urllib.parse.urlsplit("//" + entry)
        try:
            port = parts.port
        except ValueError:
            port = -1
        if not parts.hostname or port == -1 or parts.path or parts.query or "@" in entry:
            raise KgError(f"--allow-service {entry!r} is not a host name, HOST:PORT or '*'.")
        allowed.add((parts.hostname.lower(), port))
    return frozenset(allowed)


def refusal(query: str, allowed: frozenset[tuple[str, int | None]]) -> str | None:
    """None if every SERVICE target is allowed, else one sentence saying which is refused and why."""
    if ("*", None) in allowed:
        return None
    for service in services(query):
        if service.iri is None and service.text.upper() != "SERVICE" and "SERVICE" in service.text.upper():
            return f"{service.text!r} reads as a SERVICE call whose address cannot be checked, so it is refused."
        if service.iri is None:
            return (
                f"SERVICE {service.text} is refused: this server calls other endpoints only at addresses "
                "it can check, and only for hosts named by --allow-service."
            )
        parts = urllib.parse.urlsplit(service.iri)
        try:
            port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
        except ValueError:
            port = None
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host or "@" in parts.netloc or port is None:
            return f"SERVICE <{service.iri}> is refused: only plain http(s) addresses can be allowed."
        if (host, None) not in allowed and (host, port) not in allowed:
            return (
                f"SERVICE <{service.iri}> is refused: this server calls no other endpoint unless it was "
                f"started with --allow-service {host}."
            )
    return None
