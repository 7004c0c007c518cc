"""Load test for `kg serve`: concurrent clients on a named query, alone and beside a runaway query.

Starts a real `kg serve` on a free port, then runs CLIENTS threads (http.client, one request
per connection, as the server speaks HTTP/1.0) that ask a named query for SECONDS, and reports
requests per second, p50, p99 and how many requests failed. The second round runs the same load
while another client keeps a 4-way cross join over the graph running (re-sent whenever the
server stops it at --timeout), so one worker is always busy with it. Not a test: run it by hand.

    python benchmarks/bench_serve.py [--clients 16] [--seconds 10] [--workers 2] [--timeout 30]
    PYTHONPATH=/path/to/an/older/checkout python benchmarks/bench_serve.py --before   # to compare
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.servers import free_port, stop, wait_until_up

PATH = "/queries/core-participation-kpis?format=csv"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def client(port: int, until: float, latencies: list[float], failures: list[str]) -> None:
    while time.monotonic() < until:
        start = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request("GET", PATH)
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                latencies.append(time.perf_counter() - start)
            else:
                failures.append(str(response.status))
        except OSError as error:
            failures.append(type(error).__name__)
        finally:
            connection.close()


def runaway(port: int, stop_at: float, answers: list[int]) -> None:
    body = urllib.parse.urlencode({"query": RUNAWAY})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    while time.monotonic() < stop_at:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        try:
            connection.request("POST", "/sparql", body, headers)
            answers.append(connection.getresponse().status)
        finally:
            connection.close()


def load(port: int, clients: int, seconds: float) -> tuple[float, float, float, int]:
    latencies: list[float] = []
    failures: list[str] = []
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=client, args=(port, until, latencies, failures)) for _ in range(clients)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    cuts = statistics.quantiles(latencies, n=100)
    return len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000, len(failures)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--before", action="store_true", help="for a kg serve without --workers/--timeout")
    args = parser.parse_args()

    port = free_port()
    command = [sys.executable, "-m", "kg.cli", "serve", "--port", str(port)]
    if not args.before:
        command += ["--workers", str(args.workers), "--timeout", str(args.timeout)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", server)
        load(port, args.clients, 2)  # warm up
        print(f"{args.clients} clients, {args.seconds:g} s, {args.workers} workers, GET {PATH}")
        print("| round | req/s | p50 | p99 | failed |")
        print("|---|---|---|---|---|")
        rate, p50, p99, failed = load(port, args.clients, args.seconds)
        print(f"| alone | {rate:.0f} | {p50:.0f} ms | {p99:.0f} ms | {failed} |")
        answers: list[int] = []
        hog = threading.Thread(target=runaway, args=(port, time.monotonic() + args.seconds, answers), daemon=True)
        hog.start()
        time.sleep(1)  # the cross join is running
        rate, p50, p99, failed = load(port, args.clients, args.seconds)
        print(f"| beside a runaway query | {rate:.0f} | {p50:.0f} ms | {p99:.0f} ms | {failed} |")
        if not args.before:  # an older server would compute the cross join for hours
            hog.join(args.timeout + 10)
        print(f"runaway query answers: {answers or 'none yet'}")
    finally:
        stop(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
