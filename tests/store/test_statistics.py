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
from yiyu.store.statistics import grown
from yiyu.testing import make_child


def test_a_table_is_analyzed_again_once_it_has_doubled() -> None:
    assert grown(1, 0)  # never analyzed
    assert not grown(199, 100)
    assert grown(200, 100)
    # From empty to 12 million rows, asking after every 10,000 (about 2 batches): a
    # dozen analyses, not one per batch (about 20,000 rows to the 8 kB page here).
    at_last, analyses = 0, 0
    for written in range(10_000, 12_000_001, 10_000):
        pages = written // 20
        if grown(pages, at_last):
            at_last, analyses = pages, analyses + 1
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


def _analyses(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        query = text("SELECT analyze_count FROM pg_stat_user_tables WHERE relid = to_regclass(:t)")
        return int(connection.execute(query, {"t": table}).scalar_one())


def test_two_processes_filling_a_table_analyze_it_once_each_time_it_doubles(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two plan workers, or two hosts, each with its own repository: counted per process,
    # each analyzed the table as if it alone had filled it (twice as often as one).
    monkeypatch.setattr(statistics, "ANALYZE_AFTER_ROWS", 5)
    first, second = SqlRepository(engine), SqlRepository(engine)
    first.save_children([make_child(f"A{i}") for i in range(6)])
    assert _analyses(engine, "child") == 1
    second.save_children([make_child(f"B{i}") for i in range(6)])  # still one page
    assert _analyses(engine, "child") == 1
    second.save_children([make_child(f"C{i:03}") for i in range(300)])  # several pages
    assert _analyses(engine, "child") == 2


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
    assert server.executed[-1] == "ANALYZE obligation, plan_state"


class _Postgres:
    """Stands for an engine on PostgreSQL, and keeps the statements run on it."""

    class dialect:  # noqa: N801
        name = "postgresql"

    def __init__(self) -> None:
        self.executed: list[str] = []

    @contextlib.contextmanager
    def begin(self) -> Iterator[_Postgres]:
        yield self

    @contextlib.contextmanager
    def connect(self) -> Iterator[_Postgres]:
        yield self

    def execute(self, statement: Any, parameters: Any = None) -> Any:
        self.executed.append(str(statement))
        return self

    def one_or_none(self) -> tuple[int, int]:
        return 1, 0  # a table's pages now and when last analyzed: never


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
