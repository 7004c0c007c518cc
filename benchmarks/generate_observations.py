"""Generate synthetic city observations of the 91 U4SSC KPIs, for benchmarks only.

Seeded, so every run writes the same file: N cities x 91 KPIs x Y years, each observation a
W3C Data Cube qb:Observation of 8 triples, in the project's vocabulary. The values are random
numbers, not data: never load this file into the bundled graph.

    python benchmarks/generate_observations.py --triples 1000000 --out /tmp/obs-1m.nt
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRIPLES_PER_OBSERVATION = 8
YEARS = 5


def kpi_iris() -> list[str]:
    import csv

    with (ROOT / "data" / "u4ssc" / "source" / "u4ssc_kpis.tsv").open(encoding="utf-8") as handle:
        codes = [row["code"] for row in csv.DictReader(handle, delimiter="\t")]
    return [f"https://w3id.org/smartcity-kg/id/u4ssc/{code.replace(': ', '-')}" for code in codes]


def generate(triples: int, out: Path, seed: int = 37120) -> int:
    """Write about ``triples`` triples of observations as N-Triples; returns the observations written."""
    rng = random.Random(seed)
    kpis = kpi_iris()
    per_city = len(kpis) * YEARS
    cities = max(1, round(triples / TRIPLES_PER_OBSERVATION / per_city))
    base = "https://w3id.org/smartcity-kg/id/"
    sck = "https://w3id.org/smartcity-kg/ontology#"
    qb = "http://purl.org/linked-data/cube#"
    dim = "http://purl.org/linked-data/sdmx/2009/dimension#"
    unit = "<http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure>"
    dataset = f"<{base}observation/synthetic/dataset>"
    written = 0
    with out.open("w", encoding="utf-8") as handle:
        handle.write(f"{dataset} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{qb}DataSet> .\n")
        for c in range(cities):
            city = f"<{base}city/synthetic-{c:05d}>"
            handle.write(f'{city} <http://www.w3.org/2000/01/rdf-schema#label> "Synthetic city {c:05d}"@en .\n')
            for year in range(2019, 2019 + YEARS):
                for k, kpi in enumerate(kpis):
                    obs = f"<{base}observation/synthetic/{c:05d}-{k:02d}-{year}>"
                    value = round(rng.uniform(0, 100), 2)
                    handle.write(
                        f"{obs} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{qb}Observation> .\n"
                        f"{obs} <{qb}dataSet> {dataset} .\n"
                        f"{obs} <{sck}measuredIndicator> <{kpi}> .\n"
                        f"{obs} <{dim}refArea> {city} .\n"
                        f'{obs} <{dim}refPeriod> "{year}"^^<http://www.w3.org/2001/XMLSchema#gYear> .\n'
                        f'{obs} <{sck}observedValue> "{value}"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n'
                        f'{obs} {unit} "%" .\n'
                        f"{obs} <http://purl.org/dc/terms/source> <https://example.org/synthetic/{c:05d}> .\n"
                    )
                    written += 1
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=37120)
    args = parser.parse_args()
    count = generate(args.triples, args.out, args.seed)
    print(f"wrote {count} observations ({count * TRIPLES_PER_OBSERVATION} triples) to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
