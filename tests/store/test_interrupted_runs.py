"""Killed runs: a job killed with ``kill -9`` never records its end; ``yiyu status`` and
``Repository.runs()`` show it as ``interrupted`` (derived from the process id and host
stored when it started), not ``running`` for ever. Status shows every job, in local
time."""

from __future__ import annotations

import json
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pendulum
import pytest
from sqlalchemy import Engine, inspect, text
from typer.testing import CliRunner

import yiyu
from yiyu.cli import app
from yiyu.store.api import JobRun, run_status
from yiyu.store.database import make_engine, upgrade
from yiyu.store.sql import SqlRepository

runner = CliRunner()


STALLED_PLAN = """
import sys, time, pendulum, yiyu
from yiyu.jobs.planning import plan
from yiyu.store.database import make_engine
from yiyu.store.sql import SqlRepository

def stall(done, total):
    print("planning", flush=True)
    time.sleep(600)  # killed here, with nothing in flight

plan(SqlRepository(make_engine(sys.argv[1])), yiyu.load_protocol(),
     as_of=pendulum.Date(2026, 3, 1), progress=stall)
"""


def _status_row(url: str, job: str) -> list[str]:
    result = runner.invoke(app, ["--db", url, "status"])
    assert result.exit_code == 0, result.output
    [row] = [line for line in result.output.splitlines() if f"│ {job} " in line]
    return [cell.strip() for cell in row.split("│")[1:-1]]


def test_a_plan_killed_with_sigkill_shows_as_interrupted(store: tuple[str, Engine]) -> None:
    url, engine = store
    repo = SqlRepository(engine)
    repo.save_children([yiyu.Child(id="C1", name="王小红", sex="F", birth_date="2026-01-31")])
    process = subprocess.Popen(
        [sys.executable, "-c", STALLED_PLAN, url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 120)
        assert ready, "the plan did not start"
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "planning", process.stderr
        [run] = repo.runs(limit=1)
        assert (run.job, run.status, run.pid, run.host) == (
            "plan", "running", process.pid, socket.gethostname()
        )  # fmt: skip
        assert _status_row(url, "plan")[2] == "running"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()  # reaped: a zombie would still answer kill(pid, 0)
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    [run] = repo.runs(limit=1)
    assert run.status == "interrupted"
    assert run.finished_at is None  # the fact stored is unchanged: it never finished
    assert _status_row(url, "plan")[2] == "interrupted"


def _run(**overrides: Any) -> JobRun:
    values: dict[str, Any] = {
        "id": 1, "job": "plan", "started_at": pendulum.datetime(2026, 5, 6, 1, 30),
        "finished_at": None, "status": "running", "counts": {}, "error": None,
        "pid": 4242, "host": "clinic-1",
    }  # fmt: skip
    return JobRun(**{**values, **overrides})


@pytest.mark.parametrize(
    ("run", "alive", "shown"),
    [
        (_run(), False, "interrupted"),  # its process is gone
        (_run(), True, "running"),
        (_run(host="clinic-2"), False, "running"),  # another host's: cannot be probed here
        (_run(pid=None, host=None), False, "running"),  # recorded before pids were kept
        (_run(status="succeeded"), False, "succeeded"),  # finished: as recorded
        (_run(status="failed"), False, "failed"),
    ],
)
def test_a_run_is_interrupted_only_if_its_process_is_known_to_be_gone(
    run: JobRun, alive: bool, shown: str
) -> None:
    assert run_status(run, host="clinic-1", alive=lambda pid: alive) == shown


def test_status_shows_record_and_render_runs_in_local_time(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'yiyu.db'}"
    engine = make_engine(url)
    upgrade(engine)
    SqlRepository(engine).save_children(
        [yiyu.Child(id="C1", name="王小红", sex="F", birth_date="2026-01-31")]
    )
    visit = tmp_path / "visit.json"
    visit.write_text(json.dumps({"id": "E1", "subject_id": "C1", "on": "2026-05-06"}))
    day = ["--as-of", "2026-05-06"]
    assert runner.invoke(app, ["--db", url, "record", str(visit), *day]).exit_code == 0
    missing = tmp_path / "missing.json"
    missing.write_text(json.dumps({"id": "E2", "subject_id": "C9", "on": "2026-05-06"}))
    assert runner.invoke(app, ["--db", url, "record", str(missing), *day]).exit_code == 1
    rendered = runner.invoke(app, ["--db", url, "render", "--out", str(tmp_path / "pdf"),
                                   "--as-of", "2027-01-01", "--township", "无此镇街",
                                   "--institution", "城关卫生院"])  # fmt: skip
    assert rendered.exit_code == 0, rendered.output
    with engine.begin() as connection:  # a run started at 01:30 UTC: 09:30 in Shanghai
        connection.execute(
            text(
                "INSERT INTO job_run (job, started_at, finished_at, status, counts) VALUES "
                "('import_children', '2026-05-06 01:30:00', '2026-05-06 01:31:05', "
                "'succeeded', '{}')"
            )
        )
    engine.dispose()
    assert _status_row(url, "render")[2] == "succeeded"
    record_rows = [
        line for line in runner.invoke(app, ["--db", url, "status"]).output.splitlines()
        if "│ record " in line
    ]  # fmt: skip
    assert sorted(row.split("│")[3].strip() for row in record_rows) == ["failed", "succeeded"]
    imported = _status_row(url, "import_children")
    assert imported[3:5] == ["2026-05-06 09:30:00", "2026-05-06 09:31:05"]


def test_a_run_recorded_before_pids_were_kept_stays_as_it_was(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'yiyu.db'}")
    upgrade(engine, "0005")
    assert "pid" not in {c["name"] for c in inspect(engine).get_columns("job_run")}
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO job_run (job, started_at, status, counts) "
                "VALUES ('plan', '2026-05-06 01:30:00', 'running', '{}')"
            )
        )
    upgrade(engine)
    [run] = SqlRepository(engine).runs()
    assert (run.status, run.pid, run.host) == ("running", None, None)
    engine.dispose()
