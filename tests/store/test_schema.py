"""A store that was never upgraded (or is behind): every command says ``run yiyu db
upgrade`` in one line with exit code 2, and creates nothing; ``yiyu db upgrade`` says
what it did."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from yiyu.cli import app
from yiyu.store.database import (
    SchemaError,
    check_schema,
    head_revision,
    make_engine,
    schema_revision,
    upgrade,
)

runner = CliRunner()
HEAD = head_revision()


def _commands(tmp_path: Path) -> list[list[str]]:
    """Every command that reads or writes the store."""
    visit = tmp_path / "visit.json"
    visit.write_text(json.dumps({"id": "E1", "subject_id": "C1", "on": "2026-05-06"}))
    children = tmp_path / "children.csv"
    children.write_text("编号,姓名,性别,出生日期\nC1,王小红,女,2026-01-31\n", encoding="utf-8")
    holidays = tmp_path / "2027.toml"
    holidays.write_text('year = 2027\nsource = "示例"\n', encoding="utf-8")
    return [
        ["status"],
        ["plan", "--as-of", "2026-05-06"],
        ["worklist", "--as-of", "2026-05-06"],
        ["coverage", "--period", "2026Q1"],
        ["render", "--out", str(tmp_path / "pdf"), "--as-of", "2026-05-06"],
        ["record", str(visit), "--as-of", "2026-05-06"],
        ["import", "children", str(children)],
        ["holidays", "list"],
        ["holidays", "add", str(holidays)],
    ]


def _error_line(result: Any) -> str:
    [line] = [line for line in result.output.splitlines() if line.startswith("error:")]
    return line


def test_a_database_that_does_not_exist_is_not_created(tmp_path: Path) -> None:
    folder = tmp_path / "not-yet"
    url = f"sqlite:///{folder / 'yiyu.db'}"
    for command in _commands(tmp_path):
        result = runner.invoke(app, ["--db", url, *command])
        assert result.exit_code == 2, (command, result.output)
        assert "run yiyu db upgrade" in _error_line(result), command
        assert "Traceback" not in result.output
        assert not folder.exists(), command  # neither the file nor its folder


def test_a_database_without_the_schema_is_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "yiyu.db"
    path.touch()  # what an earlier yiyu left behind: an empty file
    url = f"sqlite:///{path}"
    for command in _commands(tmp_path):
        result = runner.invoke(app, ["--db", url, *command])
        assert result.exit_code == 2, (command, result.output)
        assert "has no yiyu schema: run yiyu db upgrade" in _error_line(result)
    engine = make_engine(url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()


def test_a_database_behind_the_schema_says_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'yiyu.db'}"
    engine = make_engine(url)
    upgrade(engine, "0003")
    for command in _commands(tmp_path):
        result = runner.invoke(app, ["--db", url, *command])
        assert result.exit_code == 2, (command, result.output)
        assert f"is at schema revision 0003, yiyu needs {HEAD}: run yiyu db upgrade" in _error_line(
            result
        )
    assert schema_revision(engine) == "0003"  # nothing was written
    assert "job_run" in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM job_run")).scalar() == 0
    engine.dispose()


def test_a_database_from_a_newer_yiyu_says_upgrade_yiyu(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'yiyu.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    result = runner.invoke(app, ["--db", url, "plan"])
    assert result.exit_code == 2
    assert "revision 9999, which this yiyu" in _error_line(result)
    assert "upgrade yiyu" in _error_line(result)
    engine.dispose()


def test_db_upgrade_says_what_it_did(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'yiyu.db'}"
    created = runner.invoke(app, ["--db", url, "db", "upgrade"])
    assert created.exit_code == 0, created.output
    assert f"created the schema at revision {HEAD}" in created.output
    again = runner.invoke(app, ["--db", url, "db", "upgrade"])
    assert f"already at revision {HEAD}" in again.output
    old = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(old)
    upgrade(engine, "0003")
    engine.dispose()
    upgraded = runner.invoke(app, ["--db", old, "db", "upgrade"])
    assert f"upgraded from revision 0003 to {HEAD}" in upgraded.output
    assert runner.invoke(app, ["--db", old, "status"]).exit_code == 0


def test_on_postgresql_a_schema_without_tables_is_refused(postgres: Any) -> None:
    engine = postgres.engine()  # an empty schema
    with pytest.raises(SchemaError, match="has no yiyu schema: run yiyu db upgrade"):
        check_schema(engine)
    assert inspect(engine).get_table_names() == []
    upgrade(engine, "0004")
    with pytest.raises(SchemaError, match=f"at schema revision 0004, yiyu needs {HEAD}"):
        check_schema(engine)
    upgrade(engine)
    assert check_schema(engine) == HEAD
