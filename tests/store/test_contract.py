"""One contract, every backend: memory, SQLite and PostgreSQL (STYLE 5)."""

from __future__ import annotations

import os
import socket
from typing import Any

import attrs
import pendulum
import pytest

import yiyu
from yiyu.codec import facts_hash
from yiyu.jobs.planning import plan_item
from yiyu.store import ObligationFilter, PlanItem, PlanState, Repository, SaveCounts, SubjectRef
from yiyu.store.api import CurrentPlan
from yiyu.testing import EXAMPLE_HOLIDAY_FILE, make_child

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()


# A child with every fact the store keeps; a test changes one with attrs.evolve.
CHILD = make_child(
    "C1",
    name="王小明",
    sex="M",
    born="2024-01-31",
    gestational_age="33+2",
    birth_weight_g=1900,
    discharge_date="2024-02-20",
    township="城关街道",
    family_doctor="FD-7",
    guardian_name="王建国",
    guardian_phone="138 0013 8000",
    categories=[yiyu.Category(kind="orphan", start="2024-06-01", reason="民政认定")],
    cases=[
        yiyu.Case(
            condition="rickets",
            opened_on="2024-08-01",
            course=[
                yiyu.CaseCheck(on="2024-08-01", stage="active", symptoms=True),
                yiyu.CaseCheck(on="2024-09-01", stage="recovery", symptoms=False, signs="improved"),
            ],
        ),
        yiyu.Case(
            condition="anaemia",
            opened_on="2024-09-01",
            severity="mild",
            # The course is read back whole: the trend rules of 专案管理 depend on it.
            course=[
                yiyu.CaseCheck(on="2024-09-01", by="E1", values={"hb_g_l": 95}),
                yiyu.CaseCheck(on="2024-10-01", by="E2", values={"hb_g_l": 101.5}),
            ],
        ),
    ],
    referrals=[yiyu.Referral(kind="development", opened_on="2024-08-01", reason="预警征象阳性")],
    life_events=[yiyu.LifeEvent(kind="moved_out", on="2026-05-01")],
)


DAYCARE = yiyu.Daycare(
    id="D1",
    name="阳光托育园",
    township="城关街道",
    capacity=60,
    health_instructor="HI-3",
    opened_on="2024-03-01",
    corrections=[yiyu.Correction(item="diet", opened_on="2024-05-10", note="食谱未公示")],
)


def plan(repo: Repository, subject: yiyu.Child | yiyu.Daycare, until: D) -> SaveCounts:
    ref = SubjectRef(kind="child" if isinstance(subject, yiyu.Child) else "daycare", id=subject.id)
    assignees = (
        {"family_doctor": subject.family_doctor}
        if isinstance(subject, yiyu.Child)
        else {"health_instructor": subject.health_instructor}
    )
    return repo.save_plan(
        ref,
        yiyu.schedule(subject, PROTOCOL, until=until),
        PlanState(facts_hash="h", protocol=PROTOCOL.label, planned_until=until),
        as_of=D(2024, 6, 1),
        township=subject.township,
        assignees=assignees,
    )


def test_children_round_trip_with_all_their_facts(repo: Repository) -> None:
    c = CHILD
    assert repo.save_children([c]) == SaveCounts(created=1)
    assert repo.get_child("C1") == c
    assert repo.get_child("nobody") is None
    assert repo.save_children([c]) == SaveCounts(unchanged=1)
    changed = attrs.evolve(CHILD, name="王小明明", cases=[])
    assert repo.save_children([changed]) == SaveCounts(updated=1)
    assert repo.get_child("C1") == changed
    assert repo.townships() == ["城关街道"]


def test_the_facts_hash_kept_is_the_hash_of_the_facts_as_saved(repo: Repository) -> None:
    # A plan reads it instead of hashing every subject again: it must be the hash of what
    # is stored now, after every change, an enrolment's too, and of nothing removed.
    repo.save_daycares([DAYCARE])
    repo.save_children([CHILD, make_child("C2", born="2025-01-01")])
    child, other = SubjectRef(kind="child", id="C1"), SubjectRef(kind="child", id="C2")
    daycare = SubjectRef(kind="daycare", id="D1")
    nobody = SubjectRef(kind="child", id="nobody")

    def stored(ref: SubjectRef) -> str:
        subject = repo.get_child(ref.id) if ref.kind.value == "child" else repo.get_daycare(ref.id)
        assert subject is not None
        return facts_hash(subject)

    assert repo.facts_hashes([child, other, daycare, nobody]) == {
        r: stored(r) for r in (child, other, daycare)
    }
    before = repo.facts_hashes([child])[child]
    repo.save_children([attrs.evolve(CHILD, guardian_phone="0571-8765 4321")])
    repo.save_enrolments([yiyu.Enrolment(child_id="C2", daycare_id="D1", start=D(2026, 3, 1))])
    after = repo.facts_hashes([child, other])
    assert after == {child: stored(child), other: stored(other)}
    assert after[child] != before
    assert repo.facts_hashes([]) == {}


def test_a_childs_guardian_round_trips_and_a_change_to_it_is_saved(repo: Repository) -> None:
    # 家长姓名 and 联系电话 are printed on every record: read back as written, and a new
    # phone is an update, not "unchanged".
    repo.save_children([CHILD])
    stored = repo.get_child("C1")
    assert stored is not None
    assert (stored.guardian_name, stored.guardian_phone) == ("王建国", "138 0013 8000")
    moved = attrs.evolve(CHILD, guardian_phone="0571-8765 4321")
    assert repo.save_children([moved]) == SaveCounts(updated=1)
    assert repo.get_child("C1") == moved
    cleared = attrs.evolve(CHILD, guardian_name=None, guardian_phone=None)
    assert repo.save_children([cleared]) == SaveCounts(updated=1)
    stored = repo.get_child("C1")
    assert stored is not None
    assert (stored.guardian_name, stored.guardian_phone) == (None, None)


def test_cases_are_stored_with_why_they_closed(repo: Repository) -> None:
    rickets = yiyu.Case(
        condition="rickets", opened_on="2024-08-01", closed_on="2024-11-01", closed_by="E5"
    )
    anaemia = yiyu.Case(condition="anaemia", opened_on="2024-09-01", severity="mild")
    moved = yiyu.LifeEvent(kind="moved_out", on="2025-03-01")
    c = attrs.evolve(CHILD, cases=[rickets, anaemia], life_events=[moved])
    assert repo.save_children([c]) == SaveCounts(created=1)
    stored = repo.get_child("C1")
    assert stored is not None
    assert stored == c
    assert [(case.closed_on, case.closed_by, case.close_reason) for case in stored.cases] == [
        (D(2024, 11, 1), "E5", yiyu.CaseCloseReason.CRITERIA_MET),
        (D(2025, 3, 1), None, yiyu.CaseCloseReason.MOVED_OUT),
    ]
    assert repo.save_children([c]) == SaveCounts(unchanged=1)
    # The child died before the move was recorded: the same case, closed for that reason.
    died = attrs.evolve(c, life_events=[yiyu.LifeEvent(kind="deceased", on="2025-02-01")])
    assert repo.save_children([died]) == SaveCounts(updated=1)
    stored = repo.get_child("C1")
    assert stored is not None
    assert (stored.cases[1].closed_on, stored.cases[1].close_reason) == (
        D(2025, 2, 1),
        yiyu.CaseCloseReason.DECEASED,
    )
    # The life event was entered in error: the case is open again.
    assert repo.save_children([attrs.evolve(c, life_events=[])]) == SaveCounts(updated=1)
    assert repo.get_child("C1") == attrs.evolve(CHILD, cases=[rickets, anaemia], life_events=[])
    assert repo.get_child("C1").cases[1].is_open  # type: ignore[union-attr]


def test_daycares_and_enrolments(repo: Repository) -> None:
    repo.save_children([CHILD])
    assert repo.save_daycares([DAYCARE]) == SaveCounts(created=1)
    assert repo.get_daycare("D1") == DAYCARE
    enrolment = yiyu.Enrolment(child_id="C1", daycare_id="D1", start="2025-03-01")
    assert repo.save_enrolments([enrolment]) == SaveCounts(created=1)
    assert repo.save_enrolments([enrolment]) == SaveCounts(unchanged=1)
    stored = repo.get_child("C1")
    assert stored is not None
    assert stored.enrolments == (enrolment,)
    with pytest.raises(yiyu.ValidationError, match="daycare_id"):
        repo.save_enrolments([yiyu.Enrolment(child_id="C1", daycare_id="D9", start="2025-03-01")])
    assert repo.subjects() == [
        SubjectRef(kind="child", id="C1"),
        SubjectRef(kind="daycare", id="D1"),
    ]


def test_townships_are_created_once(repo: Repository) -> None:
    assert repo.ensure_townships(["城关街道", "东城街道"]) == ["东城街道", "城关街道"]
    assert repo.ensure_townships(["城关街道"]) == []


def test_a_failed_transaction_leaves_nothing_half_written(repo: Repository) -> None:
    repo.save_children([CHILD])

    def killed_halfway() -> None:
        with repo.transaction():
            repo.save_children([attrs.evolve(CHILD, name="改了"), attrs.evolve(CHILD, id="C2")])
            raise RuntimeError("killed halfway")

    with pytest.raises(RuntimeError):
        killed_halfway()
    stored = repo.get_child("C1")
    assert stored is not None
    assert stored.name == "王小明"
    assert repo.get_child("C2") is None


def test_save_plan_inserts_then_changes_nothing_on_a_rerun(repo: Repository) -> None:
    c = CHILD
    repo.save_children([c])
    first = plan(repo, c, D(2024, 12, 31))
    assert first.created > 10
    assert first.updated == 0
    again = plan(repo, c, D(2024, 12, 31))
    assert again == SaveCounts(unchanged=first.created)
    stored = repo.obligations(ObligationFilter(subject=SubjectRef(kind="child", id="C1")))
    assert {s.obligation.key for s in stored} == {
        ob.key for ob in yiyu.schedule(c, PROTOCOL, until=D(2024, 12, 31))
    }
    m6 = next(s for s in stored if s.obligation.rule == "m6")
    assert m6.obligation == next(
        ob for ob in yiyu.schedule(c, PROTOCOL, until=D(2024, 12, 31)) if ob.rule == "m6"
    )
    assert (m6.township, m6.done_on, m6.skip, m6.withdrawn_on) == ("城关街道", None, None, None)
    follow_up = next(s for s in stored if s.obligation.rule == "high_risk_follow_up")
    assert follow_up.assignee == "FD-7"


def test_done_obligations_keep_their_version_and_vanished_ones_are_withdrawn(
    repo: Repository,
) -> None:
    c = attrs.evolve(CHILD, gestational_age="39+0", birth_weight_g=3300, cases=[], referrals=[])
    repo.save_children([c])
    plan(repo, c, D(2024, 12, 31))
    done = yiyu.Encounter(id="E1", subject_id="C1", on="2024-02-24",
                          obligation_key="child:C1/newborn_home_visit")  # fmt: skip
    assert repo.save_encounter(done, [])
    assert not repo.save_encounter(done, [])  # the same again: no change
    with pytest.raises(yiyu.ValidationError, match="another encounter"):
        repo.save_encounter(yiyu.Encounter(id="E1", subject_id="C1", on="2024-02-25"), [])
    # The facts change: now known to be preterm, the visit would be due within 3 days and
    # high-risk follow-ups appear; the done visit is left as it was.
    preterm = attrs.evolve(CHILD, cases=[], referrals=[])
    repo.save_children([preterm])
    counts = plan(repo, preterm, D(2024, 12, 31))
    assert counts.created > 0
    stored = {s.obligation.key: s for s in repo.obligations(ObligationFilter())}
    visit = stored["child:C1/newborn_home_visit"]
    assert visit.done_on == D(2024, 2, 24)
    assert visit.obligation.variant is None  # as it was done
    # Back to term: the follow-ups vanish and are withdrawn, not deleted.
    plan(repo, c, D(2024, 12, 31))
    remaining = repo.obligations(ObligationFilter(include_withdrawn=True))
    withdrawn = [s for s in remaining if s.obligation.rule == "high_risk_follow_up"]
    assert withdrawn
    assert all(s.withdrawn_on == D(2024, 6, 1) for s in withdrawn)
    assert not [s for s in repo.obligations(ObligationFilter()) if s.withdrawn_on]


def test_a_changed_content_updates_what_is_not_done(repo: Repository) -> None:
    # A protocol update that adds a source to every rule: the obligations not done take
    # it (begun or not: the version is the same), the one done keeps what it was done
    # under.
    c = attrs.evolve(CHILD, life_events=[])
    repo.save_children([c])
    obligations = yiyu.schedule(c, PROTOCOL, until=D(2024, 12, 31))
    ref = SubjectRef(kind="child", id="C1")
    state = PlanState(facts_hash="h", protocol=PROTOCOL.label, planned_until=D(2024, 12, 31))

    def save(planned: list[yiyu.Obligation]) -> SaveCounts:
        return repo.save_plan(ref, planned, state, as_of=D(2024, 6, 1), township=c.township,
                              assignees={})  # fmt: skip

    save(obligations)
    repo.save_encounter(
        yiyu.Encounter(id="E1", subject_id="C1", on="2024-05-02", obligation_key="child:C1/m3"),
        [],
    )
    updated = [attrs.evolve(ob, sources=(*ob.sources, "S99 (示例通知)")) for ob in obligations]
    assert save(updated) == SaveCounts(updated=len(obligations) - 1, unchanged=1)
    stored = {s.obligation.key: s.obligation for s in repo.obligations(ObligationFilter())}
    expected = {ob.key: ob for ob in updated}
    expected["child:C1/m3"] = next(ob for ob in obligations if ob.key == "child:C1/m3")
    assert stored == expected
    assert save(updated) == SaveCounts(unchanged=len(obligations))


def test_skips_are_stored_with_their_reason(repo: Repository) -> None:
    c = CHILD
    repo.save_children([c])
    plan(repo, c, D(2024, 12, 31))
    skip = yiyu.Skip(on="2024-05-01", reason="family_refused", note="家长拒绝上门")
    repo.save_skip("child:C1/m3", skip)
    [m3] = [s for s in repo.obligations(ObligationFilter()) if s.obligation.rule == "m3"]
    assert m3.skip == skip
    with pytest.raises(yiyu.ValidationError, match="obligation_key"):
        repo.save_skip("child:C1/m99", skip)


def test_encounters_between_reads_a_span_of_visits_whole(repo: Repository) -> None:
    # Coverage's yearly rates count the children seen and the screens recorded in a span.
    c = attrs.evolve(CHILD, life_events=[])
    repo.save_children([c])
    plan(repo, c, D(2024, 12, 31))
    visits = [
        yiyu.Encounter(id="E2", subject_id="C1", on="2024-05-02", obligation_key="child:C1/m3",
                       warning_signs={"m3_1": False}, regression=False),
        yiyu.Encounter(id="E1", subject_id="C1", on="2024-05-02"),
        yiyu.Encounter(id="E3", subject_id="C1", on="2024-07-31"),
        yiyu.Encounter(id="E0", subject_id="C1", on="2024-04-30"),
    ]  # fmt: skip
    for visit in visits:
        repo.save_encounter(visit, [])
    found = repo.encounters_between(D(2024, 5, 1), D(2024, 7, 31))
    assert [e.id for e in found] == ["E1", "E2", "E3"]  # by date, then id; both ends counted
    assert found[1] == visits[0]  # read back with its screen
    assert repo.encounters_between(D(2024, 8, 1), D(2024, 12, 31)) == []


def test_filters(repo: Repository) -> None:
    c = CHILD
    repo.save_children([c])
    repo.save_daycares([DAYCARE])
    plan(repo, c, D(2024, 12, 31))
    plan(repo, DAYCARE, D(2024, 12, 31))
    by_instructor = repo.obligations(ObligationFilter(assignee="HI-3"))
    assert by_instructor
    assert {s.obligation.subject_id for s in by_instructor} == {"D1"}
    window = repo.obligations(ObligationFilter(opens_by=D(2024, 3, 1), closes_from=D(2024, 3, 1)))
    assert all(s.obligation.opens <= D(2024, 3, 1) <= s.obligation.closes for s in window)
    assert {s.obligation.rule for s in window} >= {"one_month", "daycare_quarterly_visit"}
    assert repo.obligations(ObligationFilter(township="东城街道")) == []
    roles = {
        s.obligation.role.value for s in repo.obligations(ObligationFilter(role="family_doctor"))
    }
    assert roles == {"family_doctor"}


def test_acted_since_reads_old_windows_only_if_visited_skipped_or_tracking(
    repo: Repository,
) -> None:
    """``acted_since``: a window closing on or after the day, or closed before it and
    first visited or skipped on or after it, or tracking another record (the referral's
    result completes it): what coverage reads of windows closed before its period."""
    c = attrs.evolve(CHILD, life_events=[])
    repo.save_children([c])
    plan(repo, c, D(2024, 12, 31))
    day = D(2024, 10, 1)
    repo.save_encounter(yiyu.Encounter(id="E1", subject_id="C1", on="2024-10-08",
                                       obligation_key="child:C1/m3"), [])  # fmt: skip
    repo.save_encounter(yiyu.Encounter(id="E2", subject_id="C1", on="2024-07-01",
                                       obligation_key="child:C1/one_month"), [])  # fmt: skip
    # A second visit after the day: the first, before it, is when it was done.
    repo.save_encounter(yiyu.Encounter(id="E3", subject_id="C1", on="2024-10-09",
                                       obligation_key="child:C1/one_month"), [])  # fmt: skip
    repo.save_skip("child:C1/m6", yiyu.Skip(on="2024-10-01", reason="done_elsewhere"))
    every = repo.obligations(ObligationFilter())
    read = repo.obligations(ObligationFilter(acted_since=day))
    expected = [
        s
        for s in every
        if s.obligation.closes >= day
        or s.obligation.key in ("child:C1/m3", "child:C1/m6")
        or "@" in (s.obligation.occurrence or "")
    ]
    assert [s.obligation.key for s in read] == [s.obligation.key for s in expected]
    closed = {s.obligation.key for s in every if s.obligation.closes < day}
    assert {"child:C1/m3", "child:C1/m6", "child:C1/one_month"} <= closed  # the cases above
    assert any("@" in (s.obligation.occurrence or "") for s in read if s.obligation.key in closed)
    assert "child:C1/one_month" not in {s.obligation.key for s in read}


def test_job_runs_and_audit(repo: Repository) -> None:
    run = repo.start_run("plan", parameters={"as_of": "2024-06-01"})
    repo.finish_run(run, status="succeeded", counts={"subjects": 3})
    [last] = repo.runs(limit=1)
    assert (last.id, last.job, last.status) == (run, "plan", "succeeded")
    assert last.counts["subjects"] == 3
    assert last.finished_at is not None
    repo.audit("tester", "update", "child", "C1", {"changed": ["name"]})


def test_a_run_records_its_process_and_an_error_in_one_line(repo: Repository) -> None:
    run = repo.start_run("plan", parameters={})
    [running] = repo.runs(limit=1)
    # Which process runs it, so a run killed on this host shows as interrupted.
    assert (running.status, running.pid, running.host) == (
        "running", os.getpid(), socket.gethostname()
    )  # fmt: skip
    repo.finish_run(run, status="failed", counts={}, error=RuntimeError("disk full\ndetail"))
    [failed] = repo.runs(limit=1)
    assert (failed.status, failed.error) == ("failed", "RuntimeError: disk full")


def test_reschedules_move_the_appointment_not_the_due_date(repo: Repository) -> None:
    c = CHILD
    repo.save_children([c])
    plan(repo, c, D(2024, 12, 31))
    moved = yiyu.Reschedule(to="2024-05-20", reason="child_ill", note="发热")
    repo.save_reschedule("child:C1/m3", moved)
    [m3] = [s for s in repo.obligations(ObligationFilter()) if s.obligation.rule == "m3"]
    assert m3.rescheduled == moved
    assert m3.obligation.due == D(2024, 4, 30)
    with pytest.raises(yiyu.ValidationError, match="obligation_key"):
        repo.save_reschedule("child:C1/m99", moved)


def test_batch_reads_and_batch_plans(repo: Repository) -> None:
    kids = [attrs.evolve(CHILD, id=f"C{i}", cases=[], referrals=[]) for i in range(3)]
    repo.save_children(kids)
    repo.save_daycares([DAYCARE])
    assert repo.get_children(["C0", "C2", "nobody"]) == {"C0": kids[0], "C2": kids[2]}
    assert repo.get_daycares(["D1", "D9"]) == {"D1": DAYCARE}
    items = [
        PlanItem(
            ref=SubjectRef(kind="child", id=k.id),
            obligations=yiyu.schedule(k, PROTOCOL, until=D(2024, 12, 31)),
            state=PlanState(facts_hash="h", protocol=PROTOCOL.label, planned_until=D(2024, 12, 31)),
            township=k.township,
            assignees={},
        )
        for k in kids
    ]
    counts = repo.save_plans(items, as_of=D(2024, 6, 1))
    assert counts.created == sum(len(i.obligations) for i in items)
    assert repo.save_plans(items, as_of=D(2024, 6, 1)) == SaveCounts(unchanged=counts.created)
    states = repo.plan_states([i.ref for i in items])
    assert set(states) == {i.ref for i in items}


# An EXAMPLE year (2027's official dates are not yet known), and a correction of it.
HOLIDAYS_2027 = yiyu.parse_holiday_year(EXAMPLE_HOLIDAY_FILE)
CORRECTED_2027 = yiyu.HolidayYear(
    year=2027,
    holidays=[D(2027, 2, 6).add(days=n) for n in range(8)],  # one day shorter
    workdays=[D(2027, 2, 20), D(2027, 2, 21)],
    source="示例：更正 (example, corrected)",
    note="第二版",
)


def test_holiday_years_are_added_replaced_and_read_back(repo: Repository) -> None:
    assert repo.holiday_calendar() == yiyu.HolidayCalendar()
    assert repo.save_holiday_year(HOLIDAYS_2027) == SaveCounts(created=1)
    assert repo.holiday_calendar() == yiyu.HolidayCalendar(years=[HOLIDAYS_2027])
    assert repo.save_holiday_year(HOLIDAYS_2027) == SaveCounts(unchanged=1)
    assert repo.save_holiday_year(CORRECTED_2027) == SaveCounts(updated=1)
    calendar = repo.holiday_calendar()
    assert calendar.years == (CORRECTED_2027,)  # replaced whole, nothing of the old left
    earlier = yiyu.HolidayYear(year=2026, holidays=[D(2026, 10, 1)], source="示例 example")
    assert repo.save_holiday_year(earlier) == SaveCounts(created=1)
    assert [y.year for y in repo.holiday_calendar().years] == [2026, 2027]
    stored = repo.holiday_calendar().year(2027)
    assert stored is not None
    assert all(isinstance(day, pendulum.Date) for day in stored.holidays | stored.workdays)


def test_a_failed_replacement_keeps_the_year_as_it_was(repo: Repository) -> None:
    repo.save_holiday_year(HOLIDAYS_2027)

    def killed_halfway() -> None:
        with repo.transaction():
            repo.save_holiday_year(CORRECTED_2027)
            raise RuntimeError("killed halfway")

    with pytest.raises(RuntimeError):
        killed_halfway()
    assert repo.holiday_calendar().years == (HOLIDAYS_2027,)


# --- stored encounters: the format's version (issue #13, item 6) -----------------------

OLD_VISIT = {  # as yiyu 0.1 stored it: the encounter's fields, no "v"
    "id": "E0",
    "subject_id": "C1",
    "on": "2024-02-25",
    "obligation_key": "child:C1/newborn_home_visit",
    "measurements": {"weight_kg": 3.2},
    "notes": "旧版本记录",
}


def write_stored_encounter(repo: Repository, data: dict[str, Any]) -> None:
    """Put encounter JSON straight into the store, as an older (or newer) yiyu wrote it."""
    import datetime as dt

    from sqlalchemy import insert

    from yiyu.store.memory import MemoryRepository, _StoredEncounter
    from yiyu.store.sql import SqlRepository
    from yiyu.store.tables import EncounterRow

    if isinstance(repo, MemoryRepository):
        repo._state.encounters[data["id"]] = _StoredEncounter(data, [], yiyu.SubjectKind.CHILD)
        return
    assert isinstance(repo, SqlRepository)
    with repo.engine.begin() as connection:
        connection.execute(
            insert(EncounterRow).values(
                id=data["id"], subject_kind="child", subject_id=data["subject_id"],
                on=dt.date.fromisoformat(data["on"]), obligation_key=data["obligation_key"],
                role="child_health_doctor", performer=None, data=data, findings=[],
                recorded_at=dt.datetime.now(dt.UTC),
            )
        )  # fmt: skip


def test_an_encounter_stored_by_yiyu_0_1_is_read_through_the_upgrade(repo: Repository) -> None:
    repo.save_children([CHILD])
    write_stored_encounter(repo, OLD_VISIT)
    visit = yiyu.Encounter(**OLD_VISIT)
    assert repo.encounters_on(D(2024, 2, 25)) == [visit]
    assert repo.encounters_between(D(2024, 2, 1), D(2024, 2, 29)) == [visit]
    assert not repo.save_encounter(visit, [])  # the same visit: already stored
    with pytest.raises(yiyu.ValidationError, match="another encounter has this id"):
        repo.save_encounter(attrs.evolve(visit, notes="另一次"), [])


def test_an_encounter_stored_by_a_newer_yiyu_is_refused_naming_its_version(
    repo: Repository,
) -> None:
    repo.save_children([CHILD])
    write_stored_encounter(repo, {"v": 7, **OLD_VISIT})
    with pytest.raises(yiyu.ValidationError, match="format version 7 by a newer yiyu") as error:
        repo.encounters_on(D(2024, 2, 25))
    assert error.value.field == "v"


# --- subjects' kinds (issue #13, item 5) ------------------------------------------------


def test_a_subject_ref_has_a_subject_kind_also_when_given_its_value(repo: Repository) -> None:
    assert SubjectRef(kind="daycare", id="D1") == SubjectRef(kind=yiyu.SubjectKind.DAYCARE, id="D1")
    with pytest.raises(yiyu.ValidationError) as error:
        SubjectRef(kind="school", id="S1")
    assert error.value.field == "kind"
    # A child and a daycare may share an id: they are two subjects.
    repo.save_children([attrs.evolve(CHILD, id="X1", cases=[], referrals=[])])
    repo.save_daycares([attrs.evolve(DAYCARE, id="X1")])
    refs = repo.subjects()
    assert refs == [SubjectRef(kind="child", id="X1"), SubjectRef(kind="daycare", id="X1")]
    assert all(isinstance(ref.kind, yiyu.SubjectKind) for ref in refs)


def test_subjects_come_in_the_order_of_their_refs(repo: Repository) -> None:
    # Children before daycares, each by id as Python orders strings (a plan's batches
    # and workers split this list), whatever the database's collation would say.
    ids = ["c2", "C10", "b1", "C2", "儿1"]
    repo.save_children([attrs.evolve(CHILD, id=i, cases=[], referrals=[]) for i in ids])
    repo.save_daycares([attrs.evolve(DAYCARE, id=i) for i in ("d1", "D2")])
    refs = repo.subjects()
    assert refs == sorted(refs)
    assert [ref.id for ref in refs] == ["C10", "C2", "b1", "c2", "儿1", "D2", "d1"]


def test_a_visit_is_recorded_for_the_subject_its_key_names(repo: Repository) -> None:
    from yiyu.jobs.recording import record_encounter
    from yiyu.outcomes import DaycareRecord

    kid = attrs.evolve(CHILD, id="X1", cases=[], referrals=[], life_events=[])
    daycare = attrs.evolve(DAYCARE, id="X1", corrections=[])
    repo.save_children([kid])
    repo.save_daycares([daycare])
    quarterly = next(
        ob
        for ob in yiyu.schedule(daycare, PROTOCOL, until=D(2024, 12, 31))
        if ob.rule == "daycare_quarterly_visit"
    )
    visit = yiyu.Encounter(
        id="E-X1", subject_id="X1", on=quarterly.due, obligation_key=quarterly.key,
        role="health_instructor", lecture="秋季传染病预防",
    )  # fmt: skip
    recorded = record_encounter(repo, PROTOCOL, visit, as_of=D(2024, 12, 31))
    assert isinstance(recorded.result, DaycareRecord)
    assert repo.get_child("X1") == kid  # the child with the same id is left alone


# --- which subjects to plan (the incremental plan's query) --------------------------------

LABEL = PROTOCOL.plan_label
THROUGH = D(2024, 12, 31)
PLAIN = attrs.evolve(CHILD, cases=[], referrals=[], life_events=[], categories=[])


def planned(repo: Repository, *subjects: yiyu.Child | yiyu.Daycare, label: str = LABEL,
            until: D = THROUGH) -> None:  # fmt: skip
    for subject in subjects:
        ref = SubjectRef.of(subject)
        state = PlanState(facts_hash="h", protocol=label, planned_until=until)
        repo.save_plan(ref, [], state, as_of=D(2024, 6, 1), township=None, assignees={})


def to_plan(repo: Repository, **kwargs: Any) -> list[str]:
    refs = repo.subjects_to_plan(CurrentPlan(protocol_label=LABEL, planned_through=THROUGH),
                                 **kwargs)  # fmt: skip
    return [r.id for r in refs]


def test_subjects_without_a_plan_are_to_plan_and_planned_ones_are_not(repo: Repository) -> None:
    assert repo.subject_count() == 0
    repo.save_daycares([DAYCARE])
    repo.save_children([attrs.evolve(PLAIN, id=i) for i in ("C2", "C1", "C3")])
    assert repo.subject_count() == len(repo.subjects()) == 4
    assert to_plan(repo) == ["C1", "C2", "C3", "D1"]  # children first, each kind by id
    planned(repo, repo.get_child("C1"), repo.get_child("C3"), DAYCARE)  # type: ignore[arg-type]
    assert to_plan(repo) == ["C2"]
    planned(repo, repo.get_child("C2"))  # type: ignore[arg-type]
    assert to_plan(repo) == []
    repo.save_children([attrs.evolve(PLAIN, id="C2")])  # the same facts again: no write
    repo.save_daycares([DAYCARE])
    assert to_plan(repo) == []


@pytest.mark.parametrize(
    "change",
    [
        {"name": "王小红"},
        {"family_doctor": "FD-8"},
        {"township": "东城街道"},
        {"categories": [yiyu.Category(kind="orphan", start="2024-06-01")]},
        {"life_events": [yiyu.LifeEvent(kind="moved_out", on="2024-09-01")]},
        {"cases": [yiyu.Case(condition="anaemia", opened_on="2024-09-01", severity="mild")]},
        {"referrals": [yiyu.Referral(kind="development", opened_on="2024-08-01", reason="r")]},
        {"enrolments": [yiyu.Enrolment(child_id="C1", daycare_id="D1", start="2024-09-01")]},
    ],
    ids=lambda change: next(iter(change)),
)
def test_a_child_whose_facts_changed_after_its_plan_is_to_plan(
    repo: Repository, change: dict[str, Any]
) -> None:
    repo.save_daycares([DAYCARE])
    other = attrs.evolve(PLAIN, id="C2")
    repo.save_children([PLAIN, other])
    planned(repo, PLAIN, other, DAYCARE)
    repo.save_children([attrs.evolve(PLAIN, **change)])
    assert to_plan(repo) == ["C1"]
    planned(repo, repo.get_child("C1"))  # type: ignore[arg-type]
    assert to_plan(repo) == []


def test_a_new_enrolment_puts_the_child_to_plan(repo: Repository) -> None:
    repo.save_daycares([DAYCARE])
    repo.save_children([PLAIN])
    planned(repo, PLAIN, DAYCARE)
    repo.save_enrolments([yiyu.Enrolment(child_id="C1", daycare_id="D1", start="2024-09-01")])
    assert to_plan(repo) == ["C1"]


def test_a_daycare_written_after_a_childs_plan_puts_both_to_plan(repo: Repository) -> None:
    repo.save_daycares([DAYCARE, attrs.evolve(DAYCARE, id="D2")])
    enrolled = attrs.evolve(
        PLAIN, enrolments=[yiyu.Enrolment(child_id="C1", daycare_id="D1", start="2024-09-01")]
    )
    elsewhere = attrs.evolve(
        PLAIN, id="C2",
        enrolments=[yiyu.Enrolment(child_id="C2", daycare_id="D2", start="2024-09-01")],
    )  # fmt: skip
    repo.save_children([enrolled, elsewhere, attrs.evolve(PLAIN, id="C3")])
    planned(repo, enrolled, elsewhere, attrs.evolve(PLAIN, id="C3"), DAYCARE)
    planned(repo, attrs.evolve(DAYCARE, id="D2"))
    assert to_plan(repo) == []
    # A new health instructor acts on the child's daycare obligations.
    repo.save_daycares([attrs.evolve(DAYCARE, health_instructor="HI-9")])
    assert to_plan(repo) == ["C1", "D1"]
    planned(repo, enrolled, DAYCARE)
    assert to_plan(repo) == []
    corrected = attrs.evolve(DAYCARE, corrections=[])  # the daycare's own facts
    repo.save_daycares([corrected])
    assert to_plan(repo) == ["C1", "D1"]  # the child too: the plan's hash decides


def test_another_protocol_label_or_a_short_horizon_puts_a_subject_to_plan(
    repo: Repository,
) -> None:
    repo.save_daycares([DAYCARE])
    kids = [attrs.evolve(PLAIN, id=f"C{i}") for i in range(4)]
    repo.save_children(kids)
    planned(repo, kids[0], DAYCARE)
    planned(repo, kids[1], label="national@2025.1#0123456789ab")
    planned(repo, kids[2], until=THROUGH.subtract(days=1))
    planned(repo, kids[3], until=THROUGH.add(days=30))
    assert to_plan(repo) == ["C1", "C2"]
    later = repo.subjects_to_plan(CurrentPlan(protocol_label=LABEL,
                                              planned_through=THROUGH.add(days=1)))  # fmt: skip
    assert [r.id for r in later] == ["C0", "C1", "C2", "D1"]
    other = repo.subjects_to_plan(CurrentPlan(protocol_label="other", planned_through=THROUGH))
    assert [r.id for r in other] == ["C0", "C1", "C2", "C3", "D1"]


def test_subjects_to_plan_come_in_pages(repo: Repository) -> None:
    repo.save_daycares([DAYCARE, attrs.evolve(DAYCARE, id="D2")])
    repo.save_children([attrs.evolve(PLAIN, id=f"C{i}") for i in range(5)])
    planned(repo, repo.get_child("C2"))  # type: ignore[arg-type]
    assert to_plan(repo, limit=3) == ["C0", "C1", "C3"]
    assert to_plan(repo, limit=3, after=SubjectRef(kind="child", id="C3")) == ["C4", "D1", "D2"]
    assert to_plan(repo, after=SubjectRef(kind="child", id="C4")) == ["D1", "D2"]
    assert to_plan(repo, after=SubjectRef(kind="child", id="C35")) == ["C4", "D1", "D2"]
    assert to_plan(repo, after=SubjectRef(kind="daycare", id="D1")) == ["D2"]
    assert to_plan(repo, after=SubjectRef(kind="daycare", id="D2")) == []
    with pytest.raises(yiyu.ValidationError, match="limit"):
        to_plan(repo, limit=0)


def test_a_claim_is_held_by_one_caller_at_a_time(repo: Repository) -> None:
    with (
        repo.claim("plan batch 1") as first,
        repo.claim("plan batch 1") as second,
        repo.claim("plan batch 2") as other,
    ):
        assert (first, second, other) == (True, False, True)
    with repo.claim("plan batch 1") as again:  # released when the block ended
        assert again


def test_an_import_holding_all_the_subjects_turn_saves_and_plans(repo: Repository) -> None:
    # What an import does (lock_all_subjects, then its batches), and a plan saved in the
    # same transaction: the turn taken alone does not stand in its own way.
    child = make_child("C1")
    with repo.transaction():
        repo.lock_all_subjects()
        repo.save_children([child])
        item = plan_item(child, PROTOCOL, as_of=pendulum.Date(2026, 3, 1), horizon_days=180,
                         known=None, full=True, daycares={})  # fmt: skip
        assert item is not None
        repo.save_plans([item], as_of=pendulum.Date(2026, 3, 1))
    assert list(repo.get_children(["C1"])) == ["C1"]
    assert repo.obligations(ObligationFilter(subject=SubjectRef(kind="child", id="C1")))
