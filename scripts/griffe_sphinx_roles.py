"""A griffe extension for the documentation site: the docstrings' Sphinx roles shown as code.

The docstrings of kg write ``:class:`kg.KgError```, ``:meth:`dicts``` and the like (help() and IDEs show
them as they are); mkdocstrings renders docstrings as Markdown, where the role's name would show as text.
This drops the role and keeps the name as inline code. mkdocs.yml loads it (mkdocstrings' python handler,
``extensions: [scripts/griffe_sphinx_roles.py]``); it changes what the site shows, never the package.
"""

from __future__ import annotations

import re
from typing import Any

from griffe import Extension, Object

ROLE = re.compile(r":(?:py:)?(?:class|meth|func|mod|data|attr|exc|obj):`~?([^`]+)`")


class SphinxRoles(Extension):
    """Rewrites ``:role:`name``` to ``name`` in inline code in every docstring griffe loads."""

    def on_instance(self, *, obj: Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(r"`\1`", obj.docstring.value)
