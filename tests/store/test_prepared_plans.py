"""SQL store: plans prepared as rows (``SqlRepository.prepare_plans``, what a plan worker
sends SQLite's one writer) store exactly what the plans themselves store, whether the
subject is planned for the first time (its rows are written as they are) or has
obligations stored already (they are reconciled as usual)."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from sqlalchemy import Engine, text

import yiyu
from yiyu.store import PlanItem, PlanState, SaveCounts, SubjectRef
from yiyu.store.database import BULK_CACHE_KIB, make_engine, upgrade
from yiyu.store.rows import OBLIGATION_COLUMNS, PlannedRows
from yiyu.store.sql import SqlRepository
from yiyu.testing import make_child

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()
AS_OF = D(2025, 6, 1)
UNTIL = D(2026, 6, 30)
# A preterm child (follow-up by corrected age) and a term child at a daycare.
PRETERM = make_child("C1", born="2025-01-20", gestational_age="33+4", birth_weight_g=1900)
TERM = make_child("C2", born="2024-11-02", township="东城街道")
ASSIGNEES = {"family_doctor": "FD-1", "health_instructor@D1": "HI-1"}


@pytest.fixture(params=["sqlite", "postgresql"])
def engines(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """Two empty stores of one backend: one saves plans, the other the same plans
    prepared."""
    if request.param == "sqlite":
        pair = [make_engine(f"sqlite:///{tmp_path / name}.db") for name in ("plain", "rows")]
    else:
        pair = [request.getfixturevalue("postgres").engine() for _ in range(2)]
    for engine in pair:
        upgrade(engine)
        SqlRepository(engine).save_children([PRETERM, TERM])
    yield pair
    for engine in pair:
        engine.dispose()


def items(*children: yiyu.Child) -> list[PlanItem]:
    state = PlanState(facts_hash="h", protocol=PROTOCOL.label, planned_until=UNTIL)
    return [
        PlanItem(
            ref=SubjectRef.of(child),
            obligations=yiyu.schedule(child, PROTOCOL, until=UNTIL),
            state=state,
            township=child.township,
            assignees=ASSIGNEES,
        )
        for child in children
    ]


def table(engine: Engine) -> list[tuple[Any, ...]]:
    """Every obligation row, every column but the time it was written."""
    names = ", ".join(c for c in OBLIGATION_COLUMNS if c != "updated_at")
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(f"SELECT {names} FROM obligation"))]


def save_both(engines: list[Engine], plans: list[PlanItem]) -> tuple[SaveCounts, SaveCounts]:
    plain, rows = (SqlRepository(e) for e in engines)
    prepared = rows.prepare_plans(plans)
    assert all(isinstance(p.obligations, PlannedRows) for p in prepared)
    prepared = pickle.loads(pickle.dumps(prepared))  # as a worker process sends them
    return plain.save_plans(plans, as_of=AS_OF), rows.save_plans(prepared, as_of=AS_OF)


def test_a_first_plan_prepared_as_rows_stores_what_the_plan_does(engines: list[Engine]) -> None:
    plain, rows = save_both(engines, items(PRETERM, TERM))
    assert plain == rows
    assert rows.created == len(table(engines[0])) > 20
    assert sorted(table(engines[1])) == sorted(table(engines[0]))


def test_a_prepared_plan_of_a_planned_subject_is_reconciled(engines: list[Engine]) -> None:
    save_both(engines, items(PRETERM, TERM))
    # The gestational age corrected to term (the preterm follow-ups are withdrawn) and a
    # move to another township (every open obligation is updated).
    corrected = attrs.evolve(PRETERM, gestational_age="38+1", birth_weight_g=3000)
    moved = attrs.evolve(TERM, township="城关街道")
    plain, rows = save_both(engines, items(corrected, moved))
    assert plain == rows
    assert rows.updated > 0
    assert rows.created + rows.updated + rows.unchanged > 20
    assert sorted(table(engines[1])) == sorted(table(engines[0]))
    withdrawn = OBLIGATION_COLUMNS.index("withdrawn_on")
    assert any(row[withdrawn] is not None for row in table(engines[1]))


def test_planned_rows_are_the_obligations_and_pickle_as_rows_only() -> None:
    (plan,) = items(PRETERM)
    prepared = SqlRepository(make_engine("sqlite://")).prepare_plans([plan])[0].obligations
    assert isinstance(prepared, PlannedRows)
    size = len(pickle.dumps(prepared))
    assert list(prepared) == sorted(plan.obligations, key=lambda ob: ob.key)
    assert prepared[0] == min(plan.obligations, key=lambda ob: ob.key)
    # Once read as obligations, it still pickles as rows: the obligations are not sent.
    assert len(pickle.dumps(prepared)) == size
    assert list(pickle.loads(pickle.dumps(prepared))) == list(prepared)


def test_a_batch_is_written_with_a_larger_sqlite_cache_only_while_it_is_written(
    tmp_path: Path,
) -> None:
    """The page cache a plan's batch is written with (64 MiB, a yiyu default) is the
    writing connection's until it goes back to the pool: connections that then read (a
    work list in a clinic's process) keep SQLite's own, and their memory with it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'yiyu.db'}", pool_size=1)
    upgrade(engine)
    repo = SqlRepository(engine)
    repo.save_children([PRETERM, TERM])

    def cache() -> int:
        with engine.connect() as connection:
            return int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())

    own = cache()
    with repo.transaction():
        repo.save_plans(items(PRETERM, TERM), as_of=AS_OF)
        with repo._tx() as session:  # the transaction's own connection
            inside = session.connection().exec_driver_sql("PRAGMA cache_size").scalar_one()
    assert inside == -BULK_CACHE_KIB != own
    assert cache() == own


def test_a_plan_state_is_stored_as_sqlalchemy_stores_one(engines: list[Engine]) -> None:
    # save_plans writes plan states as the driver's tuples; the stale-plan query compares
    # their planned_at with a subject's updated_at, which SQLAlchemy writes: on SQLite
    # as text, where another form ("+00:00" at the end) would compare otherwise.
    from sqlalchemy import insert, select

    from yiyu.store.tables import metadata

    state = metadata.tables["plan_state"]
    plain = SqlRepository(engines[0])
    plain.save_plans(items(PRETERM), as_of=AS_OF)
    with engines[0].begin() as connection:  # read back as values, written again by Core
        saved = connection.execute(select(state).where(state.c.subject_id == "C1")).one()
        connection.execute(insert(state), [dict(saved._mapping, subject_id="C2")])
    columns = "subject_kind, subject_id, facts_hash, protocol, planned_until, planned_at"
    raw = engines[0].raw_connection()  # the values as the database holds them
    try:
        cursor = raw.cursor()
        cursor.execute(f"SELECT {columns} FROM plan_state ORDER BY subject_id")
        tuples_, core = cursor.fetchall()
    finally:
        raw.close()
    assert (tuples_[1], core[1]) == ("C1", "C2")
    assert (tuples_[0], *tuples_[2:]) == (core[0], *core[2:])
