"""Query parameters: typed values checked and turned into RDF terms (kg.query.binding binds them).

A value is never pasted into the query as text. It becomes an RDF term (an IRI, or a literal
with its datatype); a framework is accepted as its id, a CURIE or its IRI, checked here once.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Union

import pyoxigraph as ox

from kg.errors import BadFrameworkId, MissingParameter, QueryError
from kg.namespaces import PREFIXES, compact, expand

XSD = "http://www.w3.org/2001/XMLSchema#"
# Terms are pyoxigraph's here, so that binding parameters needs no rdflib import; sparql_term
# writes rdflib terms too, for callers that have them.
Node = object

IRI = ox.NamedNode
"""The type of an IRI given as a parameter value: pyoxigraph's ``NamedNode`` (``kg.IRI``)."""

ParameterValue = Union[str, int, float, Decimal, bool, datetime.date, ox.NamedNode]  # noqa: UP007
"""What a parameter accepts from Python: text (parsed as the ``kg`` command parses it), or a
Python value of the parameter's type (see :func:`python_value_text`)."""

PARAMETER_TYPES = {"iri", "string", "integer", "decimal", "boolean", "date", "year", "service"}

_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]*")
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR = re.compile(r"\d{4}")


@dataclass(frozen=True)
class Parameter:
    """A parameter a query's ``#+`` header declares: its name, type (one of PARAMETER_TYPES),
    default (as text, or None when a value must be given), description, and an example value
    (as text) for a parameter without a default: what the published site and the docs run it with."""

    name: str
    type: str = "string"
    default: str | None = None
    description: str = ""
    example: str | None = None

    @property
    def sample(self) -> str | None:
        """The value to show the query with: the default, else the example (None when neither is given)."""
        return self.default if self.default is not None else self.example

    def to_term(self, value: ParameterValue, *, where: str = "") -> Node:
        """The RDF term of the parameter's type for ``value``.

        Text is parsed exactly as the ``kg`` command parses it (``"fw:u4ssc"``, ``"91"``, ``"true"``);
        other Python values must match the type (see :func:`python_value_text`). ``where`` prefixes
        error messages (a file name). Raises QueryError when the value is not valid for the type.
        """
        if not isinstance(value, str):
            value = python_value_text(self, value, where=where)
        prefix = f"{where}: " if where else ""
        problem = f"{prefix}parameter {self.name}={value!r} is not a valid {self.type}"
        if self.type == "service":
            text = value.strip().strip("<>")
            if not re.fullmatch(r"https?://[^\s<>\"{}|^`\\]+", text):
                raise QueryError(f"{problem}; give the endpoint's http(s) address.")
            return _named_node(text, problem)
        if self.type == "iri" and self.name == "framework":  # every query's framework is named alike
            return _framework_term(value, problem)
        if self.type == "iri":
            return _iri_term(value, problem)
        if self.type == "string":
            return ox.Literal(value)
        patterns = {"integer": _INTEGER, "decimal": _DECIMAL, "date": _DATE, "year": _YEAR}
        if self.type in patterns:
            if not patterns[self.type].fullmatch(value.strip()):
                raise QueryError(f"{problem}.")
            datatype = {"integer": "integer", "decimal": "decimal", "date": "date", "year": "gYear"}[self.type]
            return ox.Literal(value.strip(), datatype=ox.NamedNode(XSD + datatype))
        if value.strip().lower() in ("true", "false"):
            return ox.Literal(value.strip().lower(), datatype=ox.NamedNode(XSD + "boolean"))
        raise QueryError(f"{problem}; use true or false.")


_PYTHON_TYPES = {
    "string": "a str",
    "iri": "a str (a full IRI or a CURIE) or a kg.IRI",
    "service": "a str (an http(s) address) or a kg.IRI",
    "integer": "an int or a str",
    "decimal": "an int, a float, a Decimal or a str",
    "boolean": "a bool or a str",
    "date": "a datetime.date or a str",
    "year": "an int or a str",
}


def python_value_text(parameter: Parameter, value: object, *, where: str = "") -> str:
    """The text for a Python value of the parameter's type, as the ``kg`` command would be given it.

    ``iri`` and ``service`` take a ``kg.IRI`` (pyoxigraph ``NamedNode``); ``integer`` and ``year`` an
    ``int``; ``decimal`` an ``int``, finite ``float`` or ``Decimal``; ``boolean`` a ``bool``; ``date`` a
    ``datetime.date`` (not a ``datetime``). A ``string`` parameter takes text only: ``code=5`` is
    refused rather than read as ``"5"``, which would silently match nothing where codes look like
    ``"SC: SH: SI: 4C"``. Anything else (None, a list, an object) raises QueryError naming the parameter.

    >>> python_value_text(Parameter("stated", "integer"), 91)
    '91'
    >>> python_value_text(Parameter("code"), 5)
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: parameter code is a string: give text such as "5", not the int 5.
    """
    kind, prefix = parameter.type, f"{where}: " if where else ""
    if isinstance(value, ox.NamedNode) and kind in ("iri", "service"):
        return value.value
    if isinstance(value, bool):
        if kind == "boolean":
            return "true" if value else "false"
    elif isinstance(value, int) and kind in ("integer", "decimal", "year"):
        if kind == "year" and not 0 <= value <= 9999:
            raise QueryError(f"{prefix}parameter {parameter.name}={value} is not a valid year; give four digits.")
        return f"{value:04d}" if kind == "year" else str(value)
    elif isinstance(value, float | Decimal) and kind == "decimal":
        number = Decimal(repr(value)) if isinstance(value, float) else value
        if not number.is_finite():
            raise QueryError(f"{prefix}parameter {parameter.name}={value} is not a valid decimal; give a finite one.")
        return format(number, "f")
    elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime) and kind == "date":
        return value.isoformat()
    if kind == "string" and isinstance(value, int | float | Decimal | datetime.date):
        shown = f"the {type(value).__name__} {value!r}" if not isinstance(value, datetime.date) else repr(value)
        raise QueryError(f'{prefix}parameter {parameter.name} is a string: give text such as "{value}", not {shown}.')
    raise QueryError(
        f"{prefix}parameter {parameter.name} is of type {kind}: give {_PYTHON_TYPES[kind]}, "
        f"not {type(value).__name__} {_short(value)}."
    )


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


_Error = type[QueryError]  # what an IRI's reader raises: QueryError, or BadFrameworkId for a framework
_IRI_ADVICE = "give a full IRI (https://...) or a CURIE such as fw:u4ssc"
# Schemes of IRIs written without "//" (urn:isbn:..., mailto:...); any other "name:rest" must be
# a CURIE, and one with an unknown prefix would silently match nothing.
_OPAQUE_SCHEMES = {"urn", "mailto", "tag", "doi", "did", "data", "geo", "tel", "info"}


def _check_prefix(text: str, problem: str, error: _Error = QueryError) -> None:
    prefix, _, rest = text.partition(":")
    if rest.startswith("//") or prefix.lower() in _OPAQUE_SCHEMES:
        return
    close = difflib.get_close_matches(prefix, list(PREFIXES), n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]}:{rest}?)" if close else ""
    raise error(
        f"{problem}: {prefix!r} is not a known prefix{hint}; use a full IRI (https://...) or a CURIE with "
        f"one of the prefixes {', '.join(p + ':' for p in PREFIXES)}."
    )


def _named_node(text: str, problem: str, advice: str = _IRI_ADVICE, error: _Error = QueryError) -> ox.NamedNode:
    try:
        return ox.NamedNode(text)
    except ValueError:
        raise error(f"{problem}; {advice}.") from None


def _iri_term(value: str, problem: str, advice: str = _IRI_ADVICE, error: _Error = QueryError) -> ox.NamedNode:
    """An IRI given as ``<iri>``, ``iri`` or a CURIE of a known prefix; ``error`` (with ``problem``) if it is none."""
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    curie = expand(text)
    if curie is not None:
        return _named_node(curie, problem, advice, error)
    if not _IRI.fullmatch(text) or text.count(":") == 0:
        raise error(f"{problem}; {advice}.")
    _check_prefix(text, problem, error)
    return _named_node(text, problem, advice, error)


FRAMEWORKS = PREFIXES["fw"]
"""The namespace of the frameworks' IRIs (``fw:``): a framework's id ``u4ssc`` is ``fw:u4ssc``."""
FRAMEWORK_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_FRAMEWORK_ADVICE = "give its id (u4ssc), a CURIE (fw:u4ssc) or its full IRI ('kg query frameworks' lists them)"


def framework_iri(value: str, *, name: str = "framework") -> ox.NamedNode:
    """The IRI of a framework given as its id (``u4ssc``), a CURIE (``fw:u4ssc``) or its full IRI.

    The one reading of a framework's name: the ``framework`` parameter of every named query (so
    ``kg query -p``, the Python API and the served forms), ``kg report --framework`` and
    ``kg import --framework`` all go through it. ``name`` is how messages call the value (the
    CLI passes its option). Raises BadFrameworkId for text that is none of the three; whether the
    graph holds the framework is for the caller (:func:`unknown_framework`).

    >>> framework_iri("u4ssc") == framework_iri("fw:u4ssc") == framework_iri(FRAMEWORKS + "u4ssc")
    True
    """
    return _framework_term(value, f"{name} {value!r} is not a framework")


def _framework_term(value: str, problem: str) -> ox.NamedNode:
    text = value.strip()
    if FRAMEWORK_ID.fullmatch(text):
        return ox.NamedNode(FRAMEWORKS + text)
    if FRAMEWORK_ID.fullmatch(text.lower()):  # "U4SSC": ids are lower case
        raise BadFrameworkId(f"{problem} (ids are lower case: did you mean {text.lower()}?); {_FRAMEWORK_ADVICE}.")
    return _iri_term(text, problem, _FRAMEWORK_ADVICE, BadFrameworkId)


def framework_id(value: str, *, name: str = "framework") -> str:
    """The id of a framework given as its id, a CURIE or its full IRI in ``fw:`` (``kg import --framework``).

    Raises BadFrameworkId for anything else (an IRI outside ``fw:`` cannot be an imported framework's).

    >>> framework_id("fw:iso37120")
    'iso37120'
    """
    text = value.strip()
    iri = framework_iri(text, name=name).value if ":" in text else FRAMEWORKS + text
    rest = iri[len(FRAMEWORKS) :]
    if not iri.startswith(FRAMEWORKS) or not FRAMEWORK_ID.fullmatch(rest):
        raise BadFrameworkId(
            f"{name} {value!r} is not an id; use lower-case letters, digits and hyphens (e.g. iso37120), as they "
            f"are or after fw: ({FRAMEWORKS})."
        )
    return rest


def unknown_framework(iri: str, known: Iterable[str]) -> BadFrameworkId:
    """The error for a framework the graph does not hold, naming the closest of the ``known`` IRIs.

    >>> print(unknown_framework(FRAMEWORKS + "u4scc", [FRAMEWORKS + "u4ssc"]))
    the graph has no framework fw:u4scc; did you mean fw:u4ssc? 'kg query frameworks' lists them.
    """
    close = difflib.get_close_matches(compact(iri), [compact(k) for k in known], n=1, cutoff=0.5)
    hint = f"did you mean {close[0]}? " if close else ""
    return BadFrameworkId(f"the graph has no framework {compact(iri)}; {hint}'kg query frameworks' lists them.")


def parse_assignments(assignments: list[str] | tuple[str, ...]) -> dict[str, str]:
    """The ``kg`` command's ``--param`` values: ``["framework=fw:u4ssc"]`` -> ``{"framework": "fw:u4ssc"}``.

    Raises QueryError (naming ``--param``: only the command calls this) for an item without ``=``,
    or a KEY given twice (no value silently wins over the other).
    """
    values: dict[str, str] = {}
    for item in assignments:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"--param {item!r} must look like KEY=VALUE.")
        if key.strip() in values:
            first = values[key.strip()]
            raise QueryError(f"--param {key.strip()} is given twice ({first!r} and {value!r}); give it once.")
        values[key.strip()] = value
    return values


def resolve(parameters: Mapping[str, Parameter], given: Mapping[str, ParameterValue], *, query: str) -> dict[str, Node]:
    """Terms for every declared parameter of ``query``: given values, else defaults.

    Raises QueryError for a parameter the query does not declare or a value not valid for its
    type, and MissingParameter (a QueryError) when one without a default is not given.
    """
    unknown = set(given) - set(parameters)
    if unknown:
        known = ", ".join(sorted(parameters)) or "none"
        raise QueryError(f"query {query!r} has no parameter {', '.join(sorted(unknown))}; its parameters: {known}.")
    terms: dict[str, Node] = {}
    for name, parameter in parameters.items():
        if name in given:
            value = given[name]
        elif parameter.default is not None:
            value = parameter.default
        else:
            raise MissingParameter(query, name, parameter.description or parameter.type)
        try:
            terms[name] = parameter.to_term(value)
        except QueryError as error:
            if isinstance(value, str):
                raise
            raise type(error)(f"query {query!r}: {error}") from None
    return terms
