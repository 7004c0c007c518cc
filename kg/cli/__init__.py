"""The ``kg`` command line: a thin click layer over the library, one module per command family."""

from kg.cli.group import main

__all__ = ["main"]
