"""iCalendar documents of obligations: what a calendar app reads back from them."""

from __future__ import annotations

import datetime as dt

import icalendar
import pendulum
import pytest

import yiyu
from yiyu.exchange.ical import (
    DEFAULT_ALARM_DAYS,
    FeedItem,
    feed_calendar,
    feed_items,
    obligation_uid,
)
from yiyu.scheduling import ListedSubject, StoredObligation
from yiyu.testing import make_obligation

D = pendulum.Date
Status = yiyu.Status


def stored(ob: yiyu.Obligation, **facts: object) -> StoredObligation:
    values: dict[str, object] = {
        "township": "城关街道", "assignee": "FD-1", "done_on": None, "skip": None,
        "withdrawn_on": None,
    }  # fmt: skip
    values.update(facts)
    return StoredObligation(obligation=ob, **values)  # type: ignore[arg-type]


ONE_MONTH = make_obligation("2026-03-01", "2026-03-02", "2026-03-13", contents=("体重", "身长"))
M3 = make_obligation(
    "2026-04-15", "2026-04-30", "2026-06-29", key="child:C0000001/m3", rule="m3",
    name="3月龄健康检查",
)  # fmt: skip
SAME_DAY = make_obligation("2026-04-30", "2026-04-30", "2026-05-31", key="child:C0000001/x")


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def todos(data: bytes) -> dict[str, icalendar.Todo]:
    return {str(todo["UID"]): todo for todo in parse(data).walk("VTODO")}


def item(ob: yiyu.Obligation, state: yiyu.Status = Status.DUE, **more: object) -> FeedItem:
    return FeedItem(obligation=ob, status=state, subject_name="王小红", **more)  # type: ignore[arg-type]


def test_each_obligation_is_a_todo_due_on_its_due_date_from_its_window() -> None:
    data = feed_calendar([item(ONE_MONTH), item(M3)], name="FD-1", as_of="2026-03-01")
    found = todos(data)
    assert set(found) == {"child:C0000001/one_month@yiyu", "child:C0000001/m3@yiyu"}
    m3 = found["child:C0000001/m3@yiyu"]
    # DATE values (all day), both of one type as RFC 5545 requires: no VTIMEZONE needed.
    assert dt.date(2026, 4, 30) == m3.DUE
    assert dt.date(2026, 4, 15) == m3.DTSTART
    assert not isinstance(m3.DUE, dt.datetime)
    assert b"DUE;VALUE=DATE:20260430" in data
    assert not parse(data).walk("VTIMEZONE")
    assert str(m3["SUMMARY"]) == "王小红 · 3月龄健康检查"
    assert "2026-04-15 — 2026-06-29" in str(m3["DESCRIPTION"])  # the window, to its close


def test_a_window_opening_on_its_due_date_has_no_dtstart() -> None:
    # RFC 5545: DUE must be later than DTSTART; the window is still in the description.
    todo = todos(feed_calendar([item(SAME_DAY)], name="x", as_of="2026-04-01"))[
        "child:C0000001/x@yiyu"
    ]
    assert "DTSTART" not in todo
    assert dt.date(2026, 4, 30) == todo.DUE
    assert "2026-04-30 — 2026-05-31" in str(todo["DESCRIPTION"])


def test_the_same_inputs_give_the_same_bytes_and_uids() -> None:
    items = [item(M3), item(ONE_MONTH)]
    first = feed_calendar(items, name="FD-1", as_of="2026-03-01")
    assert feed_calendar(items, name="FD-1", as_of="2026-03-01") == first
    # DTSTAMP is the start of the as_of day in Asia/Shanghai, not the clock.
    stamp = parse(first).walk("VTODO")[0]["DTSTAMP"].dt
    assert stamp == dt.datetime(2026, 2, 28, 16, tzinfo=dt.UTC)
    # Another day: the same to-dos (UIDs), a new stamp.
    later = feed_calendar(items, name="FD-1", as_of="2026-03-02")
    assert set(todos(later)) == set(todos(first))
    assert later != first


def test_status_maps_to_needs_action_completed_or_cancelled() -> None:
    states = {
        Status.DUE: "NEEDS-ACTION", Status.OVERDUE: "NEEDS-ACTION",
        Status.UPCOMING: "NEEDS-ACTION", Status.DONE: "COMPLETED",
        Status.SKIPPED: "CANCELLED", Status.CANCELLED: "CANCELLED", Status.MISSED: "CANCELLED",
    }  # fmt: skip
    for state, expected in states.items():
        data = feed_calendar([item(M3, state)], name="x", as_of="2026-03-01")
        assert str(parse(data).walk("VTODO")[0]["STATUS"]) == expected, state


def test_an_alarm_rings_at_nine_the_configured_days_before_due() -> None:
    data = feed_calendar([item(M3)], name="x", as_of="2026-03-01", alarm_days=5)
    (alarm,) = parse(data).walk("VALARM")
    trigger = alarm["TRIGGER"]
    assert trigger.params["RELATED"] == "END"  # relative to DUE
    assert trigger.dt == -(dt.timedelta(days=5) - dt.timedelta(hours=9))
    due = dt.datetime(2026, 4, 30, tzinfo=dt.UTC)  # any zone: the offset is what counts
    assert due + trigger.dt == dt.datetime(2026, 4, 25, 9, tzinfo=dt.UTC)
    default = feed_calendar([item(M3)], name="x", as_of="2026-03-01")
    (alarm,) = parse(default).walk("VALARM")
    assert due + alarm["TRIGGER"].dt == dt.datetime(
        2026, 4, 30 - DEFAULT_ALARM_DAYS, 9, tzinfo=dt.UTC
    )


def test_no_alarm_when_asked_or_when_nothing_is_owed() -> None:
    assert not parse(feed_calendar([item(M3)], name="x", as_of="2026-03-01", alarm_days=None)).walk(
        "VALARM"
    )
    for state in (Status.DONE, Status.CANCELLED, Status.SKIPPED):
        assert not parse(feed_calendar([item(M3, state)], name="x", as_of="2026-03-01")).walk(
            "VALARM"
        )


def test_staff_feeds_name_the_assignee_and_family_feeds_do_not() -> None:
    one = [item(M3, assignee="FD-1")]
    staff = str(parse(feed_calendar(one, name="x", as_of="2026-03-01", staff=True)).walk(
        "VTODO")[0]["DESCRIPTION"])  # fmt: skip
    family = str(parse(feed_calendar(one, name="x", as_of="2026-03-01")).walk("VTODO")[0][
        "DESCRIPTION"])  # fmt: skip
    assert "FD-1" in staff
    assert "FD-1" not in family


def test_the_calendar_says_who_made_it_and_its_name() -> None:
    cal = parse(feed_calendar([], name="儿童健康管理 · 王小红", as_of="2026-03-01"))
    assert str(cal["PRODID"]) == f"-//yiyu//yiyu {yiyu.__version__}//ZH"
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["X-WR-CALNAME"]) == "儿童健康管理 · 王小红"
    assert not cal.walk("VTODO")


def test_events_are_all_day_on_the_suggested_date() -> None:
    data = feed_calendar(
        [item(M3, suggested=D(2026, 4, 29))], name="x", as_of="2026-03-01", as_events=True
    )
    (event,) = parse(data).walk("VEVENT")
    assert not parse(data).walk("VTODO")
    assert dt.date(2026, 4, 29) == event.DTSTART
    assert dt.date(2026, 4, 30) == event.DTEND
    assert str(event["UID"]) == "child:C0000001/m3@yiyu"


def test_bad_arguments_name_the_field() -> None:
    with pytest.raises(yiyu.ValidationError, match="alarm_days"):
        feed_calendar([], name="x", as_of="2026-03-01", alarm_days=-1)
    with pytest.raises(yiyu.ValidationError, match="name"):
        feed_calendar([], name="a\nb", as_of="2026-03-01")
    with pytest.raises(yiyu.ValidationError, match="as_of"):
        feed_calendar([], name="x", as_of="2026-02-30")


def test_feed_items_derive_status_on_the_date_and_sort_by_key() -> None:
    entries = [stored(M3), stored(ONE_MONTH, done_on=D(2026, 3, 2))]
    subjects = {"C0000001": ListedSubject(name="王小红")}
    items = feed_items(entries, subjects, as_of="2026-03-05")
    assert [i.obligation.key for i in items] == ["child:C0000001/m3", "child:C0000001/one_month"]
    assert [i.status for i in items] == [Status.UPCOMING, Status.DONE]
    assert items[0].subject_name == "王小红"
    assert items[0].suggested is not None
    assert M3.opens <= items[0].suggested <= M3.closes
    # A subject the store does not name is named by its id, never by another's name.
    assert feed_items([stored(M3)], {}, as_of="2026-03-05")[0].subject_name == "C0000001"


def test_uid_is_the_key_with_yiyus_domain() -> None:
    assert obligation_uid("child:C1/m12") == "child:C1/m12@yiyu"
