"""Suggested appointment dates: inside the window, on an official working day.

The clinical due date never moves; only the suggestion does. Official holidays and the
adjusted working days (调休, a Saturday or Sunday that is worked) come from the
``chinese-calendar`` package, which carries the State Council's yearly notices. For a
year it has no notice for yet, the suggestion falls back to Monday–Friday and says so.
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs
import chinese_calendar
import pendulum

from yiyu.dates import to_date
from yiyu.scheduling.obligation import Obligation

__all__ = ["CalendarBasis", "Suggestion", "is_working_day", "suggest_date"]


class CalendarBasis(enum.Enum):
    OFFICIAL = "official"  # holidays and 调休 from the State Council's notice
    WEEKENDS_ONLY = "weekends_only"  # no notice for that year: Mon–Fri, fixed-date holidays


@attrs.frozen(kw_only=True)
class Suggestion:
    """A suggested date and how it was chosen."""

    date: pendulum.Date
    basis: CalendarBasis

    @property
    def note(self) -> str | None:
        if self.basis is CalendarBasis.OFFICIAL:
            return None
        return (
            f"{self.date.year}年的法定节假日安排尚未收录，仅避开周末 "
            f"(no official holiday data for {self.date.year}: weekends only)"
        )


# Holidays on the same date every year (元旦, 劳动节, 国庆节): avoided even without a
# notice. The lunar ones (春节, 清明, 端午, 中秋) move and need the year's notice.
_FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)})


def is_working_day(day: dt.date) -> tuple[bool, CalendarBasis]:
    """Whether ``day`` is an official working day, and on what basis that was decided."""
    plain = dt.date(day.year, day.month, day.day)
    try:
        return bool(chinese_calendar.is_workday(plain)), CalendarBasis.OFFICIAL
    except NotImplementedError:
        fixed = (plain.month, plain.day) in _FIXED_HOLIDAYS
        return plain.weekday() < 5 and not fixed, CalendarBasis.WEEKENDS_ONLY


def suggest_date(obligation: Obligation, *, as_of: pendulum.Date) -> Suggestion | None:
    """The working day inside the window nearest to the due date, not before ``as_of``.

    A day before the due date is preferred to one after it at the same distance, since
    the due date is the standard's. Returns ``None`` when no working day is left in the
    window (it has closed, it was cancelled, or only holidays remain).
    """
    as_of = to_date(as_of, field="as_of")
    first = max(obligation.opens, as_of)
    last = obligation.closes
    if obligation.cancelled_on is not None:
        last = min(last, obligation.cancelled_on.subtract(days=1))
    if first > last:
        return None
    target = min(max(obligation.due, first), last)
    fallback: CalendarBasis | None = None
    for distance in range((last - first).days + 1):
        for day in (target.subtract(days=distance), target.add(days=distance)):
            if not first <= day <= last:
                continue
            working, basis = is_working_day(day)
            if basis is CalendarBasis.WEEKENDS_ONLY:
                fallback = basis
            if working:
                return Suggestion(date=day, basis=fallback or basis)
    return None
