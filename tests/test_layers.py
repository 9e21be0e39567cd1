"""The layers of docs/architecture.md hold: the contracts in pyproject.toml, checked by
import-linter over the installed package (annotations count: an import under
``TYPE_CHECKING`` is an arrow too)."""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path
from typing import Any

from importlinter.cli import lint_imports

import yiyu

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"

# The shell: modules that read files, the clock or a database, print, or serve tests.
SHELL = {"yiyu.cli", "yiyu.exchange", "yiyu.jobs", "yiyu.reports", "yiyu.store", "yiyu.testing"}


def _contracts() -> dict[str, dict[str, Any]]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def test_every_contract_is_kept() -> None:
    assert lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True) == 0


def test_the_pure_core_is_every_module_outside_the_shell() -> None:
    """A new top-level module must be placed: in the shell, or in the core the contract
    keeps from importing the shell."""
    modules = {f"yiyu.{m.name}" for m in pkgutil.iter_modules(yiyu.__path__)}
    contract = _contracts()["pure-core"]
    assert set(contract["forbidden_modules"]) == SHELL
    assert set(contract["source_modules"]) == modules - SHELL


def test_printing_the_store_and_exchange_know_nothing_of_jobs() -> None:
    shell = _contracts()["shell"]
    layers = ["yiyu.cli", "yiyu.jobs", "yiyu.reports | yiyu.store | yiyu.exchange"]
    assert shell["layers"] == layers
