"""One bounded request to a remote server: its limits, its address, its retries and its failure in words.

Every request names the tool in its User-Agent and is bounded (kg.graph.remote.http): one deadline for
the whole request, retries and back-off included (default 30 s), and a cap on the answer's size
(default 100 MB). Failures that may pass (connection refused, HTTP 5xx) are retried at most twice
within that deadline, after 0.5 s, then twice as long each time. Each limit is a setting: an
argument, else the environment (KG_REMOTE_TIMEOUT, KG_REMOTE_MAX_MB, KG_REMOTE_RETRIES,
KG_REMOTE_BACKOFF; read at each request), else the default. A failure is a RemoteError, one
sentence naming the server. Credentials
come from the environment only (KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD) and never appear in a
message: addresses are shown without their user-info part. kg.graph.remote.client (queries) and
kg.graph.remote.push (uploads) send their requests through here.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import re
import time
import urllib.error
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus
from typing import TypeVar

from kg.errors import RemoteError
from kg.graph.remote.http import Deadline, DeadlinePassed, TooLarge
from kg.version import __version__

T = TypeVar("T")

USER_AGENT = f"smartcity-kg/{__version__} (+https://w3id.org/smartcity-kg)"
TIMEOUT_S = 30.0
MAX_MB = 100.0
RETRIES = 2  # the default of KG_REMOTE_RETRIES
BACKOFF_S = 0.5  # the default of KG_REMOTE_BACKOFF: the first pause before a retry, doubled each time
_limits: dict[str, float | None] = {"timeout": None, "max_mb": None}
_set_by = {"timeout": "set_limits", "max_mb": "set_limits"}  # what set_limits' values came from, for messages


def set_limits(timeout: float | None = None, max_mb: float | None = None, *, option: str = "set_limits") -> None:
    """Set the defaults for later requests: ``timeout`` seconds in all, answers of at most ``max_mb`` MB.

    None leaves the environment's (KG_REMOTE_TIMEOUT, KG_REMOTE_MAX_MB) or the built-in one.
    ``option`` names where the timeout came from in messages (the CLI passes its option's name).
    """
    _limits["timeout"], _limits["max_mb"] = timeout, max_mb
    _set_by["timeout"] = option


def limit_hint(explicit: float | None, name: str, variable: str) -> str:
    """Where a limit came from, for the message that states it: "" if the caller gave it (``explicit``).

    ``name`` is "timeout" or "max_mb"; ``variable`` the environment variable that would set it.
    """
    if explicit is not None:
        return ""
    return f" ({_set_by[name] if _limits[name] is not None else variable} sets this limit)"


def _limit(explicit: float | None, name: str, variable: str, default: float) -> float:
    """The limit in force: ``explicit``, else set_limits', else the environment's, else ``default``."""
    value: object = explicit if explicit is not None else _limits[name]
    if value is None:
        text = os.environ.get(variable) or default
        return _positive(text, f"{variable}={text!r}", default)
    return _positive(value, f"the {name.replace('_', ' ')} {value!r}", default)


def _positive(value: object, source: str, default: float) -> float:
    """``value`` as a positive finite number; else RemoteError naming ``source`` (e.g. "KG_REMOTE_TIMEOUT='abc'")."""
    try:
        number = float(str(value))
        if not 0 < number < float("inf"):
            raise ValueError
    except ValueError:
        raise RemoteError(f"{source} is not a positive number; give e.g. {default:g}.") from None
    return number


def timeout_s(timeout: float | None = None) -> float:
    """The total time allowed for one request: argument, set_limits, KG_REMOTE_TIMEOUT, else 30 s.

    Raises RemoteError if the value in force is not a positive number.
    """
    return _limit(timeout, "timeout", "KG_REMOTE_TIMEOUT", TIMEOUT_S)


def cap_mb(cap: float | None = None) -> float:
    """The largest answer read, in MB: argument, set_limits, KG_REMOTE_MAX_MB, else 100.

    Raises RemoteError if the value in force is not a positive number.
    """
    return _limit(cap, "max_mb", "KG_REMOTE_MAX_MB", MAX_MB)


def retries(explicit: int | None = None) -> int:
    """How many times a failure that may pass is tried again: argument, KG_REMOTE_RETRIES, else 2.

    Raises RemoteError if the value in force is not a whole number from 0 to 10.
    """
    text = str(explicit) if explicit is not None else os.environ.get("KG_REMOTE_RETRIES", "").strip()
    if not text:
        return RETRIES
    if not (text.isascii() and text.isdigit() and int(text) <= 10):
        source = f"the retries {text}" if explicit is not None else f"KG_REMOTE_RETRIES={text!r}"
        raise RemoteError(f"{source} is not a whole number from 0 to 10; give e.g. {RETRIES}.")
    return int(text)


def backoff_s(explicit: float | None = None) -> float:
    """The pause before the first retry in seconds (doubled each next time): argument, KG_REMOTE_BACKOFF, else 0.5.

    Raises RemoteError if the value in force is not a positive number.
    """
    if explicit is not None:
        return _positive(explicit, f"the back-off {explicit!r}", BACKOFF_S)
    text = os.environ.get("KG_REMOTE_BACKOFF") or BACKOFF_S
    return _positive(text, f"KG_REMOTE_BACKOFF={text!r}", BACKOFF_S)


# ------------------------------------------------------------------ addresses and messages


def one_line(text: str, width: int = 120) -> str:
    """Server-chosen text made safe for one line of a terminal: no control characters, at most ``width`` long."""
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def shown_address(url: str) -> str:
    """The address without credentials (user-info), made printable on one line, for messages."""
    try:
        parts = urllib.parse.urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host:
        return one_line(re.sub(r"(?<=//)[^/?#]*@", "", url), 200)
    host = f"[{host}]" if ":" in host else host
    return one_line(
        urllib.parse.urlunsplit(parts._replace(netloc=host + (f":{port}" if port is not None else ""))), 200
    )


_IPV6 = "its IPv6 address is malformed (write it in brackets, e.g. http://[::1]:7878/)"


def check_url(url: str, what: str = "endpoint address") -> None:
    """Check that ``url`` is an http(s) address a request can be sent to; ``what`` names it in the message.

    Raises RemoteError saying what is wrong (scheme, host, port, spaces or control characters).
    """
    problem = _url_problem(url)
    if problem:
        raise RemoteError(f"the {what} {shown_address(url)!r} is not usable: {problem}.")


def _url_problem(url: str) -> str | None:
    """What makes ``url`` unusable, in words, or None."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as error:
        if "[" in url:
            return _IPV6
        return "the port must be a number from 1 to 65535" if "ort" in str(error) else "its host is malformed"
    if any(not c.isprintable() or c.isspace() for c in url):
        return "it contains spaces or control characters"
    if parts.scheme not in ("http", "https"):
        return "give an http:// or https:// address"
    if not parts.hostname:
        return "it names no host"
    if port == 0:
        return "the port must be a number from 1 to 65535"
    if "[" in parts.netloc:
        try:
            ipaddress.IPv6Address(parts.hostname.split("%")[0])
        except ValueError:
            return _IPV6
    return None


def ascii_url(url: str) -> str:
    """The address as a request line needs it: characters beyond ASCII in path and query percent-encoded."""
    return re.sub(r"[^\x00-\x7f]", lambda m: urllib.parse.quote(m.group()), url) if not url.isascii() else url


def credentials() -> tuple[str, str] | None:
    """(user, password) from KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD, or None without a user."""
    user = os.environ.get("KG_ENDPOINT_USER")
    return (user, os.environ.get("KG_ENDPOINT_PASSWORD", "")) if user else None


def http_status(code: int) -> str:
    """An HTTP status in words, e.g. "HTTP 404 Not Found"."""
    try:
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


# An endpoint's HTTP answers, in words a user can act on.
QUERY_REFUSALS = {
    400: "the endpoint refused the query as malformed",
    401: "the endpoint wants credentials (KG_ENDPOINT_USER, KG_ENDPOINT_PASSWORD)",
    404: "no SPARQL endpoint at this address",
    414: "the request is too long for the endpoint",
    500: "the endpoint failed",
}


def _reason(error: BaseException, late: str, cap: str) -> str:
    """A failed request's cause in words; ``late`` and ``cap`` word a passed deadline and an oversized answer."""
    if isinstance(error, DeadlinePassed):
        return late
    if isinstance(error, TooLarge):
        return f"the answer exceeds {cap}"
    if isinstance(error, urllib.error.HTTPError):
        said = one_line(getattr(error, "said", ""), 200)  # set by kg.graph.remote.client: the endpoint's words
        reason = (
            f"HTTP {error.code}: {QUERY_REFUSALS[error.code]}"
            if error.code in QUERY_REFUSALS
            else http_status(error.code)
        )
        return f"{reason} ({said})" if said else reason
    if isinstance(error, urllib.error.URLError):
        return one_line(str(error.reason))
    if isinstance(error, http.client.RemoteDisconnected):
        return "the server closed the connection without an answer"
    if isinstance(error, (BrokenPipeError, ConnectionResetError)):
        return "the server closed the connection before the request was complete, without an answer"
    if isinstance(error, http.client.IncompleteRead):
        return "the answer was cut off"
    if isinstance(error, http.client.HTTPException):
        return f"the server broke the HTTP protocol ({type(error).__name__})"
    text = one_line(str(error))
    if isinstance(error, OSError) and text:
        return text  # e.g. "[Errno 111] Connection refused"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _passing(error: BaseException) -> bool:
    """Whether trying again may help (a deadline passed or an oversized answer will not)."""
    if isinstance(error, urllib.error.HTTPError):
        return error.code in (500, 502, 503, 504)
    if isinstance(error, urllib.error.URLError):
        error = error.reason if isinstance(error.reason, BaseException) else error
    return isinstance(error, (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected))


def bounded_call(
    action: Callable[[Deadline], T],
    what: str,
    url: str,
    limit: float,
    late: str,
    cap: str = "",
    *,
    retry: Callable[[BaseException], bool] = _passing,
    tries_again: int | None = None,
    backoff: float | None = None,
) -> T:
    """``action(deadline)`` with retries and back-off, all within one deadline of ``limit`` seconds.

    ``what`` names the request in the message ("the query"), ``url`` its server; ``late`` says what
    a passed deadline means, ``cap`` what the size cap is, both with their limit. A failure that may
    pass is tried again while ``retry`` allows it, at most ``tries_again`` times (retries()), the
    first after ``backoff`` seconds (backoff_s()), each next one after twice the pause before. Raises
    RemoteError when it fails for good; a ValueError that is not the network's is a bug and passes through.
    """
    delay, most = backoff_s(backoff), retries(tries_again)
    with Deadline(limit) as deadline:
        for attempt in range(most + 1):
            try:
                return action(deadline)
            except (OSError, http.client.HTTPException, DeadlinePassed, TooLarge, ValueError) as error:
                if isinstance(error, ValueError) and not deadline.passed:
                    raise  # not a network failure: a bug, not the server's fault
                if deadline.passed or deadline.remaining() <= 0:
                    error = DeadlinePassed()
                if attempt < most and _passing(error) and retry(error) and deadline.remaining() > delay:
                    time.sleep(delay)
                    delay *= 2
                    continue
                reason = _reason(error, late, cap)
                advice = "fix the query" if getattr(error, "code", None) == 400 else "check the address and the server"
                problem = f"{what} at {shown_address(url)} failed: {reason}; {advice}."
                raise RemoteError(problem) from None
    raise AssertionError("unreachable")
