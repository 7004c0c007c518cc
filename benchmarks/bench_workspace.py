"""Measure the workspace: a cold ``kg query`` (a whole new process) and ``kg add`` of a large file.

Each run is a fresh ``kg`` process, as a user starts it; times are wall-clock medians, peak
memory is the child's maximum resident set (getrusage). Everything happens in a temporary
workspace and cache, never the user's.

    python benchmarks/bench_workspace.py --triples 1000000 --runs 10
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds and peak MB of one ``kg`` process (peak from RUSAGE_CHILDREN, so run one at a time)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "kg.cli", *args], env=env, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"kg {' '.join(args)} failed: {run.stderr.decode()}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        env = {**os.environ, "KG_WORKSPACE": str(tmp / "ws"), "XDG_CACHE_HOME": str(tmp / "cache")}
        timed(["init", str(tmp / "ws")], env)
        query = ["query", "core-participation-kpis"]
        cold = statistics.median(timed(query, env)[0] for _ in range(options.runs))
        print(f"cold kg query core-participation-kpis (workspace, bundled data only): {cold:.3f} s median")
        data = tmp / "obs.nt"
        generate = ROOT / "benchmarks" / "generate_observations.py"
        subprocess.run([sys.executable, generate, "--triples", str(options.triples), "--out", data], check=True)
        seconds, peak = timed(["add", str(data)], env)
        print(f"kg add of {options.triples:,} triples (N-Triples): {seconds:.1f} s, peak {peak:.0f} MB")
        cold = statistics.median(timed(query, env)[0] for _ in range(options.runs))
        print(f"cold kg query core-participation-kpis after the add: {cold:.3f} s median")


if __name__ == "__main__":
    main()
