"""The shape of ``chalicelib``: no import circle (imports inside functions count) and ``api/`` on top.

Why: a circle hidden behind an import inside a function still ties two modules together,
and a lower layer that imports the HTTP layer cannot be read, tested or reused without it.
``if TYPE_CHECKING:`` imports are left out: they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "chalicelib"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imported(tree: ast.AST) -> list[tuple[str, list[str]]]:
    """(module, names) for every import statement that can run, wherever it is."""
    found: list[tuple[str, list[str]]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    """Each chalicelib module -> the chalicelib modules it imports (a package import runs its ``__init__``)."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for module, names in _imported(ast.parse(path.read_text())):
            if not module.startswith("chalicelib"):
                continue
            targets = [f"{module}.{n}" if f"{module}.{n}" in modules else module for n in names] or [module]
            for target in targets:
                parts = target.split(".")
                for i in range(2, len(parts) + 1):  # importing a.b.c runs a.b's __init__ first
                    prefix = ".".join(parts[:i])
                    if prefix in modules and prefix != name:
                        graph[name].add(prefix)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def connect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def test_the_checker_finds_a_circle_through_an_import_inside_a_function() -> None:
    tree = ast.parse("def f():\n    from chalicelib.b import x\n")
    assert _imported(tree) == [("chalicelib.b", ["x"])]
    assert cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
    assert _imported(ast.parse("if TYPE_CHECKING:\n    from chalicelib.b import x\n")) == []


def test_chalicelib_has_no_import_circle() -> None:
    assert cycles(import_graph()) == []


def test_nothing_below_api_imports_api() -> None:
    graph = import_graph()
    crossing = sorted(
        f"{name} -> {target}"
        for name, targets in graph.items()
        if not name.startswith("chalicelib.api")
        for target in targets
        if target.startswith("chalicelib.api")
    )
    assert crossing == []


def test_the_top_level_stays_small() -> None:
    assert len(list(PACKAGE.glob("*.py"))) <= 12
    too_long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 400}
    assert too_long == {}
