"""Migrations: a model change without a migration fails here (``alembic check``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import inspect

from yiyu.store.database import alembic_config, make_engine, upgrade
from yiyu.store.tables import metadata


def test_migrations_build_the_current_schema(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'yiyu.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.check(config)  # raises when the models and the migrations disagree
    assert set(inspect(engine).get_table_names()) >= set(metadata.tables)


def test_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'yiyu.db'}")
    upgrade(engine)
    upgrade(engine)


def test_migrations_on_postgresql(postgres: Any) -> None:
    engine = postgres.engine()
    upgrade(engine)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.check(config)
    engine.dispose()


def test_an_older_database_is_upgraded_with_its_data(tmp_path: Path) -> None:
    import yiyu
    from yiyu.store.sql import SqlRepository

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0001")
    assert "reschedule" not in inspect(engine).get_table_names()
    repo = SqlRepository(engine)
    child = yiyu.Child(id="C1", name="王小红", sex="F", birth_date="2026-01-31")
    repo.save_children([child])
    upgrade(engine)
    assert "reschedule" in inspect(engine).get_table_names()
    assert repo.get_child("C1") == child


def test_a_database_from_before_holiday_years_is_upgraded(tmp_path: Path) -> None:
    import pendulum

    import yiyu
    from yiyu.store.sql import SqlRepository

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0002")
    assert "holiday_year" not in inspect(engine).get_table_names()
    repo = SqlRepository(engine)
    child = yiyu.Child(id="C1", name="王小红", sex="F", birth_date="2026-01-31")
    repo.save_children([child])
    upgrade(engine)
    assert "holiday_year" in inspect(engine).get_table_names()
    assert repo.get_child("C1") == child
    # An example year (not an official notice): the new table takes it.
    year = yiyu.HolidayYear(year=2027, holidays=[pendulum.Date(2027, 1, 1)], source="示例")
    repo.save_holiday_year(year)
    assert repo.holiday_calendar().years == (year,)
    engine.dispose()


def test_a_case_stored_before_its_course_was_kept_is_read_with_an_empty_course(
    tmp_path: Path,
) -> None:
    from sqlalchemy import text

    import yiyu
    from yiyu.store.sql import SqlRepository

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0003")
    assert "course" not in {c["name"] for c in inspect(engine).get_columns("care_case")}
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO child (id, name, sex, birth_date, facts_hash, updated_at) "
                "VALUES ('C1', '王小红', 'F', '2026-01-31', 'x', '2026-11-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO care_case (child_id, condition, opened_on, severity, normal_checks)"
                " VALUES ('C1', 'anaemia', '2026-08-01', 'mild', 0)"
            )
        )
    upgrade(engine)
    [case] = SqlRepository(engine).get_child("C1").cases  # type: ignore[union-attr]
    assert (case.condition, case.opened_on.isoformat(), case.course) == (
        yiyu.CategoryKind.ANAEMIA,
        "2026-08-01",
        (),
    )
    engine.dispose()
