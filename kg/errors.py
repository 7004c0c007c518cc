"""Errors that reach users as one sentence and an exit code, never as a traceback."""

from __future__ import annotations

# Exit codes follow pySHACL's convention: 0 conforms / success, 1 violations, 2 error.
EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_ERROR = 2


class KgError(Exception):
    """A problem the user can fix; its message is one sentence saying what to do."""

    exit_code = EXIT_ERROR


class InputError(KgError):
    """An input file cannot be read: missing, not UTF-8, unsafe, or a syntax error."""


class QueryError(KgError):
    """A named query, a query file or a parameter is wrong."""


class MissingExtra(KgError):
    """An optional dependency is not installed; the message names the extra that installs it."""
