"""Status is derived for a date, never stored (DESIGN rule 3)."""

from __future__ import annotations

import attrs
import pendulum
import pytest

import yiyu
from yiyu import Skip, SkipReason, Status, status
from yiyu.scheduling.status import referral_tracked, tracks_another_record
from yiyu.testing import make_obligation

D = pendulum.Date
CHILD = yiyu.Child(id="C1", name="王小明", sex="M", birth_date="2024-01-31")
M3 = {ob.rule: ob for ob in yiyu.schedule(CHILD, yiyu.load_protocol(), until=D(2025, 1, 1))}[
    "m3"
]  # window 2024-03-31 … 2024-06-29, due 2024-04-30


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2024, 3, 30), Status.UPCOMING),
        (D(2024, 3, 31), Status.DUE),  # the window's first day
        (D(2024, 4, 30), Status.DUE),  # the due date itself
        (D(2024, 5, 1), Status.OVERDUE),
        (D(2024, 6, 29), Status.OVERDUE),  # closes is inclusive
        (D(2024, 6, 30), Status.MISSED),
    ],
)
def test_calendar_statuses(as_of: D, expected: Status) -> None:
    assert status(M3, as_of=as_of) is expected


def test_done_wins_even_when_late() -> None:
    assert status(M3, done_on=D(2024, 7, 15), as_of=D(2024, 8, 1)) is Status.DONE
    assert not M3.in_window(D(2024, 7, 15))  # coverage counts it as late, not done
    assert M3.in_window(D(2024, 6, 29))


def test_facts_after_as_of_are_ignored() -> None:
    # A report for a past date shows what was true then.
    assert status(M3, done_on=D(2024, 5, 2), as_of=D(2024, 5, 1)) is Status.OVERDUE


def test_skipped_with_reason() -> None:
    skip = Skip(on="2024-04-20", reason="family_refused")
    assert skip.reason is SkipReason.FAMILY_REFUSED
    assert status(M3, skipped=skip, as_of=D(2024, 4, 25)) is Status.SKIPPED
    assert status(M3, skipped=skip, as_of=D(2024, 4, 19)) is Status.DUE


def test_skip_reason_is_validated() -> None:
    with pytest.raises(yiyu.ValidationError, match="unknown SkipReason") as info:
        Skip(on="2024-04-20", reason="bored")
    assert info.value.field == "reason"
    assert Skip(on="2024-04-20", reason="家长拒绝").reason is SkipReason.FAMILY_REFUSED


def test_dates_may_be_given_as_text() -> None:
    assert status(M3, as_of="2024-05-01") is Status.OVERDUE  # type: ignore[arg-type]
    with pytest.raises(yiyu.ValidationError, match="as_of"):
        status(M3, as_of="1 May")  # type: ignore[arg-type]


def test_cancelled_from_the_day_the_child_left() -> None:
    # The 3-month check is due 2024-04-30: leaving before it cancels it ...
    gone = yiyu.Child(
        id="C1",
        name="王小明",
        sex="M",
        birth_date="2024-01-31",
        life_events=[yiyu.LifeEvent(kind="moved_out", on="2024-04-20")],
    )
    [m3] = [ob for ob in yiyu.schedule(gone, yiyu.load_protocol(), until=D(2025, 1, 1))
            if ob.rule == "m3"]  # fmt: skip
    assert status(m3, as_of=D(2024, 4, 19)) is Status.DUE
    assert status(m3, as_of=D(2024, 4, 20)) is Status.CANCELLED
    assert status(m3, done_on=D(2024, 4, 20), as_of=D(2024, 6, 1)) is Status.DONE
    # ... leaving after it, with the check overdue, leaves it missed (issue #10).
    late = attrs.evolve(gone, life_events=[yiyu.LifeEvent(kind="moved_out", on="2024-05-10")])
    [m3] = [ob for ob in yiyu.schedule(late, yiyu.load_protocol(), until=D(2025, 1, 1))
            if ob.rule == "m3"]  # fmt: skip
    assert status(m3, as_of=D(2024, 5, 9)) is Status.OVERDUE
    assert status(m3, as_of=D(2024, 5, 10)) is Status.MISSED


def test_labels_for_print() -> None:
    assert {s.label_zh for s in Status} >= {"应做", "已逾期", "已错过", "已完成"}


def test_only_an_obligation_following_a_referral_case_or_enrolment_tracks_another_record() -> None:
    # The work list reads referrals, and the store keeps visited obligations on it, only
    # for these: a referral's tracking is done by its result, not by a visit.
    referral = yiyu.Referral(kind="development", opened_on=D(2024, 4, 10), reason="预警征象阳性")
    child = attrs.evolve(CHILD, referrals=[referral])
    obligations = yiyu.schedule(child, yiyu.load_protocol(), until=D(2025, 1, 1))
    tracking = [ob for ob in obligations if tracks_another_record(ob)]
    assert [ob.occurrence for ob in tracking] == [referral.id]
    assert referral_tracked(tracking[0], child.referrals) == referral
    assert not tracks_another_record(M3)  # a routine check: its visit completes it
    quarterly = make_obligation("2026-07-01", "2026-09-30", "2026-09-30", occurrence="2026Q3")
    assert not tracks_another_record(quarterly)  # a calendar period names no record
