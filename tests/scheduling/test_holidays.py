"""The operator's holiday years: strict parsing, and suggestions that use them first.

2027's official dates are not known to the project yet: every 2027 date below is an
EXAMPLE, made up for the tests, not the State Council's notice.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yiyu
from yiyu import CalendarBasis, HolidayCalendar, HolidayYear, parse_holiday_year
from yiyu.testing import make_obligation

D = pendulum.Date

EXAMPLE_2027 = """\
# EXAMPLE ONLY (示例): not the official notice; 2027's dates are not yet known.
year = 2027
source = "示例：非官方安排 (example, not the official notice)"
note = "made up for yiyu's tests"
workdays = ["2027-02-20"]   # a Saturday worked (调休)

[[holidays]]
name = "元旦"
from = "2027-01-01"
to = "2027-01-03"

[[holidays]]
name = "春节"
from = 2027-02-06           # TOML dates work as well as strings
to = 2027-02-14

[[holidays]]
name = "清明节"
from = "2027-04-05"          # one day: no "to"
"""

# A TOML local date-time (``from = 2027-05-01T08:00:00``) is an instant, not a day.
LOCAL_DATETIME = tomllib.loads("at = 2027-05-01T08:00:00")["at"]


def example(**changes: Any) -> dict[str, Any]:
    """The example as a mapping, with top-level keys changed (``None`` removes one)."""
    data = tomllib.loads(EXAMPLE_2027)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


# --- parsing ------------------------------------------------------------------------------


def test_the_example_file_is_read_whole() -> None:
    year = parse_holiday_year(EXAMPLE_2027)
    assert year.year == 2027
    assert year.source.startswith("示例")
    assert year.note == "made up for yiyu's tests"
    assert year.workdays == {D(2027, 2, 20)}
    assert len(year.holidays) == 3 + 9 + 1
    assert {D(2027, 1, 1), D(2027, 2, 6), D(2027, 2, 14), D(2027, 4, 5)} <= year.holidays
    assert D(2027, 2, 15) not in year.holidays
    assert parse_holiday_year(tomllib.loads(EXAMPLE_2027)) == year  # a parsed mapping too


def test_holidays_may_fall_on_any_day_of_the_week() -> None:
    year = parse_holiday_year(EXAMPLE_2027)
    weekdays = {day.weekday() for day in year.holidays}
    assert weekdays == set(range(7))  # Saturday 6 Feb … Sunday 14 Feb, Friday 1 Jan


@pytest.mark.parametrize(
    ("changes", "field", "value"),
    [
        ({"year": None}, "year", None),
        ({"year": "2027"}, "year", "2027"),
        ({"year": 227}, "year", 227),
        ({"source": None}, "source", None),
        ({"source": "  "}, "source", "  "),
        ({"source": 2027}, "source", 2027),
        ({"holiday": []}, "holiday", []),
        ({"holidays": []}, "holidays", []),
        ({"workdays": "2027-02-20"}, "workdays", "2027-02-20"),
        ({"workdays": ["2027-02-17"]}, "workdays[0]", "2027-02-17"),  # a Wednesday
        ({"workdays": ["2027-02-13"]}, "workdays[0]", "2027-02-13"),  # a Saturday of 春节
        ({"workdays": ["2026-12-26"]}, "workdays[0]", "2026-12-26"),  # not in 2027
        ({"workdays": ["2027-02-20", "2027-02-20"]}, "workdays[1]", "2027-02-20"),
        ({"workdays": ["2027-02-31"]}, "workdays[0]", "2027-02-31"),
    ],
)
def test_a_bad_file_names_the_field_and_the_value(
    changes: dict[str, Any], field: str, value: object
) -> None:
    with pytest.raises(yiyu.ValidationError) as raised:
        parse_holiday_year(example(**changes))
    assert (raised.value.field, raised.value.value) == (field, value)


@pytest.mark.parametrize(
    ("holiday", "field", "value"),
    [
        ({"from": "2027-05-01"}, "holidays[3].name", None),
        ({"name": "劳动节"}, "holidays[3].from", None),
        ({"name": "劳动节", "from": "2028-05-01"}, "holidays[3].from", "2028-05-01"),
        ({"name": "劳动节", "from": "2027-05-01", "to": "2027-04-30"}, "holidays[3].to",
         "2027-04-30"),
        ({"name": "劳动节", "from": "2027-05-01", "to": "2027-05-32"}, "holidays[3].to",
         "2027-05-32"),
        ({"name": "劳动节", "from": "2027-05-01", "to": "2027-06-05"}, "holidays[3].to",
         "2027-06-05"),  # 36 days: a typo, not a holiday
        ({"name": "劳动节", "from": "2027-05-01", "days": 5}, "holidays[3].days", 5),
        ({"name": "补假", "from": "2027-02-14", "to": "2027-02-15"}, "holidays[3]",
         "2027-02-14"),  # overlaps 春节
        ({"name": "劳动节", "from": LOCAL_DATETIME}, "holidays[3].from", LOCAL_DATETIME),
    ],
)  # fmt: skip
def test_a_bad_holiday_names_its_place_in_the_file(
    holiday: dict[str, Any], field: str, value: object
) -> None:
    data = example()
    data["holidays"].append(holiday)
    with pytest.raises(yiyu.ValidationError) as raised:
        parse_holiday_year(data)
    assert (raised.value.field, raised.value.value) == (field, value)


def test_a_top_level_key_after_a_table_header_is_explained() -> None:
    # In TOML a key after [[holidays]] belongs to that table: say so, not just "unknown".
    text = EXAMPLE_2027.replace('workdays = ["2027-02-20"]   # a Saturday worked (调休)\n', "")
    text += 'workdays = ["2027-02-20"]\n'
    with pytest.raises(yiyu.ValidationError, match="before the first") as raised:
        parse_holiday_year(text)
    assert raised.value.field == "holidays[2].workdays"


def test_text_that_is_not_toml() -> None:
    with pytest.raises(yiyu.ValidationError) as raised:
        parse_holiday_year("year = 2027\nsource = \n")
    assert raised.value.field == "toml"
    assert "line 2" in str(raised.value)


def test_the_value_itself_refuses_what_the_file_would() -> None:
    # What the store reads back is checked as strictly as what the file gave.
    good = parse_holiday_year(EXAMPLE_2027)
    with pytest.raises(yiyu.ValidationError, match="workdays"):
        attrs.evolve(good, workdays={D(2027, 2, 6)})  # also a holiday
    with pytest.raises(yiyu.ValidationError, match="Saturday or Sunday"):
        attrs.evolve(good, workdays={D(2027, 2, 17)})
    with pytest.raises(yiyu.ValidationError, match="not in 2027"):
        attrs.evolve(good, holidays={D(2026, 10, 1)})
    with pytest.raises(yiyu.ValidationError, match="at least one"):
        attrs.evolve(good, holidays=set())
    with pytest.raises(yiyu.ValidationError, match="source"):
        HolidayYear(year=2027, holidays={D(2027, 1, 1)}, source="")


def test_a_calendar_holds_a_year_once_and_replaces_it() -> None:
    first = parse_holiday_year(EXAMPLE_2027)
    with pytest.raises(yiyu.ValidationError, match="once"):
        HolidayCalendar(years=[first, first])
    corrected = attrs.evolve(first, note="corrected")
    calendar = HolidayCalendar(years=[first]).with_year(corrected)
    assert calendar.years == (corrected,)
    assert calendar.year(2027) == corrected
    assert calendar.year(2028) is None


# --- working days and suggestions ---------------------------------------------------------

CALENDAR = HolidayCalendar(years=[parse_holiday_year(EXAMPLE_2027)])


def test_the_operators_year_comes_first() -> None:
    # Without it, 2027 has no data (chinese-calendar ends with 2026): weekends only.
    assert yiyu.is_working_day(D(2027, 2, 9)) == (True, CalendarBasis.WEEKENDS_ONLY)
    assert yiyu.is_working_day(D(2027, 2, 9), CALENDAR) == (False, CalendarBasis.OPERATOR)
    assert yiyu.is_working_day(D(2027, 2, 20), CALENDAR) == (True, CalendarBasis.OPERATOR)
    assert yiyu.is_working_day(D(2027, 2, 21), CALENDAR) == (False, CalendarBasis.OPERATOR)
    # A year the operator did not enter still comes from chinese-calendar.
    assert yiyu.is_working_day(D(2026, 2, 16), CALENDAR) == (False, CalendarBasis.OFFICIAL)


def test_an_operator_year_overrides_the_package() -> None:
    # A made-up correction of 2026: the operator's word is taken over the package's.
    corrected = HolidayYear(year=2026, holidays={D(2026, 2, 24)}, source="示例 example")
    calendar = HolidayCalendar(years=[corrected])
    assert yiyu.is_working_day(D(2026, 2, 24)) == (True, CalendarBasis.OFFICIAL)
    assert yiyu.is_working_day(D(2026, 2, 24), calendar) == (False, CalendarBasis.OPERATOR)


def test_a_suggestion_in_an_entered_year_names_the_notice() -> None:
    ob = make_obligation(D(2027, 2, 8), D(2027, 2, 9), D(2027, 2, 10))  # inside the example 春节
    plain = yiyu.suggest_date(ob, as_of=D(2027, 2, 1))
    assert plain is not None
    assert (plain.date, plain.basis, plain.outside_window) == (
        D(2027, 2, 9),
        CalendarBasis.WEEKENDS_ONLY,
        False,
    )
    entered = yiyu.suggest_date(ob, as_of=D(2027, 2, 1), calendar=CALENDAR)
    assert entered is not None
    assert (entered.date, entered.basis, entered.outside_window) == (
        D(2027, 2, 15),
        CalendarBasis.OPERATOR,
        True,
    )
    assert entered.source == CALENDAR.years[0].source
    assert entered.note is not None
    assert CALENDAR.years[0].source in entered.note
    assert "超出时限" in entered.note


def test_an_adjusted_working_saturday_from_the_operator() -> None:
    ob = make_obligation(D(2027, 2, 20), D(2027, 2, 20), D(2027, 2, 21))  # Saturday–Sunday
    entered = yiyu.suggest_date(ob, as_of=D(2027, 2, 1), calendar=CALENDAR)
    assert entered is not None
    assert (entered.date, entered.outside_window) == (D(2027, 2, 20), False)
    plain = yiyu.suggest_date(ob, as_of=D(2027, 2, 1))
    assert plain is not None
    assert (plain.date, plain.outside_window) == (D(2027, 2, 22), True)


def test_across_new_year_the_note_names_the_year_without_data() -> None:
    # Due 1 Jan 2027: without a 2027 notice the choice of 31 Dec 2026 rested on the
    # weekends-only fallback for 2027, and the note must say 2027, not 2026.
    ob = make_obligation(D(2026, 12, 28), D(2027, 1, 1), D(2027, 1, 8))
    plain = yiyu.suggest_date(ob, as_of=D(2026, 12, 1))
    assert plain is not None
    assert (plain.date, plain.basis, plain.basis_year) == (
        D(2026, 12, 31),
        CalendarBasis.WEEKENDS_ONLY,
        2027,
    )
    assert plain.note is not None
    assert "2027" in plain.note
    assert "2026" not in plain.note
    entered = yiyu.suggest_date(ob, as_of=D(2026, 12, 1), calendar=CALENDAR)
    assert entered is not None
    assert (entered.date, entered.basis) == (D(2026, 12, 31), CalendarBasis.OPERATOR)


def test_no_suggestion_when_no_working_day_comes_within_a_month() -> None:
    # A calendar that is plainly wrong (February and half of March off) gives no
    # suggestion rather than one weeks after the window.
    february = HolidayYear(
        year=2027, holidays=[D(2027, 2, 1).add(days=n) for n in range(28)], source="示例 example"
    )
    ob = make_obligation(D(2027, 2, 1), D(2027, 2, 2), D(2027, 2, 3))
    calendar = HolidayCalendar(years=[february])
    late = yiyu.suggest_date(ob, as_of=D(2027, 1, 1), calendar=calendar)
    assert late is not None
    assert (late.date, late.outside_window) == (D(2027, 3, 1), True)
    march = [D(2027, 3, 1).add(days=n) for n in range(14)]
    worse = attrs.evolve(february, holidays=[*february.holidays, *march])
    calendar = HolidayCalendar(years=[worse])
    assert yiyu.suggest_date(ob, as_of=D(2027, 1, 1), calendar=calendar) is None


# --- the rules, for any window ------------------------------------------------------------

days_2025_2027 = st.dates(min_value=dt.date(2025, 9, 1), max_value=dt.date(2027, 4, 30)).map(
    lambda d: D(d.year, d.month, d.day)
)


@settings(max_examples=300, deadline=None)
@given(
    opens=days_2025_2027,
    due_after=st.integers(0, 20),
    closes_after=st.integers(0, 20),
    as_of=days_2025_2027,
    cancelled_after=st.one_of(st.none(), st.integers(0, 40)),
    entered=st.booleans(),
)
def test_a_suggestion_is_a_working_day_in_the_window_or_the_first_after_it(
    opens: D,
    due_after: int,
    closes_after: int,
    as_of: D,
    cancelled_after: int | None,
    entered: bool,
) -> None:
    due = opens.add(days=due_after)
    ob = make_obligation(opens, due, due.add(days=closes_after))
    if cancelled_after is not None:
        ob = attrs.evolve(ob, cancelled_on=opens.add(days=cancelled_after))
    calendar = CALENDAR if entered else None

    def working(day: D) -> bool:
        return yiyu.is_working_day(day, calendar)[0]

    first = max(ob.opens, as_of)
    last = ob.closes if ob.cancelled_on is None else min(ob.closes, ob.cancelled_on.add(days=-1))
    in_window = [first.add(days=n) for n in range(max(0, (last - first).days + 1))]
    suggestion = yiyu.suggest_date(ob, as_of=as_of, calendar=calendar)
    if suggestion is None:
        # Closed, cancelled, or nothing workable in the window nor in the month after it.
        assert not any(working(day) for day in in_window)
        after = [ob.closes.add(days=n) for n in range(1, 32)]
        if in_window and ob.cancelled_on is None:
            assert not any(working(day) for day in after)
        return
    assert working(suggestion.date)
    assert suggestion.date >= as_of
    assert ob.cancelled_on is None or suggestion.date < ob.cancelled_on
    if suggestion.outside_window:
        assert not any(working(day) for day in in_window)
        assert in_window  # never for a window that had closed
        between = (suggestion.date - ob.closes).days
        assert not any(working(ob.closes.add(days=n)) for n in range(1, between))
    else:
        assert suggestion.date in in_window
