"""Suggested appointment dates: inside the window, on an official working day.

The clinical due date never moves; only the suggestion does. Official holidays and the
adjusted working days (调休, a Saturday or Sunday that is worked) come, for each year,
from the first of:

1. the operator's calendar (:class:`~yiyu.scheduling.holidays.HolidayCalendar`, entered
   with ``yiyu holidays add`` from the year's notice): ``CalendarBasis.OPERATOR``;
2. the ``chinese-calendar`` package, which carries the State Council's yearly notices
   up to its release: ``CalendarBasis.OFFICIAL``;
3. Monday–Friday without the fixed-date holidays, for a year neither knows:
   ``CalendarBasis.WEEKENDS_ONLY``.

Every suggestion says which basis it rests on.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from typing import Final

import attrs
import chinese_calendar
import pendulum

from yiyu.dates import to_date
from yiyu.domain._convert import check_type
from yiyu.scheduling.holidays import HolidayCalendar
from yiyu.scheduling.obligation import Obligation

__all__ = ["CalendarBasis", "Suggestion", "is_working_day", "suggest_date"]


class CalendarBasis(enum.Enum):
    OFFICIAL = "official"  # holidays and 调休 from the State Council's notice
    OPERATOR = "operator"  # the year's notice as the operator entered it (yiyu holidays add)
    WEEKENDS_ONLY = "weekends_only"  # no notice for that year: Mon–Fri, fixed-date holidays


# Which basis a suggestion reports when the days it looked at rest on several (a window
# across New Year): the least certain one, since the choice depended on it.
_UNCERTAINTY: Final = {
    CalendarBasis.OFFICIAL: 0,
    CalendarBasis.OPERATOR: 1,
    CalendarBasis.WEEKENDS_ONLY: 2,
}


@attrs.frozen(kw_only=True)
class Suggestion:
    """A suggested date and how it was chosen.

    Attributes:
        date: the suggested day.
        basis: what said which days are working days (the least certain basis among
            the days considered).
        outside_window: no working day was left in the window (it falls in a holiday),
            so this is the first working day after it: a visit then is late.
        source: for ``CalendarBasis.OPERATOR``, the notice the operator entered.
        basis_year: the year ``basis`` refers to; ``None``: the date's year.
    """

    date: pendulum.Date
    basis: CalendarBasis
    outside_window: bool = False
    source: str | None = None
    basis_year: int | None = None

    @property
    def note(self) -> str | None:
        """Why the date may need a second look, in Chinese and English; ``None`` if not."""
        year = self.basis_year or self.date.year
        parts: list[str] = []
        if self.outside_window:
            parts.append(
                "时限内已无工作日，建议时限后的第一个工作日（超出时限） "
                "(no working day is left in the window: the first working day after it, "
                "outside the window)"
            )
        if self.basis is CalendarBasis.WEEKENDS_ONLY:
            parts.append(
                f"{year}年的法定节假日安排尚未收录，仅避开周末 "
                f"(no official holiday data for {year}: weekends only)"
            )
        elif self.basis is CalendarBasis.OPERATOR:
            source = f"：{self.source}" if self.source else ""
            english = f": {self.source}" if self.source else ""
            parts.append(
                f"依据运营方录入的{year}年节假日安排{source} "
                f"({year} holidays as entered by the operator{english})"
            )
        return "；".join(parts) or None


# Holidays on the same date every year (元旦, 劳动节, 国庆节): avoided even without a
# notice. The lunar ones (春节, 清明, 端午, 中秋) move and need the year's notice.
_FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)})

# How far past a window to look for a working day. The longest official break with its
# weekends is under two weeks; finding none in a month means the calendar is wrong, and
# no suggestion is better than a far-fetched one.
_DAYS_AFTER_WINDOW: Final = 31


def is_working_day(
    day: dt.date | str, calendar: HolidayCalendar | None = None
) -> tuple[bool, CalendarBasis]:
    """Whether ``day`` is an official working day, and on what basis that was decided.

    Args:
        day: the day (a ``datetime.date`` or ``YYYY-MM-DD``).
        calendar: the operator's holiday years; a year there is used before
            ``chinese-calendar``'s.

    Returns:
        ``(working, basis)``.

    Raises:
        ValidationError: if ``day`` is not a date or ``calendar`` not a calendar.
    """
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        day = to_date(day, field="day")  # ISO text; a datetime is refused
    if calendar is not None:
        check_type("calendar", calendar, HolidayCalendar, "a HolidayCalendar or None")
    return _working_day(dt.date(day.year, day.month, day.day), calendar)


def _working_day(plain: dt.date, calendar: HolidayCalendar | None) -> tuple[bool, CalendarBasis]:
    """:func:`is_working_day` of checked arguments."""
    entered = calendar.year(plain.year) if calendar is not None else None
    if entered is not None:
        return entered.is_working_day(plain), CalendarBasis.OPERATOR
    return _official(plain)


# A work list asks about the same few hundred days for thousands of lines, and
# ``chinese-calendar`` validates and looks up each day anew (with pendulum's date steps, a
# third of a township's list was the suggested dates): its answers, which its release
# fixes, are kept.
@functools.lru_cache(maxsize=4096)
def _official(plain: dt.date) -> tuple[bool, CalendarBasis]:
    try:
        return bool(chinese_calendar.is_workday(plain)), CalendarBasis.OFFICIAL
    except NotImplementedError:
        fixed = (plain.month, plain.day) in _FIXED_HOLIDAYS
        return plain.weekday() < 5 and not fixed, CalendarBasis.WEEKENDS_ONLY


@attrs.define
class _Consulted:
    """The days a suggestion looked at, and the least certain basis among them."""

    calendar: HolidayCalendar | None
    basis: CalendarBasis | None = None
    year: int | None = None

    def working(self, day: dt.date) -> bool:
        working, basis = _working_day(day, self.calendar)
        if self.basis is None or _UNCERTAINTY[basis] > _UNCERTAINTY[self.basis]:
            self.basis, self.year = basis, day.year
        return working

    def suggestion(self, day: dt.date, *, outside_window: bool) -> Suggestion:
        # A suggestion is made from a day looked at, so both are set.
        assert self.basis is not None
        assert self.year is not None
        entered = self.calendar.year(self.year) if self.calendar is not None else None
        return Suggestion(
            date=to_date(day),
            basis=self.basis,
            outside_window=outside_window,
            source=entered.source if self.basis is CalendarBasis.OPERATOR and entered else None,
            basis_year=self.year,
        )


def suggest_date(
    obligation: Obligation,
    *,
    as_of: dt.date | str,
    calendar: HolidayCalendar | None = None,
) -> Suggestion | None:
    """The working day inside the window nearest to the due date, not before ``as_of``.

    A day before the due date is preferred to one after it at the same distance, since
    the due date is the standard's. When no working day is left in the window (it falls
    in a holiday), the first working day after it is suggested with
    ``outside_window=True``.

    Args:
        obligation: what to book.
        as_of: today: nothing earlier is suggested.
        calendar: the operator's holiday years (see :func:`is_working_day`).

    Returns:
        The suggestion, or ``None`` when the window has closed, the obligation was
        cancelled before a working day (nothing is suggested on or after a
        cancellation), or no working day comes within a month after the window.

    Raises:
        ValidationError: naming the argument, if one is not what it should be.
    """
    check_type("obligation", obligation, Obligation, "an Obligation (from yiyu.schedule)")
    if calendar is not None:
        check_type("calendar", calendar, HolidayCalendar, "a HolidayCalendar or None")
    first = max(obligation.opens, to_date(as_of, field="as_of"))
    return _suggested(first, obligation.due, obligation.closes, obligation.cancelled_on, calendar)


# A township's work list asks for thousands of lines about a few hundred windows (the
# lines of one rule due in one week share one), and a suggestion depends only on the
# window, the due date, the cancellation, today and the calendar: its answers are kept.
# A Suggestion is frozen, so one may be shared; the calendar's hash is cached.
@functools.lru_cache(maxsize=16_384)
def _suggested(
    first: pendulum.Date,
    due: pendulum.Date,
    closes: pendulum.Date,
    cancelled_on: pendulum.Date | None,
    calendar: HolidayCalendar | None,
) -> Suggestion | None:
    """:func:`suggest_date` of checked arguments, from ``first``: the window's opening or
    today, whichever is later."""
    last = closes
    if cancelled_on is not None:
        last = min(last, cancelled_on.subtract(days=1))
    if first > last:
        return None
    consulted = _Consulted(calendar)
    # Days as ordinals and plain dates: pendulum's date arithmetic builds an interval
    # object for each step, and a work list takes thousands of them.
    low, high = first.toordinal(), last.toordinal()
    target = min(max(due.toordinal(), low), high)
    for distance in range(high - low + 1):
        for ordinal in (target - distance, target + distance):
            if low <= ordinal <= high:
                day = dt.date.fromordinal(ordinal)
                if consulted.working(day):
                    return consulted.suggestion(day, outside_window=False)
    closing = closes.toordinal()
    cancelled = None if cancelled_on is None else cancelled_on.toordinal()
    for ordinal in range(closing + 1, closing + 1 + _DAYS_AFTER_WINDOW):
        if cancelled is not None and ordinal >= cancelled:
            return None
        day = dt.date.fromordinal(ordinal)
        if consulted.working(day):
            return consulted.suggestion(day, outside_window=True)
    return None
