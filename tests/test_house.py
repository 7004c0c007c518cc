"""The house rules of kg/, checked from the source with ast (nothing imported).

The package is built in layers (docs/architecture.md): a module imports only modules of its own
layer or below, never the package root (``kg/__init__.py`` is the public API, the top of the house),
and no two modules import each other round a cycle. Every import counts, module-level or inside a
function (a lazy import hides a cycle from Python, not from the reader). Every module says its
one job in a docstring, every public function and class is documented, no module passes 400 lines.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

KG = Path(__file__).resolve().parent.parent / "kg"


@functools.cache
def _tree(path: Path) -> ast.Module:
    """The module's syntax tree, parsed once for every test here."""
    return ast.parse(path.read_text(encoding="utf-8"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(KG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str, modules: set[str]) -> set[str]:
    """The kg modules ``path`` imports (``from . import x`` counts as importing kg.x when x is a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("kg")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if not target.startswith("kg"):
                continue
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in modules}
    # an import of a package's submodule runs the package's __init__ first: that edge is real but
    # never a design cycle of its own, so edges to enclosing packages are left out (but not the
    # root: a module that imports ``kg`` itself is reported by test_no_module_imports_the_package_root)
    return {m for m in found if m in modules and m != name and (m == "kg" or not name.startswith(m + "."))}


@functools.cache  # the tests only read it
def import_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in KG.rglob("*.py")}
    modules = set(files)
    return {name: _imports(path, name, modules) for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


# The layers, bottom to top. A module's layer is that of the longest name here it starts with.
LAYERS: list[tuple[str, ...]] = [
    ("kg.errors", "kg.namespaces", "kg.output", "kg.extras", "kg.cache", "kg.version", "kg.aliases"),  # foundation
    ("kg.sources", "kg.terms"),  # reading input; the one term model (it reads documents)
    ("kg.query",),  # named queries, parameters, results and their formats
    ("kg.validation", "kg.reasoning"),  # SHACL and OWL over documents and stores
    ("kg.graph",),  # the graphs: embedded, workspace, remote
    ("kg.ingest", "kg.analysis"),  # the write path; studying the graph
    ("kg.web",),  # kg serve and the static site
    ("kg.cli",),  # the kg command
]
MAX_TOP_LEVEL = 10  # modules directly in kg/, __init__ included


def layer(module: str) -> int:
    """The layer ``module`` belongs to (KeyError for a module no layer names)."""
    best = max(
        ((len(prefix), rank) for rank, names in enumerate(LAYERS) for prefix in names
         if module == prefix or module.startswith(prefix + ".")),
        default=None,
    )  # fmt: skip
    if best is None:
        raise KeyError(module)
    return best[1]


def test_the_graph_is_read() -> None:
    graph = import_graph()
    assert "kg.terms" in graph["kg.graph.embedded"]
    assert {"kg.cli.group", "kg.web.app", "kg.graph.remote.client"} <= set(graph)


def test_every_module_has_a_layer() -> None:
    unplaced = []
    for module in import_graph():
        try:
            layer(module)
        except KeyError:
            unplaced.append(module)
    assert unplaced == ["kg"]  # the package root is the public API, above every layer


def test_a_module_imports_only_its_layer_or_below() -> None:
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in import_graph().items() if module != "kg"
        for target in targets if target != "kg" and layer(target) > layer(module)
    )  # fmt: skip
    assert upward == []


def test_no_module_imports_the_package_root() -> None:
    assert sorted(module for module, targets in import_graph().items() if "kg" in targets) == []


def test_the_top_level_stays_small() -> None:
    assert len(list(KG.glob("*.py"))) <= MAX_TOP_LEVEL


def test_an_upward_import_would_be_found() -> None:
    assert layer("kg.cli.group") > layer("kg.graph.embedded") > layer("kg.sources.files") > layer("kg.errors")
    assert layer("kg.graph.remote.client") == layer("kg.graph")


def test_no_import_cycle_among_kg_modules() -> None:
    assert cycles(import_graph()) == []


def test_a_cycle_would_be_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


MAX_LINES = 400


def _public_undocumented(path: Path) -> list[str]:
    tree = _tree(path)
    missing = [] if ast.get_docstring(tree) else ["(module)"]
    pending: list[tuple[str, list[ast.stmt]]] = [("", tree.body)]
    while pending:
        prefix, body = pending.pop()
        for node in body:
            named = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            if named and not node.name.startswith("_"):
                if not ast.get_docstring(node):
                    missing.append(f"{prefix}{node.name} (line {node.lineno})")
                if isinstance(node, ast.ClassDef):
                    pending.append((f"{node.name}.", node.body))
    return missing


def test_every_module_and_public_name_is_documented() -> None:
    missing = {str(p.relative_to(KG.parent)): m for p in sorted(KG.rglob("*.py")) if (m := _public_undocumented(p))}
    assert missing == {}


def test_no_module_is_over_400_lines() -> None:
    sizes = {str(p.relative_to(KG.parent)): len(p.read_text(encoding="utf-8").splitlines()) for p in KG.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}
