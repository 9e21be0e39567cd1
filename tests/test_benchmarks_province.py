"""The province run measures every job in stages that resume where they stopped (#14).

``benchmarks/run.py --province`` at 1.2 M children takes about an hour and a half per
backend; here the same stages run at 300 children in a temporary directory: stopped after
the full plan, the store deleted (a run resumed on another machine), resumed. Every job's
figures must then be there once, and the page must name only figures the harness produces.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from test_benchmarks_page import produced, published

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "benchmarks" / "run.py"
SIZE = 300

# Every job the province run measures, as its figures are named at SIZE on SQLite.
JOBS = [
    "engine.schedule.300",
    "engine.schedule_collector_on.300",
    *(
        f"{kind}.sqlite.300"
        for kind in (
            "import.children",
            "import.peak_memory",
            "plan.full",
            "plan.peak_memory",
            "store.bytes_per_obligation",
            "plan.full_2_workers",
            "plan.full_both_cores",
            "plan.incremental",
            "incremental.peak_memory",
            "worklist",
            "worklist.peak_memory",
            "coverage",
            "coverage.both_cores",
            "coverage.peak_memory",
            "export.fhir",
        )
    ),
]


def province(tmp_path: Path, *options: str, size: int = SIZE) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(RUN), "--province", "--province-size", str(size),
               "--backends", "sqlite", "--no-pdf", "--state", str(tmp_path / "state"),
               "--out", str(tmp_path / "out"), *options]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIYU_")}
    return subprocess.run(
        command, capture_output=True, text=True, timeout=600, env=env, check=False
    )


def stages(tmp_path: Path) -> dict[str, str]:
    state = json.loads((tmp_path / "state" / "state.json").read_text(encoding="utf-8"))
    return {name: record["status"] for name, record in state["stages"].items()}


def test_a_stopped_province_run_resumes_and_measures_every_job_once(tmp_path: Path) -> None:
    first = province(tmp_path, "--stop-after", "plan.sqlite")
    assert first.returncode == 0, first.stderr
    assert stages(tmp_path) == dict.fromkeys(
        ["cohort", "raw.sqlite", "load.sqlite", "import.sqlite", "plan.sqlite"], "done"
    )
    page = (tmp_path / "out" / "benchmarks-province.md").read_text(encoding="utf-8")
    assert "Not every stage has finished" in page
    assert (
        "`coverage.sqlite` (coverage for 2026Q2 against its SQL (peak memory)): not run yet" in page
    )

    (tmp_path / "state" / f"s{SIZE}.db").unlink()  # resumed on a machine without the store
    second = province(tmp_path)
    assert second.returncode == 0, second.stderr
    assert "stage cohort" not in second.stderr  # the finished stages did not run again
    assert set(stages(tmp_path).values()) == {"done"}

    figures = json.loads((tmp_path / "out" / "benchmarks-province.json").read_text("utf-8"))
    names = [f["name"] for f in figures]
    assert sorted(names) == sorted(JOBS)  # every job, each once
    page = (tmp_path / "out" / "benchmarks-province.md").read_text(encoding="utf-8")
    assert published(tmp_path / "out" / "benchmarks-province.md") == names
    patterns = produced()
    assert [n for n in names if not any(p.fullmatch(n) for p in patterns)] == []
    assert "**one run of each job**" in page
    assert "the store was gone when `footprint` began" in page
    assert "Not every stage has finished" not in page
    assert not (tmp_path / "state" / f"s{SIZE}.db").exists()  # done: the stores are dropped


def test_a_state_of_another_size_is_not_resumed(tmp_path: Path) -> None:
    assert province(tmp_path, "--stop-after", "cohort").returncode == 0
    other = province(tmp_path, "--stop-after", "cohort", size=SIZE + 100)
    assert other.returncode == 2
    assert f"holds a run of {SIZE} children" in other.stderr
    again = province(tmp_path, "--stop-after", "cohort", "--restart", size=SIZE + 100)
    assert again.returncode == 0, again.stderr
    state = json.loads((tmp_path / "state" / "state.json").read_text(encoding="utf-8"))
    assert state["size"] == SIZE + 100
