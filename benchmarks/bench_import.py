"""Import and validation benchmark: whole `kg import` and `kg validate` processes on generated sheets.

For each size it writes a seeded synthetic framework sheet (N indicator rows with dimensions,
sub-dimensions, tiers, participation aspects, real SDG numbers, sources, pages and evidence)
and its framework description, then times `kg import SHEET --framework bench --out FILE` as a
user runs it (a fresh process, the bundled-graph cache warm), and `kg validate FILE` on what it
wrote. Medians of --repeat runs. Not a test: run it by hand.

    python benchmarks/bench_import.py --sizes 1000 10000 [--repeat 3] [--engine oxigraph|pyshacl]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["code", "name", "dimension", "sub_dimension", "category", "tier", "aspects", "sdg", "measure", "source"]
HEADER += ["source_title", "page", "evidence", "coding_note"]
ASPECTS = ["co-creation", "consultation", "transparency", "voting", "representation", "e-government"]
ASPECTS += ["participatory-budgeting", "complaint-and-feedback", "institutional-support"]
WORDS = "city service water energy budget council voter school health transport housing waste data".split()  # noqa: SIM905
SOURCE = "https://example.org/bench-framework"
GOALS = {1000: 5.0, 10000: 30.0}  # seconds for the whole `kg import` process, from the issue


def sdg_numbers() -> list[str]:
    with (ROOT / "data" / "reference" / "sdg-kos.tsv").open(encoding="utf-8", newline="") as handle:
        return [row["code"] for row in csv.DictReader(handle, delimiter="\t") if row["kind"] != "goal"]


def generate_sheet(folder: Path, rows: int, seed: int = 10) -> Path:
    """A clean framework sheet of ``rows`` indicators and its NAME.meta.csv, written in ``folder``."""
    rng = random.Random(seed)
    sdg = sdg_numbers()
    path = folder / f"bench-{rows}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number in range(1, rows + 1):
            dimension = rng.randrange(8)
            words = " ".join(rng.choices(WORDS, k=5))
            aspects = rng.sample(ASPECTS, k=rng.choice([0, 0, 1, 2]))
            writer.writerow(
                [
                    f"B{number}",
                    f"Indicator {number}: {words}",
                    f"Dimension {dimension}",
                    f"Sub-dimension {dimension}.{rng.randrange(5)}",
                    "",
                    rng.choice(["core", "advanced", "supporting"]),
                    ";".join(aspects),
                    ";".join(rng.sample(sdg, k=rng.choice([0, 1, 2]))),
                    f"{words} per 100 000 inhabitants",
                    f"{SOURCE}/indicators/{number}" if rng.random() < 0.3 else "",
                    "",
                    str(rng.randrange(1, 300)) if rng.random() < 0.5 else "",
                    f"the {words}" if aspects else "",
                    f"Coded from the words {words}." if aspects else "",
                ]
            )
    with path.with_name(f"{path.stem}.meta.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [
                ["key", "value"],
                ["title", f"Benchmark framework, {rows} indicators (generated)"],
                ["publisher", "smartcity-kg benchmarks"],
                ["year", "2026"],
                ["source", SOURCE],
                ["source_title", "Generated sheet, seeded"],
            ]
        )
    return path


def timed(*args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, cwd=ROOT)
    return time.perf_counter() - start, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engine", default=None, help="pass --engine to kg import and kg validate")
    options = parser.parse_args()
    engine = ["--engine", options.engine] if options.engine else []
    timed("query", "frameworks")  # warms the bundled-graph cache
    print("| rows | triples | `kg import` (s) | goal | `kg validate` of the output (s) |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for size in options.sizes:
            sheet = generate_sheet(Path(folder), size)
            out = Path(folder) / f"bench-{size}.ttl"
            imports, checks, stderr = [], [], ""
            for _ in range(options.repeat):
                seconds, run = timed("import", str(sheet), "--framework", "bench", "--out", str(out), *engine)
                if run.returncode != 0:
                    sys.exit(f"kg import failed ({run.returncode}):\n{run.stderr}")
                imports.append(seconds)
                stderr = run.stderr
                seconds, run = timed("validate", str(out), *engine)
                if run.returncode != 0:
                    sys.exit(f"kg validate failed ({run.returncode}):\n{run.stdout}{run.stderr}")
                checks.append(seconds)
            triples = stderr.split("wrote ")[1].split(" triples")[0]
            goal = f"< {GOALS[size]:g} s" if size in GOALS else ""
            print(
                f"| {size:,} | {int(triples):,} | {statistics.median(imports):.2f} | {goal} "
                f"| {statistics.median(checks):.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
