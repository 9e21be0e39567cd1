"""yiyu.data is core: it reads files and builds values, and imports no shell module."""

from __future__ import annotations

import ast
from pathlib import Path

import yiyu.data

PACKAGE = Path(yiyu.data.__file__).parent
ALLOWED = ("yiyu.data", "yiyu.errors")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_the_data_layer_imports_only_itself_and_the_errors() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        own = {name for name in _imports(path) if name.split(".")[0] == "yiyu"}
        assert all(name.startswith(ALLOWED) for name in own), (path.name, own)
