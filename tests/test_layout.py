"""The package's shape: imports run one way (no loop between modules, lazy
imports included), and restoring never needs the builder."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

PACKAGE = Path(__file__).resolve().parent.parent / "restore"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The package modules a module imports: when it runs, lazily in its
    functions, or for type checkers (a loop there is a loop in the design)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("restore"):
                # "from . import neural" names a module; "from .x import y" names a module x
                for alias in node.names:
                    candidate = f"{target}.{alias.name}"
                    found.add(candidate if _is_module(candidate) else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("restore"))
    found.discard(name)
    return found


def _is_module(dotted: str) -> bool:
    path = PACKAGE.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}


def test_no_import_loop_in_the_package():
    graph = _graph()
    assert "restore.api" in graph and "restore.formats" in graph["restore.api"]
    loops = []

    def visit(node: str, trail: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in trail:
                loops.append(trail[trail.index(nxt):] + [nxt])
            elif nxt not in done:
                visit(nxt, trail + [nxt])
        done.add(node)

    done: set[str] = set()
    for start in sorted(graph):
        if start not in done:
            visit(start, [start])
    # A package imports its submodules' names for its users; that is not a loop.
    loops = [loop for loop in loops if not any(a.startswith(b + ".") or b.startswith(a + ".")
                                               for a, b in itertools.pairwise(loop))]
    assert loops == [], loops


def test_restoring_never_imports_the_builder():
    graph = _graph()
    reached, todo = set(), ["restore.api", "restore.formats", "restore.terms", "restore.cluster"]
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo.extend(graph.get(module, ()))
    assert not any(m.startswith("restore.build") for m in reached), sorted(reached)
