"""Hostile endpoints: slow, silent, garbage, huge, erring and read-only servers on 127.0.0.1.

Each case runs the real ``kg`` command against a server from tests/hostile_servers.py and
requires exit 2, one line on stderr starting "kg: ", no traceback, within the deadline and a few
seconds. Hypothesis generates malformed SPARQL JSON answers: the command either refuses them
(exit 2) or prints exactly the rows the document holds (exit 0).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from kg.remote import RemoteError, remote_sparql, set_limits
from tests.conftest import run_kg
from tests.hostile_servers import hostile_server
from tests.servers import kg_server

SELECT = "SELECT * WHERE { ?s ?p ?o }"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
FAST = {"KG_REMOTE_TIMEOUT": "3"}


def one_sentence(run, started: float, bound: float) -> str:
    """The single error line of a run that failed as it should, within ``bound`` seconds."""
    assert time.monotonic() - started < bound, f"took {time.monotonic() - started:.1f} s"
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr
    [line] = run.stderr.splitlines()
    assert line.startswith("kg: ")
    return line


def query(base: str, *args: str, env: dict[str, str] | None = None):
    return run_kg("query", "frameworks", "--endpoint", f"{base}/query", *args, env=env, timeout=60)


# ------------------------------------------------------------------ deadline and size cap


@pytest.mark.parametrize("mode", ["slow", "slow-body"])
def test_a_server_sending_one_byte_every_2_s_meets_the_total_deadline(mode):
    """The old per-read timeout never fired against this server: every read got a byte in time."""
    with hostile_server(mode, "2") as base:
        started = time.monotonic()
        line = one_sentence(query(base, env=FAST), started, 3 + 5)
    assert "no complete answer within 3 s" in line and "KG_REMOTE_TIMEOUT" in line


def test_a_silent_server_takes_the_deadline_once_not_once_per_retry():
    with hostile_server("silent") as base:
        started = time.monotonic()
        line = one_sentence(query(base, env={"KG_REMOTE_TIMEOUT": "2"}), started, 2 + 5)
        assert time.monotonic() - started > 2
    assert (
        line == f"kg: the query at {base}/query failed: no complete answer within 2 s "
        "(KG_REMOTE_TIMEOUT sets this limit); check the address and the server."
    )


@pytest.mark.parametrize(
    ("mode", "env", "cap"),
    [("huge", {"KG_REMOTE_MAX_MB": "1"}, "1"), ("huge", {}, "100"), ("huge-declared", {}, "100")],
)
def test_an_endless_answer_stops_at_the_size_cap(mode, env, cap):
    with hostile_server(mode) as base:
        started = time.monotonic()
        line = one_sentence(query(base, env=env), started, 30)
    assert f"the answer exceeds {cap} MB (KG_REMOTE_MAX_MB sets this limit)" in line


def test_the_limits_are_arguments_and_module_defaults_too():
    """What the CLI's --timeout uses: an argument per call, or set_limits for every later call."""
    with hostile_server("silent") as base:
        started = time.monotonic()
        with pytest.raises(RemoteError, match=r"no complete answer within 1 s; check"):
            remote_sparql(f"{base}/query", SELECT, timeout=1)
        set_limits(timeout=0.5)
        try:
            with pytest.raises(RemoteError, match=r"no complete answer within 0\.5 s \(--timeout sets this limit\)"):
                remote_sparql(f"{base}/query", SELECT)
        finally:
            set_limits()
    assert time.monotonic() - started < 1 + 0.5 + 3


@pytest.mark.parametrize("value", ["abc", "0", "-3", "nan"])
def test_an_unusable_limit_in_the_environment_is_one_sentence(value):
    started = time.monotonic()
    line = one_sentence(query("http://127.0.0.1:9", env={"KG_REMOTE_TIMEOUT": value}), started, 20)
    assert line == f"kg: KG_REMOTE_TIMEOUT={value!r} is not a positive number; give e.g. 30."


# ------------------------------------------------------------------ HTTP errors and garbage


@pytest.mark.parametrize(
    ("mode", "arg", "expected"),
    [
        (
            "status",
            "400",
            "failed: HTTP 400: the endpoint refused the query as malformed (something went wrong); fix the query.",
        ),
        ("status", "404", "failed: HTTP 404: no SPARQL endpoint at this address; check the address and the server."),
        ("status", "500", "failed: HTTP 500: the endpoint failed; check the address and the server."),
        ("status", "503", "failed: HTTP 503 Service Unavailable; check the address and the server."),
        ("status", "302", "failed: HTTP 302 Found; check the address and the server."),
        (
            "html",
            "",
            "did not answer with usable SPARQL JSON results (it sent text/html): the answer (86 bytes) is"
            " not JSON (Expecting value at line 1 column 1); is it a SPARQL endpoint?",
        ),
    ],
)
def test_http_errors_and_html_pages_are_one_sentence(mode, arg, expected):
    with hostile_server(mode, arg) as base:
        started = time.monotonic()
        line = one_sentence(query(base), started, 10)
    assert line.endswith(expected)


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
    """Lexical forms as sent, SPARQL 1.0 typed-literal, Virtuoso's blank node labels, a path beyond ASCII."""
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
        ",http://example.org/é,01",
        ",,x",
    )
    assert first.split(",")[0] == second.split(",")[0]  # one blank node, twice


def test_links_check_against_a_garbage_endpoint(garbage):
    base, document = garbage
    serve(document, GARBAGE["no value"][0])
    started = time.monotonic()
    run = run_kg("links", "check", "--endpoint", f"{base}/query", timeout=60)
    assert "has no 'value'" in one_sentence(run, started, 20)


# ------------------------------------------------------------------ addresses


PORT = "the port must be a number from 1 to 65535"
IPV6 = "its IPv6 address is malformed (write it in brackets, e.g. http://[::1]:7878/)"
ADDRESSES = {
    "http://127.0.0.1:99999/": PORT,
    "http://127.0.0.1:0/": PORT,
    "http://127.0.0.1:abc/": PORT,
    "http://[::1/": IPV6,
    "http://[zz]/sparql": IPV6,
    "file:///etc/passwd": "give an http:// or https:// address",
    "http:///sparql": "it names no host",
    "http://127.0.0.1/a b": "it contains spaces or control characters",
}
COMMANDS = {
    "query": ["query", "frameworks", "--endpoint"],
    "push": ["push", "data/links/snapshot.ttl", "--endpoint"],
    "links": ["links", "check", "--endpoint"],
}


@pytest.mark.parametrize(
    ("command", "url"),
    [("query", url) for url in ADDRESSES] + [(c, url) for c in ("push", "links") for url in list(ADDRESSES)[:4]],
)
def test_an_unusable_address_is_one_sentence(command, url):
    started = time.monotonic()
    line = one_sentence(run_kg(*COMMANDS[command], url, timeout=60), started, 20)
    assert line.endswith(f" {url!r} is not usable: {ADDRESSES[url]}.")


def test_credentials_in_an_unusable_address_never_show():
    run = run_kg("query", "frameworks", "--endpoint", "http://analyst:s3cret@[::1/sparql")
    assert run.returncode == 2 and "s3cret" not in run.stderr and "analyst" not in run.stderr


# ------------------------------------------------------------------ uploads


def push(base: str, env: dict[str, str] | None = None):
    return run_kg("push", "--endpoint", f"{base}/store", env=env, timeout=60)


REFUSED = "refused the upload (HTTP 404 Not Found): is this its Graph Store Protocol address, and is it writable?"


@pytest.mark.parametrize("mode", ["refuse", "refuse-open"])
def test_a_store_that_refuses_before_reading_the_body_is_named_by_its_answer(mode):
    """The server answers 404 while the body still streams: its status, not BrokenPipeError."""
    with hostile_server(mode) as base:
        started = time.monotonic()
        line = one_sentence(push(base, FAST), started, 3 + 5)
    assert line == f"kg: the server at {base}/store {REFUSED}"


@pytest.fixture(scope="module")
def big_upload(tmp_path_factory) -> Path:
    """20 MB of N-Triples: more than the loopback buffers hold, so a server that never reads stalls the upload."""
    big = tmp_path_factory.mktemp("upload") / "big.nt"
    with big.open("w", encoding="utf-8") as out:
        for i in range(200_000):
            out.write(f'<http://example.org/s{i}> <http://example.org/p> "a literal of moderate length, {i}" .\n')
    return big


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("refuse-open", REFUSED),
        ("ok-early", "answered HTTP 204 No Content before the upload was complete; check what it holds."),
    ],
)
def test_a_store_that_answers_early_and_never_reads_is_heard(big_upload, mode, expected):
    """The upload looks for an answer before each piece, so it neither stalls nor claims a success it cannot know."""
    with hostile_server(mode) as base:
        started = time.monotonic()
        run = run_kg(
            "push", str(big_upload), "--endpoint", f"{base}/store", env={"KG_REMOTE_TIMEOUT": "20"}, timeout=60
        )
        line = one_sentence(run, started, 15)
    assert line == f"kg: the server at {base}/store {expected}"


def test_pushing_to_kg_serve_which_is_read_only():
    with kg_server() as base:
        started = time.monotonic()
        line = one_sentence(push(base), started, 15)
    assert line == f"kg: the server at {base}/store {REFUSED}"


@pytest.mark.parametrize(
    ("mode", "arg", "expected"),
    [
        ("hangup", "", "the server closed the connection"),
        ("silent", "", "the server took more than 3 s to accept a chunk or to answer (KG_REMOTE_TIMEOUT sets this"),
        ("status", "500", "failed: HTTP 500 Internal Server Error; check the address and the server."),
        ("status", "401", "wants credentials (HTTP 401 Unauthorized): set KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD."),
    ],
)
def test_an_upload_that_fails_is_one_sentence(mode, arg, expected):
    with hostile_server(mode, arg) as base:
        started = time.monotonic()
        line = one_sentence(push(base, FAST), started, 3 + 5)
    assert expected in line


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
