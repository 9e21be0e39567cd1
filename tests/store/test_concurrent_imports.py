"""Two imports at once that name the same new township (two clerks, two cron jobs) both
succeed, and the township is stored once; so do two operators adding one holiday year."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest
from sqlalchemy import Engine, text

import yiyu
from yiyu.jobs.importing import import_children
from yiyu.store.database import make_engine, upgrade
from yiyu.store.sql import SqlRepository

TOWNSHIP = "新城街道"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'yiyu.db'}")
    else:
        engine = request.getfixturevalue("postgres").engine()
    upgrade(engine)
    yield engine
    engine.dispose()


def _children(first: int) -> bytes:
    rows = [f"C{i},儿童{i},女,2026-01-31,{TOWNSHIP}" for i in range(first, first + 3)]
    return "\n".join(["编号,姓名,性别,出生日期,镇街", *rows, ""]).encode()


def _together(
    engine: Engine, work: list[Callable[[SqlRepository], Any]], *, meet_at: str
) -> list[Any]:
    """Run each piece of work in its own thread, on its own repository, at the same time.

    On PostgreSQL each waits at a barrier as it first calls the repository's ``meet_at``,
    so both read what is stored before either commits (the race). SQLite's BEGIN
    IMMEDIATE lets one writer in at a time: there the threads simply start together.
    """
    barrier = threading.Barrier(len(work), timeout=30)
    results: list[Any] = [None] * len(work)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        repo = SqlRepository(engine)
        if engine.dialect.name == "postgresql":
            method = getattr(repo, meet_at)
            waited = threading.local()

            def after_the_barrier(*args: Any) -> Any:
                if not getattr(waited, "done", False):  # the first call only
                    waited.done = True
                    barrier.wait()
                return method(*args)

            setattr(repo, meet_at, after_the_barrier)
        try:
            results[index] = work[index](repo)
        except BaseException as error:  # collected, then asserted on
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def test_two_imports_naming_the_same_new_township_both_succeed(engine: Engine) -> None:
    results = _together(
        engine,
        [lambda repo: import_children(repo, _children(1)),
         lambda repo: import_children(repo, _children(4))],
        meet_at="ensure_townships",
    )  # fmt: skip
    assert [r.imported.created for r in results] == [3, 3]
    # One of them created the township, and says so; the other found it.
    assert sorted(r.townships_created for r in results) == [(), (TOWNSHIP,)]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM township")).scalars().all() == [TOWNSHIP]
    repo = SqlRepository(engine)
    assert sorted(repo.get_children([f"C{i}" for i in range(1, 7)])) == [
        f"C{i}" for i in range(1, 7)
    ]
    assert {run.status for run in repo.runs()} == {"succeeded"}


def test_two_operators_adding_the_same_holiday_year_both_succeed(engine: Engine) -> None:
    year = yiyu.HolidayYear(year=2027, holidays=[pendulum.Date(2027, 1, 1)], source="示例")

    def add(repo: SqlRepository) -> Any:
        return repo.save_holiday_year(year)

    counts = _together(engine, [add, add], meet_at="save_holiday_year")
    assert sorted((c.created, c.unchanged) for c in counts) == [(0, 1), (1, 0)]
    assert SqlRepository(engine).holiday_calendar().years == (year,)


def test_two_imports_of_the_same_new_children_both_succeed(engine: Engine) -> None:
    # The same registry file imported twice at once (a retried cron job, two clerks): on
    # PostgreSQL both read "no such child" before either commits; the second waits for
    # the first and finds its children unchanged, rather than failing whole. The township
    # is known already: creating it would make the second wait at it.
    SqlRepository(engine).ensure_townships([TOWNSHIP])
    results = _together(
        engine,
        [lambda repo: import_children(repo, _children(1)),
         lambda repo: import_children(repo, _children(1))],
        meet_at="ensure_townships",
    )  # fmt: skip
    assert sorted((r.imported.created, r.imported.unchanged) for r in results) == [(0, 3), (3, 0)]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM child")).scalar() == 3
