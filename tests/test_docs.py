"""Documentation that cannot drift (issue 24): every output README.md and docs/ show is what kg prints.

The ```console blocks are run (tests/doc_blocks.py: one fresh folder and workspace per document, kg in
this process), the generated references are cog's output (`cog --check`), the README stays short, and
every repository file the documents name exists. `python scripts/refresh_docs.py` rewrites them all.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from cogapp import Cog

from tests.conftest import ROOT, run_kg
from tests.doc_blocks import check, commands, documents

DOCUMENTS = documents()
GENERATED = [
    "docs/reference/cli.md",
    "docs/reference/queries.md",
    "docs/guide/claims.md",
    "docs/reference/vocabulary.md",
]
# A repository path in a document: a top-level folder of the repository, then a path without wildcards.
FOLDERS = "examples|data|docs|queries|scripts|tests|kg|ontology|benchmarks"
NAMED_PATH = re.compile(rf"(?<![\w./-])((?:{FOLDERS})/[\w./-]*\w/?)")


@pytest.fixture(scope="module")
def reasoned_workspace(pristine_workspace: Path, warm_inference, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A docs page's default workspace: what kg init makes, holding the session's inferences as a user's earlier
    ``kg reason`` leaves them (so that a page's ``--inferred`` query does not run HermiT again)."""
    folder = tmp_path_factory.mktemp("reasoned") / "ws"
    shutil.copytree(pristine_workspace, folder, symlinks=True)
    warm_inference.into_workspace(folder)
    return folder


# The README's tour publishes its own graph, which runs HermiT over it: a java test (so slow too).
@pytest.mark.parametrize(
    "document",
    [pytest.param(d, marks=pytest.mark.java) if d.name == "README.md" else d for d in DOCUMENTS],
    ids=[str(d.relative_to(ROOT)) for d in DOCUMENTS],
)
def test_shown_outputs_are_what_kg_prints(document: Path, tmp_path: Path, reasoned_workspace: Path) -> None:
    differences = check(document, tmp_path, run_kg, pristine=reasoned_workspace)
    assert not differences, "\n".join(differences) + "\nrun python scripts/refresh_docs.py, then review the diff"


def test_a_stale_number_in_a_shown_output_fails(tmp_path: Path) -> None:
    """The harness is not a test that cannot fail: a planted stale figure in the README's first output is found."""
    first = next(commands(ROOT / "README.md"))
    assert first.text == "kg query core-participation-kpis" and "Voter Participation" in first.expected
    planted = tmp_path / "planted.md"
    stale = first.expected.replace("Voter Participation", "Voter Participatio2")
    planted.write_text(f"```console\n$ {first.text}\n{stale}```\n", encoding="utf-8")  # that block alone: cheap
    differences = check(planted, tmp_path / "run", run_kg)
    assert len(differences) == 1 and "Voter Participatio2" in differences[0], differences


def test_the_readme_is_short_and_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count("\n") <= 250
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = "python -m pip install -e '.[test]' && python -m pytest"
    assert test_command in ci and test_command in readme
    assert readme.index("python -m pip install . && kg query core-participation-kpis") < readme.index(test_command)


def test_every_file_the_documents_name_exists() -> None:
    missing = []
    for document in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        text = document.read_text(encoding="utf-8")
        for match in NAMED_PATH.finditer(text):
            path = match.group(1)
            if text[: match.start()].endswith("--out ") or "NAME" in path:  # a file a command writes; a pattern
                continue
            if not (ROOT / path.rstrip("/.")).exists():
                missing.append(f"{document.relative_to(ROOT)}: {path}")
    assert not missing, "\n".join(missing)


def test_the_generated_references_are_current() -> None:
    status = Cog().main(["cog", "--check", *(str(ROOT / name) for name in GENERATED)])
    assert status == 0, "a generated reference is stale: run python scripts/refresh_docs.py"


def test_the_vocabulary_page_has_one_row_per_ontology_term() -> None:
    """docs/reference/vocabulary.md's generated tables list each sck: subject of ontology/smartcity.ttl once."""
    from kg.namespaces import SCK
    from kg.sources.files import ontology_path, read_rdf

    terms = {
        q.subject.value.removeprefix(SCK) for q in read_rdf(ontology_path()).quads if q.subject.value.startswith(SCK)
    }
    generated = (ROOT / "docs" / "reference" / "vocabulary.md").read_text(encoding="utf-8").split("## Every term", 1)[1]
    rows = re.findall(r"^\| `sck:([^`]+)`", generated, re.MULTILINE)
    assert sorted(rows) == sorted(terms)


def test_the_reasoning_page_shows_what_kg_reason_prints(warm_inference) -> None:
    """docs/guide/reasoning.md's `kg reason | grep '('` block (not run by the harness: it needs Java) is the
    session's own kg reason run on the bundled graph, line for line."""
    text = (ROOT / "docs" / "guide" / "reasoning.md").read_text(encoding="utf-8")
    block = text.split("    $ kg reason | grep '('\n", 1)[1].split("\n\n", 1)[0]
    printed = [line for line in warm_inference.run.stdout.splitlines() if "(" in line]
    assert [line.strip() for line in block.splitlines()] == printed
