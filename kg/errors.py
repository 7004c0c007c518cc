"""Every error a user can cause: one sentence (or a list of problems) and an exit code, never a traceback.

All of them are :class:`KgError` subclasses, defined here and exported from ``kg``, so a notebook
can catch one family::

    >>> import kg
    >>> try:
    ...     kg.KnowledgeGraph.load().query("indicator-count", stated=[91])
    ... except kg.KgError as error:
    ...     print(type(error).__name__, error.exit_code)
    QueryError 2

The modules that raise an error import its class from here (kg.reasoning.reasoner raises ReasoningError,
kg.graph.remote.client RemoteError, ...); ``exit_code`` is what the ``kg`` command exits with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

# Exit codes follow pySHACL's convention: 0 conforms / success, 1 violations, 2 error.
EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_ERROR = 2

__all__ = [
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_VIOLATIONS",
    "ImportProblems",
    "InconsistentData",
    "InputError",
    "KgError",
    "MissingExtra",
    "MissingParameter",
    "OutputError",
    "QueryError",
    "ReasoningError",
    "RemoteError",
    "ReportError",
    "SheetProblems",
    "StoreDamaged",
    "UnsupportedShape",
    "WorkspaceError",
    "shown",
]


class KgError(Exception):
    """A problem the user can fix; its message is one sentence saying what to do.

    ``exit_code`` is the ``kg`` command's exit code for it: 2 (an error) unless a subclass says 1
    (problems in the data).
    """

    exit_code = EXIT_ERROR
    lines = False  # True: the message is a list of lines, each escaped already (kg.errors.shown)


class InputError(KgError):
    """An input file cannot be read: missing, not UTF-8, unsafe, or a syntax error."""


class QueryError(KgError):
    """A named query, a query file or a parameter is wrong."""


class MissingParameter(QueryError):
    """A query needs a value for a parameter that has no default.

    ``query`` and ``name`` say which, ``hint`` what the value is (the parameter's description or
    type), so that a caller (the ``kg`` command) can say how its own users give a value.
    """

    def __init__(self, query: str, name: str, hint: str) -> None:
        super().__init__(f"query {query!r} needs a value for parameter {name} ({hint}).")
        self.query, self.name, self.hint = query, name, hint


class BadFrameworkId(QueryError):
    """A framework id that cannot name a framework (lower-case letters, digits and hyphens only), or a
    framework or other IRI given as a query parameter that names nothing in the graph (kg.graph.named)."""


class MissingExtra(KgError):
    """An optional package is not installed; the message names the extra that installs it."""


class OutputError(KgError):
    """An output file or folder cannot be written."""


class ReportError(KgError):
    """The report cannot be written where asked."""


class WorkspaceError(KgError):
    """The workspace cannot be used: missing, damaged, unwritable, or locked by another writer."""


class StoreDamaged(WorkspaceError):
    """A file of the workspace's store is not as it was written (kg.graph.integrity); 'kg repair' rebuilds it.

    ``what`` says which file and how, without the advice (for ``kg repair``'s report).
    """

    def __init__(self, message: str, what: str = "") -> None:
        super().__init__(message)
        self.what = what or message


class RemoteError(KgError):
    """An endpoint cannot be reached, refuses a request or answers something unusable."""


class ReasoningError(KgError):
    """The reasoner cannot run: no usable Java, or the reasoner itself failed."""


class InconsistentData(KgError):
    """The data contradicts the ontology (exit code 1: a problem in the data)."""

    exit_code = EXIT_VIOLATIONS


class ValidationError(KgError):
    """Validation cannot run as asked: an unknown engine, or shapes the chosen engine does not support."""


class UnsupportedShape(ValidationError):
    """A shape uses a SHACL feature the Oxigraph engine does not implement.

    ``reason`` is what is refused, without the advice: for the note of the fallback to pySHACL.
    """

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


class _Problem(Protocol):
    """A problem of one cell or row (kg.sources.sheetspec.SheetProblem): sortable, and readable as text."""

    def __lt__(self, other: Any, /) -> bool: ...

    def __hash__(self) -> int: ...


class SheetProblems(KgError):
    """A sheet has data problems (each with its row and column); nothing was written (exit code 1).

    ``problems`` holds them, sorted and without duplicates.
    """

    exit_code = EXIT_VIOLATIONS
    lines = True

    def __init__(self, path: Path | str, problems: Iterable[_Problem]) -> None:
        self.problems = sorted(set(problems))
        lines = "\n".join(f"  {shown(problem)}" for problem in self.problems)
        super().__init__(f"{shown(path)}: {len(self.problems)} problem(s), nothing written:\n{lines}")


ImportProblems = SheetProblems  # the name kg.ingest.frameworks and kg.ingest.observations raise it by


# C0 and C1 controls, DEL, the bidirectional overrides and isolates (they reorder what a terminal shows), and the
# lone surrogates Python makes of bytes that are not UTF-8 (os.fsdecode's surrogateescape).
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def shown(text: object, lines: bool = False) -> str:
    """``text`` (a user-given path or name) as it may be printed to a terminal: every control character escaped.

    A file or sheet name can hold escape sequences that recolour, retitle or clear a terminal, or a
    newline that forges a line of output; printed through this they read as ``\\x1b[31m``. With
    ``lines`` true, newlines and tabs are kept (a whole multi-line message, whose names were shown already).
    """

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if lines and char in "\n\t":
            return char
        code = ord(char)
        if char in "\n\r\t":
            return repr(char)[1:-1]
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, as surrogateescape keeps it
            return f"\\x{code - 0xDC00:02x}"
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNSHOWABLE.sub(escape, str(text))
