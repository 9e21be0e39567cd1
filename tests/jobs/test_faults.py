"""The fault-injection runs at a small size, on both backends (#12).

``benchmarks/faults.py`` kills a plan and an import with SIGKILL and runs two plans and two
imports at once; ``nox -s bench -- --faults`` runs it at 20,000 children. Here the same
code runs at 40 children, so CI fails if a fault loses a row, leaves a duplicate or makes
a concurrent job fail.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _faults() -> ModuleType:
    sys.path.insert(0, str(BENCHMARKS))  # faults.py imports bench_store beside it
    spec = importlib.util.spec_from_file_location("yiyu_faults", BENCHMARKS / "faults.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_no_fault_loses_or_duplicates_a_row(backend: str, request: pytest.FixtureRequest) -> None:
    if backend == "postgresql":
        request.getfixturevalue("postgres")  # reachable, or skipped (a failure in CI)
    url = os.environ.get(
        "YIYU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    faults = _faults()
    outcomes = faults.run_faults(40, [backend], postgres_url=url)
    assert [o.fault for o in outcomes] == ["plan killed", "two plans", "import killed",
                                           "two imports"]  # fmt: skip
    for outcome in outcomes:
        assert outcome.expected > 0, outcome
        assert (outcome.lost, outcome.duplicates, outcome.extra) == (0, 0, 0), outcome
        assert outcome.failed_processes == 0, outcome
