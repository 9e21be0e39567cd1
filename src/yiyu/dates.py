"""Calendar policy: local dates, month arithmetic, ages, calendar periods, working days.

Clinical dates are calendar dates in Asia/Shanghai, held as :class:`pendulum.Date`
(arithmetic on ``Date`` rather than ``DateTime`` is both correct here and faster).

Month arithmetic clamps at month ends, as pendulum does: born 2024-01-31, three months
later is 2024-04-30; born 2024-02-29, twelve months later is 2025-02-28. Every due date
is computed from its anchor (``add_months(birth, n)``), never by chaining from the
previous due date, because chaining drifts (31 Jan → 29 Feb → 29 Mar).

"Age in months" means completed months in that same arithmetic: the largest ``n`` with
``add_months(birth, n) <= on``. It is the exact inverse of the due-date rule, which
pendulum's ``diff().in_months()`` is not (it calls 2024-02-29 → 2025-02-28 eleven months).
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import functools
import re
from typing import Final

import attrs
import pendulum

from yiyu.errors import ValidationError

__all__ = [
    "TIMEZONE",
    "Period",
    "PeriodKind",
    "add_months",
    "age_in_days",
    "age_in_months",
    "local_today",
    "to_date",
]

TIMEZONE: Final = "Asia/Shanghai"
_ISO_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def to_date(value: dt.date | str, *, field: str = "date") -> pendulum.Date:
    """Normalise a date given as ``datetime.date``, ``pendulum.Date`` or ISO text.

    A ``datetime.datetime`` is refused: an instant is not a calendar date until a time
    zone is chosen, and guessing it is how a visit lands on the wrong day.

    Raises:
        ValidationError: if the value is not a date.
    """
    if isinstance(value, dt.datetime):
        raise ValidationError(field, value, "a calendar date is required, not a date and time")
    if isinstance(value, pendulum.Date):
        return value
    if isinstance(value, dt.date):
        return pendulum.Date(value.year, value.month, value.day)
    if isinstance(value, str):
        text = value.strip()
        try:
            if not _ISO_DATE.match(text):  # fromisoformat also takes 20240131, 2024-W05-3
                raise ValueError(text)
            parsed = dt.date.fromisoformat(text)
        except ValueError:
            raise ValidationError(field, value, "expected a date as YYYY-MM-DD") from None
        return pendulum.Date(parsed.year, parsed.month, parsed.day)
    raise ValidationError(field, value, "expected a date as YYYY-MM-DD")


def add_months(start: pendulum.Date | str, months: int) -> pendulum.Date:
    """``start`` plus whole calendar months, clamped at the end of a shorter month.

    Raises:
        ValidationError: ``start`` is not a date (or ``YYYY-MM-DD``), ``months`` not a
            whole number.
    """
    # An exact type test: cheap on the scheduler's hot path, where start is a Date.
    if type(start) is not pendulum.Date:
        start = to_date(start, field="start")
    if type(months) is not int:
        raise ValidationError("months", months, "a whole number of months")
    # By hand rather than ``start.add(months=…)``, with pendulum's result (the day clamped
    # to the month's length; tested against it): pendulum builds a duration for each call,
    # and the scheduler and coverage call this hundreds of thousands of times.
    years, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + years, month + 1
    if not 1 <= year <= 9999:
        return start.add(months=months)  # pendulum's own error for a date out of range
    day = start.day
    if day > 28:  # only then can the month be too short (calendar.monthrange is slow)
        length = 29 if month == 2 and calendar.isleap(year) else _MONTH_DAYS[month - 1]
        day = min(day, length)
    return pendulum.Date(year, month, day)


_MONTH_DAYS: Final = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def age_in_months(birth: pendulum.Date | str, on: pendulum.Date | str) -> int:
    """Completed months from ``birth`` to ``on`` (月龄), the inverse of :func:`add_months`.

    Before ``birth`` (a corrected age before term) it is negative: the largest ``n``
    with ``add_months(birth, n) <= on`` still holds.
    """
    birth, on = _dates(birth, on)
    months = (on.year - birth.year) * 12 + (on.month - birth.month)
    while add_months(birth, months) > on:
        months -= 1
    while add_months(birth, months + 1) <= on:
        months += 1
    return months


def age_in_days(birth: pendulum.Date | str, on: pendulum.Date | str) -> int:
    """Days from ``birth`` to ``on`` (0 on the day of birth)."""
    birth, on = _dates(birth, on)
    return (on - birth).days


def _dates(
    birth: pendulum.Date | str, on: pendulum.Date | str
) -> tuple[pendulum.Date, pendulum.Date]:
    """``birth`` and ``on`` as dates, a wrong one named (a ``ValidationError``)."""
    if type(birth) is not pendulum.Date:
        birth = to_date(birth, field="birth")
    if type(on) is not pendulum.Date:
        on = to_date(on, field="on")
    return birth, on


def local_today() -> pendulum.Date:
    """Today in Asia/Shanghai. Only jobs and the CLI call this; the core takes ``as_of``."""
    return pendulum.now(TIMEZONE).date()


class PeriodKind(enum.Enum):
    """A calendar period that an obligation can be owed per."""

    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"

    @property
    def months(self) -> int:
        return _PERIOD_MONTHS[self._value_]  # not .value: a descriptor, slow on a hot path


# Looked up for every obligation coverage counts: one mapping, not one built per call.
_PERIOD_MONTHS: Final = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}


@attrs.frozen(kw_only=True)
class Period:
    """One calendar month, quarter, half-year or year: ``2026-07``, ``2026Q3``, ``2026H1``,
    ``2026``."""

    kind: PeriodKind
    year: int
    index: int = attrs.field()  # 1-based: quarter 1–4, half 1–2, year 1

    @index.validator
    def _check_index(self, _: attrs.Attribute[int], value: int) -> None:
        if not 1 <= value <= 12 // self.kind.months:
            raise ValidationError("index", value, f"out of range for a {self.kind.value}")

    # Cached (attrs keeps a slot for each): coverage asks a period for its bounds for
    # every obligation it counts.
    @functools.cached_property
    def start(self) -> pendulum.Date:
        return pendulum.Date(self.year, (self.index - 1) * self.kind.months + 1, 1)

    @functools.cached_property
    def end(self) -> pendulum.Date:
        """The last day of the period (inclusive)."""
        # The last month's length, not start + months - 1 day by pendulum: coverage asks
        # for the ends of periods a few hundred thousand times.
        month = self.index * self.kind.months
        return pendulum.Date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.year}-{self.index:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year}Q{self.index}"
        if self.kind is PeriodKind.HALF_YEAR:
            return f"{self.year}H{self.index}"
        return f"{self.year}"

    def __str__(self) -> str:
        return self.label

    @classmethod
    def containing(cls, kind: PeriodKind, day: pendulum.Date) -> Period:
        return cls(kind=kind, year=day.year, index=(day.month - 1) // kind.months + 1)

    @classmethod
    def parse(cls, label: str) -> Period:
        """Read ``2026-07``, ``2026Q3``, ``2026H1`` or ``2026``.

        Raises:
            ValidationError: if the label is none of those.
        """
        if not isinstance(label, str):
            raise ValidationError("period", label, "expected 2026-07, 2026Q3, 2026H1 or 2026")
        text = label.strip().upper()
        try:
            if "-" in text:
                year, index = text.split("-")
                return cls(kind=PeriodKind.MONTH, year=int(year), index=int(index))
            if "Q" in text:
                year, index = text.split("Q")
                return cls(kind=PeriodKind.QUARTER, year=int(year), index=int(index))
            if "H" in text:
                year, index = text.split("H")
                return cls(kind=PeriodKind.HALF_YEAR, year=int(year), index=int(index))
            return cls(kind=PeriodKind.YEAR, year=int(text), index=1)
        except ValueError:
            raise ValidationError(
                "period", label, "expected 2026-07, 2026Q3, 2026H1 or 2026"
            ) from None

    def next(self) -> Period:
        return Period.containing(self.kind, self.end.add(days=1))

    @classmethod
    def spanning(cls, kind: PeriodKind, first: pendulum.Date, last: pendulum.Date) -> list[Period]:
        """Every period of ``kind`` that overlaps ``first``..``last`` (inclusive)."""
        periods: list[Period] = []
        period = cls.containing(kind, first)
        while period.start <= last:
            periods.append(period)
            period = period.next()
        return periods
