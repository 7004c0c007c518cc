"""The installed program in real processes: what the rest of the suite runs in-process, once for real.

The other tests run ``kg`` in this process (tests/conftest.py's run_kg); these start it as a user
does, as ``kg`` on the PATH of this environment and as ``python -m kg.cli``, so that the entry
point, the exit codes a shell sees and the streams of a real process are covered too.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import run_kg, run_kg_process

KG = shutil.which("kg", path=str(Path(sys.executable).parent)) or "kg"


def kg_program(*args: str) -> subprocess.CompletedProcess[str]:
    """The ``kg`` console script itself (what ``pip install .`` puts on the PATH)."""
    return subprocess.run(
        [KG, *args], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, env=dict(os.environ)
    )


def test_the_readmes_first_command_prints_voter_participation():
    """README: ``kg query core-participation-kpis``, the main job, through the installed console script."""
    run = kg_program("query", "core-participation-kpis")
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert "SC: SH: SI: 4C" in run.stdout and "Voter Participation" in run.stdout


def test_help_and_version_exit_0():
    helped = run_kg_process("--help")
    assert helped.returncode == 0 and helped.stdout.startswith("Usage: kg ")
    assert "kg query core-participation-kpis" in helped.stdout
    version = run_kg_process("--version")
    assert version.returncode == 0 and version.stdout.startswith("kg, version ")


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (("query", "no-such-query"), 2, "kg: "),  # an error the user can fix: one sentence
        (("no-such-command",), 2, "kg: no such command 'no-such-command'; see kg --help."),  # usage error
        (("validate", "data/claims/study-claims.ttl"), 0, ""),  # conforms
    ],
)
def test_exit_codes_a_shell_sees(args, code, said):
    run = run_kg_process(*args, cwd=Path(__file__).resolve().parent.parent)
    assert run.returncode == code, run.stdout + run.stderr
    assert said in run.stderr and "Traceback" not in run.stderr


def test_csv_keeps_its_crlf_line_ends_on_a_real_stdout():
    run = run_kg_process("query", "kpis-by-dimension", "--format", "csv")
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("\r\n") == len(run.stdout.splitlines())
    first = next(csv.DictReader(io.StringIO(run.stdout)))
    assert first["dimension"] == "Economy"


def test_the_in_process_runner_knows_every_piece_of_process_state():
    """run_kg puts back each module's process state after a command; a renamed one would leak silently."""
    import importlib

    from kg.cli import boundary
    from tests.conftest import PROCESS_STATE

    for module, name in PROCESS_STATE:
        assert hasattr(importlib.import_module(module), name), f"{module}.{name}"
    assert callable(boundary._bug)


def test_a_deadline_in_this_process_ends_the_command_as_it_ends_a_process():
    """run_kg's --timeout in this process: the boundary's whole path to the deadline runs (exit 2, its one
    sentence, nothing on stdout); only its last act, ending the process, ends the command's thread instead
    (kg.cli.boundary.end_process, tests/conftest.py's _end_the_command). pySHACL on the whole workspace takes
    seconds in Python, so the deadline comes first. test_hostile's runaway query shows the process ending."""
    import pyshacl  # noqa: F401  # imported now: the deadline ends a thread wherever it is, and an import cut short
    import rdflib.plugins.sparql  # noqa: F401  # would leave half a module to the tests after this one

    run = run_kg("validate", "--engine", "pyshacl", "--timeout", "0.5")
    assert (run.returncode, run.stdout) == (2, "")
    said = "kg: stopped after 0.5 s (--timeout); nothing was written. Narrow the query or give a longer --timeout.\n"
    assert run.stderr == said
    assert not [thread for thread in threading.enumerate() if thread.name == "kg"]
