"""A damaged workspace store is named and repaired; a full disk during a change is one sentence (issue 21).

Fault injection on copies of the session's pristine workspace: each store file of each kind (the
largest and the smallest table file, MANIFEST, CURRENT, OPTIONS, the write-ahead log) damaged
in each of five ways (emptied, halved, a byte flipped near the start, in the middle, near the
end) is refused before the engine reads it, with the sentence that names 'kg repair' (exit 2);
before, most of these were "internal error" (exit 3), a flipped table file made a query spin at
100 % CPU without end, and some gave a wrong answer with exit 0. After 'kg repair' the answers
are those of the undamaged workspace.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kg.errors import StoreDamaged
from kg.graph import integrity
from kg.graph.embedded import KnowledgeGraph
from tests.conftest import run_kg, run_kg_process, workspace_copy

QUERY = "core-participation-kpis"


def _emptied(data: bytes) -> bytes:
    return b""


def _halved(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _flipped(at: Callable[[int], int]) -> Callable[[bytes], bytes]:
    def flip(data: bytes) -> bytes:
        changed = bytearray(data)
        changed[at(len(data))] ^= 0xFF
        return bytes(changed)

    return flip


DAMAGES = {
    "emptied": _emptied,
    "halved": _halved,
    "flipped-start": _flipped(lambda n: min(8, n - 1)),
    "flipped-middle": _flipped(lambda n: n // 2),
    "flipped-end": _flipped(lambda n: max(0, n - 8)),
}


def _store_file(generation: Path, role: str) -> Path:
    """The file of ``generation`` that plays ``role``: the largest or smallest table, or RocksDB's own files."""
    tables = sorted(generation.glob("*.sst"), key=lambda p: p.stat().st_size)
    logs = [p for p in generation.glob("*.log") if p.stat().st_size]
    chosen = {"largest-sst": tables[-1], "smallest-sst": tables[0], "wal": logs[0] if logs else None}
    found = chosen[role] if role in chosen else next(generation.glob(f"{role}*"), None)
    assert found is not None, f"no {role} in {generation}"
    return found


ROLES = ("largest-sst", "smallest-sst", "MANIFEST", "CURRENT", "OPTIONS", "wal")


@pytest.fixture(scope="module")
def undamaged(pristine_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A copy of the pristine workspace (never opened by the damage tests) and its answer to QUERY."""
    folder = tmp_path_factory.mktemp("undamaged") / "ws"
    workspace_copy(pristine_workspace, folder)
    done = run_kg("--workspace", str(folder), "query", QUERY)
    assert done.returncode == 0, done.stderr
    return folder, done.stdout


def _damaged_copy(pristine: Path, folder: Path, role: str, damage: str, *, keep_time: bool = False) -> Path:
    """A copy of ``pristine`` with the file playing ``role`` damaged by ``damage`` (with ``keep_time``, its
    modification time put back); the damaged file."""
    workspace = workspace_copy(pristine, folder)
    target = _store_file(workspace.store_folder / str(workspace.manifest["generation"]), role)
    written = target.stat()
    target.write_bytes(DAMAGES[damage](target.read_bytes()))
    if keep_time:
        os.utime(target, ns=(written.st_atime_ns, written.st_mtime_ns))
    return target


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("role", ROLES)
def test_a_damaged_store_file_is_named_before_the_engine_reads_it(
    pristine_workspace: Path, tmp_path: Path, role: str, damage: str
) -> None:
    target = _damaged_copy(pristine_workspace, tmp_path / "ws", role, damage)
    with pytest.raises(StoreDamaged) as raised:
        KnowledgeGraph.open(workspace=tmp_path / "ws")
    message = str(raised.value)
    assert f"the workspace {tmp_path / 'ws'} is damaged" in message
    assert f"/{target.name} " in message
    assert f"run 'kg --workspace {tmp_path / 'ws'} repair'" in message
    assert raised.value.exit_code == 2


def test_a_query_on_a_table_file_that_made_it_spin_ends_at_once_and_repair_gives_the_answer_back(
    pristine_workspace: Path, tmp_path: Path, undamaged: tuple[Path, str]
) -> None:
    """The damage that made a query spin at 100 % CPU (a flipped byte in the largest table file), in a real
    process with a deadline; then 'kg repair', and the named query answers as on the undamaged workspace."""
    folder = tmp_path / "ws"
    _damaged_copy(pristine_workspace, folder, "largest-sst", "flipped-middle")
    refused = run_kg_process("--workspace", str(folder), "query", QUERY, timeout=10)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr.startswith(f"kg: the workspace {folder} is damaged (its file 1/")
    assert refused.stderr.endswith(f"run 'kg --workspace {folder} repair' to rebuild its store from the "
                                   "workspace's copies of its sources.\n")  # fmt: skip
    listed = run_kg("--workspace", str(folder), "sources")
    assert listed.returncode == 2 and "repair" in listed.stderr.splitlines()[-1]

    repaired = run_kg("--workspace", str(folder), "repair")
    assert repaired.returncode == 0, repaired.stderr
    assert repaired.stderr.startswith(f"repaired the workspace {folder}: its file 1/")
    assert "has changed since it was written; rebuilt its store as generation 2 from the bundled data" in (
        repaired.stderr
    )
    assert run_kg("--workspace", str(folder), "query", QUERY).stdout == undamaged[1]
    assert sorted(p.name for p in (folder / "store").iterdir()) == ["2", "2.files.json", "2.lock", "writer.lock"]
    again = run_kg("--workspace", str(folder), "repair")
    assert (again.returncode, again.stderr) == (0, f"the store of the workspace {folder} is intact (every file "
                                                   "as written); nothing was rebuilt.\n")  # fmt: skip


def test_damage_that_keeps_the_file_time_is_found_by_the_deep_check_and_the_engine(
    pristine_workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flipped byte whose file keeps its time (a disk's own decay) in a file too large to hash on each open
    passes the quick check; 'kg check --deep' names it, and so does any engine error that says corruption."""
    folder = tmp_path / "ws"
    target = _damaged_copy(pristine_workspace, folder, "largest-sst", "flipped-end", keep_time=True)
    monkeypatch.setattr(integrity, "QUICK_HASH_BYTES", 0)
    assert integrity.verify(folder / "store", 1) > 5  # sizes and times as recorded: not hashed
    deep = run_kg("--workspace", str(folder), "check", "--deep")
    assert deep.returncode == 2 and f"its file 1/{target.name} has changed since it was written" in deep.stderr
    with pytest.raises(StoreDamaged, match=f"its file 1/{target.name} has changed"):
        raise integrity.engine_damage(folder / "store", 1, RuntimeError("Corruption: block checksum mismatch"))
    assert integrity.says_corruption(OSError("IO error: No such file ... The file MANIFEST-000005 may be corrupted."))
    assert not integrity.says_corruption(ValueError("'corrupt' is not a valid xsd:integer"))


def test_a_store_without_a_record_is_still_named_damaged_when_the_engine_says_so(
    pristine_workspace: Path, tmp_path: Path
) -> None:
    """A store made before records existed: the engine's "Corruption" is the repair sentence, never exit 3."""
    folder = tmp_path / "ws"
    _damaged_copy(pristine_workspace, folder, "largest-sst", "emptied")
    integrity.record_path(folder / "store", 1).unlink()
    refused = run_kg("--workspace", str(folder), "query", QUERY)
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"kg: the workspace {folder} is damaged (the store engine says: Corruption")
    assert refused.stderr.rstrip().endswith("copies of its sources.")


def test_deep_check_of_an_intact_store(undamaged: tuple[Path, str]) -> None:
    checked = run_kg("--workspace", str(undamaged[0]), "check", "--deep", "--format", "csv")
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.startswith(f"workspace {undamaged[0]}: store all ")


# ------------------------------------------------------------------ a full disk (a small tmpfs: root, as CI runs)


@contextlib.contextmanager
def _tmpfs(folder: Path, kib: int) -> Iterator[Path]:
    if os.geteuid() != 0 and os.environ.get("CI", "") in ("", "false", "0"):
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def _used_kib(folder: Path) -> int:
    return sum(p.stat().st_blocks for p in folder.rglob("*") if p.is_file()) // 2


def test_kg_add_on_a_full_disk_is_one_sentence_and_leaves_the_workspace_as_it_was(
    pristine_workspace: Path, tmp_path: Path, undamaged: tuple[Path, str]
) -> None:
    data = tmp_path / "more.ttl"
    data.write_text("".join(f'<http://example.org/s{i}> <http://example.org/p> "v{i}" .\n' for i in range(200)))
    with _tmpfs(tmp_path / "disk", _used_kib(pristine_workspace) + 96) as disk:
        folder = disk / "ws"
        shutil.copytree(pristine_workspace, folder, symlinks=True)
        before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and p.name != "LOG"}
        added = run_kg("--workspace", str(folder), "add", str(data))
        assert (added.returncode, added.stdout) == (2, "")
        assert added.stderr == (f"kg: the workspace {folder} cannot be changed: its disk is full (or your quota is); "
                                "it is as it was: free some space and try again.\n")  # fmt: skip
        after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and p.name != "LOG"}
        assert after == before  # no unfinished generation left, no stored copy, the manifest as it was
        assert run_kg("--workspace", str(folder), "query", QUERY).stdout == undamaged[1]


def test_a_missing_generation_is_damage_too(pristine_workspace: Path, tmp_path: Path) -> None:
    workspace = workspace_copy(pristine_workspace, tmp_path / "ws")
    shutil.rmtree(workspace.store_folder / "1")
    with pytest.raises(StoreDamaged, match="its store generation 1 is missing"):
        KnowledgeGraph.open(workspace=tmp_path / "ws")
