"""iCalendar feeds (RFC 5545): obligations as to-dos in a clinician's or a family's calendar.

Pure: the export job (:mod:`yiyu.jobs.export_ics`) reads the store and hands the stored
obligations and the subjects they name here; this module makes the document.

One ``VTODO`` per obligation, because an obligation is a thing to do by a date, not a
meeting at an hour: ``DUE`` is the due date, ``DTSTART`` the day its window opens, the
window and what is to be done in ``DESCRIPTION``, ``STATUS`` from yiyu's derived status.
Every date is a ``DATE`` value (all day, in the clinic's own calendar), so the document
needs no ``VTIMEZONE``: a date is the same day wherever the calendar is read. With
``as_events`` each obligation is instead an all-day ``VEVENT`` on its suggested date
(holidays and 调休 considered), for calendar apps that show no to-dos.

The same inputs give the same bytes: ``UID`` is the obligation's key with yiyu's domain
(``child:C1/m3@yiyu``), so a refreshed feed updates a to-do instead of adding another,
``DTSTAMP`` is the start of the ``as_of`` day (not the clock), and the items are in
key order. A static file served to calendars changes only when what it says changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import attrs
import icalendar
import pendulum

from yiyu import __version__
from yiyu.dates import TIMEZONE, to_date
from yiyu.errors import ValidationError
from yiyu.scheduling import HolidayCalendar, ListedSubject, Status, StoredObligation
from yiyu.scheduling.obligation import Obligation
from yiyu.scheduling.worklist_item import stored_status, suggested_for

__all__ = [
    "DEFAULT_ALARM_DAYS",
    "UID_DOMAIN",
    "FeedItem",
    "feed_calendar",
    "feed_items",
    "obligation_uid",
]

UID_DOMAIN = "yiyu"
# yiyu's default, not a standard's: three days leave a family time to book the visit
# and a clinician time to phone the family.
DEFAULT_ALARM_DAYS = 3
# The alarm rings at 09:00 of its day, not at midnight: a DATE-valued DUE starts at 00:00.
_ALARM_HOUR = 9

# iCalendar's STATUS for a to-do: what is still owed needs action; done is completed;
# what is no longer owed (skipped, cancelled, missed: its window closed) is cancelled.
_TODO_STATUS = {
    Status.UPCOMING: "NEEDS-ACTION",
    Status.DUE: "NEEDS-ACTION",
    Status.OVERDUE: "NEEDS-ACTION",
    Status.DONE: "COMPLETED",
    Status.SKIPPED: "CANCELLED",
    Status.CANCELLED: "CANCELLED",
    Status.MISSED: "CANCELLED",
}
# An event has no "completed": what still stands (owed or done) is confirmed.
_EVENT_STATUS = {
    state: "CANCELLED" if value == "CANCELLED" else "CONFIRMED"
    for state, value in _TODO_STATUS.items()
}


@attrs.frozen(kw_only=True)
class FeedItem:
    """One obligation as a feed shows it: its status on the feed's date and whose it is.

    Attributes:
        obligation: the obligation.
        status: derived on the feed's ``as_of`` (:func:`yiyu.status`).
        subject_name: the child's or daycare's name, as the registry gave it.
        assignee: who acts for it (a staff feed prints it; a family's does not).
        suggested: the suggested date (a clinician's reschedule, else a working day in
            the window); what ``as_events`` puts an event on.
    """

    obligation: Obligation
    status: Status
    subject_name: str
    assignee: str | None = None
    suggested: pendulum.Date | None = None


def obligation_uid(key: str) -> str:
    """The ``UID`` of an obligation's to-do: its key and yiyu's domain, stable across runs.

    ``child:C1/m3`` → ``child:C1/m3@yiyu``. RFC 5545 asks for a globally unique id; the
    key is unique within one yiyu store, and a region running two stores exports to two
    different calendars.
    """
    return f"{key}@{UID_DOMAIN}"


def feed_items(
    stored: Iterable[StoredObligation],
    subjects: Mapping[str, ListedSubject],
    *,
    as_of: dt.date | str,
    calendar: HolidayCalendar | None = None,
) -> list[FeedItem]:
    """The feed's items: each stored obligation with its status on ``as_of``, in key order.

    Args:
        stored: the obligations, as the store reads them.
        subjects: the listed subjects, by id (a child's referrals complete the
            obligations that track them); a subject missing here is named by its id.
        as_of: the feed's date.
        calendar: the operator's holiday years, for the suggested dates.

    Raises:
        ValidationError: naming ``as_of``, if it is not a date.
    """
    day = to_date(as_of, field="as_of")
    items: list[FeedItem] = []
    for entry in stored:
        ob = entry.obligation
        listed = subjects.get(ob.subject_id)
        referrals = listed.referrals if listed is not None else ()
        state, _ = stored_status(entry, referrals, as_of=day)
        suggestion = suggested_for(entry, as_of=day, calendar=calendar)
        items.append(
            FeedItem(
                obligation=ob,
                status=state,
                subject_name=listed.name if listed is not None else ob.subject_id,
                assignee=entry.assignee,
                suggested=suggestion.date if suggestion is not None else None,
            )
        )
    items.sort(key=lambda item: item.obligation.key)
    return items


def feed_calendar(
    items: Iterable[FeedItem],
    *,
    name: str,
    as_of: dt.date | str,
    alarm_days: int | None = DEFAULT_ALARM_DAYS,
    staff: bool = False,
    as_events: bool = False,
) -> bytes:
    """An iCalendar document (``text/calendar``, UTF-8, CRLF lines) of ``items``.

    Args:
        items: from :func:`feed_items`; written in the order given.
        name: the calendar's name (``X-WR-CALNAME``), shown by calendar apps.
        as_of: the feed's date: ``DTSTAMP`` is its first instant in Asia/Shanghai, so two
            runs on one day give the same bytes.
        alarm_days: an alarm at 09:00 this many days before the due date (an event's:
            before its day) on what is upcoming or due (0: on the day); ``None``: none.
        staff: a clinic's feed: each item also names who acts for it.
        as_events: all-day events on the suggested date instead of to-dos.

    Returns:
        The document's bytes.

    Raises:
        ValidationError: naming ``as_of``, ``alarm_days`` or ``name`` if one is not what
            it should be.
    """
    day = to_date(as_of, field="as_of")
    if alarm_days is not None and (
        isinstance(alarm_days, bool) or not isinstance(alarm_days, int) or alarm_days < 0
    ):
        raise ValidationError("alarm_days", alarm_days, "expected a whole number of days >= 0")
    if not isinstance(name, str) or not name.strip() or "\n" in name or "\r" in name:
        raise ValidationError("name", name, "expected a calendar name on one line")
    stamp = pendulum.datetime(day.year, day.month, day.day, tz=TIMEZONE).in_timezone("UTC")
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//yiyu//yiyu {__version__}//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    # A subscribed feed is refreshed by the night's export: ask calendars to look daily.
    cal.add("refresh-interval", dt.timedelta(days=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.vDuration(dt.timedelta(days=1)))  # its older X- spelling
    for item in items:
        component = _event(item) if as_events else _todo(item)
        component.add("uid", obligation_uid(item.obligation.key))
        component.add("dtstamp", stamp)
        component.add("summary", f"{item.subject_name} · {item.obligation.name}")
        component.add("description", _description(item, staff=staff))
        if alarm_days is not None and item.status in (Status.UPCOMING, Status.DUE):
            component.add_component(_alarm(item, alarm_days, as_events=as_events))
        cal.add_component(component)
    data: bytes = cal.to_ical()
    return data


def _todo(item: FeedItem) -> icalendar.Todo:
    ob = item.obligation
    todo = icalendar.Todo()
    # RFC 5545 3.8.2.3: DUE must be later than DTSTART, and of the same value type; a
    # window that opens on its due date has no DTSTART (the description still says it).
    if ob.opens < ob.due:
        todo.add("dtstart", _date(ob.opens))
    todo.add("due", _date(ob.due))
    todo.add("status", _TODO_STATUS[item.status])
    return todo


def _event(item: FeedItem) -> icalendar.Event:
    ob = item.obligation
    on = item.suggested or ob.due
    event = icalendar.Event()
    event.add("dtstart", _date(on))
    event.add("dtend", _date(on.add(days=1)))  # DTEND is exclusive: one all-day event
    event.add("transp", "TRANSPARENT")  # a reminder, not a busy day
    event.add("status", _EVENT_STATUS[item.status])
    return event


def _alarm(item: FeedItem, days: int, *, as_events: bool) -> icalendar.Alarm:
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", item.obligation.name)
    before = dt.timedelta(days=days) - dt.timedelta(hours=_ALARM_HOUR)
    # A to-do's alarm is relative to DUE (RELATED=END), which every to-do here has
    # (DTSTART may be absent); an event's to its day, the suggested date.
    alarm.add("trigger", -before, parameters={} if as_events else {"RELATED": "END"})
    return alarm


def _description(item: FeedItem, *, staff: bool) -> str:
    ob = item.obligation
    lines = [
        f"时间窗 window: {ob.opens.isoformat()} — {ob.closes.isoformat()}",
        f"应做日期 due: {ob.due.isoformat()}",
        f"状态 status: {item.status.label_zh} ({item.status.value})",
    ]
    if item.suggested is not None and item.status in (Status.UPCOMING, Status.DUE, Status.OVERDUE):
        lines.append(f"建议日期 suggested: {item.suggested.isoformat()}")
    contents = "、".join((*ob.contents, *ob.tests))
    if contents:
        lines.append(f"内容 contents: {contents}")
    if staff and item.assignee:
        lines.append(f"负责人 assignee: {item.assignee}")
    lines.append(f"编号 key: {ob.key}")
    return "\n".join(lines)


def _date(day: pendulum.Date) -> dt.date:
    # A plain date: icalendar writes a DATE value (VALUE=DATE) for it, never a date-time.
    return dt.date(day.year, day.month, day.day)
