"""Hostile endpoints: slow, silent, endless, erring, flaky and read-only servers on 127.0.0.1, and unusable addresses.

Each case runs the real ``kg`` command against the session's hostile server (tests/hostile_servers.py,
the path picks the misbehaviour) with the client's limits set low through the environment
(KG_REMOTE_TIMEOUT, KG_REMOTE_MAX_MB, KG_REMOTE_RETRIES, KG_REMOTE_BACKOFF), and requires exit 2,
one line on stderr starting "kg: ", no traceback, within the deadline and a few seconds.
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
from tests.hostile_servers import one_sentence, query
from tests.servers import kg_server

pytestmark = pytest.mark.network

SELECT = "SELECT * WHERE { ?s ?p ?o }"
WAIT = {"KG_REMOTE_TIMEOUT": "0.5"}  # the deadline is a setting: short where a test waits it out
QUICK = {"KG_REMOTE_TIMEOUT": "5", "KG_REMOTE_BACKOFF": "0.05"}  # else a bound only; short pauses between retries
UPLOAD = {"KG_REMOTE_TIMEOUT": "5", "KG_REMOTE_BACKOFF": "0.05"}  # a progress deadline, a bound only here


# ------------------------------------------------------------------ deadline and size cap


@pytest.mark.parametrize("mode", ["slow", "slow-body"])
def test_a_server_sending_one_byte_at_a_time_meets_the_total_deadline(hostile, mode):
    """A per-read timeout never fires against this server: every read gets a byte in time (every 0.2 s)."""
    started = time.monotonic()
    line = one_sentence(query(hostile.address(mode, "0.2"), env=WAIT), started, 0.5 + 4)
    assert "no complete answer within 0.5 s" in line and "KG_REMOTE_TIMEOUT" in line


def test_a_silent_server_takes_the_deadline_once_not_once_per_retry(hostile):
    base = hostile.address("silent")
    started = time.monotonic()
    line = one_sentence(query(base, env=WAIT), started, 0.5 + 4)
    assert time.monotonic() - started > 0.5
    assert (
        line == f"kg: the query at {base}/query failed: no complete answer within 0.5 s "
        "(KG_REMOTE_TIMEOUT sets this limit); check the address and the server."
    )
    assert hostile.requests(base) == 1


@pytest.mark.parametrize(("mode", "cap"), [("huge", "1"), ("huge-declared", "2")])
def test_an_endless_answer_stops_at_the_size_cap(hostile, mode, cap):
    """The cap is a setting (KG_REMOTE_MAX_MB), low here: the client reads about a megabyte, not the default 100."""
    started = time.monotonic()
    line = one_sentence(query(hostile.address(mode), env={"KG_REMOTE_MAX_MB": cap}), started, 10)
    assert f"the answer exceeds {cap} MB (KG_REMOTE_MAX_MB sets this limit)" in line


def test_the_limits_are_arguments_and_module_defaults_too(hostile):
    """What the CLI's --timeout uses: an argument per call, or set_limits for every later call."""
    silent = hostile.address("silent")
    started = time.monotonic()
    with pytest.raises(RemoteError, match=r"no complete answer within 0\.5 s; check"):
        remote_sparql(f"{silent}/query", SELECT, timeout=0.5)
    with pytest.raises(RemoteError, match=r"the answer exceeds 0\.5 MB; check"):
        remote_sparql(f"{hostile.address('huge')}/query", SELECT, max_mb=0.5)
    set_limits(timeout=0.3, max_mb=0.25)
    try:
        with pytest.raises(RemoteError, match=r"no complete answer within 0\.3 s \(set_limits sets this limit\)"):
            remote_sparql(f"{silent}/query", SELECT)
        with pytest.raises(RemoteError, match=r"the answer exceeds 0\.25 MB \(set_limits sets this limit\)"):
            remote_sparql(f"{hostile.address('huge')}/query", SELECT)
    finally:
        set_limits()
    assert time.monotonic() - started < 0.5 + 0.3 + 4


@pytest.mark.parametrize("value", ["abc", "0", "-3", "nan"])
def test_an_unusable_limit_in_the_environment_is_one_sentence(value):
    started = time.monotonic()
    line = one_sentence(query("http://127.0.0.1:9", env={"KG_REMOTE_TIMEOUT": value}), started, 20)
    assert line == f"kg: KG_REMOTE_TIMEOUT={value!r} is not a positive number; give e.g. 30."


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("KG_REMOTE_MAX_MB", "lots", "KG_REMOTE_MAX_MB='lots' is not a positive number; give e.g. 100."),
        ("KG_REMOTE_RETRIES", "-1", "KG_REMOTE_RETRIES='-1' is not a whole number from 0 to 10; give e.g. 2."),
        ("KG_REMOTE_RETRIES", "11", "KG_REMOTE_RETRIES='11' is not a whole number from 0 to 10; give e.g. 2."),
        ("KG_REMOTE_BACKOFF", "0", "KG_REMOTE_BACKOFF='0' is not a positive number; give e.g. 0.5."),
    ],
)
def test_an_unusable_size_cap_retry_count_or_back_off_is_one_sentence(hostile, variable, value, expected):
    started = time.monotonic()
    line = one_sentence(query(hostile.address("flaky", "1"), env={variable: value}), started, 20)
    assert line == f"kg: {expected}"


# ------------------------------------------------------------------ retries and back-off


def test_a_failure_that_may_pass_is_tried_again_after_a_growing_pause(hostile):
    """Two 503s, then an answer: the default two retries reach it, after 0.2 s and then 0.4 s."""
    base = hostile.address("flaky", "2")
    started = time.monotonic()
    run = query(base, "--format", "csv", env={"KG_REMOTE_BACKOFF": "0.2", "KG_REMOTE_TIMEOUT": "5"})
    assert (run.returncode, run.stderr, run.stdout.split()) == (0, "", ["x", "slow"])
    assert 0.2 + 0.4 <= time.monotonic() - started < 5
    assert hostile.requests(base) == 3


def test_retries_are_a_setting_and_run_out(hostile):
    base = hostile.address("flaky", "2")
    started = time.monotonic()
    line = one_sentence(query(base, env={"KG_REMOTE_RETRIES": "1", **QUICK}), started, 5)
    failed = "failed: HTTP 503 Service Unavailable; check the address and the server."
    assert line == f"kg: the query at {base}/query {failed}"
    assert hostile.requests(base) == 2
    assert remote_sparql(f"{hostile.address('flaky', '1')}/query", SELECT).dicts() == [{"x": "slow"}]


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
        ("redirect-loop", "", "failed: HTTP 302 Found; check the address and the server."),
    ],
)
def test_http_errors_and_html_pages_are_one_sentence(hostile, mode, arg, expected):
    started = time.monotonic()
    line = one_sentence(query(hostile.address(mode, arg), env=QUICK), started, 10)
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
def test_a_store_that_refuses_before_reading_the_body_is_named_by_its_answer(hostile, mode):
    """The server answers 404 while the body still streams: its status, not BrokenPipeError."""
    base = hostile.address(mode)
    started = time.monotonic()
    line = one_sentence(push(base, UPLOAD), started, 2 + 4)
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
def test_a_store_that_answers_early_and_never_reads_is_heard(hostile, big_upload, mode, expected):
    """The upload looks for an answer before each piece, so it neither stalls nor claims a success it cannot know."""
    base = hostile.address(mode)
    started = time.monotonic()
    run = run_kg("push", str(big_upload), "--endpoint", f"{base}/store", env={"KG_REMOTE_TIMEOUT": "20"}, timeout=60)
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
        ("silent", "", "the server took more than 1 s to accept a chunk or to answer (KG_REMOTE_TIMEOUT sets this"),
        ("status", "500", "failed: HTTP 500 Internal Server Error; check the address and the server."),
        ("status", "401", "wants credentials (HTTP 401 Unauthorized): set KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD."),
    ],
)
def test_an_upload_that_fails_is_one_sentence(hostile, mode, arg, expected):
    base = hostile.address(mode, arg)
    started = time.monotonic()
    env = {**UPLOAD, "KG_REMOTE_TIMEOUT": "1"} if mode == "silent" else UPLOAD  # silent: the deadline is waited out
    line = one_sentence(push(base, env), started, 6)
    assert expected in line
    assert hostile.requests(base) == 1  # an upload that has begun is never sent again


def test_an_https_address_whose_server_speaks_no_tls_is_one_sentence():
    """https goes through TLS (the default context, made at the first https request): a server that closes
    the connection at the TLS greeting is one sentence naming the address."""
    import socket
    import threading

    with socket.create_server(("127.0.0.1", 0)) as listener:

        def hang_up() -> None:
            connection, _ = listener.accept()
            connection.recv(4096)  # the client's TLS greeting, read so that closing is an end of file, not a reset
            connection.close()

        threading.Thread(target=hang_up, daemon=True).start()
        url = f"https://127.0.0.1:{listener.getsockname()[1]}/sparql"
        started = time.monotonic()
        run = run_kg("query", "frameworks", "--endpoint", url, env={**QUICK, "KG_REMOTE_RETRIES": "0"})
        line = one_sentence(run, started, 20)
    assert line.startswith(f"kg: the query at {url} failed: ") and "SSL" in line, line
