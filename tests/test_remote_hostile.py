"""Hostile endpoints: slow, silent, endless, erring and read-only servers on 127.0.0.1, and unusable addresses.

Each case runs the real ``kg`` command against a server from tests/hostile_servers.py and requires
exit 2, one line on stderr starting "kg: ", no traceback, within the deadline and a few seconds.
Malformed answers are tested in tests/test_remote_answers.py.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kg.errors import RemoteError
from kg.graph.remote.call import set_limits
from kg.graph.remote.client import remote_sparql
from tests.conftest import run_kg
from tests.hostile_servers import hostile_server, one_sentence, query
from tests.servers import kg_server

pytestmark = pytest.mark.network

SELECT = "SELECT * WHERE { ?s ?p ?o }"
FAST = {"KG_REMOTE_TIMEOUT": "3"}


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
            with pytest.raises(RemoteError, match=r"no complete answer within 0\.5 s \(set_limits sets this limit\)"):
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
