"""Two imports at once that name the same new township (two clerks, two cron jobs) both
succeed, and the township is stored once; so do two operators adding one holiday year."""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pendulum
import pytest
from sqlalchemy import Engine, text

import yiyu
from yiyu.jobs.importing import import_children
from yiyu.jobs.planning import plan
from yiyu.jobs.recording import record_encounter
from yiyu.store.database import make_engine, upgrade
from yiyu.store.sql import SqlRepository
from yiyu.testing import make_child, make_encounter

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
    so both read what is stored before either commits (the race), unless one waits for
    the other's turn (imports: ``lock_all_subjects``); then the barrier gives up after
    two seconds. SQLite's BEGIN IMMEDIATE lets one writer in at a time: there the
    threads simply start together.
    """
    barrier = threading.Barrier(len(work), timeout=2)
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
                    with contextlib.suppress(threading.BrokenBarrierError):
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


def test_two_saves_naming_the_same_new_township_both_succeed(engine: Engine) -> None:
    # The store's own race, which imports no longer meet (they take turns): two
    # transactions both read that the township is not there before either commits.
    def save(first: int) -> Callable[[SqlRepository], Any]:
        children = [
            make_child(f"C{i}", born="2026-01-31", township=TOWNSHIP)
            for i in range(first, first + 3)
        ]
        return lambda repo: repo.save_children(children)

    counts = _together(engine, [save(1), save(4)], meet_at="ensure_townships")
    assert [c.created for c in counts] == [3, 3]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM township")).scalars().all() == [TOWNSHIP]


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


# --- imports that lock children in an order of their own -----------------------------
# An import saves its file batch by batch in one transaction, each batch's children
# locked in id order, the batches in the file's order. Without the subjects' turn
# (Repository.lock_all_subjects) two imports naming the same children in opposite orders,
# or an import and a plan saving its batch in id order, each hold a child the other waits
# for, and PostgreSQL fails one whole (a deadlock).


def _renamed(order: Sequence[int], name: str) -> bytes:
    rows = [f"C{i},{name}{i},女,2026-01-31,{TOWNSHIP}" for i in order]
    return "\n".join(["编号,姓名,性别,出生日期,镇街", *rows, ""]).encode()


def _meeting_before_call(
    repo: SqlRepository, method: str, barrier: threading.Barrier, call: int, *, then: float = 0
) -> None:
    """Make ``repo.method``'s ``call``-th call first wait at ``barrier`` for the other
    thread, as long as the other can come (it may be waiting for this one's turn), and
    then ``then`` seconds more."""
    original = getattr(repo, method)
    calls = itertools.count(1)

    def meeting(*args: Any, **kwargs: Any) -> Any:
        if next(calls) == call:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=2)
            time.sleep(then)
        return original(*args, **kwargs)

    setattr(repo, method, meeting)


def _in_threads(work: list[Callable[[], Any]]) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(piece: Callable[[], Any]) -> None:
        try:
            piece()
        except BaseException as error:  # collected, then asserted on
            errors.append(error)

    threads = [threading.Thread(target=run, args=(piece,)) for piece in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_imports_naming_the_same_children_in_opposite_orders_both_succeed(
    engine: Engine,
) -> None:
    import_children(SqlRepository(engine), _renamed([1, 2], "儿童"))
    # One child a batch: the first import holds C1 and then wants C2, the second holds
    # C2 and then wants C1, unless the second waits for the first's turn.
    barrier = threading.Barrier(2)
    first, second = SqlRepository(engine), SqlRepository(engine)
    for repo in (first, second):
        _meeting_before_call(repo, "save_children", barrier, call=2)
    errors = _in_threads(
        [lambda: import_children(first, _renamed([1, 2], "甲"), batch_size=1),
         lambda: import_children(second, _renamed([2, 1], "乙"), batch_size=1)]
    )  # fmt: skip
    assert errors == []
    names = {c.name for c in SqlRepository(engine).get_children(["C1", "C2"]).values()}
    # One import, then the other, whole: the names are all of the one that came last.
    assert names in ({"甲1", "甲2"}, {"乙1", "乙2"})
    assert [run.status for run in SqlRepository(engine).runs()] == ["succeeded"] * 3


def test_an_import_and_a_plan_at_once_both_succeed(engine: Engine) -> None:
    import_children(SqlRepository(engine), _renamed([1, 2], "儿童"))
    protocol = yiyu.load_protocol()
    day = pendulum.Date(2026, 3, 1)
    # The import saves C2, then (after the plan has begun saving C1 and C2, in id order)
    # C1: without the subjects' turn each would hold a child the other waits for.
    barrier = threading.Barrier(2)
    importer, planner = SqlRepository(engine), SqlRepository(engine)
    # Once both are there, the plan is let lock C1 first (if it may).
    _meeting_before_call(importer, "save_children", barrier, call=2, then=0.5)
    _meeting_before_call(planner, "save_plans", barrier, call=1)
    errors = _in_threads(
        [lambda: import_children(importer, _renamed([2, 1], "甲"), batch_size=1, as_of=day),
         lambda: plan(planner, protocol, as_of=day, full=True)]
    )  # fmt: skip
    assert errors == []
    assert {run.status for run in SqlRepository(engine).runs()} == {"succeeded"}
    names = {c.name for c in SqlRepository(engine).get_children(["C1", "C2"]).values()}
    assert names == {"甲1", "甲2"}


def test_a_visit_recorded_during_an_import_does_not_wait_for_its_turn(engine: Engine) -> None:
    # The recording locks C1 before the import wants it; if saving the one child's new
    # plan waited for the import's turn while holding C1, each would wait for the other.
    day = pendulum.Date(2026, 3, 1)
    import_children(SqlRepository(engine), _renamed([1, 2], "儿童"), as_of=day)
    barrier = threading.Barrier(2)
    importer, recorder = SqlRepository(engine), SqlRepository(engine)
    _meeting_before_call(importer, "save_children", barrier, call=2, then=0.5)
    _meeting_before_call(recorder, "save_plans", barrier, call=1)
    visit = make_encounter(subject_id="C1", on=day, id="E-C1")
    errors = _in_threads(
        [lambda: import_children(importer, _renamed([2, 1], "甲"), batch_size=1, as_of=day),
         lambda: record_encounter(recorder, yiyu.load_protocol(), visit, as_of=day)]
    )  # fmt: skip
    assert errors == []
    assert {run.status for run in SqlRepository(engine).runs()} == {"succeeded"}
    assert [e.id for e in SqlRepository(engine).encounters_between(day, day)] == ["E-C1"]
    names = {c.name for c in SqlRepository(engine).get_children(["C1", "C2"]).values()}
    assert names == {"甲1", "甲2"}
