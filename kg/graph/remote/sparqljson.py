"""Reading the SPARQL 1.1 Query Results JSON Format strictly: what a server sends becomes rows only if well formed.

A remote answer is untrusted input. Every shape the format does not allow (no head, bindings
that are not a list, a term without a value, an unknown term type, a variable not in the head,
text that is not valid Unicode) is a MalformedAnswer naming the place, never a KeyError or a row
that says something the document does not. Terms are Oxigraph's, as for the embedded store, so
IRIs and language tags are checked and literals keep the lexical form they were sent with.
The SPARQL 1.0 ``typed-literal`` type, still sent by some servers, reads as a literal.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pyoxigraph as ox

from kg.query.results import Results

RDF_LANGSTRING = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
_VARIABLE = re.compile(r"\w+")
_LABEL = re.compile(r"[^\x00-\x20\x7f]+")


class MalformedAnswer(ValueError):
    """The answer is not well-formed SPARQL JSON results; the message says where."""


def _json_type(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _string(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise MalformedAnswer(f"{what} is {_json_type(value)}, not a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedAnswer(f"{what} is not valid Unicode") from None
    return value


def _iri(value: object, what: str) -> ox.NamedNode:
    text = _string(value, what)
    try:
        return ox.NamedNode(text)
    except ValueError as error:
        raise MalformedAnswer(f"{what} {_short(text)} is not an absolute IRI ({error})") from None


def _short(text: str) -> str:
    shown = "".join(c if c.isprintable() else "?" for c in text)
    return repr(shown if len(shown) <= 40 else shown[:39] + "…")


def _blank(label: str) -> ox.BlankNode:
    """Labels only tell the nodes of one answer apart; one Oxigraph refuses (Virtuoso: nodeID://b1)
    is replaced by a hash of it, so equal labels stay equal and different ones different."""
    try:
        return ox.BlankNode(label)
    except ValueError:
        return ox.BlankNode("h" + hashlib.sha256(label.encode("utf-8")).hexdigest()[:32])


XSD_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
_BOOLEAN_CANONICAL = {"1": "true", "0": "false"}


def read_term(value: object, where: str) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The term a JSON term object stands for; ``where`` names it in the MalformedAnswer raised otherwise."""
    if not isinstance(value, dict):
        raise MalformedAnswer(f"{where} is {_json_type(value)}, not a term object")
    kind = value.get("type")
    if "value" not in value:
        raise MalformedAnswer(f"{where} has no 'value'")
    if kind == "uri":
        return _iri(value["value"], f"the value of {where}")
    text = _string(value["value"], f"the value of {where}")
    if kind == "bnode":
        if not _LABEL.fullmatch(text):
            raise MalformedAnswer(f"{where} has the blank node label {_short(text)}")
        return _blank(text)
    if kind not in ("literal", "typed-literal"):
        shown = _short(kind) if isinstance(kind, str) else _json_type(kind)
        raise MalformedAnswer(f"{where} has the type {shown}, not uri, literal or bnode")
    language = _string(value["xml:lang"], f"the language of {where}") if "xml:lang" in value else None
    datatype = _iri(value["datatype"], f"the datatype of {where}") if "datatype" in value else None
    if language is not None:
        if datatype not in (None, RDF_LANGSTRING):
            raise MalformedAnswer(f"{where} has both a language tag and the datatype {datatype.value}")
        try:
            return ox.Literal(text, language=language)
        except ValueError as error:
            raise MalformedAnswer(f"{where} has the language tag {_short(language)} ({error})") from None
    if datatype == RDF_LANGSTRING or (kind == "typed-literal" and datatype is None):
        raise MalformedAnswer(f"{where} lacks its {'language tag' if datatype else 'datatype'}")
    if datatype == XSD_BOOLEAN and text in _BOOLEAN_CANONICAL:
        text = _BOOLEAN_CANONICAL[text]  # Virtuoso writes true as "1": the same value, shown as every store shows it
    return ox.Literal(text, datatype=datatype)


def _virtuoso_ask(answer: dict[str, Any]) -> bool | None:
    """Virtuoso 7 answers ASK with a table of ?__ASK_RETVAL: one row bound to 1 (xsd:integer) for
    yes, no row for no; None for anything else."""
    results = answer.get("results")
    if answer["head"].get("vars") != ["__ASK_RETVAL"] or not isinstance(results, dict):
        return None
    bindings = results.get("bindings")
    if bindings == []:
        return False
    if not isinstance(bindings, list) or len(bindings) != 1 or not isinstance(bindings[0], dict):
        return None
    value = bindings[0].get("__ASK_RETVAL")
    if not isinstance(value, dict) or value.get("datatype") != XSD_INTEGER or value.get("value") not in ("0", "1"):
        return None
    return str(value["value"]) == "1"


def parse_results(body: bytes, *, ask: bool) -> Results:
    """The results of a SELECT (``ask=False``) or ASK query from a JSON document."""
    try:
        answer: Any = json.loads(body)
    except RecursionError:
        raise MalformedAnswer("the JSON is nested too deeply") from None
    except UnicodeDecodeError:
        raise MalformedAnswer(f"the answer ({len(body)} bytes) is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise MalformedAnswer(f"the answer ({len(body)} bytes) is not JSON ({error.msg} at {where})") from None
    except ValueError:  # Python refuses to convert integers of thousands of digits
        raise MalformedAnswer("the answer holds a number too long to read") from None
    if not isinstance(answer, dict):
        raise MalformedAnswer(f"the answer is {_json_type(answer)}, not an object")
    if not isinstance(answer.get("head"), dict):
        raise MalformedAnswer("it has no 'head' object")
    if ask:
        boolean = answer["boolean"] if "boolean" in answer else _virtuoso_ask(answer)
        if not isinstance(boolean, bool):
            raise MalformedAnswer("the answer to an ASK query has no 'boolean' true or false")
        return Results([], [], boolean=boolean)
    if "boolean" in answer:
        raise MalformedAnswer("it answers yes or no ('boolean') to a SELECT query")
    variables = answer["head"].get("vars")
    if not isinstance(variables, list) or not all(isinstance(v, str) and _VARIABLE.fullmatch(v) for v in variables):
        raise MalformedAnswer("'head.vars' is not a list of variable names")
    if len(set(variables)) != len(variables):
        raise MalformedAnswer("'head.vars' names a variable twice")
    results = answer.get("results")
    if not isinstance(results, dict) or not isinstance(results.get("bindings"), list):
        raise MalformedAnswer("it has no 'results.bindings' list")
    known = set(variables)
    rows = []
    for number, binding in enumerate(results["bindings"], start=1):
        if not isinstance(binding, dict):
            raise MalformedAnswer(f"binding {number} is {_json_type(binding)}, not an object")
        unknown = [name for name in binding if name not in known]
        if unknown:
            raise MalformedAnswer(f"binding {number} binds {_short(unknown[0])}, which 'head.vars' does not name")
        rows.append(
            tuple(read_term(binding[v], f"?{v} in binding {number}") if v in binding else None for v in variables)
        )
    return Results(variables, raw=rows)
