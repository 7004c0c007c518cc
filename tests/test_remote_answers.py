"""Malformed answers from a SPARQL endpoint: refused in one sentence naming what is wrong, or read exactly.

A server on 127.0.0.1 answers 200 with whatever a file holds; the real ``kg`` command reads it.
A table of malformed shapes gives the sentence for each; Hypothesis generates answers, well formed
and not, and requires exit 2 with one "kg: " line, or exit 0 with exactly the rows the document holds.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.conftest import run_kg
from tests.hostile_servers import hostile_server, one_sentence, query

pytestmark = pytest.mark.network

RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def term(value: str, kind: str = "literal") -> dict[str, str]:
    return {"type": kind, "value": value}


GARBAGE = {
    "not JSON": (
        b"<?xml version='1.0'?><sparql/>",
        "the answer (30 bytes) is not JSON (Expecting value at line 1 column 1)",
    ),
    "not UTF-8": (
        b'{"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "literal", "value": "\xff"}}]}}',
        "is not UTF-8 text",
    ),
    "a list": ([], "the answer is a list, not an object"),
    "no head": ({"results": {"bindings": []}}, "it has no 'head' object"),
    "vars not a list": ({"head": {"vars": "s"}, "results": {"bindings": []}}, "'head.vars' is not a list"),
    "a variable twice": ({"head": {"vars": ["s", "s"]}, "results": {"bindings": []}}, "names a variable twice"),
    "bindings not a list": ({"head": {"vars": ["s"]}, "results": {"bindings": {}}}, "no 'results.bindings' list"),
    "a binding not an object": ({"head": {"vars": ["s"]}, "results": {"bindings": [1]}}, "binding 1 is a number"),
    "no value": (
        {"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "literal"}}]}},
        "?s in binding 1 has no 'value'",
    ),
    "value not a string": (
        {"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "uri", "value": 7}}]}},
        "the value of ?s in binding 1 is a number, not a string",
    ),
    "unknown type": (
        {"head": {"vars": ["s"]}, "results": {"bindings": [{"s": term("x", "triple")}]}},
        "?s in binding 1 has the type 'triple', not uri, literal or bnode",
    ),
    "no type": ({"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"value": "x"}}]}}, "has the type null"),
    "a relative IRI": (
        {"head": {"vars": ["s"]}, "results": {"bindings": [{"s": term("a b", "uri")}]}},
        "the value of ?s in binding 1 'a b' is not an absolute IRI",
    ),
    "a variable not in the head": (
        {"head": {"vars": ["s"]}, "results": {"bindings": [{"o": term("x")}]}},
        "binding 1 binds 'o', which 'head.vars' does not name",
    ),
    "language and datatype": (
        {
            "head": {"vars": ["s"]},
            "results": {
                "bindings": [
                    {"s": {"type": "literal", "value": "x", "xml:lang": "en", "datatype": "http://example.org/t"}}
                ]
            },
        },
        "has both a language tag and the datatype http://example.org/t",
    ),
    "a yes for a SELECT": ({"head": {}, "boolean": True}, "it answers yes or no ('boolean') to a SELECT query"),
    "nested 100,000 deep": (b"[" * 100_000 + b"]" * 100_000, "the JSON is nested too deeply"),
    "a number of 5,000 digits": (b"1" * 5000, "the answer holds a number too long to read"),
}


@pytest.fixture(scope="module")
def garbage(tmp_path_factory):
    """A server answering 200 with whatever the file holds at the time of the request."""
    document = tmp_path_factory.mktemp("garbage") / "answer.json"
    document.write_bytes(b"{}")
    with hostile_server("file", str(document)) as base:
        yield base, document


def serve(document: Path, content: object) -> None:
    document.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode("utf-8"))


@pytest.mark.parametrize("case", GARBAGE, ids=str)
def test_a_malformed_answer_is_one_sentence_naming_what_is_wrong(garbage, case):
    base, document = garbage
    content, expected = GARBAGE[case]
    serve(document, content)
    started = time.monotonic()
    line = one_sentence(query(base), started, 10)
    assert line.startswith(f"kg: {base}/query did not answer with usable SPARQL JSON results: ")
    assert expected in line
    assert line.endswith("; is it a SPARQL endpoint?")


def test_a_well_formed_answer_from_any_server_is_read_exactly(garbage):
    """Lexical forms as sent (numbers canonical in CSV), SPARQL 1.0 typed-literal, Virtuoso's blank node labels,
    a path beyond ASCII."""
    base, document = garbage
    rows = [
        {"s": {"type": "bnode", "value": "nodeID://b1"}, "p": {"type": "uri", "value": "http://example.org/é"},
         "o": {"type": "typed-literal", "value": "01", "datatype": XSD + "integer"}},
        {"s": {"type": "bnode", "value": "nodeID://b1"}, "o": {"type": "literal", "value": "x", "xml:lang": "en"}},
    ]  # fmt: skip
    serve(document, {"head": {"vars": ["s", "p", "o"]}, "results": {"bindings": rows}})
    run = run_kg("query", "frameworks", "--endpoint", f"{base}/qué", "--format", "csv")
    assert (run.returncode, run.stderr) == (0, "")
    [header, first, second] = run.stdout.splitlines()
    assert (header, first[first.index(",") :], second[second.index(",") :]) == (
        "s,p,o",
        ",http://example.org/é,1",  # "01"^^xsd:integer: CSV writes numbers canonical (kg.query.tables)
        ",,x",
    )
    assert first.split(",")[0] == second.split(",")[0]  # one blank node, twice


def test_links_check_against_a_garbage_endpoint(garbage):
    base, document = garbage
    serve(document, GARBAGE["no value"][0])
    started = time.monotonic()
    run = run_kg("links", "check", "--endpoint", f"{base}/query", timeout=60)
    assert "has no 'value'" in one_sentence(run, started, 20)


# ------------------------------------------------------------------ generated answers


XSD = "http://www.w3.org/2001/XMLSchema#"
NAMES = st.sampled_from(["s", "p", "o"])
TEXT = st.text(st.characters(codec="utf-8"), max_size=8) | st.sampled_from(["", "01", "1e3", " a\n"])
KINDS = st.sampled_from(["literal", "typed-literal"])


def uri(value):
    return {"type": "uri", "value": value}


def literal(value, kind="literal", **extra):
    return {"type": kind, "value": value, **extra}


VALID_TERMS = st.one_of(
    st.builds(uri, st.sampled_from(["http://example.org/a", "urn:x:1", "http://example.org/é"])),
    st.builds(literal, TEXT),
    st.builds(lambda v, tag: literal(v, **{"xml:lang": tag}), TEXT, st.sampled_from(["en", "en-GB", "fr"])),
    st.builds(
        lambda v, t, k: literal(v, k, datatype=t), TEXT, st.sampled_from([XSD + "integer", XSD + "string"]), KINDS
    ),
    st.builds(lambda v: {"type": "bnode", "value": v}, st.sampled_from(["b0", "b1", "nodeID://b1"])),
)
BROKEN_TERMS = st.one_of(
    st.builds(uri, st.sampled_from(["a b", "rel", "http://[::1", "", "http://x/\ud800"])),
    st.builds(literal, st.sampled_from(["\ud800", 1, None, ["x"]])),
    st.builds(lambda v, tag: literal(v, **{"xml:lang": tag}), TEXT, st.sampled_from(["not valid", "", "x" * 9, 1])),
    st.builds(lambda v, t, k: literal(v, k, datatype=t), TEXT, st.sampled_from(["a b", RDF_LANGSTRING, None]), KINDS),
    st.builds(lambda v: {"type": "bnode", "value": v}, st.sampled_from(["", "a b", 3])),
    st.dictionaries(st.sampled_from(["type", "value", "xml:lang", "datatype"]), TEXT | st.integers() | st.none()),
    st.integers() | st.none() | st.lists(st.none(), max_size=1),
)


def documents(terms, extra=None):
    """SELECT answers whose bindings use the head's variables (and ``extra`` names)."""
    return st.lists(NAMES, max_size=3, unique=True).flatmap(
        lambda names: st.fixed_dictionaries(
            {
                "head": st.just({"vars": names}),
                "results": st.fixed_dictionaries(
                    {
                        "bindings": st.lists(
                            st.dictionaries(
                                (st.sampled_from(names) if names else st.nothing())
                                | (extra if extra is not None else st.nothing()),
                                terms,
                            ),
                            max_size=4,
                        )
                    }
                ),
            }
        )
    )


DOCUMENTS = st.one_of(
    documents(VALID_TERMS),
    documents(VALID_TERMS | BROKEN_TERMS, extra=st.just("extra")),
    st.dictionaries(
        st.sampled_from(["head", "results", "boolean"]),
        st.none() | st.booleans() | st.lists(st.none()) | documents(VALID_TERMS) | st.just({"vars": [1]}),
    ),
)


def _expected(term: dict[str, str]) -> dict[str, str]:
    """A term as kg's JSON output writes it: typed-literal is a literal, xsd:string is implicit, tags lower-case."""
    kind = "literal" if term["type"] == "typed-literal" else term["type"]
    out = {"type": kind, "value": term["value"]}
    if "xml:lang" in term:
        out["xml:lang"] = term["xml:lang"].lower()
    elif term.get("datatype") not in (None, "http://www.w3.org/2001/XMLSchema#string"):
        out["datatype"] = term["datatype"]
    return out


def _labels_by_position(bindings: list[dict], variables: list[str]) -> list[dict]:
    """Blank node labels replaced by their order of first appearance (row by row, in the head's order of
    variables): only equality within an answer counts."""
    seen: dict[str, str] = {}
    relabelled = []
    for binding in bindings:
        row = {}
        for var in (v for v in variables if v in binding):
            term = binding[var]
            bnode = term["type"] == "bnode"
            row[var] = {**term, "value": seen.setdefault(term["value"], f"_:{len(seen)}")} if bnode else term
        relabelled.append(row)
    return relabelled


@settings(max_examples=25, deadline=None, database=None)
@given(document=DOCUMENTS, truncate=st.booleans() | st.none())
def test_a_generated_answer_is_refused_or_read_exactly(garbage, document, truncate):
    base, path = garbage
    content = json.dumps(document).encode("utf-8", errors="surrogatepass")
    if truncate:
        content = content[: len(content) // 2]
    serve(path, content)
    run = query(base, "--format", "json")
    assert run.returncode in (0, 2), run.stderr
    assert "Traceback" not in run.stderr
    event(f"exit {run.returncode}")
    if run.returncode == 2:
        [line] = run.stderr.splitlines()
        assert line.startswith("kg: ")
        return
    assert not truncate
    printed = json.loads(run.stdout)
    assert printed["head"]["vars"] == document["head"]["vars"]
    expected = [{var: _expected(term) for var, term in b.items()} for b in document["results"]["bindings"]]
    variables = document["head"]["vars"]
    assert _labels_by_position(printed["results"]["bindings"], variables) == _labels_by_position(expected, variables)


def test_a_boolean_written_as_1_or_0_reads_as_true_or_false():
    """Virtuoso writes xsd:boolean true as "1": the same value, so every output shows it as the other stores do."""
    import pyoxigraph as ox

    from kg.graph.remote.sparqljson import read_term

    boolean = "http://www.w3.org/2001/XMLSchema#boolean"
    for written, read in (("1", "true"), ("0", "false"), ("true", "true")):
        term = read_term({"type": "literal", "value": written, "datatype": boolean}, "a cell")
        assert term == ox.Literal(read, datatype=ox.NamedNode(boolean))
