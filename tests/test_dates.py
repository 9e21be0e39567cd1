"""Calendar policy: month-end clamping, leap days, age in months, calendar periods."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import yiyu
from strategies import birth_dates
from yiyu import Period, PeriodKind, add_months, age_in_days, age_in_months

D = pendulum.Date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2024, 1, 31), 3, D(2024, 4, 30)),  # DESIGN rule 4: clamps at month ends
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # leap day: 12-month visit on 28 Feb
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2023, 8, 31), 6, D(2024, 2, 29)),
    ],
)
def test_add_months_clamps_at_month_end(start: D, months: int, expected: D) -> None:
    assert add_months(start, months) == expected


@given(
    start=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)),
    months=st.integers(min_value=-240, max_value=240),
)
def test_add_months_is_pendulums_month_arithmetic(start: dt.date, months: int) -> None:
    # add_months computes by hand for speed; pendulum's add(months=) is the reference.
    day = D(start.year, start.month, start.day)
    assert add_months(day, months) == day.add(months=months)


@pytest.mark.parametrize("kind", list(PeriodKind))
@pytest.mark.parametrize("year", [2023, 2024, 2100])
def test_period_ends_the_day_before_the_next_starts(kind: PeriodKind, year: int) -> None:
    for index in range(1, 12 // kind.months + 1):
        period = Period(kind=kind, year=year, index=index)
        assert period.end == add_months(period.start, kind.months).subtract(days=1)


def test_due_dates_are_not_chained() -> None:
    # Chaining drifts (31 Jan → 29 Feb → 29 Mar); from the anchor it does not.
    birth = D(2024, 1, 31)
    assert add_months(birth, 2) == D(2024, 3, 31)
    assert add_months(add_months(birth, 1), 1) == D(2024, 3, 29)


def test_age_in_months_on_the_leap_day_case_pendulum_gets_wrong() -> None:
    birth, on = D(2024, 2, 29), D(2025, 2, 28)
    assert on.diff(birth).in_months() == 11  # pendulum's answer: why we have our own
    assert age_in_months(birth, on) == 12
    assert age_in_months(birth, on.subtract(days=1)) == 11


@given(birth=birth_dates, months=st.integers(min_value=-24, max_value=120))
def test_age_in_months_inverts_add_months(birth: D, months: int) -> None:
    due = add_months(birth, months)
    assert age_in_months(birth, due) == months
    assert age_in_months(birth, due.subtract(days=1)) == months - 1


@given(birth=birth_dates, days=st.integers(min_value=0, max_value=4000))
def test_age_in_months_is_the_largest_n_not_after(birth: D, days: int) -> None:
    on = birth.add(days=days)
    months = age_in_months(birth, on)
    assert add_months(birth, months) <= on < add_months(birth, months + 1)


def test_age_in_days() -> None:
    assert age_in_days(D(2024, 1, 1), D(2024, 1, 1)) == 0
    assert age_in_days(D(2024, 3, 11), D(2024, 2, 20)) == -20


def test_to_date_accepts_dates_and_iso_text_and_refuses_datetimes() -> None:
    assert yiyu.to_date("2024-02-29") == D(2024, 2, 29)
    assert yiyu.to_date(dt.date(2024, 2, 29)) == D(2024, 2, 29)
    assert isinstance(yiyu.to_date(dt.date(2024, 2, 29)), pendulum.Date)
    with pytest.raises(yiyu.ValidationError, match="birth_date='2024-13-01'"):
        yiyu.to_date("2024-13-01", field="birth_date")
    with pytest.raises(yiyu.ValidationError, match="not a date and time"):
        yiyu.to_date(dt.datetime(2024, 1, 1, 8, 0, tzinfo=dt.UTC))


def test_local_today_is_shanghai() -> None:
    before = pendulum.now("Asia/Shanghai").date()
    today = yiyu.local_today()
    after = pendulum.now("Asia/Shanghai").date()
    assert today in (before, after)  # midnight may pass between the calls


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2026Q1", D(2026, 1, 1), D(2026, 3, 31)),
        ("2026Q4", D(2026, 10, 1), D(2026, 12, 31)),
        ("2024H1", D(2024, 1, 1), D(2024, 6, 30)),
        ("2026H2", D(2026, 7, 1), D(2026, 12, 31)),
        ("2024", D(2024, 1, 1), D(2024, 12, 31)),
    ],
)
def test_period_bounds(label: str, start: D, end: D) -> None:
    period = Period.parse(label)
    assert (period.start, period.end, period.label) == (start, end, label)


def test_periods_span_a_year_boundary() -> None:
    periods = Period.spanning(PeriodKind.QUARTER, D(2025, 11, 5), D(2026, 2, 1))
    assert [p.label for p in periods] == ["2025Q4", "2026Q1"]


def test_bad_period_label_names_the_value() -> None:
    with pytest.raises(yiyu.ValidationError, match="2026Q5"):
        Period.parse("2026Q5")


def test_month_periods() -> None:
    period = Period.parse("2024-02")
    assert (period.label, period.start, period.end) == ("2024-02", D(2024, 2, 1), D(2024, 2, 29))
    assert [p.label for p in Period.spanning(PeriodKind.MONTH, D(2024, 11, 30), D(2025, 1, 1))] == [
        "2024-11",
        "2024-12",
        "2025-01",
    ]
