"""`kg serve` facing hostile clients: SSRF, runaway queries, malformed and idle connections.

A real `kg serve` (two workers) runs on a free port on 127.0.0.1, next to a second Oxigraph server
holding the SDG labels, the one host SERVICE may call. Its deadlines are settings, short here: 2 s
per query (--query-timeout), 1 s to send a whole request (KG_SERVE_REQUEST_TIMEOUT), 0.5 s of silence
while sending it (KG_SERVE_READ_TIMEOUT); what is tested is what happens at them. The tests that use
it are `serial`: they kill its workers and stop it with SIGTERM. Clients are raw sockets and urllib;
the worker processes are watched through /proc.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing, contextmanager

import pytest

from kg.errors import KgError
from kg.query.services import parse_allowed, refusal, services
from kg.web.app import Handler, serve
from kg.web.connections import Server, deadline
from tests.conftest import ROOT, run_kg
from tests.servers import free_port, oxigraph_server, stop

TIMEOUT = 2  # seconds per query
REQUEST_TIMEOUT = 1  # seconds to send a whole request
READ_TIMEOUT = 0.5  # seconds of silence while sending it
DEADLINES = {"KG_SERVE_REQUEST_TIMEOUT": str(REQUEST_TIMEOUT), "KG_SERVE_READ_TIMEOUT": str(READ_TIMEOUT)}
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
NORMAL = "/queries/core-participation-kpis?format=csv"
NORMAL_ROW = "SC: SH: SI: 4C,Voter Participation,Society and Culture,voting"

pytestmark = [
    pytest.mark.network,
    pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="watches worker processes in /proc"),
]


@contextmanager
def kg_serve(log, *args: str, env: dict[str, str] | None = None):
    """`kg serve` on a free port with its stderr in ``log``, ``env`` added; yields (base address, process)."""
    port = free_port()
    with open(log, "w") as err:
        command = [sys.executable, "-m", "kg.cli", "serve", "--port", str(port), *args]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, **(env or {})})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while get(base, "/", timeout=2)[0] != 200:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield base, process
    finally:
        stop(process)


def get(base: str, path: str, data: bytes | None = None, headers: dict | None = None, timeout: float = 15):
    """(status, body) of a request; (0, error) if no HTTP answer came."""
    request = urllib.request.Request(base + path, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")
    except OSError as error:
        return 0, str(error)


def sparql(base: str, query: str, timeout: float = 15):
    return get(base, "/sparql", urllib.parse.urlencode({"query": query}).encode(), timeout=timeout)


def raw(base: str, data: bytes, timeout: float = 15) -> bytes:
    """Send bytes on a fresh connection and read until the server closes it."""
    port = int(base.rsplit(":", 1)[1])
    with closing(socket.create_connection(("127.0.0.1", port), timeout=timeout)) as connection:
        connection.sendall(data)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def children(pid: int) -> set[int]:
    """The process ids of ``pid``'s children (Linux /proc), read per thread; a thread may end as it is read."""
    found = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with (
            contextlib.suppress(FileNotFoundError, ProcessLookupError),
            open(f"/proc/{pid}/task/{task}/children") as handle,
        ):
            found |= {int(child) for child in handle.read().split()}
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a live process; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def busiest_child(pid: int) -> int:
    before = {child: cpu_seconds(child) for child in children(pid)}
    time.sleep(0.5)
    return max(before, key=lambda child: cpu_seconds(child) - before[child])


@pytest.fixture(scope="module")
def labels(tmp_path_factory):
    """A second server holding only the SDG labels: the one host SERVICE may call."""
    with oxigraph_server(tmp_path_factory.mktemp("labels")) as base:
        push = run_kg("push", str(ROOT / "data" / "links" / "snapshot.ttl"), "--endpoint", f"{base}/store")
        assert push.returncode == 0, push.stderr
        yield base


@pytest.fixture(scope="module")
def server(labels, tmp_path_factory):
    log = tmp_path_factory.mktemp("serve") / "stderr.txt"
    options = ["--query-timeout", str(TIMEOUT), "--workers", "2", "--allow-service", labels.removeprefix("http://")]
    with kg_serve(log, *options, env=DEADLINES) as (base, process):
        yield base, process
        workers = children(process.pid)
    assert len(workers) == 2 and not any(alive(worker) for worker in workers)  # SIGTERM stops the workers too
    text = log.read_text()
    assert "Traceback" not in text and "internal error" not in text, text


@pytest.fixture
def listener():
    """A port that records whether anything connected to it: where forged SERVICE calls would go."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        sock.settimeout(0.5)
        yield sock


def connected(sock: socket.socket) -> bool:
    try:
        sock.accept()[0].close()
        return True
    except TimeoutError:
        return False


@pytest.mark.serial
def test_service_to_an_address_not_allowed_is_refused_and_never_called(server, listener):
    base, _ = server
    port = listener.getsockname()[1]
    status, body = sparql(base, f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/anything> {{ ?s ?p ?o }} }}")
    assert (status, body) == (
        403,
        f"SERVICE <http://127.0.0.1:{port}/anything> is refused: this server calls no other endpoint unless "
        "it was started with --allow-service 127.0.0.1.\n",
    )
    forged = [
        f"PREFIX x: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE SILENT x:q {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<http://127.0.0.1:{port}/> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ service <http://127.0.0.1:{port}/\\u0061> {{ ?s ?p ?o }} }}",
        f"PREFIX x: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICEx:q {{ ?s ?p ?o }} }}",
    ]
    for query in forged:
        assert sparql(base, query)[0] == 403, query
    named = f"/queries/sdg-labels-federated?format=csv&sdg_endpoint=http://127.0.0.1:{port}/q"
    assert get(base, named)[0] == 403
    assert get(base, "/queries/sdg-labels-federated?format=csv")[0] == 400  # kg serve asks for the endpoint
    assert not connected(listener)


@pytest.mark.serial
def test_service_to_an_allowed_host_runs(server, labels):
    base, _ = server
    status, body = get(base, f"/queries/sdg-labels-federated?format=csv&sdg_endpoint={labels}/query")
    assert status == 200, body
    assert "EC: ICT: PS: 1A,http://www.w3.org/2004/02/skos/core#relatedMatch,http://metadata.un.org/sdg/16.7," in body


def test_service_detection_skips_strings_iris_and_comments():
    query = (
        'PREFIX e: <http://a.example/> SELECT * WHERE { ?s ?p "SERVICE <http://evil/>" . # SERVICE <http://evil/>\n'
        "?s <http://x/SERVICE> '''SERVICE ?x''' SERVICE e:sparql { ?s ?p ?o } }"
    )
    assert [s.iri for s in services(query)] == ["http://a.example/sparql"]
    allowed = parse_allowed(["a.example"])
    assert refusal(query, allowed) is None
    # an escaped dot in a prefixed name changes the host; an undeclared prefix cannot be checked
    assert "a.example.evil" in refusal("PREFIX e: <http://a.example> ASK { SERVICE e:\\.evil\\/ {} }", allowed)
    assert "SERVICE zz:q is refused" in refusal("ASK { SERVICE zz:q {} }", allowed)
    assert refusal("ASK { SERVICE ?any {} }", parse_allowed(["*"])) is None


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX x: <http://evil.example/> ASK { SERVICEx:q {} }",
        "ASK { SERVICESILENT <http://evil.example/> {} }",
        "PREFIX x: <http://evil.example/> PREFIX SILENTx: <http://a.example/> ASK { SERVICE SILENTx:q {} }",
        "ASK { ?s ?p trueSERVICE<http://evil.example/> {} }",
        "ASK { ?s ?p 1.5e5SERVICE<http://evil.example/> {} }",
        "PREFIX x: <http://a.example/> ASK { ?s ?p x:.SERVICE<http://evil.example/> {} }",
        "PREFIX : <http://a.example/> PREFIX é: <http://evil.example/> ASK { SERVICE é:q {} }",
    ],
)
def test_service_glued_to_other_text_is_refused(query):
    """Oxigraph reads keywords without a word boundary: SERVICEx:q calls x:q."""
    assert refusal(query, parse_allowed(["a.example"])) is not None


@pytest.mark.serial
def test_runaway_query_is_stopped_its_cpu_freed_and_others_answered_meanwhile(server):
    base, process = server
    answered: list[tuple[int, str]] = []
    start = time.monotonic()
    runaway = threading.Thread(target=lambda: answered.append(sparql(base, CROSS_JOIN)))
    runaway.start()
    time.sleep(0.5)
    worker = busiest_child(process.pid)
    during = [get(base, NORMAL) for _ in range(3)]
    runaway.join(TIMEOUT + 10)
    elapsed = time.monotonic() - start
    assert [status for status, _ in during] == [200, 200, 200]
    assert NORMAL_ROW in during[0][1]
    stopped = f"the query ran past this server's limit of {TIMEOUT} s and was stopped; "
    assert answered == [(503, stopped + "narrow it (a LIMIT, fewer joins) and try again.\n")]
    assert TIMEOUT <= elapsed < TIMEOUT + 3
    assert not alive(worker)
    deadline = time.monotonic() + 15
    while True:  # a replacement loads the graph, then nothing is left computing
        workers = children(process.pid)
        before = sum(cpu_seconds(w) for w in workers)
        time.sleep(0.2)  # loading the graph takes a whole core: 0.2 s of CPU in 0.2 s
        if len(workers) == 2 and sum(cpu_seconds(w) for w in workers) - before < 0.04:
            break
        assert time.monotonic() < deadline, f"workers still busy: {workers}"
    assert worker not in workers
    assert get(base, NORMAL)[0] == 200


@pytest.mark.serial
def test_a_client_that_hangs_up_stops_its_query(server):
    base, process = server
    port = int(base.rsplit(":", 1)[1])
    body = urllib.parse.urlencode({"query": CROSS_JOIN}).encode()
    head = "POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    with closing(socket.create_connection(("127.0.0.1", port), timeout=5)) as connection:
        sent = time.monotonic()
        connection.sendall(head.encode() + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        time.sleep(0.3)
        worker = busiest_child(process.pid)
    gone = time.monotonic()
    while alive(worker) and time.monotonic() - gone < TIMEOUT + 2:
        time.sleep(0.05)
    assert not alive(worker)
    assert time.monotonic() - sent < TIMEOUT  # stopped when the client left: the query's deadline had not come


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"POST /sparql HTTP/1.1\r\nContent-Length: -1\r\n\r\nquery=ASK{}", 400),
        (b"POST /sparql HTTP/1.1\r\nContent-Length: abc\r\n\r\nquery=ASK{}", 400),
        (b"POST /sparql HTTP/1.1\r\n\r\nquery=ASK{}", 400),
        (b"POST /sparql HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 11\r\n\r\nquery=ASK{}", 400),
        (b"POST /sparql HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        (b"POST /sparql HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", 413),
        (b"POST /sparql HTTP/1.1\r\nContent-Length: 10\r\n\r\nquery=\xff\xfe\xfd\xfc", 400),
        (b"GET /sparql?query=ASK%ZZ HTTP/1.1\r\n\r\n", 400),
        (b"GET /sparql?query=%ff%fe HTTP/1.1\r\n\r\n", 400),
        (b"GET http://[::1/sparql HTTP/1.1\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n", 431),
        (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"\x00\xff\xfe garbage\r\n\r\n", 400),
        (b"GET\r\n\r\n", 400),
        (b"GET / HTTP/9.9\r\n\r\n", 505),
    ],
    ids=lambda value: value if isinstance(value, int) else value[:40].decode("latin-1"),
)
@pytest.mark.serial
def test_malformed_requests_get_a_status_and_one_sentence(server, request_bytes, status):
    base, _ = server
    answer = raw(base, request_bytes)
    assert answer.startswith(f"HTTP/1.0 {status} ".encode()), answer
    assert b"Traceback" not in answer


def drip(port: int, cut: list[float], pause: float = 0.1) -> None:
    """Send a request a byte every ``pause`` s, never idle long enough for the read timeout; note when it is cut."""
    with closing(socket.create_connection(("127.0.0.1", port), timeout=30)) as connection:
        connection.setblocking(False)
        start = time.monotonic()
        for byte in b"GET / HTTP/1.1\r\nX-Slow: " + b"x" * 100:
            try:
                connection.send(bytes([byte]))
                time.sleep(pause)
                connection.recv(4096)  # b"" once the server has closed the connection
            except BlockingIOError:
                continue
            except OSError:
                pass
            break
        cut.append(time.monotonic() - start)


@pytest.mark.serial
def test_slow_idle_and_half_sent_requests_do_not_stall_others(server):
    base, _ = server
    port = int(base.rsplit(":", 1)[1])
    cut: list[float] = []
    start = time.monotonic()
    idle = []  # more than the server's 128 connections (kg.web.app.MAX_CONNECTIONS)
    for _ in range(6):
        idle += [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(50)]
        time.sleep(0.05)  # for the server to accept them: 129 at once overflow its listen queue (backlog 128),
        # and the kernel drops a connect that the client sends again only 1 s later (nstat: ListenOverflows)
    half = socket.create_connection(("127.0.0.1", port), timeout=30)
    half.sendall(b"GET /sparql?query=ASK")  # a request line never finished
    short = socket.create_connection(("127.0.0.1", port), timeout=30)
    short.sendall(b"POST /sparql HTTP/1.1\r\nContent-Length: 100\r\n\r\nquery=ASK")
    # the newest connection: when the limit is reached, the ones sending their request longest go first
    dripping = threading.Thread(target=drip, args=(port, cut))
    dripping.start()
    try:
        status, body = get(base, NORMAL, timeout=5)
        assert (status, NORMAL_ROW in body) == (200, True)
        assert time.monotonic() - start < 5
        # a body shorter than its Content-Length: 400 once the read timeout passes
        assert short.recv(4096).startswith(b"HTTP/1.0 400 ")
        assert time.monotonic() - start >= READ_TIMEOUT
        dripping.join(REQUEST_TIMEOUT + 10)
        assert REQUEST_TIMEOUT <= cut[0] < REQUEST_TIMEOUT + 2  # cut at the deadline for a whole request
        assert get(base, NORMAL, timeout=5)[0] == 200
    finally:
        for connection in [*idle, half, short]:
            connection.close()


# ------------------------------------------------------------------ the deadlines are settings


def test_an_unusable_deadline_is_one_sentence_before_anything_starts(monkeypatch):
    run = run_kg("serve", "--port", str(free_port()), env={"KG_SERVE_READ_TIMEOUT": "0"}, timeout=60)
    sentence = "KG_SERVE_READ_TIMEOUT='0' is not a number of seconds more than 0 and at most 86400; give e.g. 10."
    assert (run.returncode, run.stdout, run.stderr) == (2, "", f"kg: {sentence}\n")
    monkeypatch.setenv("KG_SERVE_REQUEST_TIMEOUT", "soon")  # serve() itself, in this process: before any worker
    with pytest.raises(
        KgError, match=r"^KG_SERVE_REQUEST_TIMEOUT='soon' is not a number of seconds .* give e.g. 20\.$"
    ):
        serve(port=free_port())


def test_the_deadlines_are_arguments_read_before_the_environment(monkeypatch):
    """serve(request_timeout=..., read_timeout=...) hands them to the server; an argument wins over the variable."""
    monkeypatch.setenv("KG_SERVE_REQUEST_TIMEOUT", "7")
    monkeypatch.setenv("KG_SERVE_WRITE_TIMEOUT", "")  # empty: the default
    assert (deadline("request_timeout"), deadline("request_timeout", 0.5), deadline("write_timeout")) == (7, 0.5, 60)
    with pytest.raises(KgError, match=r"^the read timeout nan is not a number of seconds more than 0 and at most"):
        deadline("read_timeout", float("nan"))
    server = Server(("127.0.0.1", 0), Handler, None, 1, parse_allowed([]), 8, request_timeout=0.6, read_timeout=0.4)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        started = time.monotonic()
        short = socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=5)
        short.sendall(b"POST /sparql HTTP/1.1\r\nContent-Length: 100\r\n\r\nquery=ASK")
        cut: list[float] = []
        dripping = threading.Thread(target=drip, args=(server.server_address[1], cut, 0.1))
        dripping.start()
        assert raw(base, b"OPTIONS / HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.0 204 ")  # others are answered
        assert short.recv(4096).startswith(b"HTTP/1.0 400 ")  # silent 0.4 s: read timeout
        assert 0.4 <= time.monotonic() - started < 2
        dripping.join(5)
        assert 0.6 <= cut[0] < 0.6 + 1  # never silent, cut at the request deadline
        short.close()
    finally:
        server.shutdown()
        server.server_close()
