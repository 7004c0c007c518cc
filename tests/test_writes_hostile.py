"""Writes only to what they own, and no traceback at the command line's edges (issue 21, items 2 and 5).

- every ``--out FILE`` refuses a device, a named pipe, a socket, or a symlink to one, with one
  sentence and exit 2, and leaves it as it was (kg.output.file_target; ``/dev/full`` was replaced
  by a regular file);
- ``kg publish`` replaces a folder only when its manifest lists every file in it, unchanged, and
  removes what a killed run left beside it, never what another run is still using
  (kg.web.sitemanifest);
- ``kg serve --port`` out of range and arguments that are not UTF-8 are one sentence, exit 2;
- a control character in a name reaches the terminal escaped (kg.errors.shown).

All in this process, on files made in tmp_path: a device node is made with mknod when the run
is root; otherwise /dev/full itself, which a user cannot replace even if the check were gone.
"""

from __future__ import annotations

import json
import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.cli.boundary import run
from kg.cli.group import cli
from kg.errors import OutputError, shown
from kg.output import write_atomically
from kg.web.sitemanifest import MANIFEST, MARKER, check_site, claim, manifest, remove_leftovers
from tests.conftest import ROOT, run_kg

SHEET = ROOT / "data" / "templates" / "framework.csv"
OBSERVATIONS = ROOT / "data" / "observations" / "u4ssc-verification-reports.csv"
OUT_COMMANDS = {  # every command with an --out FILE, with the arguments it needs
    "reason": ["reason"],
    "import": ["import", str(SHEET), "--framework", "demo"],
    "import-observations": ["import-observations", str(OBSERVATIONS)],
}


@pytest.fixture
def targets(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """Outputs that are not regular files: a character device, a FIFO, a socket, and symlinks to the first two."""
    device = tmp_path / "full"
    if os.geteuid() == 0:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    else:
        device = Path("/dev/full")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "socket"))
    (tmp_path / "to-device").symlink_to(device)
    (tmp_path / "to-fifo").symlink_to(fifo)
    yield {name: tmp_path / name if name != "device" else device for name in
           ("device", "fifo", "socket", "to-device", "to-fifo")}  # fmt: skip
    server.close()


def _state(path: Path) -> tuple[int, int, int]:
    """What a write must not change: the node's type and mode, its device number and its inode."""
    info = path.lstat()
    return info.st_mode, info.st_rdev, info.st_ino


@pytest.mark.parametrize("command", OUT_COMMANDS)
def test_out_refuses_what_is_not_a_regular_file_and_leaves_it(command, targets, tmp_path):
    before = {name: _state(path) for name, path in targets.items()}
    for name, path in targets.items():
        result = run_kg(*OUT_COMMANDS[command], "--out", str(path))
        assert result.returncode == 2, (name, result.stderr)
        kind = {"device": "a character device", "socket": "a socket"}.get(name.removeprefix("to-"), "a named pipe")
        assert result.stderr.count("\n") == 1 and f"cannot write {path}: " in result.stderr and kind in result.stderr
        assert ("it leads to" in result.stderr) == name.startswith("to-")
    assert {name: _state(path) for name, path in targets.items()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_the_atomic_write_itself_refuses_them_and_writes_through_a_symlink_to_a_file(targets, tmp_path):
    before = {name: _state(path) for name, path in targets.items()}
    for path in targets.values():
        with pytest.raises(OutputError, match="not a regular file; give the name of a new or regular file"):
            write_atomically(path, b"data")
    assert {name: _state(path) for name, path in targets.items()} == before
    real, link = tmp_path / "real.ttl", tmp_path / "link.ttl"
    real.write_text("old")
    link.symlink_to(real)
    write_atomically(link, b"new")
    assert link.is_symlink() and real.read_text() == "new"


# ------------------------------------------------------------------ kg publish: its manifest and its leftovers


def _site(root: Path) -> Path:
    """A small site as kg publish leaves one: its files and the manifest listing them."""
    for name, text in (("index.html", "<p>home"), ("id/a.html", "<p>a"), ("id/deep/b.ttl", "<b> <p> 1 .")):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / MANIFEST).write_bytes(manifest(root, {"generator": "kg publish (test)"}))
    return root


@pytest.mark.parametrize(
    "forged",
    [
        b"",
        b"{}",
        b'{"files": {}}',
        b'{"files": {"thesis.tex": {"size": 9, "sha256": "0000"}}}',  # lists the user's file, with a wrong checksum
    ],
    ids=["empty", "no-list", "empty-list", "wrong-checksum"],
)
def test_publish_deletes_nothing_in_a_folder_its_manifest_does_not_prove(tmp_path, forged):
    out = tmp_path / "mine"
    out.mkdir()
    (out / MANIFEST).write_bytes(forged)
    (out / "thesis.tex").write_text("precious")
    result = run_kg("publish", "--out", str(out))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "nothing was deleted" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted([MANIFEST, "thesis.tex"])
    assert (out / "thesis.tex").read_text() == "precious" and (out / MANIFEST).read_bytes() == forged
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_a_site_is_proven_only_by_its_files_unchanged_and_nothing_else(tmp_path):
    site = _site(tmp_path / "site")
    assert check_site(site) is True
    (site / "id/a.html").unlink()  # a file the manifest lists may be gone
    assert check_site(site) is True
    changes = {
        "a file of the user's": lambda: (site / "id" / "notes.txt").write_text("mine"),
        "an edited page": lambda: (site / "index.html").write_text("<p>edited"),
        "a folder of the user's": lambda: (site / "drafts").mkdir(),
        "a symlink": lambda: (site / "id/c.html").symlink_to(site / "index.html"),
    }
    for what, change in changes.items():
        site = _site(tmp_path / what.replace(" ", "-").replace("'", ""))
        change()
        with pytest.raises(OutputError, match="nothing was deleted"):
            check_site(site)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="is a named pipe"):
        check_site(fifo)


def test_leftovers_of_killed_runs_are_removed_and_nothing_else(tmp_path):
    out = tmp_path / "site"
    folders = {name: tmp_path / f".site.{name}" for name in
               ("publish-killed", "publish-running", "publish-foreign", "publish-forged", "old-killed")}  # fmt: skip
    for folder in folders.values():
        (folder / "id").mkdir(parents=True)
        (folder / "id" / "a.html").write_text("x")
    claim(folders["publish-killed"]).close()  # as kill -9 leaves it: the marker, its lock dropped
    running = claim(folders["publish-running"])  # another run's build, still going
    (folders["publish-forged"] / MARKER).write_text("not ours")
    (folders["old-killed"] / "site").mkdir()
    (folders["old-killed"] / "site" / MANIFEST).write_text("{}")  # the previous site, killed between the renames
    claim(folders["old-killed"]).close()
    try:
        removed = remove_leftovers(out)
    finally:
        running.close()
    assert sorted(p.name for p in removed) == [".site.old-killed", ".site.publish-killed"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".site.publish-foreign", ".site.publish-forged", ".site.publish-running", "site"]  # fmt: skip
    assert (out / MANIFEST).read_text() == "{}"  # the previous site is back in its place


def test_publish_removes_a_killed_runs_leftover_even_when_it_refuses_the_folder(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    leftover = tmp_path / ".mine.publish-abcd1234"
    leftover.mkdir()
    claim(leftover).close()
    assert run_kg("publish", "--out", str(out)).returncode == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"] and (out / "notes.txt").read_text() == "mine"


# ------------------------------------------------------------------ no traceback at the edges


@pytest.mark.parametrize("port", ["-1", "65536", "99999999999", "abc"])
def test_a_port_out_of_range_is_one_sentence(port, capsys):
    assert run(cli, ["serve", "--port", port]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("kg serve: invalid value for '--port'") and port in error


not_utf8 = st.binary(min_size=1, max_size=12).filter(lambda raw: not _is_utf8(raw))


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=not_utf8, where=st.sampled_from(["parameter", "query", "out"]))
def test_an_argument_that_is_not_utf8_is_one_sentence(raw, where, tmp_path):
    text = raw.decode("utf-8", "surrogateescape")  # what Python makes of such bytes in sys.argv
    args = {
        "parameter": ["query", "kpi-details", "-p", f"code={text}"],
        "query": ["query", text],
        "out": ["reason", "--out", str(tmp_path / text)],
    }[where]
    result = run_kg(*args)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "is not valid UTF-8" in result.stderr and f"({shown(args[-1])})" in result.stderr
    assert not list(tmp_path.iterdir())


def test_control_characters_in_names_are_printed_escaped(tmp_path):
    sheet = tmp_path / "\x1b[31mred\x1b]0;title\x07.csv"
    sheet.write_text("a,b\n")
    result = run_kg("import", str(sheet), "--framework", "demo", "--out", str(tmp_path / "x.ttl"))
    assert result.returncode == 2 and "\\x1b[31mred\\x1b]0;title\\x07.csv" in result.stderr
    missing = run_kg("add", "no\x1b[2Jsuch\nkg: forged.ttl")
    assert missing.returncode == 2 and "no\\x1b[2Jsuch\\nkg: forged.ttl" in missing.stderr
    for error in (result.stderr, missing.stderr):
        assert not any(char in error for char in "\x1b\x07") and error.count("\n") == 1
    assert shown("a\u202eb\udcff\x9b") == "a\\u202eb\\xff\\x9b"


def test_the_manifest_lists_every_file_with_its_size_and_checksum(tmp_path):
    site = _site(tmp_path / "site")
    files = json.loads((site / MANIFEST).read_text())["files"]
    assert sorted(files) == ["id/a.html", "id/deep/b.ttl", "index.html"]
    checksum = "e71530e478475c7fb8137fe05abfac99f310334a496d9294dedc93cbaf1d3000"  # sha256sum of "<p>a"
    assert files["id/a.html"] == {"size": 4, "sha256": checksum}
