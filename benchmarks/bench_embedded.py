"""Time the embedded graph: loading, every named query, and validation.

Compares pyoxigraph (what `kg query` uses) with rdflib on the same files and queries, so the
choice of store stays an informed one. Not a test: run it by hand.

    python benchmarks/bench_embedded.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from kg import KnowledgeGraph, list_queries, validate
from kg.query.binding import bind
from kg.query.params import resolve
from kg.sources.files import bundled_data_paths

# Goals on the 2-core reference machine (see README): a named query answers in well under
# 50 ms once the graph is loaded, and `kg query` as a whole process starts and answers in
# under 1 s.
QUERY_GOAL_S = 0.05
COMMAND_GOAL_S = 1.0


def best_of(repeat: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import rdflib

    paths = bundled_data_paths()
    rows: list[tuple[str, float, float | None]] = []

    def rdflib_load() -> rdflib.Graph:
        graph = rdflib.Graph()
        for path in paths:
            graph.parse(path, format="turtle")
        return graph

    rows.append(
        (
            "load bundled files",
            best_of(args.repeat, lambda: len(KnowledgeGraph.load())),
            best_of(args.repeat, rdflib_load),
        )
    )
    graph = KnowledgeGraph.load()
    len(graph)
    rdf_graph = rdflib_load()
    for query in list_queries() + list_queries("qc"):
        given = {"code": "SC: SH: SI: 4C"} if "code" in query.parameters else {}
        text = bind(query.text, resolve(query.parameters, given, query=query.name))
        oxigraph = best_of(args.repeat, lambda text=text: graph.sparql(text))
        try:
            rdflib_time = best_of(args.repeat, lambda text=text: list(rdf_graph.query(text)))
        except Exception as error:  # rdflib 7 cannot DISTINCT-aggregate unbound values
            print(f"rdflib fails on {query.name}: {type(error).__name__}: {error}", file=sys.stderr)
            rdflib_time = None
        rows.append((f"query {query.name}", oxigraph, rdflib_time))
    rows.append(("validate bundled graph (pySHACL)", best_of(1, validate), None))
    command = [sys.executable, "-m", "kg.cli", "query", "core-participation-kpis"]
    rows.append(
        (
            "process: kg query core-participation-kpis",
            best_of(args.repeat, lambda: subprocess.run(command, capture_output=True, check=True)),
            None,
        )
    )

    print(f"{'task':<55} {'oxigraph/kg':>12} {'rdflib':>10} {'ratio':>7}")
    failed = []
    for name, ours, theirs in rows:
        ratio = f"{theirs / ours:6.1f}x" if theirs else ""
        theirs_text = f"{theirs * 1000:8.1f}ms" if theirs else ""
        print(f"{name:<55} {ours * 1000:10.1f}ms {theirs_text:>10} {ratio:>7}")
        goal = QUERY_GOAL_S if name.startswith("query ") else COMMAND_GOAL_S if name.startswith("process") else None
        if goal and ours > goal:
            failed.append(name)
    speed_ups = [theirs / ours for name, ours, theirs in rows if theirs and name.startswith("query ")]
    print(f"median query speed-up over rdflib: {statistics.median(speed_ups):.1f}x")
    if failed:
        print(f"over the goal: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
