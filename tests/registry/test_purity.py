"""The registry's parsing is core: it imports nothing from the shell (#13)."""

from __future__ import annotations

import ast
from importlib.resources import files

import yiyu.registry

SHELL = ("yiyu.store", "yiyu.jobs", "yiyu.reports", "yiyu.cli", "yiyu.testing")


def imported_modules(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_registry_imports_nothing_from_the_shell() -> None:
    modules = [f for f in files(yiyu.registry).iterdir() if f.name.endswith(".py")]
    assert len(modules) > 1
    for module in modules:
        shell = {
            name
            for name in imported_modules(module.read_text(encoding="utf-8"))
            if any(name == top or name.startswith(f"{top}.") for top in SHELL)
        }
        assert shell == set(), module.name
