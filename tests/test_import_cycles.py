"""No import cycles between the modules of osc-build's distributions.

A cycle hidden by an import inside a function still breaks when someone moves
that import to the top, and it ties two modules that should be one, or share a
third. So function-level imports count; only those under ``if TYPE_CHECKING:``
(never run) do not.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_ROOTS = [ROOT / "core/src", ROOT / "outscale/src", ROOT / "sim/src",
                *sorted((ROOT / "plugins").glob("*/src"))]


def module_files() -> dict[str, Path]:
    """Every module of every distribution, by dotted name."""
    modules = {}
    for source_root in SOURCE_ROOTS:
        for path in source_root.rglob("*.py"):
            parts = list(path.relative_to(source_root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported_names(module: str, path: Path) -> set[str]:
    """The dotted names ``module`` imports when it runs, wherever the import statement is."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), filename=str(path)))
    return names


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of ours that importing it runs.

    ``from p import m`` of a submodule runs m, not what p adds; importing
    ``a.b.c`` also runs the packages ``a`` and ``a.b`` (except the importer's own
    packages, already running when it is imported).
    """
    modules = module_files()
    graph = {}
    for module, path in modules.items():
        names = {name for name in imported_names(module, path) if name in modules}
        targets = {t for t in names if not any(other.startswith(t + ".") for other in names)}
        graph[module] = {package for target in targets for package in _packages_run(target)
                         if package in modules and not module.startswith(package + ".")
                         } - {module}
    return graph


def _packages_run(name: str) -> list[str]:
    """``a.b.c`` -> ``a``, ``a.b``, ``a.b.c``: what importing it runs, outermost first."""
    parts = name.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts) + 1)]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(_one_cycle(graph, set(component)))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def _one_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest path from the component's first module back to itself."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node] & component):
            if target == start:
                return [*paths[node], start]
            if target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    raise AssertionError(f"no cycle through {start}")


def test_imports_inside_functions_count_and_type_only_ones_do_not(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text("from typing import TYPE_CHECKING\n"
                    "from . import sibling\n"
                    "if TYPE_CHECKING:\n    from pkg.types import Hint\n"
                    "def late():\n    from pkg.other import thing\n")
    assert imported_names("pkg.mod", path) == {
        "typing", "typing.TYPE_CHECKING", "pkg", "pkg.sibling", "pkg.other", "pkg.other.thing"}


def test_cycles_are_found_and_named():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]


def test_no_module_imports_itself_back():
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" -> ".join(c) for c in found)
