"""`yiyu export ics` in process: the files it writes and its one-line errors."""

from __future__ import annotations

from pathlib import Path

import icalendar
import pytest
from typer.testing import CliRunner

import yiyu
from yiyu.cli import app
from yiyu.jobs.export_ics import feed_token
from yiyu.store.database import make_engine
from yiyu.store.sql import SqlRepository

runner = CliRunner()
DAY = ["--as-of", "2026-05-06"]


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'yiyu.db'}"
    assert runner.invoke(app, ["--db", url, "db", "upgrade"]).exit_code == 0
    engine = make_engine(url)
    SqlRepository(engine).save_children(
        [yiyu.Child(id="C1", name="王小红", sex="F", birth_date="2026-01-31",
                    discharge_date="2026-02-03", township="城关街道", family_doctor="FD-1"),
         yiyu.Child(id="C2", name="李小明", sex="M", birth_date="2025-11-30",
                    discharge_date="2025-12-02", township="城关街道", family_doctor="FD-1")]
    )  # fmt: skip
    engine.dispose()
    assert runner.invoke(app, ["--db", url, "plan", *DAY]).exit_code == 0
    return url


def test_a_childs_feed(db: str, tmp_path: Path) -> None:
    out = tmp_path / "c1.ics"
    result = runner.invoke(app, ["--db", db, "export", "ics", "--child", "C1", *DAY,
                                 "--alarm-days", "7", "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    uids = {str(todo["UID"]) for todo in cal.walk("VTODO")}
    assert "child:C1/m3@yiyu" in uids
    assert all(uid.startswith("child:C1/") for uid in uids)
    assert f"{len(uids)} items in" in result.output
    again = runner.invoke(app, ["--db", db, "export", "ics", "--child", "C1", *DAY,
                                "--alarm-days", "7", "--out", str(out)])  # fmt: skip
    assert "(unchanged)" in again.output
    events = tmp_path / "e.ics"
    runner.invoke(app, ["--db", db, "export", "ics", "--child", "C1", *DAY, "--as", "events",
                        "--no-alarm", "--out", str(events)])  # fmt: skip
    cal = icalendar.Calendar.from_ical(events.read_bytes())
    assert len(cal.walk("VEVENT")) == len(uids)
    assert not cal.walk("VALARM")


def test_each_child_needs_a_secret_and_an_index(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    web, index = tmp_path / "web", tmp_path / "index.csv"
    args = ["--db", db, "export", "ics", "--each-child", *DAY, "--out", str(web)]
    monkeypatch.delenv("YIYU_ICS_SECRET", raising=False)
    no_index = runner.invoke(app, args)
    assert (no_index.exit_code, no_index.output.count("\n")) == (2, 1)
    assert "--index" in no_index.output
    no_secret = runner.invoke(app, [*args, "--index", str(index)])
    assert no_secret.exit_code == 2
    assert "YIYU_ICS_SECRET" in no_secret.output
    monkeypatch.setenv("YIYU_ICS_SECRET", "a secret long enough for the test")
    result = runner.invoke(app, [*args, "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert "2 feeds" in result.output
    secret = b"a secret long enough for the test"
    assert (web / f"{feed_token(secret, 'C1')}.ics").exists()
    status = runner.invoke(app, ["--db", db, "status"])
    assert "export_ics" in status.output
    assert "王小红" not in status.output


@pytest.mark.parametrize(
    ("selectors", "message"),
    [
        ([], "give one of --clinician, --township, --child or --each-child"),
        (["--child", "C1", "--township", "城关街道"], "(given: --township, --child)"),
        (["--child", "C1", "--as", "xml"], "--as='xml'"),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    db: str, tmp_path: Path, selectors: list[str], message: str
) -> None:
    out = tmp_path / "x.ics"
    result = runner.invoke(app, ["--db", db, "export", "ics", *selectors, "--out", str(out)])
    assert result.exit_code == 2
    assert result.output.startswith("error:")
    assert message in result.output
    assert result.output.count("\n") == 1
    assert not out.exists()


def test_an_unknown_child_is_one_line_exit_1(db: str, tmp_path: Path) -> None:
    out = tmp_path / "x.ics"
    result = runner.invoke(app, ["--db", db, "export", "ics", "--child", "C9", *DAY,
                                 "--out", str(out)])  # fmt: skip
    assert result.exit_code == 1
    assert result.output.startswith("error:")
    assert "child='C9'" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
