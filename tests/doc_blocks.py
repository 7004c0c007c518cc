"""The checked shell blocks of README.md and docs/: find them, run them, compare (or rewrite) their output.

A checked block is a fenced ```console block. Each line starting with ``$ `` is a command, and the lines
below it, up to the next command or the block's end, are what it prints (stdout, then stderr, as a
terminal shows them). A command is ``kg ...`` (run in this process through tests.conftest.run_kg) or
``cd DIR``. Every document runs in a folder of its own, holding a copy of examples/, with a default
workspace of its own (made before the first command, except for README.md, which shows a first use;
``kg init`` makes others): its blocks run in order and share that folder, so a
block may use what an earlier one made. In the expected output, the folder is written ~/smartcity-kg
the default workspace's folder ~/.local/share, durations are shown as ``... s``, progress lines (``kg publish:
writing ...``, printed only when a step is slow) are left out, and ``...`` stands for any text (doctest's
ELLIPSIS), for what else changes from run to run (dates). CSV's CRLF line ends are shown as LF.

Used by tests/test_docs.py (compare) and scripts/refresh_docs.py (rewrite every shown output).
"""

from __future__ import annotations

import doctest
import re
import shlex
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOWN_FOLDER = "~/smartcity-kg"
BLOCK = re.compile(r"^```console\n(.*?)^```\n", re.DOTALL | re.MULTILINE)
CHECKER = doctest.OutputChecker()
DURATION = re.compile(r"\b\d+(?:\.\d+)? s\b")
PROGRESS = re.compile(r"^kg \w+: .*\(\d+ s\)\n", re.MULTILINE)


@dataclass
class Command:
    """One ``$ `` line of a document and the output shown under it (``start``, ``end``: its output's offsets)."""

    document: Path
    line: int
    text: str
    expected: str
    start: int
    end: int


def documents() -> list[Path]:
    """README.md and every Markdown page under docs/ that holds a checked block."""
    found = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    return [path for path in found if BLOCK.search(path.read_text(encoding="utf-8"))]


def commands(document: Path) -> Iterator[Command]:
    """The document's commands in order, with the output each shows."""
    text = document.read_text(encoding="utf-8")
    for block in BLOCK.finditer(text):
        offset = block.start(1)
        body = block.group(1)
        lines = body.splitlines(keepends=True)
        positions = [i for i, line in enumerate(lines) if line.startswith("$ ")]
        for n, i in enumerate(positions):
            following = positions[n + 1] if n + 1 < len(positions) else len(lines)
            start = offset + sum(len(line) for line in lines[: i + 1])
            end = start + sum(len(line) for line in lines[i + 1 : following])
            yield Command(
                document,
                text.count("\n", 0, offset) + i + 1,
                lines[i][2:].strip(),
                "".join(lines[i + 1 : following]),
                start,
                end,
            )


Runner = Callable[..., object]


class Session:
    """A document's folder: a copy of examples/, its own default workspace, the current folder."""

    def __init__(self, document: Path, folder: Path, run_kg: Runner, pristine: Path | None = None) -> None:
        self.folder = folder
        self.cwd = folder
        self.run_kg = run_kg
        shutil.copytree(ROOT / "examples", folder / "examples")
        self.env: dict[str, str | None] = {"KG_WORKSPACE": None, "XDG_DATA_HOME": str(folder / ".data")}
        default = folder / ".data" / "smartcity-kg" / "workspace"
        if document.name == "README.md":  # the README shows a first use; a page of docs/ starts with the default made
            return
        if pristine is not None:  # a copy of one kg init made (the tests' pristine workspace): the same, cheaper
            shutil.copytree(pristine, default, symlinks=True)
        else:
            run_kg("init", str(default), env=self.env, cwd=folder)

    def run(self, command: str) -> str:
        """What ``command`` prints, stdout then stderr, with the folder shown as ~/smartcity-kg."""
        words = shlex.split(command)
        if words[0] == "cd" and len(words) == 2:
            self.cwd = (self.cwd / words[1]).resolve()
            return ""
        if words[0] != "kg":
            raise ValueError(f"a checked block runs only kg and cd commands, not {command!r}")
        result = self.run_kg(*words[1:], env=self.env, cwd=self.cwd)
        shown = f"{result.stdout}{result.stderr}".replace("\r\n", "\n")  # type: ignore[attr-defined]  # CSV's CRLF
        for folder in {str(self.folder.resolve()), str(self.folder)}:
            shown = shown.replace(f"{folder}/.data", "~/.local/share").replace(folder, SHOWN_FOLDER)
        return DURATION.sub("... s", PROGRESS.sub("", shown))


def matches(expected: str, got: str) -> bool:
    """Whether the output shown is what the command printed (``...`` stands for any text)."""
    return CHECKER.check_output(expected, got, doctest.ELLIPSIS)


def check(
    document: Path, folder: Path, run_kg: Runner, *, update: bool = False, pristine: Path | None = None
) -> list[str]:
    """Run the document's commands; the differences (or, with ``update``, rewrite the outputs shown).

    ``pristine``: a workspace as ``kg init`` makes it, copied as a docs page's default workspace."""
    session = Session(document, folder, run_kg, pristine)
    differences, replacements = [], []
    for command in commands(document):
        got = session.run(command.text)
        if not matches(command.expected, got):
            where = f"{document.name}:{command.line}: $ {command.text}"
            differences.append(f"{where}\n--- shown\n{command.expected}--- printed\n{got}")
            replacements.append((command.start, command.end, got))
    if update and replacements:
        text = document.read_text(encoding="utf-8")
        for start, end, got in reversed(replacements):
            text = text[:start] + got + text[end:]
        document.write_text(text, encoding="utf-8")
    return differences
