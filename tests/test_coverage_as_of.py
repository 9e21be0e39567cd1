"""Coverage as of a date sees only what had happened by then (#17, item 4).

The invariant, over generated stores: for any store and any date D, the report as of D
equals the report on a copy of the store from which every fact dated after D was removed
(children born or registered after D, life events, visits and skips after D). It is
checked on the memory store, SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import yiyu
from yiyu.coverage import coverage
from yiyu.jobs.planning import plan
from yiyu.store import MemoryRepository, ObligationFilter, Repository
from yiyu.store.database import make_engine, upgrade
from yiyu.store.sql import SqlRepository
from yiyu.testing import make_child

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()
PLANNED_ON = D(2025, 1, 1)
HORIZON_DAYS = 1100  # to 2028: every window of the periods judged here
REASONS = [reason.value for reason in yiyu.SkipReason]


def _date(low: dt.date, high: dt.date) -> st.SearchStrategy[pendulum.Date]:
    return st.dates(low, high).map(lambda day: D(day.year, day.month, day.day))


@st.composite
def cohorts(draw: st.DrawFn) -> list[yiyu.Child]:
    children = []
    for index in range(draw(st.integers(1, 4))):
        born = draw(_date(dt.date(2023, 3, 1), dt.date(2026, 6, 30)))
        registered = draw(
            st.one_of(st.none(), st.integers(0, 400).map(lambda days, b=born: b.add(days=days)))
        )
        settled = registered or born
        events = []
        if draw(st.booleans()):
            left = draw(st.integers(1, 500).map(lambda days, s=settled: s.add(days=days)))
            events.append(
                yiyu.LifeEvent(kind=draw(st.sampled_from(["moved_out", "deceased"])), on=left)
            )
        children.append(
            yiyu.Child(
                id=f"C{index}",
                name=f"儿童{index}",
                sex=draw(st.sampled_from(["M", "F"])),
                birth_date=born,
                discharge_date=born.add(days=2),
                registered_on=registered,
                township=draw(st.sampled_from(["城关街道", "东城街道"])),
                family_doctor=draw(st.sampled_from([None, "FD-1"])),
                life_events=events,
            )
        )
    return children


Factory = Callable[[], Repository]


@pytest.fixture
def database_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, backend: str
) -> Iterator[Factory]:
    """A factory of new, migrated stores on ``backend`` (two per example)."""
    engines: list[Any] = []

    def make() -> Repository:
        if backend == "sqlite":
            engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('asof') / 'yiyu.db'}")
        else:
            engine = request.getfixturevalue("postgres").engine()
        upgrade(engine)
        engines.append(engine)
        return SqlRepository(engine)

    yield make
    for engine in engines:
        engine.dispose()


def _report(repo: Repository, children: list[yiyu.Child], period: yiyu.Period, as_of: D) -> Any:
    results = coverage(
        repo.obligations(ObligationFilter(include_withdrawn=True)),
        period=period,
        as_of=as_of,
        protocol=PROTOCOL,
        children={child.id: child for child in children},
        encounters=repo.encounters_between(D(2020, 1, 1), D(2030, 1, 1)),
    )
    return [result.as_dict() for result in results]


def _before(child: yiyu.Child, day: D) -> yiyu.Child | None:
    """The child as the registry knew it on ``day``, or ``None`` if not yet."""
    if child.birth_date > day or (child.registered_on is not None and child.registered_on > day):
        return None
    return attrs.evolve(child, life_events=[e for e in child.life_events if e.on <= day])


def _check(
    new_store: Factory,
    children: list[yiyu.Child],
    period: str,
    as_of: D,
    data: st.DataObject,
) -> None:
    everything = new_store()
    everything.save_children(children)
    plan(everything, PROTOCOL, as_of=PLANNED_ON, horizon_days=HORIZON_DAYS)
    keys = sorted(
        entry.obligation.key
        for entry in everything.obligations(ObligationFilter())
        if entry.obligation.subject.value == "child"
    )
    visits: list[yiyu.Encounter] = []
    skips: list[tuple[str, yiyu.Skip]] = []
    for number, key in enumerate(
        data.draw(st.lists(st.sampled_from(keys), max_size=8, unique=True)) if keys else []
    ):
        subject = key.split("/")[0].split(":")[1]
        on = data.draw(_date(dt.date(2024, 1, 1), dt.date(2027, 1, 31)))
        if data.draw(st.booleans()):
            # Scheduled or not, with or without a screen and the regression question: the
            # yearly rates count visits and screens (#17 item 2).
            visits.append(
                yiyu.Encounter(
                    id=f"E{number}",
                    subject_id=subject,
                    on=on,
                    obligation_key=data.draw(st.sampled_from([key, None])),
                    warning_signs=data.draw(st.sampled_from([{}, {"m3_1": False}])),
                    regression=data.draw(st.sampled_from([None, False, True])),
                )
            )
        else:
            skips.append((key, yiyu.Skip(on=on, reason=data.draw(st.sampled_from(REASONS)))))
    for visit in visits:
        everything.save_encounter(visit, [])
    for key, skip in skips:
        everything.save_skip(key, skip)

    known = [c for child in children if (c := _before(child, as_of)) is not None]
    then = new_store()
    then.save_children(known)
    plan(then, PROTOCOL, as_of=PLANNED_ON, horizon_days=HORIZON_DAYS)
    planned_then = {entry.obligation.key for entry in then.obligations(ObligationFilter())}
    known_ids = {child.id for child in known}
    for visit in visits:
        scheduled = visit.obligation_key in planned_then
        unscheduled = visit.obligation_key is None and visit.subject_id in known_ids
        if visit.on <= as_of and (scheduled or unscheduled):
            then.save_encounter(visit, [])
    for key, skip in skips:
        if skip.on <= as_of and key in planned_then:
            then.save_skip(key, skip)

    judged = yiyu.Period.parse(period)
    assert _report(everything, children, judged, as_of) == _report(then, known, judged, as_of)


_GIVEN = given(
    children=cohorts(),
    period=st.sampled_from(["2026Q2", "2026Q3", "2026", "2026-05"]),
    as_of=_date(dt.date(2026, 4, 15), dt.date(2027, 1, 15)),
    data=st.data(),
)
_SLOW = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(max_examples=200, deadline=None, suppress_health_check=_SLOW)
@_GIVEN
def test_a_report_as_of_a_date_sees_only_the_facts_of_that_date(
    children: list[yiyu.Child], period: str, as_of: D, data: st.DataObject
) -> None:
    _check(MemoryRepository, children, period, as_of, data)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@settings(max_examples=6, deadline=None, suppress_health_check=_SLOW)
@_GIVEN
def test_the_same_on_the_database_backends(
    database_store: Factory,
    backend: str,
    children: list[yiyu.Child],
    period: str,
    as_of: D,
    data: st.DataObject,
) -> None:
    _check(database_store, children, period, as_of, data)


def test_a_window_cut_short_by_a_later_move_is_still_open_on_its_last_day() -> None:
    """Found by the property test above: a child moving out on 10 June leaves its overdue
    3-month check owed until 9 June (``overdue_stays_missed``); as of 9 June that window is
    open (``closes`` is the last day that counts) and the move not yet a fact, so the check
    is pending, as it is for the same child with no move recorded, not missed."""
    moving = make_child(
        "C2", born=D(2026, 3, 1), life_events=[yiyu.LifeEvent(kind="moved_out", on=D(2026, 6, 10))]
    )
    as_of = D(2026, 6, 9)
    reports = []
    for child in (moving, attrs.evolve(moving, life_events=[])):
        repo = MemoryRepository()
        repo.save_children([child])
        plan(repo, PROTOCOL, as_of=PLANNED_ON, horizon_days=HORIZON_DAYS)
        if child is moving:
            [m3] = repo.obligations(ObligationFilter(rules=("m3",)))
            assert m3.obligation.closes == as_of  # cut to the day before the move
        reports.append(_report(repo, [child], yiyu.Period.parse("2026Q2"), as_of))
    moved, stayed = reports
    systematic = {r["indicator"]: r for r in moved}["under3_systematic_management"]
    assert (systematic["denominator"], systematic["pending"]) == (0, 1)
    assert moved == stayed
