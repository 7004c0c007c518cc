"""The release's identity: the package's version, read from its installed metadata (pyproject.toml
writes it, once), and the licences and version IRI the graph, the VoID and the site state with it.

The ``Version:`` line of the installed distribution's METADATA is read directly: importing
importlib.metadata (email parsing, zipfile, sockets) would cost every ``kg`` command about 20 ms
of its 0.15 s start. When no such file is on the path, importlib.metadata is asked after all
(an egg, a zip), and a source tree that was never installed says ``0+unknown``.
"""

from __future__ import annotations

import sys
from pathlib import Path

DISTRIBUTION = "smartcity-kg"


def _from_metadata_file() -> str | None:
    """The version in the first ``smartcity_kg-*.dist-info/METADATA`` on sys.path, or None."""
    stem = DISTRIBUTION.replace("-", "_")
    for entry in sys.path:
        try:
            found = sorted(Path(entry or ".").glob(f"{stem}-*.dist-info/METADATA"))
        except OSError:  # an unreadable or vanished path entry: the next one may hold it
            continue
        for metadata in found:
            with metadata.open(encoding="utf-8") as lines:
                for line in lines:
                    if line.startswith("Version:"):
                        return line.removeprefix("Version:").strip()
                    if not line.strip():  # the headers end at the first blank line
                        break
    return None


def _version() -> str:
    found = _from_metadata_file()
    if found is not None:
        return found
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


__version__ = _version()

# What the release states about itself (docs/reference/licence.md says which licence and why). The ontology's
# header writes the same version IRI and licence; tests/test_release.py checks they agree.
CODE_LICENSE = "https://opensource.org/license/mit"  # the kg package, scripts and tests: LICENSE
DATA_LICENSE = "https://creativecommons.org/licenses/by/4.0/"  # the project's own data and ontology: LICENSE-data
DATA_LICENSE_NAME = "CC BY 4.0"
ONTOLOGY = "https://w3id.org/smartcity-kg/ontology"
ONTOLOGY_VERSION_IRI = f"{ONTOLOGY}/{__version__}"
CREATOR = "https://w3id.org/smartcity-kg/id/agent/smartcity-kg"  # agent:smartcity-kg, as the data attributes it
