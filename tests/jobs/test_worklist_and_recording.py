"""Work lists (status derived at read time) and recording encounters through the store."""

from __future__ import annotations

import attrs
import pendulum
import pytest

import yiyu
from yiyu.jobs.planning import plan
from yiyu.jobs.recording import encounter_from_data, record_encounter
from yiyu.jobs.worklist import worklist
from yiyu.store import MemoryRepository, ObligationFilter, Repository, SubjectRef
from yiyu.testing import EXAMPLE_HOLIDAY_FILE, make_child

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()


def setup(repo: Repository) -> None:
    repo.save_children(
        [
            yiyu.Child(
                id="C1",
                name="王小红",
                sex="F",
                birth_date="2026-01-31",
                discharge_date="2026-02-03",
                township="城关街道",
                family_doctor="FD-1",
            ),
            yiyu.Child(
                id="C2",
                name="李小明",
                sex="M",
                birth_date="2025-11-30",
                discharge_date="2025-12-02",
                township="东城街道",
                family_doctor="FD-2",
            ),
        ]
    )
    repo.save_daycares(
        [
            yiyu.Daycare(
                id="D1",
                name="阳光托育园",
                township="城关街道",
                opened_on="2025-01-01",
                health_instructor="HI-1",
            )
        ]
    )
    plan(repo, PROTOCOL, as_of=D(2026, 1, 1))


def test_worklist_is_overdue_first_with_suggested_dates(repo: Repository) -> None:
    setup(repo)
    as_of = D(2026, 5, 6)
    items = worklist(repo, as_of=as_of)
    statuses = [item.status for item in items]
    assert statuses == sorted(statuses, key=lambda s: s is not yiyu.Status.OVERDUE)
    by_key = {item.obligation.key: item for item in items}
    m3 = by_key["child:C1/m3"]  # due 2026-04-30 (clamped), window to 2026-06-29
    assert (m3.status, m3.days_overdue, m3.subject_name) == (yiyu.Status.OVERDUE, 6, "王小红")
    assert m3.suggested is not None
    assert m3.suggested.date == as_of  # a Wednesday, not a holiday
    q2 = by_key["daycare:D1/daycare_quarterly_visit/2026Q2"]
    assert q2.status is yiyu.Status.DUE
    assert q2.assignee == "HI-1"
    row = m3.as_row()
    assert row["status_zh"] == "已逾期"
    assert "体重" in row["contents"]


def test_worklist_filters(repo: Repository) -> None:
    setup(repo)
    as_of = D(2026, 5, 6)
    town = worklist(repo, as_of=as_of, township="东城街道")
    assert {item.obligation.subject_id for item in town} == {"C2"}
    instructor = worklist(repo, as_of=as_of, clinician="HI-1")
    assert {item.obligation.rule for item in instructor} >= {"daycare_quarterly_visit"}
    assert worklist(repo, as_of=as_of, daycare="D1")
    assert all(i.obligation.role.value == "health_instructor"
               for i in worklist(repo, as_of=as_of, role="health_instructor"))  # fmt: skip


def test_a_worklist_by_role_takes_the_role_its_value_or_its_chinese_label(
    repo: Repository,
) -> None:
    # Before #15 the enum matched nothing: a host passing yiyu.Role got an empty list.
    setup(repo)
    as_of = D(2026, 5, 6)
    by_value = worklist(repo, as_of=as_of, role="health_instructor")
    assert by_value
    keys = [item.obligation.key for item in by_value]
    for role in (yiyu.Role.HEALTH_INSTRUCTOR, "健康指导员"):
        assert [item.obligation.key for item in worklist(repo, as_of=as_of, role=role)] == keys
    with pytest.raises(yiyu.ValidationError) as raised:
        worklist(repo, as_of=as_of, role="nurse")
    assert (raised.value.field, raised.value.value) == ("role", "nurse")


def test_recording_changes_the_plan_in_one_go(repo: Repository) -> None:
    setup(repo)
    encounter = encounter_from_data(
        {
            "id": "E1",
            "subject_id": "C1",
            "on": "2026-05-06",
            "obligation_key": "child:C1/m3",
            "measurements": {"weight_kg": 6.0, "length_cm": 61.0, "hb_g_l": 100},
            "warning_signs": {"m3_1": False, "m3_2": False, "m3_3": False, "m3_4": False},
        }
    )
    recorded = record_encounter(repo, PROTOCOL, encounter, as_of=D(2026, 5, 6))
    assert recorded.new
    items = {i.obligation.key: i for i in worklist(repo, as_of=D(2026, 5, 6))}
    assert "child:C1/m3" not in items  # done now
    # Hb 100 g/L at 3 months is before the 2012 cut-offs start (6 months): no case.
    child = repo.get_child("C1")
    assert child is not None
    assert child.cases == ()
    stored = repo.obligations(ObligationFilter(subject=SubjectRef(kind="child", id="C1")))
    m3 = next(s for s in stored if s.obligation.rule == "m3")
    assert m3.done_on == D(2026, 5, 6)
    again = record_encounter(repo, PROTOCOL, encounter, as_of=D(2026, 5, 6))
    assert not again.new


def test_recording_a_finding_schedules_its_follow_ups(repo: Repository) -> None:
    setup(repo)
    encounter = yiyu.Encounter(
        id="E2",
        subject_id="C2",
        on="2026-05-30",
        obligation_key="child:C2/m6",
        measurements={"hb_g_l": 95},
    )
    result = record_encounter(repo, PROTOCOL, encounter, as_of=D(2026, 5, 30)).result
    assert isinstance(result, yiyu.ChildRecord)
    assert [c.condition.value for c in result.opened_cases] == ["anaemia"]
    stored = {s.obligation.rule for s in repo.obligations(ObligationFilter())}
    assert "anaemia_recheck" in stored
    child = repo.get_child("C2")
    assert child is not None
    assert [c.condition.value for c in child.cases] == ["anaemia"]


def test_an_invalid_encounter_writes_nothing(repo: Repository) -> None:
    setup(repo)
    before = repo.obligations(ObligationFilter())
    with pytest.raises(yiyu.ValidationError) as info:
        record_encounter(
            repo,
            PROTOCOL,
            yiyu.Encounter(
                id="E3",
                subject_id="C1",
                on="2026-05-06",
                obligation_key="child:C1/m3",
                warning_signs={"m3_1": True},
            ),
            as_of=D(2026, 5, 6),
        )
    assert "m3_2" in str(info.value)
    assert repo.obligations(ObligationFilter()) == before
    with pytest.raises(yiyu.ValidationError, match="subject_id"):
        record_encounter(repo, PROTOCOL, yiyu.Encounter(id="E4", subject_id="C9", on="2026-05-06"),
                         as_of=D(2026, 5, 6))  # fmt: skip
    with pytest.raises(yiyu.ValidationError, match="encounter"):
        encounter_from_data({"id": "E5", "subject_id": "C1", "on": "2026-05-06", "colour": "red"})


def test_a_reschedule_is_the_suggested_date(repo: Repository) -> None:
    setup(repo)
    repo.save_reschedule("child:C1/m3", yiyu.Reschedule(to="2026-05-12", reason="child_ill"))
    items = {i.obligation.key: i for i in worklist(repo, as_of=D(2026, 5, 6))}
    suggested = items["child:C1/m3"].suggested
    assert suggested is not None
    assert suggested.date == D(2026, 5, 12)
    later = {i.obligation.key: i for i in worklist(repo, as_of=D(2026, 5, 13))}
    assert later["child:C1/m3"].suggested != suggested  # past: computed again


def test_a_one_month_check_in_the_spring_festival_is_suggested_after_it(
    repo: Repository,
) -> None:
    # Born 19 Jan 2026: the 满月 window is 16–18 Feb, inside the Spring Festival holiday
    # (15–23 Feb 2026). The list suggests 24 Feb, the first working day, and says so.
    repo.save_children([make_child("C5", born="2026-01-19", sex="F", discharge_date="2026-01-19")])
    plan(repo, PROTOCOL, as_of=D(2026, 1, 20))
    items = {i.obligation.key: i for i in worklist(repo, as_of=D(2026, 2, 16))}
    item = items["child:C5/one_month"]
    assert (item.obligation.opens, item.obligation.closes) == (D(2026, 2, 16), D(2026, 2, 18))
    assert item.suggested is not None
    assert (item.suggested.date, item.suggested.outside_window) == (D(2026, 2, 24), True)
    row = item.as_row()
    assert (row["suggested"], row["suggested_outside_window"]) == ("2026-02-24", "true")
    others = [i.as_row() for key, i in items.items() if key != "child:C5/one_month"]
    assert all(r["suggested_outside_window"] == "false" for r in others)


# An EXAMPLE 2027 (the official dates are not yet known): 春节 6–14 Feb, made up.
EXAMPLE_2027 = yiyu.parse_holiday_year(EXAMPLE_HOLIDAY_FILE)


def test_the_list_uses_the_holiday_years_in_the_store(repo: Repository) -> None:
    # Born 10 Jan 2027: the 满月 window is 7–9 Feb 2027, a year chinese-calendar has
    # no notice for.
    repo.save_children([make_child("C6", born="2027-01-10", sex="F", discharge_date="2027-01-10")])
    plan(repo, PROTOCOL, as_of=D(2027, 1, 11))
    before = {i.obligation.key: i for i in worklist(repo, as_of=D(2027, 2, 7))}
    guessed = before["child:C6/one_month"].suggested
    assert guessed is not None
    assert (guessed.date, guessed.basis) == (D(2027, 2, 9), yiyu.CalendarBasis.WEEKENDS_ONLY)
    repo.save_holiday_year(EXAMPLE_2027)
    after = {i.obligation.key: i for i in worklist(repo, as_of=D(2027, 2, 7))}
    entered = after["child:C6/one_month"].suggested
    assert entered is not None
    assert (entered.date, entered.basis, entered.outside_window) == (
        D(2027, 2, 15),
        yiyu.CalendarBasis.OPERATOR,
        True,
    )
    assert entered.note is not None
    assert EXAMPLE_2027.source in entered.note


def test_the_calendar_is_read_once_per_list() -> None:
    class Counting(MemoryRepository):
        reads = 0

        def holiday_calendar(self) -> yiyu.HolidayCalendar:
            self.reads += 1
            return super().holiday_calendar()

    repo = Counting()
    setup(repo)
    items = worklist(repo, as_of=D(2026, 5, 6))
    assert len(items) > 2
    assert repo.reads == 1


def test_a_rescreen_tracking_stays_listed_until_its_result_is_recorded(repo: Repository) -> None:
    # #17: a visit that records no re-screen result does not complete the tracking of an
    # autism referral (S6: the county re-screen's result is what is tracked).
    opened = D(2026, 8, 1)
    referral = yiyu.Referral(
        kind="autism_rescreen", opened_on=opened, reason="预警征象阳性", opened_by="E0"
    )
    repo.save_children(
        [yiyu.Child(id="C3", name="张小华", sex="M", birth_date="2024-08-01",
                    discharge_date="2024-08-03", township="城关街道", referrals=[referral])]
    )  # fmt: skip
    plan(repo, PROTOCOL, as_of=opened)
    key = f"child:C3/autism_rescreen_referral/{referral.id}"
    contact = yiyu.Encounter(id="E1", subject_id="C3", on=D(2026, 8, 10), obligation_key=key)
    record_encounter(repo, PROTOCOL, contact, as_of=D(2026, 8, 10))
    listed = {item.obligation.key: item for item in worklist(repo, as_of=D(2026, 8, 20))}
    assert key in listed
    assert listed[key].status is yiyu.Status.DUE
    result = yiyu.Encounter(
        id="E2", subject_id="C3", on=D(2026, 8, 25),
        referral_results={referral.id: "复筛未见异常"},
    )  # fmt: skip
    record_encounter(repo, PROTOCOL, result, as_of=D(2026, 8, 25))
    assert key not in {item.obligation.key for item in worklist(repo, as_of=D(2026, 8, 26))}


def test_a_child_who_moves_out_leaves_its_case_closed_and_off_the_lists(
    repo: Repository,
) -> None:
    setup(repo)
    anaemia = yiyu.Encounter(id="E2", subject_id="C2", on="2026-05-30",
                             obligation_key="child:C2/m6", measurements={"hb_g_l": 95})  # fmt: skip
    record_encounter(repo, PROTOCOL, anaemia, as_of=D(2026, 5, 30))
    follow_ups = {"anaemia_recheck", "anaemia_follow_up"}
    due = worklist(repo, as_of=D(2026, 6, 15))
    assert {i.obligation.rule for i in due if i.obligation.subject_id == "C2"} >= {
        "anaemia_recheck"
    }
    # The host records the move; the next plan re-plans the child.
    child = repo.get_child("C2")
    assert child is not None
    gone = attrs.evolve(child, life_events=[yiyu.LifeEvent(kind="moved_out", on="2026-06-20")])
    repo.save_children([gone])
    plan(repo, PROTOCOL, as_of=D(2026, 6, 20))
    stored = repo.get_child("C2")
    assert stored is not None
    [case] = stored.cases
    assert (case.closed_on, case.closed_by, case.close_reason) == (
        D(2026, 6, 20),
        None,
        yiyu.CaseCloseReason.MOVED_OUT,
    )
    assert not any(i.obligation.subject_id == "C2" for i in worklist(repo, as_of=D(2026, 6, 22)))
    mine = repo.obligations(ObligationFilter(subject=SubjectRef(kind="child", id="C2"),
                                             include_withdrawn=True))  # fmt: skip
    ended = {(s.obligation.rule, s.obligation.cancel_reason, s.withdrawn_on is not None)
             for s in mine if s.obligation.rule in follow_ups}  # fmt: skip
    # The recheck open on the day is cancelled for the move; later visits are withdrawn.
    assert ("anaemia_recheck", "moved_out", False) in ended
    assert ended <= {("anaemia_recheck", "moved_out", False), ("anaemia_follow_up", None, True)}
    # A visit from before the move, entered late, works on the same case (one case).
    late = yiyu.Encounter(id="E3", subject_id="C2", on="2026-06-18", measurements={"hb_g_l": 99})
    assert record_encounter(repo, PROTOCOL, late, as_of=D(2026, 6, 22)).new
    again = repo.get_child("C2")
    assert again is not None
    [case] = again.cases
    assert [check.by for check in case.course] == ["E2", "E3"]
    assert case.close_reason is yiyu.CaseCloseReason.MOVED_OUT
    # Recording planned it from the facts as stored: nothing for the next plan to redo.
    ref = SubjectRef(kind="child", id="C2")
    assert plan(repo, PROTOCOL, as_of=D(2026, 6, 22), subjects=[ref]).skipped == 1
