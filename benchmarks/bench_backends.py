"""Three stores side by side on the same seeded observations: the workspace's embedded store,
an Oxigraph server and Virtuoso 7 (plus rdflib where it fits in memory).

For each size (benchmarks/generate_observations.py, plus the bundled graph) it measures, one
big load at a time:

(a) load time and peak memory: ``kg validate FILE`` and then ``kg add FILE`` into a new
    workspace (a large N-Triples file goes to Oxigraph's bulk loader and is checked inside the
    store), pyoxigraph ``Store.bulk_load`` of the file into a bare on-disk store,
    ``oxigraph load --location DIR --file F`` before ``oxigraph serve-read-only`` (the server's
    documented fast path), and Virtuoso's bulk loader (``ld_dir`` + ``rdf_loader_run`` +
    ``checkpoint`` through isql-vt);
(b) cold whole-process ``kg query kpi-details -p code=...`` and ``kg query
    core-participation-kpis`` on the workspace and with ``--endpoint`` on each server (medians of
    --runs processes; on the Oxigraph server ``kpi-details`` runs last and is stopped after
    --cold-limit seconds, since it can take minutes there);
(c) bench_scale.py's aggregate (mean per indicator and year) and join (participation KPIs,
    value > 50, city names), and the aggregate written with one sub-select per pattern (which
    Oxigraph joins by hashing instead of one index lookup per observation): on the workspace's
    store and the bare store opened read-only (each in its own process), on each server through
    kg.graph.remote.client.remote_sparql, and on rdflib (bench_scale.py's worker) where it fits.

Servers listen on 127.0.0.1 on free ports, live in a temporary folder and are stopped by
process id; every wait has a deadline. Peak memory of a loader is the child's maximum resident
set (os.wait4); of a server, its VmHWM after the queries. Prints Markdown tables. Not a test.

    python benchmarks/bench_backends.py --sizes 1000000 10000000 [--runs 5] [--repeat 3] [--only virtuoso ...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_scale import AGGREGATE, JOIN  # noqa: E402

SELECTIVE = ["query", "kpi-details", "-p", "code=SC: SH: SI: 4C"]
SELECTIVE_2 = ["query", "core-participation-kpis"]
GRAPH = "urn:smartcity-kg:bundled"
GB = 1024**3
# Peak memory per million triples, measured on this machine (README): kg add 2.6 GB at 10M,
# rdflib 1.26 GB at 1M. Used only to skip runs that would not fit.
KG_ADD_GB_PER_M = 0.3
RDFLIB_GB_PER_M = 1.3
# The aggregate with each pattern in its own sub-select: the same rows, joined by hashing.
AGGREGATE_HASHED = """
PREFIX sck: <https://w3id.org/smartcity-kg/ontology#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
SELECT ?kpi ?period (AVG(?value) AS ?mean) (COUNT(*) AS ?n)
WHERE {
  { SELECT ?o ?kpi WHERE { ?o sck:measuredIndicator ?kpi } }
  { SELECT ?o ?period WHERE { ?o sdmx-dimension:refPeriod ?period } }
  { SELECT ?o ?value WHERE { ?o sck:observedValue ?value } }
}
GROUP BY ?kpi ?period
"""
LOAD_DEADLINE_S = 1800
QUERY_DEADLINE_S = 600


def mem_available_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024 / GB
    return 0.0


def fits(estimate_gb: float, budget_gb: float) -> str | None:
    """None if a run needing ``estimate_gb`` fits, else the reason it is skipped."""
    available = mem_available_gb() - 2  # leave room for the OS and this process
    if estimate_gb > budget_gb:
        return f"estimated {estimate_gb:.0f} GB peak, over the {budget_gb:.0f} GB budget"
    if estimate_gb > available:
        return f"estimated {estimate_gb:.0f} GB peak, {available:.0f} GB free"
    return None


def run_measured(command: list[str], *, env: dict | None = None, timeout: float = LOAD_DEADLINE_S,
                 cwd: Path | None = None) -> tuple[float, float, str]:  # fmt: skip
    """Seconds, peak MB (the child's own maximum resident set) and stdout of one process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                raise RuntimeError(f"{command[:3]} did not finish within {timeout} s")
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} exited {process.returncode}: {stderr[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, stdout


def cold_query(extra: list[str], env: dict, runs: int, keys=("cold query", "cold query 2"), limit=None) -> dict:
    """The selective queries, each the median of ``runs`` whole ``kg query`` processes (one untimed
    first run warms the OS cache; a query whose first run takes over 3 s is timed once more only).
    A process that outlasts ``limit`` seconds is stopped and recorded as -limit ("over limit")."""
    out = {}
    for key in keys:
        command = SELECTIVE if key == "cold query" else SELECTIVE_2
        times = []
        for i in range(runs + 1):
            start = time.perf_counter()
            try:
                run = subprocess.run([sys.executable, "-m", "kg.cli", *command, *extra], env=env, capture_output=True,
                                     timeout=limit or QUERY_DEADLINE_S, cwd=ROOT, stdin=subprocess.DEVNULL)  # fmt: skip
            except subprocess.TimeoutExpired:
                if limit is None:
                    raise
                times = [-limit]
                break
            if run.returncode != 0 or b"4C" not in run.stdout:
                raise RuntimeError(f"kg {' '.join(command)} {' '.join(extra)} failed: {run.stderr.decode()[-1000:]}")
            seconds = time.perf_counter() - start
            if i:
                times.append(seconds)
            if seconds > 3 and len(times) == 1:
                break
        out[key] = statistics.median(times)
    return out


def timed_queries(run, repeat: int) -> dict[str, float]:
    """Aggregate and join: median seconds of ``repeat`` runs, and the rows each returned."""
    out: dict[str, float] = {}
    for name, text in (("aggregate", AGGREGATE), ("aggregate hashed", AGGREGATE_HASHED), ("join", JOIN)):
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            out[f"{name} rows"] = run(text)
            times.append(time.perf_counter() - start)
        out[name] = statistics.median(times)
        out[f"{name} first"] = times[0]
    return out


# ------------------------------------------------------------------ workers (own processes)


def bulkload_worker(store_dir: str, *files: str) -> dict:
    import pyoxigraph as ox

    start = time.perf_counter()
    store = ox.Store(store_dir)
    for path in files:
        store.bulk_load(path=path, format=ox.RdfFormat.N_TRIPLES)
    store.flush()
    del store
    return {"load": time.perf_counter() - start}


def embedded_worker(store_dir: str, repeat: str) -> dict:
    import pyoxigraph as ox

    start = time.perf_counter()
    store = ox.Store.read_only(store_dir)
    opened = time.perf_counter() - start
    out = timed_queries(lambda text: len(list(store.query(text))), int(repeat))
    out["open"] = opened
    out["triples"] = len(store)
    out["memory"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


# ------------------------------------------------------------------ servers


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def remote_runner(endpoint: str):
    from kg.graph.remote.client import remote_sparql

    return lambda text: len(remote_sparql(endpoint, text, timeout=QUERY_DEADLINE_S, max_mb=2000).rows)


def remote_count(endpoint: str) -> int:
    from kg.graph.remote.client import remote_sparql

    rows = remote_sparql(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", timeout=QUERY_DEADLINE_S).rows
    return int(str(rows[0][0]).split('"')[1] if '"' in str(rows[0][0]) else str(rows[0][0]))


def oxigraph_run(folder: Path, files: list[Path], env: dict, args) -> dict:
    from tests.servers import free_port, stop, wait_until_up

    executable = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    location = folder / "oxigraph"
    seconds, peak, _ = run_measured([executable, "load", "--location", str(location), "--file", *map(str, files)])
    out = {"load": seconds, "load memory": peak}
    port = free_port()
    log = folder / "oxigraph.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen([executable, "serve-read-only", "--location", str(location), "--bind",
                                    f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=stderr,
                                   stdin=subprocess.DEVNULL)  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}/query"
    try:
        wait_until_up(endpoint + "?query=ASK%7B%7D", process, seconds=120, log=log)
        out.update(cold_query(["--endpoint", endpoint], env, args.runs, keys=("cold query 2",)))
        out.update(timed_queries(remote_runner(endpoint), args.repeat))
        out["triples"] = remote_count(endpoint)
        out["server memory"] = vm_hwm_mb(process.pid)
        # Last: a query cut off by the limit may still run in the server, which is stopped next.
        out.update(cold_query(["--endpoint", endpoint], env, args.runs, keys=("cold query",), limit=args.cold_limit))
    finally:
        stop(process)
    shutil.rmtree(location)
    return out


def virtuoso_run(folder: Path, files: list[Path], env: dict, args) -> dict:
    from tests.servers import _isql, virtuoso_process

    db = folder / "virtuoso"
    data = db / "data"
    data.mkdir(parents=True)
    for path in files:
        os.link(path, data / path.name)
    # The tests' settings, with the buffers Virtuoso's own ini recommends for 8 GB of free memory.
    settings = {
        "NumberOfBuffers": "680000",
        "MaxDirtyBuffers": "500000",
        "MaxQueryExecutionTime": str(QUERY_DEADLINE_S),
    }
    out: dict = {}
    with virtuoso_process(db, settings, start_s=120) as virtuoso:
        start = time.perf_counter()
        _isql(virtuoso.sql_port, f"ld_dir('{data}', '*.nt', '{GRAPH}')", virtuoso.log, 60)
        _isql(virtuoso.sql_port, "rdf_loader_run()", virtuoso.log, LOAD_DEADLINE_S)
        _isql(virtuoso.sql_port, "checkpoint", virtuoso.log, LOAD_DEADLINE_S)
        out["load"] = time.perf_counter() - start
        out["load memory"] = vm_hwm_mb(virtuoso.process.pid)
        endpoint = virtuoso.sparql + "?" + urllib.parse.urlencode({"default-graph-uri": GRAPH})
        out.update(cold_query(["--endpoint", endpoint], env, args.runs))
        out.update(timed_queries(remote_runner(endpoint), args.repeat))
        out["triples"] = remote_count(endpoint)
        out["server memory"] = vm_hwm_mb(virtuoso.process.pid)
    shutil.rmtree(db)
    return out


# ------------------------------------------------------------------ one size


def workspace_run(folder: Path, obs: Path, env: dict, args) -> dict:
    kg, workspace = [sys.executable, "-m", "kg.cli"], Path(env["KG_WORKSPACE"])
    run_measured([*kg, "init", str(workspace)], env=env)
    checked, checked_peak, _ = run_measured([*kg, "validate", str(obs)], env=env)
    seconds, peak, _ = run_measured([*kg, "add", str(obs)], env=env)
    out = {"validate": checked, "validate memory": checked_peak, "load": seconds, "load memory": peak}
    out.update(cold_query([], env, args.runs))
    generation = json.loads((workspace / "kg-workspace.json").read_text())["generation"]
    me = [sys.executable, __file__, "--worker", "embedded", str(workspace / "store" / str(generation))]
    _, qpeak, stdout = run_measured([*me, str(args.repeat)], timeout=QUERY_DEADLINE_S * 3)
    return {**out, **json.loads(stdout), "query memory": qpeak}


def embedded_run(folder: Path, files: list[Path], args) -> dict:
    store = folder / "bulk-store"
    me = [sys.executable, __file__, "--worker"]
    seconds, peak, _ = run_measured([*me, "bulkload", str(store), *map(str, files)])
    out = {"load": seconds, "load memory": peak}
    _, qpeak, stdout = run_measured([*me, "embedded", str(store), str(args.repeat)], timeout=QUERY_DEADLINE_S * 3)
    out.update(json.loads(stdout))
    out["query memory"] = qpeak
    shutil.rmtree(store)
    return out


def rdflib_run(obs: Path) -> dict:
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_scale.py"), "--worker", "query", "rdflib", str(obs)]
    _, peak, stdout = run_measured(command, timeout=QUERY_DEADLINE_S * 3)
    out = json.loads(stdout)
    out["load memory"] = peak
    out["aggregate first"], out["join first"] = out["aggregate"], out["join"]
    return out


ONLY: list[str] | None = None


def attempt(name: str, results: dict, skipped: dict, function, *call_args) -> None:
    if ONLY and name not in ONLY:
        return
    print(f"  {name} ...", file=sys.stderr, flush=True)
    start = time.monotonic()
    try:
        results[name] = function(*call_args)
    except Exception as error:  # a failed run is reported; the others still run
        skipped[name] = "failed: " + " ".join(str(error).split())[:300]
    print(f"  {name}: {time.monotonic() - start:.0f} s {results.get(name) or skipped.get(name)}", file=sys.stderr,
          flush=True)  # fmt: skip


def measure(size: int, folder: Path, bundled: Path, args) -> tuple[int, dict, dict]:
    from generate_observations import generate

    obs = folder / f"obs-{size}.nt"
    start = time.monotonic()
    generate(size, obs)
    with obs.open("rb") as handle:
        triples = sum(1 for _ in handle)
    print(f"size {size}: {triples:,} triples generated in {time.monotonic() - start:.0f} s", file=sys.stderr)
    env = {**os.environ, "KG_WORKSPACE": str(folder / f"ws-{size}"), "XDG_CACHE_HOME": str(folder / "cache"),
           "KG_REMOTE_TIMEOUT": str(QUERY_DEADLINE_S)}  # fmt: skip
    results: dict[str, dict] = {}
    skipped: dict[str, str] = {}
    files = [bundled, obs]
    millions = triples / 1e6

    reason = fits(KG_ADD_GB_PER_M * millions, args.budget_gb)
    if reason:
        skipped["workspace"] = f"kg add: {reason}"
    else:
        attempt("workspace", results, skipped, workspace_run, folder, obs, env, args)
    shutil.rmtree(env["KG_WORKSPACE"], ignore_errors=True)
    attempt("embedded", results, skipped, embedded_run, folder, files, args)
    attempt("oxigraph", results, skipped, oxigraph_run, folder, files, env, args)
    reason = fits(6.5, args.budget_gb)  # Virtuoso's buffers are 5.2 GB at most
    if reason:
        skipped["virtuoso"] = reason
    else:
        attempt("virtuoso", results, skipped, virtuoso_run, folder, files, env, args)
    reason = fits(RDFLIB_GB_PER_M * millions, args.budget_gb)
    if millions > args.rdflib_max_m:
        estimate = f"load ~{27 * millions:.0f} s, ~{RDFLIB_GB_PER_M * millions:.0f} GB"
        reason = f"over --rdflib-max-m {args.rdflib_max_m:g} million triples ({estimate})"
    if reason:
        skipped["rdflib"] = reason
    else:
        attempt("rdflib", results, skipped, rdflib_run, obs)
    obs.unlink()
    return triples, results, skipped


# ------------------------------------------------------------------ tables

COLUMNS = {
    "workspace": "workspace (`kg add`)",
    "embedded": "on-disk pyoxigraph (`bulk_load`)",
    "oxigraph": "Oxigraph server (`oxigraph load`)",
    "virtuoso": "Virtuoso 7 (`ld_dir` + `rdf_loader_run`)",
    "rdflib": "rdflib (in memory)",
}


def cell(results: dict, skipped: dict, store: str, key: str, unit: str = "s") -> str:
    if store in skipped:
        if key != "load":
            return "skipped"
        return "failed (see below)" if skipped[store].startswith("failed") else "skipped (see below)"
    value = results.get(store, {}).get(key)
    if value is None:
        return "n/a"
    if value < 0:
        return f"over {-value:.0f} s (stopped)"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:.2f} s" if value >= 0.1 else f"{value:.3f} s"


def table(triples: int, results: dict, skipped: dict) -> str:
    stores = list(COLUMNS)
    lines = [f"| {triples:,} triples (observations + bundled graph) | " + " | ".join(COLUMNS[s] for s in stores) + " |",
             "|---|" + "---|" * len(stores)]  # fmt: skip
    rows = [
        ("`kg validate FILE` (whole process, before the add)", "validate", "s"),
        ("peak memory of the validation", "validate memory", "MB"),
        ("load", "load", "s"),
        ("peak memory of the load", "load memory", "MB"),
        ("cold `kg query kpi-details -p code=...` (whole process)", "cold query", "s"),
        ("cold `kg query core-participation-kpis` (whole process)", "cold query 2", "s"),
        ("aggregate (mean per indicator and year), median", "aggregate", "s"),
        ("aggregate, first run", "aggregate first", "s"),
        ("aggregate with one sub-select per pattern, median", "aggregate hashed", "s"),
        ("join + filter (participation KPIs, value > 50, city names), median", "join", "s"),
        ("join, first run", "join first", "s"),
        ("peak memory while querying (server or query process)", None, "MB"),
    ]
    for label, key, unit in rows:
        cells = []
        for s in stores:
            if key is None:
                k = {"embedded": "query memory", "workspace": "query memory", "rdflib": "memory"}
                cells.append(cell(results, skipped, s, k.get(s, "server memory"), "MB"))
            elif (s != "workspace" and key.startswith("validate")) or (
                s in ("embedded", "rdflib") and key.startswith("cold query")
            ):
                cells.append("")
            else:
                cells.append(cell(results, skipped, s, key, unit))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    counts = {s: (r.get("aggregate rows"), r.get("join rows")) for s, r in results.items() if "aggregate rows" in r}
    lines.append("")
    lines.append("Rows (aggregate, join): " + ", ".join(f"{s} {a}, {j}" for s, (a, j) in counts.items())
                 + ("" if len(set(counts.values())) <= 1 else "  **ROWS DIFFER**"))  # fmt: skip
    stored = {s: r["triples"] for s, r in results.items() if "triples" in r}
    if stored:
        lines.append("Triples in the store: " + ", ".join(f"{s} {n:,}" for s, n in stored.items()))
    for store, reason in skipped.items():
        lines.append(f"Not measured: {store}: {reason}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--runs", type=int, default=5, help="whole-process kg query runs (median)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the aggregate and the join (median)")
    parser.add_argument("--budget-gb", type=float, default=12, help="skip any run estimated to need more")
    parser.add_argument("--rdflib-max-m", type=float, default=2, help="rdflib only up to this many million triples")
    parser.add_argument("--cold-limit", type=float, default=60, help="stop a cold query on Oxigraph server after")
    parser.add_argument("--only", nargs="+", choices=list(COLUMNS), help="measure only these stores")
    parser.add_argument("--tmp", type=Path, default=None, help="where the temporary folder goes")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        print(json.dumps(bulkload_worker(*rest) if kind == "bulkload" else embedded_worker(*rest)))
        return 0

    global ONLY
    ONLY = args.only
    from kg.sources.documents import read_documents
    from tests.servers import write_ntriples

    print(f"Machine: {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / GB:.0f} GB")
    with tempfile.TemporaryDirectory(prefix="kg-bench-", dir=args.tmp) as name:
        folder = Path(name)
        bundled = write_ntriples(read_documents(), folder / "bundled.nt")
        for size in args.sizes:
            triples, results, skipped = measure(size, folder, bundled, args)
            print(f"\n{table(triples, results, skipped)}\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
