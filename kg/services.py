"""Which hosts a SPARQL query's SERVICE clauses would call, and whether ``kg serve`` allows them.

A query sent to ``kg serve`` with ``SERVICE <http://127.0.0.1:PORT/...>`` would make the server
send requests to any address its clients name (server-side request forgery; a plain cross-site
form POST can carry the query). So every SERVICE target is found with a tokenizer that skips
strings, IRIs and comments the way the SPARQL grammar does (with ``\\u`` escapes in IRIs and
``\\``-escapes in prefixed names decoded, as Oxigraph does), prefixed names are resolved from
the query's PREFIX declarations, and the host of each target must be one that ``--allow-service``
names. A target whose host cannot be known for certain (a variable, an unknown prefix, a relative
IRI, user information in the address) is allowed only by ``*``.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_LOCAL_ESCAPE = r"\\[_~.\-!$&'()*+,;=/?#@%]"
_TOKEN = re.compile(
    r'(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*')"
    rf"|(?P<iri><(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)"
    r"|(?P<comment>#[^\n\r]*)"
    r"|(?P<variable>[?$]\w+)"
    rf"|(?P<pname>(?:[A-Za-z_][\w.-]*)?:(?:[\w.:%-]|{_LOCAL_ESCAPE})*)"
    r"|(?P<word>[A-Za-z_]\w*)"
    r"|(?P<space>\s+)",
    re.DOTALL,
)


@dataclass(frozen=True)
class Service:
    """One SERVICE target: its IRI, or None with the text when it cannot be resolved."""

    text: str
    iri: str | None


def _uchar(text: str) -> str:
    return re.sub(_UCHAR, lambda m: chr(int(m.group()[2:], 16)), text)


def _tokens(query: str) -> Iterable[tuple[str, str]]:
    """(kind, text) for every significant token; any other character is its own token."""
    position = 0
    while position < len(query):
        match = _TOKEN.match(query, position)
        if match is None:
            yield "char", query[position]
            position += 1
            continue
        position = match.end()
        kind = match.lastgroup or "char"
        text = match.group()
        if kind == "pname" and text.endswith("."):  # a final dot ends the triple, not the name
            stripped = text.rstrip(".")
            position -= len(text) - len(stripped)
            text = stripped
        if kind not in ("space", "comment"):
            yield kind, text


def services(query: str) -> list[Service]:
    """Every SERVICE target in the query, in order."""
    prefixes: dict[str, str | None] = {}
    targets: list[tuple[str, str]] = []
    tokens = list(_tokens(query))
    for index, (kind, text) in enumerate(tokens):
        if kind == "word" and text.upper() == "PREFIX" and index + 2 < len(tokens):
            (name_kind, name), (iri_kind, iri) = tokens[index + 1], tokens[index + 2]
            if name_kind == "pname" and name.endswith(":"):
                value = _uchar(iri[1:-1]) if iri_kind == "iri" else None
                # a prefix declared twice with different namespaces cannot be resolved for certain
                prefixes[name] = value if prefixes.get(name, value) == value else None
        if kind == "word" and text.upper() == "SERVICE":
            rest = tokens[index + 1 : index + 3]
            if rest and rest[0][0] == "word" and rest[0][1].upper() == "SILENT":
                rest = rest[1:]
            targets.append(rest[0] if rest else ("char", ""))
    return [_target(token, prefixes) for token in targets]


def _target(token: tuple[str, str], prefixes: dict[str, str | None]) -> Service:
    kind, text = token
    if kind == "iri":
        return Service(text, _uchar(text[1:-1]))
    if kind == "pname" and not text.startswith("_:"):
        prefix, _, local = text.partition(":")
        namespace = prefixes.get(prefix + ":")
        local = re.sub(_LOCAL_ESCAPE, lambda m: m.group()[1], local)
        return Service(text, None if namespace is None else namespace + local)
    return Service(text or "nothing", None)


def parse_allowed(hosts: Iterable[str]) -> frozenset[tuple[str, int | None]]:
    """``--allow-service`` values (``HOST``, ``HOST:PORT``, ``[::1]:PORT`` or ``*``) as (host, port)."""
    allowed = set()
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
            raise ValueError(f"--allow-service {entry!r} is not a host name, HOST:PORT or '*'")
        allowed.add((parts.hostname.lower(), port))
    return frozenset(allowed)


def refusal(query: str, allowed: frozenset[tuple[str, int | None]]) -> str | None:
    """None if every SERVICE target is allowed, else one sentence saying which is refused and why."""
    if ("*", None) in allowed:
        return None
    for service in services(query):
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
