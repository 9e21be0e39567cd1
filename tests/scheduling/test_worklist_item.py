"""A work list's line from a stored obligation, pure: no store, no jobs (#13)."""

from __future__ import annotations

import attrs
import pendulum

import yiyu
from yiyu import Reschedule, Skip, Status, StoredObligation, WorklistItem
from yiyu.scheduling import worklist_item, worklist_order

D = pendulum.Date
CHILD = yiyu.Child(id="C1", name="王小明", sex="M", birth_date="2024-01-31", township="城东街道")
PLAN = {ob.rule: ob for ob in yiyu.schedule(CHILD, yiyu.load_protocol(), until=D(2025, 1, 1))}
M3 = PLAN["m3"]  # window 2024-03-31 … 2024-06-29, due 2024-04-30


def stored(ob: yiyu.Obligation, **facts: object) -> StoredObligation:
    values: dict[str, object] = {
        "township": "城东街道",
        "assignee": "DR1",
        "done_on": None,
        "skip": None,
        "withdrawn_on": None,
    }
    return StoredObligation(obligation=ob, **(values | facts))  # type: ignore[arg-type]


def test_a_due_or_overdue_obligation_makes_a_line() -> None:
    due = worklist_item(stored(M3), CHILD, as_of=D(2024, 4, 1))
    assert due is not None
    assert (due.status, due.subject_name, due.township, due.assignee) == (
        Status.DUE,
        "王小明",
        "城东街道",
        "DR1",
    )
    assert due.days_overdue == 0
    assert due.suggested is not None
    assert due.suggested.date >= D(2024, 4, 1)
    overdue = worklist_item(stored(M3), CHILD, as_of=D(2024, 5, 10))
    assert overdue is not None
    assert (overdue.status, overdue.days_overdue) == (Status.OVERDUE, 10)
    assert overdue.as_row()["days_overdue"] == "10"


def test_what_is_not_yet_open_done_skipped_or_missed_makes_none() -> None:
    assert worklist_item(stored(M3), CHILD, as_of=D(2024, 3, 30)) is None
    assert worklist_item(stored(M3, done_on=D(2024, 4, 2)), CHILD, as_of=D(2024, 4, 3)) is None
    skip = Skip(on="2024-04-20", reason="family_refused")
    assert worklist_item(stored(M3, skip=skip), CHILD, as_of=D(2024, 4, 25)) is None
    assert worklist_item(stored(M3), CHILD, as_of=D(2024, 6, 30)) is None


def test_a_reschedule_still_ahead_is_the_suggestion() -> None:
    moved = Reschedule(to="2024-05-20", reason="family_refused")
    item = worklist_item(stored(M3, rescheduled=moved), CHILD, as_of=D(2024, 5, 10))
    assert item is not None
    assert item.suggested is not None
    assert item.suggested.date == D(2024, 5, 20)
    # Once its day has passed, the computed suggestion is back.
    later = worklist_item(stored(M3, rescheduled=moved), CHILD, as_of=D(2024, 5, 21))
    assert later is not None
    assert later.suggested is not None
    assert later.suggested.date != D(2024, 5, 20)


def test_without_its_subject_the_line_names_the_id() -> None:
    item = worklist_item(stored(M3), None, as_of=D(2024, 4, 1))
    assert item is not None
    assert item.subject_name == "C1"


def test_overdue_comes_first_then_by_due_date() -> None:
    preterm = attrs.evolve(CHILD, gestational_age="34", categories=[yiyu.Category(kind="preterm")])
    plan = yiyu.schedule(preterm, yiyu.load_protocol(), until=D(2025, 1, 1))
    items = [
        item
        for ob in plan
        if (item := worklist_item(stored(ob), preterm, as_of=D(2024, 5, 10))) is not None
    ]
    # m3 is overdue (due 30 April), the preterm follow-up due (13 May); a copy of the
    # follow-up made overdue comes after m3 (its due date is later) and before the due.
    follow_up = next(item for item in items if item.obligation.rule == "high_risk_follow_up")
    items.append(attrs.evolve(follow_up, status=Status.OVERDUE))
    ordered = sorted(items, key=worklist_order)
    assert [(item.obligation.rule, item.status) for item in ordered] == [
        ("m3", Status.OVERDUE),
        ("high_risk_follow_up", Status.OVERDUE),
        ("high_risk_follow_up", Status.DUE),
    ]


def test_the_values_are_still_importable_from_their_old_places() -> None:
    # Hosts imported them from the store and the work-list job before they moved here.
    from yiyu.jobs.worklist import WorklistItem as FromJobs
    from yiyu.store import StoredObligation as FromStore
    from yiyu.store.api import StoredObligation as FromApi

    assert FromJobs is WorklistItem
    assert FromStore is FromApi is StoredObligation


def test_a_subject_as_listed_makes_the_line_its_whole_self_makes() -> None:
    """The work-list job reads a subject's name and referrals only (#14): the lines must be
    those of the whole child, a referral's tracking done by its result included."""
    referral = yiyu.Referral(kind="development", opened_on=D(2024, 4, 10), reason="预警征象阳性")
    referred = attrs.evolve(CHILD, referrals=[referral])
    tracking = next(
        ob
        for ob in yiyu.schedule(referred, yiyu.load_protocol(), until=D(2025, 1, 1))
        if ob.occurrence == referral.id
    )
    listed = yiyu.ListedSubject.of(referred)
    assert listed == yiyu.ListedSubject(name="王小明", referrals=(referral,))
    for ob, as_of in ((M3, D(2024, 5, 10)), (tracking, tracking.due)):
        assert worklist_item(stored(ob), listed, as_of=as_of) == worklist_item(
            stored(ob), referred, as_of=as_of
        )
    # The result recorded closes the tracking, whatever the visits say.
    closed = attrs.evolve(referred, referrals=[attrs.evolve(referral, closed_on=D(2024, 4, 20))])
    assert (
        worklist_item(stored(tracking), yiyu.ListedSubject.of(closed), as_of=tracking.due) is None
    )
    assert worklist_item(stored(tracking), listed, as_of=tracking.due) is not None
