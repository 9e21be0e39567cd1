"""No personal data in the job log: a job that fails on a database error records (and the
CLI prints) the error's class and a message, never the statement's parameters or the
row PostgreSQL quotes back (a child's name, a resident id)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from yiyu.cli import app
from yiyu.store.api import describe_error

runner = CliRunner()

NAME, RESIDENT_ID = "王小红", "110101202601310024"  # a valid GB 11643 number, made up
CHILDREN = f"编号,姓名,性别,出生日期,身份证号\nC1,{NAME},女,2026-01-31,{RESIDENT_ID}\n"


# How the database refuses the row, as a registry's own constraint or column type would.
REFUSALS = {
    "sqlite": {
        "trigger": "CREATE TRIGGER refuse BEFORE INSERT ON child "
        "BEGIN SELECT RAISE(ABORT, 'registry closed'); END",
    },
    "postgresql": {
        "check": "ALTER TABLE child ADD CONSTRAINT registry_closed CHECK (false) NOT VALID",
        "too long": "ALTER TABLE child ALTER COLUMN resident_id TYPE varchar(6)",
        "name a number": "ALTER TABLE child ALTER COLUMN name TYPE integer USING 0",
    },
}


def _leaks(text: str) -> bool:
    flat = re.sub(r"\s", "", text)
    return any(secret in part for secret in (NAME, RESIDENT_ID) for part in (text, flat))


def _runs(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return [str(tuple(row)) for row in connection.execute(text("SELECT * FROM job_run"))]


REFUSED = [(backend, how) for backend, refusals in REFUSALS.items() for how in refusals]


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize(("store", "how"), REFUSED, indirect=["store"])
def test_a_failed_import_leaves_no_personal_data_in_its_run_or_output(
    store: tuple[str, Engine], tmp_path: Path, how: str, debug: bool
) -> None:
    url, engine = store
    with engine.begin() as connection:
        connection.execute(text(REFUSALS[engine.dialect.name][how]))
    file = tmp_path / "children.csv"
    file.write_text(CHILDREN, encoding="utf-8")
    options = ["--debug"] if debug else []
    result = runner.invoke(app, [*options, "--db", url, "import", "children", str(file)])
    assert result.exit_code == 1, result.output
    assert "Error" in result.output
    assert not _leaks(result.output), result.output
    [run] = _runs(engine)
    assert "'failed'" in run
    assert "Error" in run  # the class is recorded
    assert not _leaks(run), run


def _failure(engine: Engine, how: str) -> BaseException:
    """The error the database raises when it refuses a child's row ``how``."""
    with engine.begin() as connection:
        connection.execute(text(REFUSALS[engine.dialect.name][how]))
    insert = text(
        "INSERT INTO child (id, name, sex, birth_date, resident_id, facts_hash, updated_at) "
        "VALUES (:id, :name, 'F', '2026-01-31', :rid, 'x', '2026-11-01 00:00:00')"
    )
    try:
        with engine.begin() as connection:
            connection.execute(insert, {"id": "C9", "name": NAME, "rid": RESIDENT_ID})
    except Exception as error:  # the one under test
        return error
    raise AssertionError("the row was not refused")


@pytest.mark.parametrize(
    ("store", "how", "names"),
    [
        ("sqlite", "trigger", "IntegrityError (IntegrityError): registry closed"),
        ("postgresql", "check",
         'IntegrityError (CheckViolation): new row for relation "child" violates check '
         'constraint "registry_closed" [table child, constraint registry_closed]'),
        ("postgresql", "too long",
         "DataError (StringDataRightTruncation): value too long for type character varying(6)"),
        ("postgresql", "name a number",
         'DataError (InvalidTextRepresentation): invalid input syntax for type integer: "…"'),
    ],
    indirect=["store"],
    ids=["sqlite-trigger", "postgresql-check", "postgresql-too-long", "postgresql-name-a-number"],
)  # fmt: skip
def test_a_database_error_is_described_by_its_class_and_where_never_by_its_data(
    store: tuple[str, Engine], how: str, names: str
) -> None:
    _, engine = store
    error = _failure(engine, how)
    assert describe_error(error) == names
    # The driver's own error, as --debug prints each exception of the chain.
    assert describe_error(error.__cause__) == names.replace(
        f"{type(error).__name__} (", "", 1
    ).replace("):", ":", 1)


def test_a_failed_plan_records_the_error_without_its_data(
    store: tuple[str, Engine], monkeypatch: Any
) -> None:
    import yiyu
    from yiyu.jobs.planning import plan
    from yiyu.store.sql import SqlRepository

    _, engine = store
    repo = SqlRepository(engine)
    repo.save_children([yiyu.Child(id="C1", name=NAME, sex="F", birth_date="2026-01-31",
                                   resident_id=RESIDENT_ID)])  # fmt: skip
    refused = _failure(engine, "trigger" if engine.dialect.name == "sqlite" else "check")

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise refused

    monkeypatch.setattr(repo, "save_plans", refuse)
    with pytest.raises(type(refused)):
        plan(repo, yiyu.load_protocol(), as_of=yiyu.to_date("2026-05-06"))
    [run] = repo.runs(limit=1)
    assert run.status == "failed"
    assert run.error == describe_error(refused)
    assert not _leaks(str(run))
