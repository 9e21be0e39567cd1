"""A year's official holidays and 调休 working days, as entered by the operator.

``chinese-calendar`` carries the State Council's notices up to the year it was released.
The notice for the next year comes out in the autumn (国务院办公厅关于20xx年部分节假日
安排的通知), and a clinic must not wait for a package release to book around it: the
operator types the notice into a small TOML file and ``yiyu holidays add`` stores it.
This module holds the values and the parser; it reads no files (the CLI does).

The file, one year per file::

    year = 2027
    source = "国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）"
    note = "entered by …"                # optional
    workdays = ["2027-02-20"]           # 调休: Saturdays or Sundays that are worked

    [[holidays]]
    name = "春节"
    from = "2027-02-06"
    to = "2027-02-13"                   # optional: one day when left out

Top-level keys (``workdays``, ``note``) go before the first ``[[holidays]]``: in TOML,
a key after a table header belongs to that table.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TypeVar

import attrs
import pendulum

from yiyu.dates import to_date
from yiyu.domain._convert import (
    GENERIC,
    keyword_errors,
    line_text,
    name_errors,
    optional_free_text,
)
from yiyu.errors import ValidationError

__all__ = ["HolidayCalendar", "HolidayYear", "parse_holiday_year"]

# A year outside this range is a typo (227, 20270), not a notice.
FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2100
# The longest official break is the Spring Festival's (9 days in 2026, with weekends); a
# longer range is a typo in a date (2027-12-07 for 2027-10-07), not a holiday.
LONGEST_HOLIDAY_DAYS: Final = 15

_WEEKDAYS_ZH: Final = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_FILE_KEYS: Final = frozenset({"year", "source", "note", "holidays", "workdays"})
_HOLIDAY_KEYS: Final = frozenset({"name", "from", "to"})


def _year(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(GENERIC, value, "a year as a whole number is required (2027)")
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise ValidationError(GENERIC, value, f"a year from {FIRST_YEAR} to {LAST_YEAR}")
    return value


def _words(value: str) -> str:
    # Not just the domain's ``line_text``, which takes a number as an id: a notice is words.
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(GENERIC, value, "text is required")
    return line_text(value)


def _dates(values: Iterable[dt.date | str]) -> frozenset[pendulum.Date]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValidationError(GENERIC, values, "a list of dates is required")
    return frozenset(to_date(value, field=GENERIC) for value in values)


def _check_workday(day: pendulum.Date, field: str) -> None:
    # 调休 moves a weekend day's rest to a holiday: a weekday is a working day anyway, so
    # listing one means the date is wrong.
    if day.weekday() < 5:
        raise ValidationError(
            field,
            day.isoformat(),
            f"an adjusted working day (调休) must be a Saturday or Sunday; "
            f"{day.isoformat()} is a {_WEEKDAYS_ZH[day.weekday()]} ({day.format('dddd')})",
        )


@keyword_errors
@attrs.frozen(kw_only=True, field_transformer=name_errors)
class HolidayYear:
    """One year's official holidays and adjusted working days, from the year's notice.

    A day of the year is a working day when it is in ``workdays``, or a Monday to Friday
    not in ``holidays``. A holiday may fall on any day of the week (the notice lists the
    whole break, weekends included); an adjusted working day is always a Saturday or
    Sunday.

    Attributes:
        year: the year the notice is for.
        holidays: every day off of the year's official breaks.
        workdays: the Saturdays and Sundays that are worked (调休).
        source: where the dates come from: the notice's title and number.
        note: anything else worth keeping (who entered it, a correction).

    Raises:
        ValidationError: naming the field and the value, if a date is outside the year,
            a day is both a holiday and a working day, a working day is not a Saturday
            or Sunday, there is no holiday at all or the source is missing.
    """

    year: int = attrs.field(converter=_year)
    holidays: frozenset[pendulum.Date] = attrs.field(converter=_dates)
    workdays: frozenset[pendulum.Date] = attrs.field(default=frozenset(), converter=_dates)
    source: str = attrs.field(converter=_words)
    note: str | None = attrs.field(default=None, converter=optional_free_text)

    def __attrs_post_init__(self) -> None:
        if not self.holidays:
            raise ValidationError("holidays", [], "at least one holiday is required")
        for field, days in (("holidays", self.holidays), ("workdays", self.workdays)):
            for day in sorted(days):
                if day.year != self.year:
                    raise ValidationError(field, day.isoformat(), f"not in {self.year}")
        for day in sorted(self.workdays):
            _check_workday(day, "workdays")
            if day in self.holidays:
                raise ValidationError(
                    "workdays", day.isoformat(), "also a holiday: a day is one or the other"
                )

    def is_working_day(self, day: dt.date) -> bool:
        """Whether ``day`` (in this year) is a working day by this notice.

        Raises:
            ValidationError: if ``day`` is not in this year.
        """
        if day.year != self.year:
            raise ValidationError("day", day.isoformat(), f"not in {self.year}")
        return day in self.workdays or (day.weekday() < 5 and day not in self.holidays)


def _years(values: Iterable[HolidayYear]) -> tuple[HolidayYear, ...]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValidationError(GENERIC, values, "a list of HolidayYear is required")
    years = tuple(values)
    for value in years:
        if not isinstance(value, HolidayYear):
            raise ValidationError(GENERIC, value, "a HolidayYear is required")
    seen: set[int] = set()
    for value in years:
        if value.year in seen:
            raise ValidationError(GENERIC, value.year, "a year can be given once")
        seen.add(value.year)
    return tuple(sorted(years, key=lambda y: y.year))


@keyword_errors
@attrs.frozen(kw_only=True, field_transformer=name_errors, cache_hash=True)
class HolidayCalendar:
    """The operator's holiday years: consulted before ``chinese-calendar``.

    Attributes:
        years: one :class:`HolidayYear` per year, sorted by year.

    Raises:
        ValidationError: if a year is given twice.
    """

    years: tuple[HolidayYear, ...] = attrs.field(default=(), converter=_years)
    _by_year: Mapping[int, HolidayYear] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        # Looked up for every day a suggestion considers: a mapping, not a scan.
        object.__setattr__(self, "_by_year", {y.year: y for y in self.years})

    def year(self, year: int) -> HolidayYear | None:
        """The operator's calendar for ``year``, if one was entered."""
        return self._by_year.get(year)

    def with_year(self, entered: HolidayYear) -> HolidayCalendar:
        """This calendar with ``entered`` added, replacing the same year if there."""
        return HolidayCalendar(years=[*(y for y in self.years if y.year != entered.year), entered])


def _unknown_keys(data: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    for key in data:
        if key not in known:
            hint = f"unknown key; expected {', '.join(sorted(known))}"
            if where and key in _FILE_KEYS:
                hint += " (top-level keys go before the first [[holidays]])"
            raise ValidationError(f"{where}{key}", data[key], hint)


T = TypeVar("T")


def _required(data: Mapping[str, Any], key: str, field: str) -> Any:
    if key not in data:
        raise ValidationError(field, None, "required")
    return data[key]


def _as(field: str, convert: Callable[[Any], T], value: Any) -> T:
    """``convert(value)``, its error naming ``field`` rather than the generic one."""
    try:
        return convert(value)
    except ValidationError as error:
        raise ValidationError(field, error.value, error.rule) from None


def _holiday_range(entry: object, index: int, year: int) -> tuple[str, list[pendulum.Date]]:
    where = f"holidays[{index}]"
    if not isinstance(entry, Mapping):
        raise ValidationError(where, entry, "a table with name, from and to is required")
    _unknown_keys(entry, _HOLIDAY_KEYS, f"{where}.")
    name = _as(f"{where}.name", _words, _required(entry, "name", f"{where}.name"))
    first = to_date(_required(entry, "from", f"{where}.from"), field=f"{where}.from")
    last = to_date(entry["to"], field=f"{where}.to") if "to" in entry else first
    for field, day in ((f"{where}.from", first), (f"{where}.to", last)):
        if day.year != year:
            raise ValidationError(field, day.isoformat(), f"not in {year} (year = {year})")
    if last < first:
        raise ValidationError(f"{where}.to", last.isoformat(), f"before from ({first})")
    days = (last - first).days + 1
    if days > LONGEST_HOLIDAY_DAYS:
        raise ValidationError(
            f"{where}.to",
            last.isoformat(),
            f"{name} would last {days} days (longest accepted: {LONGEST_HOLIDAY_DAYS}); "
            f"check the dates",
        )
    return name, [first.add(days=n) for n in range(days)]


def parse_holiday_year(data: str | Mapping[str, Any]) -> HolidayYear:
    """Read one year's holidays and 调休 working days, strictly.

    Args:
        data: the file's TOML text, or the mapping it parses to (the format is in this
            module's docstring and in the jobs guide).

    Returns:
        The year, validated.

    Raises:
        ValidationError: naming the field (``holidays[2].to``, ``workdays[0]``) and the
            value: TOML that does not parse, an unknown or missing key, a date that is
            not a date or not in the stated year, a range that ends before it starts or
            overlaps another, a working day that is not a Saturday or Sunday or is also
            a holiday, or no source.
    """
    if isinstance(data, str):
        try:
            data = tomllib.loads(data)
        except tomllib.TOMLDecodeError as error:
            raise ValidationError("toml", str(error), "not valid TOML") from None
    if not isinstance(data, Mapping):
        raise ValidationError("data", type(data).__name__, "TOML text or a mapping is required")
    _unknown_keys(data, _FILE_KEYS, "")
    year = _as("year", _year, _required(data, "year", "year"))
    source = _as("source", _words, _required(data, "source", "source"))
    note = _as("note", optional_free_text, data.get("note"))
    entries = _required(data, "holidays", "holidays")
    if not isinstance(entries, list | tuple) or not entries:
        raise ValidationError("holidays", entries, "at least one [[holidays]] table is required")
    holidays: dict[pendulum.Date, str] = {}
    for index, entry in enumerate(entries):
        name, days = _holiday_range(entry, index, year)
        for day in days:
            if day in holidays:
                raise ValidationError(
                    f"holidays[{index}]",
                    day.isoformat(),
                    f"{name} overlaps {holidays[day]}: each day is listed once",
                )
            holidays[day] = name
    listed = data.get("workdays", [])
    if not isinstance(listed, list | tuple):
        raise ValidationError("workdays", listed, "a list of dates is required")
    workdays: list[pendulum.Date] = []
    for index, value in enumerate(listed):
        field = f"workdays[{index}]"
        day = to_date(value, field=field)
        if day.year != year:
            raise ValidationError(field, day.isoformat(), f"not in {year} (year = {year})")
        _check_workday(day, field)
        if day in holidays:
            raise ValidationError(
                field, day.isoformat(), f"also a holiday ({holidays[day]}): one or the other"
            )
        if day in workdays:
            raise ValidationError(field, day.isoformat(), "listed twice")
        workdays.append(day)
    return HolidayYear(
        year=year, holidays=holidays.keys(), workdays=workdays, source=source, note=note
    )
