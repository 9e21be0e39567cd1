"""On a PostgreSQL server whose autovacuum is off, the store analyzes the tables a bulk
job fills as they grow (``yiyu.store.statistics``): without statistics the planner took
a growing obligation table for a few rows, and the first plan of 100,000 children read
each batch by scanning all of it (43,000 subjects in 18 minutes; 58,000 in 105 s once
analyzed)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pendulum
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

import yiyu
from yiyu.jobs.planning import plan
from yiyu.store import statistics
from yiyu.store.database import upgrade
from yiyu.store.sql import SqlRepository
from yiyu.store.statistics import due
from yiyu.testing import make_child


def test_a_group_is_analyzed_after_the_minimum_and_then_each_time_it_doubles() -> None:
    assert not due(9_999, 0, 10_000)
    assert due(10_000, 0, 10_000)
    assert not due(19_999, 10_000, 10_000)  # as many new rows as before the last
    assert due(20_000, 10_000, 10_000)
    assert not due(79_999, 40_000, 10_000)
    assert due(80_000, 40_000, 10_000)
    # From empty to 12 million rows: a dozen analyses, not one per batch.
    at_last, analyses = 0, 0
    for written in range(5_000, 12_000_001, 5_000):  # a plan batch at a time
        if due(written, at_last, 10_000):
            at_last, analyses = written, analyses + 1
    assert analyses == 11


def _analyzed(engine: Engine, table: str) -> bool:
    # reltuples is -1 until the table is first analyzed or vacuumed (PostgreSQL 14+).
    with engine.connect() as connection:
        tuples = connection.execute(
            text(
                "SELECT c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relname = :table"
            ),
            {"table": table},
        ).scalar_one()
        autovacuum = connection.execute(text("SELECT current_setting('autovacuum')")).scalar()
    assert autovacuum == "off", "this test needs a server whose autovacuum is off"
    return bool(tuples >= 0)


@pytest.fixture
def engine(postgres: Any) -> Engine:
    engine: Engine = postgres.engine()
    upgrade(engine)
    return engine


def test_an_import_and_a_plan_analyze_what_they_filled(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statistics, "ANALYZE_AFTER_ROWS", 5)
    repo = SqlRepository(engine)
    repo.save_children([make_child(f"C{i}") for i in range(4)])
    assert not _analyzed(engine, "child")  # 4 rows: fewer than the minimum
    repo.save_children([make_child(f"C{i}") for i in range(4, 6)])
    assert _analyzed(engine, "child")
    assert _analyzed(engine, "referral")  # the child's other tables with it
    assert not _analyzed(engine, "obligation")
    plan(repo, yiyu.load_protocol(), as_of=pendulum.Date(2026, 3, 1))
    assert _analyzed(engine, "obligation")
    assert _analyzed(engine, "plan_state")


def test_a_store_writing_little_leaves_the_tables_to_the_server(engine: Engine) -> None:
    repo = SqlRepository(engine)
    repo.save_children([make_child(f"C{i}") for i in range(6)])
    plan(repo, yiyu.load_protocol(), as_of=pendulum.Date(2026, 3, 1))
    assert not _analyzed(engine, "child")
    assert not _analyzed(engine, "obligation")


def test_the_statistics_are_left_to_autovacuum_where_it_is_on() -> None:
    server = _Postgres()
    on = statistics.Statistics(autovacuum=True)
    assert on.committed(server, {"obligation": 1_000_000}) == []  # type: ignore[arg-type]
    assert server.executed == []
    off = statistics.Statistics(autovacuum=False)
    assert off.committed(server, {"obligation": 9_999}) == []  # type: ignore[arg-type]
    assert off.committed(server, {"obligation": 1}) == ["obligation"]  # type: ignore[arg-type]
    assert server.executed == ["ANALYZE obligation, plan_state"]


class _Postgres:
    """Stands for an engine on PostgreSQL, and keeps the statements run on it."""

    class dialect:  # noqa: N801
        name = "postgresql"

    def __init__(self) -> None:
        self.executed: list[str] = []

    @contextlib.contextmanager
    def begin(self) -> Iterator[_Postgres]:
        yield self

    def execute(self, statement: Any) -> None:
        self.executed.append(str(statement))


def test_a_server_that_cannot_be_asked_leaves_the_committed_job_alone() -> None:
    # The job's rows are committed when the store asks about autovacuum: a failure to ask
    # is logged and the job goes on (asked again after its next commit).
    server = _Unreachable()
    kept = statistics.Statistics()
    assert kept.committed(server, {"child": 1_000_000}) == []  # type: ignore[arg-type]
    assert server.executed == []


class _Unreachable(_Postgres):
    def connect(self) -> Any:
        raise OperationalError("SELECT current_setting('autovacuum')", {}, Exception("gone"))
