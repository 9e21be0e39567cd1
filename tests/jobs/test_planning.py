"""The plan job: idempotent, incremental, resumable, and safe to run twice at once (#4)."""

from __future__ import annotations

import gc
import multiprocessing
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from sqlalchemy import Engine

import yiyu
from yiyu.codec import to_data
from yiyu.jobs import planning
from yiyu.jobs.planning import PlanResult, _claim_key, plan, plan_item
from yiyu.protocol import SubjectKind
from yiyu.store import ObligationFilter, Repository, SubjectRange, SubjectRef
from yiyu.store.database import make_engine, upgrade
from yiyu.store.sql import SqlRepository
from yiyu.testing import make_child

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()
AS_OF = D(2026, 3, 1)


def cohort(n: int = 12) -> list[yiyu.Child]:
    children = []
    for i in range(n):
        birth = D(2025, 1, 1).add(days=23 * i)
        children.append(
            yiyu.Child(
                id=f"C{i:03d}",
                name=f"儿童{i}",
                sex="M" if i % 2 else "F",
                birth_date=birth,
                gestational_age="34+0" if i % 5 == 0 else "39+0",
                discharge_date=birth.add(days=3),
                township="城关街道" if i % 3 else "东城街道",
                family_doctor=f"FD-{i % 4}",
                categories=["孤儿"] if i % 7 == 0 else [],
            )
        )
    return children


def county(tmp_path: Path, *, version: str, m12_closes_months: int) -> yiyu.Protocol:
    """A county's layer on the city's protocol that moves the 12-month check's window end:
    a new protocol version for the plan to apply to what has not begun."""
    region = tmp_path / "county.toml"
    region.write_text(
        textwrap.dedent(
            f"""
            [protocol]
            id = "county"
            version = "{version}"
            title = "县补充规定"
            extends = "zj-city@2026.2"

            [sources.R1]
            title = "县卫健局通知"

            [[overrides]]
            id = "m12"
            closes = {{ months = {m12_closes_months} }}
            source = ["R1"]
            """
        ),
        encoding="utf-8",
    )
    return yiyu.load_protocol(region)


def stored_keys(repo: Repository) -> dict[str, Any]:
    return {s.obligation.key: s.obligation for s in repo.obligations(ObligationFilter())}


def seeded(repo: Repository) -> Repository:
    repo.save_children(cohort())
    repo.save_daycares(
        [
            yiyu.Daycare(
                id="D1",
                name="阳光托育园",
                township="城关街道",
                opened_on="2024-09-01",
                health_instructor="HI-1",
            )
        ]
    )
    return repo


def test_plan_materialises_every_obligation_and_a_rerun_changes_nothing(repo: Repository) -> None:
    seeded(repo)
    first = plan(repo, PROTOCOL, as_of=AS_OF)
    assert first.planned == first.subjects == 13
    assert first.obligations.created > 0
    keys = stored_keys(repo)
    expected = {
        ob.key for c in cohort() for ob in yiyu.schedule(c, PROTOCOL, until=AS_OF.add(days=210))
    }
    assert expected <= set(keys)
    again = plan(repo, PROTOCOL, as_of=AS_OF)
    assert (again.planned, again.skipped) == (0, 13)  # incremental: nothing changed
    full = plan(repo, PROTOCOL, as_of=AS_OF, full=True)
    assert full.planned == 13
    assert full.obligations.created == full.obligations.updated == 0
    assert stored_keys(repo) == keys
    [last, *_] = repo.runs()
    assert (last.job, last.status, last.counts["planned"]) == ("plan", "succeeded", 13)


def test_incremental_plan_replans_only_what_changed(repo: Repository) -> None:
    seeded(repo)
    plan(repo, PROTOCOL, as_of=AS_OF)
    moved = yiyu.Child(**{**yiyu.codec.to_data(cohort()[3]),
                          "life_events": [{"kind": "moved_out", "on": "2026-03-10"}]})  # fmt: skip
    repo.save_children([moved])
    result = plan(repo, PROTOCOL, as_of=AS_OF)
    assert (result.planned, result.skipped) == (1, 12)
    mine = repo.obligations(ObligationFilter(subject=SubjectRef(kind="child", id=moved.id),
                                             include_withdrawn=True))  # fmt: skip
    assert any(s.withdrawn_on == AS_OF for s in mine)  # what opens after the move is gone
    assert any(s.obligation.cancel_reason == "moved_out" for s in mine)


def test_a_new_version_of_the_facts_hash_replans_every_subject_once(
    repo: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A yiyu whose facts hash changed (codec.SCHEMA_VERSION) re-plans everyone on the next
    incremental run: the store finds the plans stale by their basis, not by the hash."""
    seeded(repo)
    plan(repo, PROTOCOL, as_of=AS_OF)
    monkeypatch.setattr(yiyu.jobs.planning, "SCHEMA_VERSION", yiyu.codec.SCHEMA_VERSION + 1)
    upgraded = plan(repo, PROTOCOL, as_of=AS_OF)
    assert (upgraded.planned, upgraded.skipped) == (13, 0)
    assert plan(repo, PROTOCOL, as_of=AS_OF).planned == 0


def test_the_horizon_moving_on_replans_a_subject_about_monthly(repo: Repository) -> None:
    seeded(repo)
    plan(repo, PROTOCOL, as_of=AS_OF)
    assert plan(repo, PROTOCOL, as_of=AS_OF.add(days=20)).planned == 0
    assert plan(repo, PROTOCOL, as_of=AS_OF.add(days=31)).planned == 13


def test_a_protocol_change_applies_to_what_is_not_yet_done(
    repo: Repository, tmp_path: Path
) -> None:
    seeded(repo)
    plan(repo, PROTOCOL, as_of=AS_OF)
    child = cohort()[11]  # born 2025-09-14: 满月 due 2025-10-14
    repo.save_encounter(
        yiyu.Encounter(
            id="E1",
            subject_id=child.id,
            on="2025-10-13",
            obligation_key=f"child:{child.id}/one_month",
        ),
        [],
    )
    newer = county(tmp_path, version="2026.2", m12_closes_months=14)
    result = plan(repo, newer, as_of=AS_OF)
    assert result.planned == 13  # the protocol changed: every subject is re-planned
    keys = stored_keys(repo)
    done = keys[f"child:{child.id}/one_month"]
    assert (done.protocol, done.protocol_version) == ("zj-city", "2026.2")  # kept
    m12 = keys[f"child:{child.id}/m12"]
    assert (m12.protocol, m12.protocol_version) == ("county", "2026.2")
    assert m12.closes == yiyu.add_months(child.birth_date, 14)


PROTOCOL_2026_1 = Path(__file__).parent.parent / "protocol" / "data" / "2026.1"


def test_protocol_2026_2_replans_what_has_not_begun(repo: Repository) -> None:
    # Issue #10: the clinical corrections ship as protocol 2026.2. Planned under 2026.1
    # (the files as released, kept as test data), then under 2026.2 on the same day.
    old = yiyu.load_protocol_files(
        [PROTOCOL_2026_1 / "cn-national.toml", PROTOCOL_2026_1 / "zj-city.toml"]
    )
    assert (old.label, PROTOCOL.label) == ("zj-city@2026.1", "zj-city@2026.2")
    # A 28-week infant discharged on day 70, and a 30-week infant followed to 36 months.
    inpatient = yiyu.Child(
        id="P1", name="早产儿甲", sex="F", birth_date="2026-01-05", gestational_age="28+0",
        birth_weight_g=1100, discharge_date="2026-03-16", township="城关街道",
    )  # fmt: skip
    followed = yiyu.Child(
        id="P2", name="早产儿乙", sex="M", birth_date="2024-06-01", gestational_age="30+0",
        birth_weight_g=1400, discharge_date="2024-07-20", township="城关街道",
    )  # fmt: skip
    repo.save_children([inpatient, followed])
    on = D(2026, 3, 10)
    plan(repo, old, as_of=on, horizon_days=3 * 366)
    before = stored_keys(repo)
    assert before["child:P1/one_month"].protocol_version == "2026.1"
    assert before["child:P1/m3"].opens == D(2026, 3, 5)  # opened while in hospital

    plan(repo, PROTOCOL, as_of=on, horizon_days=3 * 366)
    after = {
        s.obligation.key: s for s in repo.obligations(ObligationFilter(include_withdrawn=True))
    }
    # Begun under 2026.1 and still owed: kept as planned (the store's rule).
    m3 = after["child:P1/m3"].obligation
    assert (m3.protocol_version, m3.opens) == ("2026.1", D(2026, 3, 5))
    # Not begun: re-planned under 2026.2.
    m6 = after["child:P1/m6"].obligation
    assert m6.protocol_version == "2026.2"
    # No longer owed under 2026.2 (it fell while the child was in hospital): withdrawn,
    # so it is neither missed nor counted.
    assert after["child:P1/one_month"].withdrawn_on is not None
    # New under 2026.2: the 30-week infant's follow-up at corrected 30 and 36 months.
    corrected = yiyu.corrected_birth(followed)
    new = {
        key: s.obligation
        for key, s in after.items()
        if key.startswith("child:P2/high_risk_follow_up/") and key not in before
    }
    assert {ob.due for ob in new.values()} >= {
        yiyu.add_months(corrected, 30),
        yiyu.add_months(corrected, 36),
    }
    assert {ob.protocol_version for ob in new.values()} == {"2026.2"}


def test_a_failing_plan_is_recorded_as_failed(
    repo: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded(repo)
    monkeypatch.setattr(planning, "SQLITE_ROWS_PER_COMMIT", 1)  # SQLite: a batch a commit

    def boom(done: int, total: int) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        plan(repo, PROTOCOL, as_of=AS_OF, progress=boom, batch_size=5)
    [last, *_] = repo.runs()
    assert last.status == "failed"
    assert last.error == "RuntimeError: disk full"
    assert plan(repo, PROTOCOL, as_of=AS_OF).planned == 8  # resumes after the 5 saved


KILL_SCRIPT = """
import os, sys, pendulum, yiyu
from yiyu.jobs import planning
from yiyu.jobs.planning import PlanResult, _claim_key, plan, plan_item
from yiyu.store.database import make_engine
from yiyu.store.sql import SqlRepository
repo = SqlRepository(make_engine(sys.argv[1]))
planning.SQLITE_ROWS_PER_COMMIT = 1  # a transaction per batch: some are saved, some not
def die(done, total):
    if done >= 6:
        os._exit(9)  # killed: no cleanup, no commit of what is in flight
plan(repo, yiyu.load_protocol(), as_of=pendulum.Date(2026, 3, 1), batch_size=3, progress=die)
"""


def test_a_plan_killed_halfway_leaves_a_consistent_store_and_the_next_run_finishes(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'yiyu.db'}"
    engine = make_engine(url)
    upgrade(engine)
    repo = seeded(SqlRepository(engine))
    killed = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, url], capture_output=True, text=True, check=False
    )
    assert killed.returncode == 9, killed.stderr
    partial = stored_keys(repo)
    planned_subjects = {key.split("/")[0] for key in partial}
    assert 0 < len(planned_subjects) < 13
    result = plan(repo, PROTOCOL, as_of=AS_OF)
    assert result.planned == 13 - len(planned_subjects)
    reference_engine = make_engine(f"sqlite:///{tmp_path / 'ref.db'}")
    upgrade(reference_engine)
    reference = seeded(SqlRepository(reference_engine))
    plan(reference, PROTOCOL, as_of=AS_OF)
    assert stored_keys(repo) == stored_keys(reference)


def test_two_plans_at_once_on_postgresql(postgres: Any) -> None:
    engine = postgres.engine()
    upgrade(engine)
    repo = seeded(SqlRepository(engine))
    errors: list[BaseException] = []

    def run() -> None:
        try:
            plan(SqlRepository(engine), PROTOCOL, as_of=AS_OF, full=True, batch_size=2)
        except BaseException as error:  # collected, then asserted on
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    reference = SqlRepository(postgres.engine())
    upgrade(reference.engine)
    seeded(reference)
    plan(reference, PROTOCOL, as_of=AS_OF)
    assert stored_keys(repo) == stored_keys(reference)


# --- who acts, what changed, and two runs at once -------------------------------------------

# A girl born at 33 weeks: her high-risk follow-ups are her family doctor's.
PRETERM_GIRL = make_child(
    "C1", born="2026-01-31", sex="F", gestational_age="33+0", family_doctor="FD-1"
)


def stored(repo: Repository, **where: Any) -> dict[str, Any]:
    return {s.obligation.key: s for s in repo.obligations(ObligationFilter(**where))}


def test_a_move_and_a_new_doctor_reach_the_open_obligations(repo: Repository) -> None:
    repo.save_children([PRETERM_GIRL])
    plan(repo, PROTOCOL, as_of=D(2026, 3, 1))
    repo.save_children([attrs.evolve(PRETERM_GIRL, township="东城街道", family_doctor="FD-9")])
    plan(repo, PROTOCOL, as_of=D(2026, 3, 1))
    rows = stored(repo)
    follow_ups = [s for s in rows.values() if s.obligation.rule == "high_risk_follow_up"]
    assert {s.township for s in rows.values()} == {"东城街道"}
    assert {s.assignee for s in follow_ups} == {"FD-9"}


def test_a_daycares_new_instructor_reaches_its_children(repo: Repository) -> None:
    daycare = yiyu.Daycare(id="D1", name="阳光托育园", opened_on="2025-01-01",
                           health_instructor="HI-1")  # fmt: skip
    repo.save_daycares([daycare])
    enrolment = yiyu.Enrolment(child_id="C1", daycare_id="D1", start="2026-09-01")
    repo.save_children([attrs.evolve(PRETERM_GIRL, enrolments=[enrolment])])
    plan(repo, PROTOCOL, as_of=D(2026, 8, 1))
    repo.save_daycares([yiyu.Daycare(**{**to_data(daycare), "health_instructor": "HI-2"})])
    result = plan(repo, PROTOCOL, as_of=D(2026, 8, 1))
    assert result.planned == 2  # the daycare and its child
    record = stored(repo)["child:C1/daycare_health_record/D1@2026-09-01"]
    assert record.assignee == "HI-2"


def test_a_withdrawn_obligation_done_and_planned_again_comes_back(repo: Repository) -> None:
    repo.save_children([PRETERM_GIRL])
    plan(repo, PROTOCOL, as_of=D(2026, 3, 1))
    # Not preterm: the follow-ups are withdrawn.
    repo.save_children([attrs.evolve(PRETERM_GIRL, gestational_age="39+0")])
    plan(repo, PROTOCOL, as_of=D(2026, 3, 1))
    key = next(k for k, s in stored(repo, include_withdrawn=True).items()
               if s.obligation.rule == "high_risk_follow_up")  # fmt: skip
    repo.save_encounter(yiyu.Encounter(id="E1", subject_id="C1", on="2026-03-05",
                                       obligation_key=key), [])  # fmt: skip
    repo.save_children([PRETERM_GIRL])  # preterm after all
    plan(repo, PROTOCOL, as_of=D(2026, 3, 1))
    assert stored(repo)[key].withdrawn_on is None


def test_a_new_protocol_version_leaves_begun_obligations_alone(
    repo: Repository, tmp_path: Path
) -> None:
    repo.save_children(
        [make_child("C1", born="2025-01-31", sex="F", gestational_age="39+0", family_doctor="FD-1")]
    )
    plan(repo, PROTOCOL, as_of=D(2026, 3, 1))
    plan(repo, county(tmp_path, version="2", m12_closes_months=13), as_of=D(2026, 3, 1))
    rows = stored(repo)
    assert rows["child:C1/m12"].obligation.protocol == "zj-city"  # opened 2025-11-30: kept
    assert rows["child:C1/m18"].obligation.protocol == "county"  # opens 04-30: new version


def test_a_change_below_the_top_layer_replans(tmp_path: Path) -> None:
    repo = yiyu.store.MemoryRepository()
    repo.save_children([PRETERM_GIRL])
    plan(repo, PROTOCOL, as_of=D(2026, 3, 1))
    data = Path(yiyu.protocol.loader.__file__).parent / "data"
    national = (data / "cn-national.toml").read_text(encoding="utf-8")
    changed = tmp_path / "cn-national.toml"
    changed.write_text(national.replace("closes = { months = 5, days = -1 }",
                                        "closes = { months = 4 }"), encoding="utf-8")  # fmt: skip
    protocol = yiyu.load_protocol_files([changed, data / "zj-city.toml"])
    assert protocol.label == PROTOCOL.label
    assert plan(repo, protocol, as_of=D(2026, 3, 1)).planned == 1


def test_the_same_subject_twice_plans_once(repo: Repository) -> None:
    repo.save_children([PRETERM_GIRL])
    ref = SubjectRef(kind="child", id="C1")
    assert plan(repo, PROTOCOL, as_of=D(2026, 3, 1), subjects=[ref, ref]).planned == 1


def test_two_plans_at_once_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'yiyu.db'}"
    engine = make_engine(url)
    upgrade(engine)
    SqlRepository(engine).save_children([attrs.evolve(PRETERM_GIRL, id=f"C{i}") for i in range(20)])
    errors: list[BaseException] = []

    def run() -> None:
        try:
            plan(SqlRepository(engine), PROTOCOL, as_of=D(2026, 3, 1), batch_size=3)
        except BaseException as error:  # collected, then asserted on
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert errors == []


# --- the incremental plan reads only the subjects the store finds stale -------------------


def python_decision(repo: Repository, as_of: pendulum.Date) -> set[SubjectRef]:
    """The subjects plan_item would re-plan, reading every one (as plan did before the
    store listed them): what the store's list must cover."""
    refs = repo.subjects()
    states = repo.plan_states(refs)
    children = repo.get_children([r.id for r in refs if r.kind is SubjectKind.CHILD])
    daycares = repo.get_daycares([r.id for r in refs if r.kind is SubjectKind.DAYCARE])
    subjects: dict[SubjectRef, yiyu.Child | yiyu.Daycare] = {
        SubjectRef.of(s): s for s in (*children.values(), *daycares.values())
    }
    stale = set()
    for ref, subject in subjects.items():
        item = plan_item(subject, PROTOCOL, as_of=as_of, horizon_days=180,
                         known=states.get(ref), full=False, daycares=daycares)  # fmt: skip
        if item is not None:
            stale.add(ref)
    return stale


def spy_reads(repo: Repository, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the children the plan reads from now on."""
    read: list[str] = []
    get_children = repo.get_children

    def spy(ids: Sequence[str]) -> dict[str, yiyu.Child]:
        read.extend(ids)
        return get_children(ids)

    monkeypatch.setattr(repo, "get_children", spy)
    return read


def test_an_incremental_plan_reads_only_the_subjects_that_changed(
    repo: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded(repo)
    plan(repo, PROTOCOL, as_of=AS_OF)
    kids = cohort()
    repo.save_children([attrs.evolve(kids[3], family_doctor="FD-9"), kids[5]])  # 5: the same
    expected = python_decision(repo, AS_OF)
    assert expected == {SubjectRef(kind="child", id="C003")}
    read = spy_reads(repo, monkeypatch)
    done: list[tuple[int, int]] = []
    result = plan(repo, PROTOCOL, as_of=AS_OF, progress=lambda *d: done.append(d))
    assert read == ["C003"]
    assert (result.subjects, result.planned, result.skipped) == (13, 1, 12)
    assert done[-1] == (13, 13)
    [last, *_] = repo.runs()
    assert (last.counts["subjects"], last.counts["planned"], last.counts["skipped"]) == (13, 1, 12)
    read.clear()
    assert plan(repo, PROTOCOL, as_of=AS_OF).planned == 0
    assert read == []


def test_a_full_plan_reads_its_pages_of_children_by_range_and_plans_what_a_named_one_does(
    repo: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A full plan walks the store's list a page at a time and reads each page's children
    # by its range of ids; a plan of named subjects reads them by id. Same plans.
    seeded(repo)
    named = plan(repo, PROTOCOL, as_of=AS_OF, subjects=repo.subjects(), batch_size=5)
    keys = stored_keys(repo)
    by_id = spy_reads(repo, monkeypatch)
    ranges: list[tuple[str, str]] = []
    children_in = repo.children_in

    def spy(subjects: SubjectRange) -> dict[str, yiyu.Child]:
        ranges.append((subjects.first, subjects.last))
        return children_in(subjects)

    monkeypatch.setattr(repo, "children_in", spy)
    full = plan(repo, PROTOCOL, as_of=AS_OF, full=True, batch_size=5)
    assert by_id == []
    assert ranges == [("C000", "C004"), ("C005", "C009"), ("C010", "C011")]
    assert (full.subjects, full.planned) == (named.subjects, named.planned) == (13, 13)
    assert full.obligations.created == full.obligations.updated == 0
    assert stored_keys(repo) == keys


def test_every_trigger_of_a_replan_is_found_by_the_store(
    repo: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each change that makes plan_item re-plan a subject puts it on the store's list: the
    incremental plan re-plans exactly what reading every subject would."""
    kids = cohort()
    enrolment = yiyu.Enrolment(child_id="C001", daycare_id="D1", start="2026-03-01")
    seeded(repo)
    repo.save_children([attrs.evolve(kids[1], enrolments=[enrolment])])
    daycare = repo.get_daycare("D1")
    assert daycare is not None
    changes = [
        lambda: repo.save_children([attrs.evolve(kids[2], name="改名")]),  # facts
        lambda: repo.save_children([attrs.evolve(kids[4], township="东城街道")]),
        lambda: repo.save_children([attrs.evolve(kids[7], categories=[])]),  # a part
        lambda: repo.save_enrolments(
            [yiyu.Enrolment(child_id="C006", daycare_id="D1", start="2026-04-01")]
        ),
        # A new instructor: the daycare and its children (C001, C006).
        lambda: repo.save_daycares([attrs.evolve(daycare, health_instructor="HI-2")]),
        # The daycare's own facts: it is re-planned; its children are read, not re-planned.
        lambda: repo.save_daycares([attrs.evolve(daycare, health_instructor="HI-2", capacity=80)]),
    ]
    as_of = AS_OF
    plan(repo, PROTOCOL, as_of=as_of)
    for change in changes:
        change()
        expected = python_decision(repo, as_of)
        assert expected
        result = plan(repo, PROTOCOL, as_of=as_of)
        assert result.planned == len(expected)
        assert python_decision(repo, as_of) == set()
    # The horizon running short re-plans everything, as it always did.
    as_of = AS_OF.add(days=31)
    expected = python_decision(repo, as_of)
    assert len(expected) == 13
    assert plan(repo, PROTOCOL, as_of=as_of).planned == 13
    # A subject planned before the store listed them (no plan state): planned.
    repo.save_children([attrs.evolve(kids[0], id="C100")])
    read = spy_reads(repo, monkeypatch)
    assert plan(repo, PROTOCOL, as_of=as_of).planned == 1
    assert read == ["C100"]


# --- more workers: the same batches planned by several processes ---------------------------


@pytest.fixture(autouse=True)
def workers_for_a_few_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """This module's tests plan a few batches: let them start workers all the same (a run
    plans fewer than ``WORKER_MIN_BATCHES`` in its own process)."""
    monkeypatch.setattr(planning, "WORKER_MIN_BATCHES", 1)


@pytest.mark.parametrize(("least", "started"), [(5, True), (6, False)])
def test_workers_start_only_for_enough_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, least: int, started: bool
) -> None:
    """Two workers are started for 5 batches only if 5 is enough
    (``WORKER_MIN_BATCHES``); either way the plan is one worker's."""
    stores = []
    for name in ("one", "two"):
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        upgrade(engine)
        stores.append(seeded(SqlRepository(engine)))
    monkeypatch.setattr(planning, "WORKER_MIN_BATCHES", least)
    in_workers = planning._in_workers
    calls: list[int] = []

    def counted(*args: Any) -> Any:
        calls.append(len(args[3]))
        return in_workers(*args)

    monkeypatch.setattr(planning, "_in_workers", counted)
    assert plan_with(stores[1], 2) == plan_with(stores[0], 1)  # 13 subjects, 5 batches
    assert calls == ([5] if started else [])
    assert stored_rows(stores[1]) == stored_rows(stores[0])


def stored_rows(repo: Repository) -> tuple[dict[str, Any], dict[SubjectRef, Any]]:
    """Every stored obligation (its contents, who acts, what became of it) and every plan
    state, to compare two stores row for row."""
    rows = {
        s.obligation.key: (to_data(s.obligation), s.township, s.assignee, s.done_on, s.skip,
                           s.withdrawn_on, s.rescheduled)
        for s in repo.obligations(ObligationFilter())
    }  # fmt: skip
    return rows, repo.plan_states(repo.subjects())


def postgres_engine_by_url(postgres: Any) -> Engine:
    """An engine on a new schema that its URL names: worker processes open the database
    from the URL alone, not from the test's connect arguments."""
    postgres.engine()  # creates (and later drops) the schema
    url = postgres.admin.url.update_query_dict({"options": f"-csearch_path={postgres.created[-1]}"})
    engine = make_engine(url.render_as_string(hide_password=False))
    postgres.engines.append(engine)
    return engine


def plan_with(repo: Repository, workers: int, **options: Any) -> tuple[Any, ...]:
    result = plan(repo, PROTOCOL, as_of=AS_OF, batch_size=3, workers=workers, **options)
    return result.subjects, result.planned, result.skipped, result.obligations


def test_two_workers_plan_what_one_does_on_sqlite(tmp_path: Path) -> None:
    stores = []
    for name in ("one", "two"):
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        upgrade(engine)
        stores.append(seeded(SqlRepository(engine)))
    one, two = stores
    assert plan_with(one, 1) == plan_with(two, 2)
    assert stored_rows(one) == stored_rows(two)
    for store in stores:  # an incremental run after a change, then a full one
        store.save_children([attrs.evolve(cohort()[4], family_doctor="FD-9")])
    assert plan_with(one, 1) == plan_with(two, 2)
    assert plan_with(one, 1, full=True) == plan_with(two, 2, full=True)
    assert stored_rows(one) == stored_rows(two)
    runs = [[{**r.counts, "seconds": 0} for r in store.runs()] for store in stores]
    assert runs[0] == runs[1]  # one run each, counting the same


def _worker_niceness(url: str, answer: Any) -> None:
    planning._worker_start(url, planning._BatchJob(protocol=PROTOCOL, day="2026-03-01",
                                                   horizon_days=180, full=False))  # fmt: skip
    answer.put(os.nice(0))


def test_plan_workers_give_way_to_sqlites_one_writer(tmp_path: Path) -> None:
    # The parent writes every batch the workers plan: it is the one to keep busy.
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    upgrade(make_engine(url))
    context = multiprocessing.get_context("fork")
    answer = context.Queue()
    worker = context.Process(target=_worker_niceness, args=(url, answer))
    worker.start()
    niceness = answer.get(timeout=60)
    worker.join()
    assert niceness == min(19, os.nice(0) + planning.SQLITE_WORKER_NICENESS)


def test_two_workers_plan_what_one_does_on_postgresql(postgres: Any) -> None:
    one, two = SqlRepository(postgres.engine()), SqlRepository(postgres_engine_by_url(postgres))
    for store in (one, two):
        upgrade(store.engine)
        seeded(store)
    assert plan_with(one, 1) == plan_with(two, 2)
    assert plan_with(one, 1, full=True) == plan_with(two, 2, full=True)
    assert stored_rows(one) == stored_rows(two)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize(("rows_per_commit", "committed"), [(1, [3, 6, 9]), (10**9, [])])
def test_sqlite_saves_batches_several_to_a_transaction(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rows_per_commit: int,
    committed: list[int],
    workers: int,
) -> None:
    """SQLite's one writer saves batches together, up to a number of obligations, whether
    it planned them or workers did: a failure takes back the batches of its transaction,
    and only batches committed are counted (here the fourth of five batches fails)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'yiyu.db'}")
    upgrade(engine)
    repo = seeded(SqlRepository(engine))
    monkeypatch.setattr(planning, "SQLITE_ROWS_PER_COMMIT", rows_per_commit)
    saving = planning._BatchJob.save
    calls: list[int] = []

    def killed_at_the_fourth(job: Any, *args: Any) -> Any:
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("killed at the fourth batch")
        return saving(job, *args)

    monkeypatch.setattr(planning._BatchJob, "save", killed_at_the_fourth)
    done: list[int] = []
    with pytest.raises(RuntimeError, match="fourth"):
        plan(repo, PROTOCOL, as_of=AS_OF, batch_size=3, workers=workers,
             progress=lambda count, _: done.append(count))  # fmt: skip
    saved = len(repo.plan_states(repo.subjects()))
    assert done == committed
    assert saved == (committed or [0])[-1]
    assert repo.runs()[0].status == "failed"
    monkeypatch.undo()  # the next run saves the rest: the end state of one worker's run
    assert plan(repo, PROTOCOL, as_of=AS_OF, batch_size=3, workers=2).planned == 13 - saved
    one = make_engine(f"sqlite:///{tmp_path / 'one.db'}")
    upgrade(one)
    reference = seeded(SqlRepository(one))
    plan(reference, PROTOCOL, as_of=AS_OF)
    assert stored_rows(repo) == stored_rows(reference)


def test_more_workers_need_a_database_others_can_open(tmp_path: Path) -> None:
    with pytest.raises(yiyu.ValidationError) as memory:
        plan(seeded(yiyu.store.MemoryRepository()), PROTOCOL, as_of=AS_OF, workers=2)
    assert memory.value.field == "workers"
    with pytest.raises(yiyu.ValidationError) as in_memory:
        plan(SqlRepository(make_engine("sqlite://")), PROTOCOL, as_of=AS_OF, workers=2)
    assert in_memory.value.field == "workers"
    with pytest.raises(yiyu.ValidationError) as zero:
        plan(yiyu.store.MemoryRepository(), PROTOCOL, as_of=AS_OF, workers=0)
    assert zero.value.field == "workers"


def test_yiyu_plan_workers(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from yiyu.cli import app

    url = f"sqlite:///{tmp_path / 'yiyu.db'}"
    engine = make_engine(url)
    upgrade(engine)
    seeded(SqlRepository(engine))
    engine.dispose()
    day = ["--as-of", AS_OF.isoformat()]
    result = CliRunner().invoke(app, ["--db", url, "plan", *day, "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "planned 13 of 13 subjects" in result.output
    refused = CliRunner().invoke(app, ["--db", url, "plan", *day, "--workers", "0"])
    assert refused.exit_code == 2


def test_two_runs_of_two_workers_at_once_on_postgresql_share_the_batches(postgres: Any) -> None:
    repo = SqlRepository(postgres_engine_by_url(postgres))
    upgrade(repo.engine)
    seeded(repo)
    results: list[Any] = []

    def run() -> None:
        try:
            results.append(plan(repo, PROTOCOL, as_of=AS_OF, batch_size=2, workers=2))
        except BaseException as error:  # collected, then asserted on
            results.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(r, PlanResult) for r in results), results
    # Each subject planned by one run only: a batch is claimed, and one finished before
    # the other run reached it is found current.
    assert sum(r.planned for r in results) == 13
    assert sum(r.obligations.created for r in results) == len(stored_keys(repo))
    reference = SqlRepository(postgres.engine())
    upgrade(reference.engine)
    plan(seeded(reference), PROTOCOL, as_of=AS_OF)
    assert stored_rows(repo) == stored_rows(reference)


def test_a_batch_claimed_by_another_run_is_left_to_it(repo: Repository) -> None:
    seeded(repo)
    first = repo.subjects()[:3]
    with repo.claim(_claim_key(first)):
        held = plan(repo, PROTOCOL, as_of=AS_OF, batch_size=3)
    assert (held.planned, held.skipped) == (10, 3)
    assert plan(repo, PROTOCOL, as_of=AS_OF, batch_size=3).planned == 3  # the next run


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_a_plan_pauses_the_collector_while_it_saves_a_batch_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    """The collector is off while a batch is planned and saved (``jobs.collector``) and on
    again after the run; a host that turned it off keeps it off."""
    if backend == "memory":
        repo: Repository = yiyu.store.MemoryRepository()
    else:
        engine = make_engine(f"sqlite:///{tmp_path / 'yiyu.db'}")
        upgrade(engine)
        repo = SqlRepository(engine)
    seeded(repo)
    saving = repo.save_plans
    collecting: list[bool] = []

    def save_plans(*args: Any, **kwargs: Any) -> Any:
        collecting.append(gc.isenabled())
        return saving(*args, **kwargs)

    monkeypatch.setattr(repo, "save_plans", save_plans)
    plan(repo, PROTOCOL, as_of=AS_OF, batch_size=3)
    assert collecting == [False] * 5  # 13 subjects, 5 batches
    assert gc.isenabled()
    gc.disable()
    try:
        plan(repo, PROTOCOL, as_of=AS_OF, batch_size=3, full=True)
        assert not gc.isenabled()
    finally:
        gc.enable()


# --- PostgreSQL in one process: each batch saved while the next is planned ------------------


def seeded_on(postgres: Any) -> SqlRepository:
    engine = postgres.engine()
    upgrade(engine)
    repo = SqlRepository(engine)
    seeded(repo)
    return repo


def test_one_process_on_postgresql_saves_a_batch_while_it_plans_the_next(
    postgres: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_turn, overlapped = seeded_on(postgres), seeded_on(postgres)
    saved_by: list[str] = []
    save = planning._BatchJob.save

    def spy(job: Any, repo: Repository, batch: Any, items: Any) -> Any:
        saved_by.append(threading.current_thread().name.rsplit("_", 1)[0])
        return save(job, repo, batch, items)

    monkeypatch.setattr(planning._BatchJob, "save", spy)
    runs = []
    for repo, alongside in ((in_turn, False), (overlapped, True)):
        monkeypatch.setattr(planning, "_saves_alongside", lambda repo, on=alongside: on)
        runs.append([plan_with(repo, 1)])
        repo.save_children([attrs.evolve(cohort()[4], family_doctor="FD-9")])
        runs[-1] += [plan_with(repo, 1), plan_with(repo, 1, full=True)]
    # 13 subjects in batches of 3, three runs: in turn, then in a thread of its own.
    assert saved_by == ["MainThread"] * 11 + ["yiyu-plan-save"] * 11
    assert runs[0] == runs[1]
    assert stored_rows(in_turn) == stored_rows(overlapped)


def test_a_failed_save_leaves_the_batches_saved_before_it_and_no_claim_held(
    postgres: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = seeded_on(postgres)
    save = planning._BatchJob.save
    saves: list[int] = []

    def third_fails(job: Any, repo: Repository, batch: Any, items: Any) -> Any:
        saves.append(len(batch))
        if len(saves) == 3:
            raise RuntimeError("disk full")
        return save(job, repo, batch, items)

    monkeypatch.setattr(planning._BatchJob, "save", third_fails)
    with pytest.raises(RuntimeError, match="disk full"):
        plan(repo, PROTOCOL, as_of=AS_OF, batch_size=3)
    assert saves == [3, 3, 3]  # the fourth batch, planned meanwhile, was not saved
    [failed] = repo.runs()
    assert (failed.status, failed.counts["planned"]) == ("failed", 6)
    assert len(repo.plan_states(repo.subjects())) == 6  # the two batches saved, whole
    subjects = repo.subjects()
    for start in range(0, len(subjects), 3):  # every claim was released
        with repo.claim(_claim_key(subjects[start : start + 3])) as mine:
            assert mine
    monkeypatch.setattr(planning._BatchJob, "save", save)
    assert plan(repo, PROTOCOL, as_of=AS_OF, batch_size=3).planned == 7
    reference = seeded_on(postgres)
    plan(reference, PROTOCOL, as_of=AS_OF)
    assert stored_rows(repo) == stored_rows(reference)


def test_a_plan_inside_the_callers_transaction_is_saved_in_it(postgres: Any) -> None:
    # Saved from another thread, a batch would be committed apart from the caller's work.
    repo = seeded_on(postgres)

    def plan_then_give_up() -> None:
        with repo.transaction():
            plan(repo, PROTOCOL, as_of=AS_OF, batch_size=3)
            raise RuntimeError("the caller gives up")

    with pytest.raises(RuntimeError, match="the caller gives up"):
        plan_then_give_up()
    assert stored_keys(repo) == {}
    assert repo.plan_states(repo.subjects()) == {}
