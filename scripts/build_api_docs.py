"""Generate the API reference (docs/api/) from the docstrings of the kg package with pdoc.

    python scripts/build_api_docs.py            # writes docs/api/
    python scripts/build_api_docs.py --out DIR  # somewhere else (the tests build into a temporary folder)

The output is static HTML with a search index, committed so that the README can link to it;
regenerate it after changing a docstring.
"""

from __future__ import annotations

import argparse
import pkgutil
import shutil
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(out: Path) -> list[Path]:
    """Write the reference of ``kg`` and every submodule into ``out`` (replacing it); returns the pages."""
    import pdoc
    import pdoc.render

    pdoc.render.configure(
        docformat="restructuredtext",  # the docstrings' ``literals`` and :func:`roles`
        show_source=False,  # the repository is the source; pages stay small
        footer_text="smartcity-kg",
        search=False,  # its index would be 2 MB in the repository
    )
    import kg

    # Every module by name: with ``__all__`` in kg/__init__.py, pdoc would list only the submodules named there.
    # walk_packages reaches the subpackages' modules too (kg.validation.*).
    modules = ["kg", *sorted(info.name for info in pkgutil.walk_packages(kg.__path__, "kg."))]
    if out.exists():
        shutil.rmtree(out)
    with warnings.catch_warnings():  # "kg" already adds kg.validate (a name in its __all__): harmless
        warnings.filterwarnings("ignore", message="The module specification", category=UserWarning)
        pdoc.pdoc(*modules, output_directory=out)
    return sorted(out.rglob("*.html"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "api", help="folder to write (default docs/api)")
    args = parser.parse_args()
    pages = build(args.out)
    print(f"wrote {len(pages)} pages into {args.out}")


if __name__ == "__main__":
    main()
