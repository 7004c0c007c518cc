"""The package's version, read from its installed metadata (pyproject.toml writes it once)."""

from importlib import metadata

try:
    __version__ = metadata.version("smartcity-kg")
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
