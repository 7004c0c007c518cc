"""Write and run examples/study-findings.ipynb: the study's findings reproduced step by step with the Python API.

    python scripts/build_study_notebook.py   # needs the test extras (nbformat, nbclient, ipykernel, pandas)

The notebook is committed with its outputs; tests/test_notebook.py runs it again and fails on any
error (its cells assert what they show, with counts taken from the U4SSC source table).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "study-findings.ipynb"

CELLS: list[tuple[str, str]] = [
    (
        "markdown",
        "# The study's findings, step by step\n\n"
        "Safranova (2021) examined the UN's U4SSC key performance indicators for smart sustainable cities "
        "and found that they make little room for citizen participation: of 91 KPIs only three touch it, open "
        "data and e-government (advanced, filed under Economy) and voter participation, the only core one. "
        "This notebook asks the knowledge graph each question with the `kg` Python API, and checks every answer "
        "against the U4SSC source table (`data/u4ssc/source/u4ssc_kpis.tsv`) or the study's own claims.",
    ),
    (
        "code",
        "from pathlib import Path\n\nimport pandas as pd\n\nimport kg\n\n"
        "graph = kg.KnowledgeGraph.load()  # the ontology and the bundled data, in memory\n"
        'source = pd.read_csv(Path("..") / "data" / "u4ssc" / "source" / "u4ssc_kpis.tsv", sep="\\t")\n'
        "graph",
    ),
    (
        "markdown",
        "## 1. How many KPIs, in which dimensions\n\n"
        "`kpis-by-dimension` counts the KPIs per dimension and tier; as a DataFrame its counts are integers.",
    ),
    (
        "code",
        'dimensions = graph.query("kpis-by-dimension").to_pandas()\n'
        'per_dimension = dimensions.groupby("dimension")["kpis"].sum()\n'
        'assert per_dimension.to_dict() == source["dimension"].value_counts().to_dict()\n'
        'print(f"{per_dimension.sum()} KPIs, as in the source table ({len(source)} rows)")\n'
        "dimensions",
    ),
    (
        "markdown",
        "## 2. Which KPIs address citizen participation\n\n"
        "The study finds three. `participation-kpis` lists every KPI coded as addressing a form of "
        "participation, with the aspect it addresses.",
    ),
    (
        "code",
        'participation = graph.query("participation-kpis")\nassert len(participation) == 3\nparticipation',
    ),
    (
        "code",
        "# Each one is a KPI of the source table, with the same name, tier and dimension.\n"
        'rows = source.set_index("code")\n'
        "for kpi in participation:\n"
        '    assert (rows.loc[kpi.code, "name"], rows.loc[kpi.code, "tier"]) == (kpi.name, kpi.tier)\n'
        '    print(f"{kpi.code}: {kpi.name} ({kpi.tier}, {kpi.dimension}) -> {kpi.aspect}")\n'
        'print(f"{len(participation)} of {len(source)} KPIs: {len(participation) / len(source):.1%}")',
    ),
    (
        "markdown",
        "## 3. The only core one, and the dimensions they are filed under\n\n"
        "Open data and e-government are advanced KPIs under Economy; voter participation is the only core one.",
    ),
    (
        "code",
        'core = graph.query("core-participation-kpis")\n'
        'assert [row.name for row in core] == ["Voter Participation"]\n'
        "core",
    ),
    (
        "code",
        'frame = participation.to_pandas()\nframe.groupby(["dimension", "tier"])["name"].apply(list)',
    ),
    (
        "markdown",
        "## 4. How far up the participation ladders they reach\n\n"
        "smartcity-kg's own coding (not a finding quoted from the study) places each participation KPI on "
        "Arnstein's ladder and on Cardullo and Kitchin's scaffold; rank 1 is the least citizen power.",
    ),
    (
        "code",
        'levels = graph.query("participation-levels").to_pandas()\n'
        'levels.pivot(index="name", columns="ladder", values="rung")',
    ),
    (
        "markdown",
        "## 5. How U4SSC frames citizens, and the ideology the study sees\n\n"
        "The study reads the U4SSC documents as framing citizens as consumers and recipients of services, "
        "and concludes that U4SSC follows a market (neo-liberal) model.",
    ),
    (
        "code",
        'framings = graph.query("citizen-framings").to_pandas()\nframings["role"].value_counts()',
    ),
    (
        "code",
        'ideology = graph.query("ideology-evidence").to_pandas()\n'
        'ideology.groupby(["model", "concluded_by"])["citation"].agg(["count", "nunique"])',
    ),
    (
        "markdown",
        "## 6. Who is in the stakeholder network\n\n"
        "One of the study's explanations: the network around U4SSC has no civil-society stakeholders.",
    ),
    (
        "code",
        'helix = graph.query("helix-coverage")\n'
        'assert {row.label: row.stakeholder_types for row in helix}["civil society"] == 0\n'
        "helix",
    ),
    (
        "markdown",
        "## 7. U4SSC beside the other frameworks of the graph\n\n"
        "`compare-participation` gives each framework's share of indicators addressing participation.",
    ),
    (
        "code",
        'compared = graph.query("compare-participation").to_pandas()\n'
        'u4ssc = compared.set_index("id").loc["u4ssc"]\n'
        'assert (u4ssc["indicators"], u4ssc["participation_indicators"]) == (len(source), len(participation))\n'
        'compared.sort_values("share")[["id", "indicators", "participation_indicators", "share", "aspects_covered"]]',
    ),
    (
        "markdown",
        "## 8. The study's claims, checked against the data\n\n"
        "Each claim of the study names the query that tests it; the verdict says whether the data agrees. "
        "Where a claim disagrees, `data_says` gives what the graph holds: the KPIs per dimension are those "
        "counted from the source table in step 1.",
    ),
    (
        "code",
        "from kg.analysis.claims import check_claims, verdict_table\n\n"
        "verdicts = [v for v in check_claims(graph) if not v.claim.by_project]\n"
        "claims = verdict_table(verdicts, brief=True).to_pandas()\n"
        'claims["verdict"].value_counts()',
    ),
    ("code", 'claims[claims["verdict"] != "agrees"][["statement", "stated", "data_says", "verdict"]]'),
]


def build() -> object:
    """The notebook's cells, without outputs."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    make = {"markdown": nbformat.v4.new_markdown_cell, "code": nbformat.v4.new_code_cell}
    notebook.cells = [make[kind](source) for kind, source in CELLS]
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number}"  # stable ids: a rebuild changes only what changed
    return notebook


def execute(notebook: object, *, timeout: int = 600) -> object:
    """Run every cell in a fresh kernel of this Python, in examples/ (as a reader opening it there would)."""
    from nbclient import NotebookClient

    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()
    return notebook


def main() -> None:
    import nbformat

    NOTEBOOK.parent.mkdir(exist_ok=True)
    notebook = execute(build())
    for cell in notebook.cells:  # run times only: a rebuild of the same findings leaves the file as it was
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, NOTEBOOK)
    print(f"wrote {NOTEBOOK.relative_to(ROOT)} with {sys.executable}")


if __name__ == "__main__":
    main()
