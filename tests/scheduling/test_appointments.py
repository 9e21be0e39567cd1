"""Suggested dates avoid official holidays and use adjusted working days (调休)."""

from __future__ import annotations

import attrs
import pendulum

import yiyu
from yiyu import CalendarBasis, suggest_date
from yiyu.testing import make_obligation

D = pendulum.Date


def test_a_working_due_date_is_kept() -> None:
    ob = make_obligation(D(2025, 9, 1), D(2025, 9, 10), D(2025, 9, 30))  # a Wednesday
    suggestion = suggest_date(ob, as_of=D(2025, 9, 1))
    assert suggestion is not None
    assert (suggestion.date, suggestion.basis) == (D(2025, 9, 10), CalendarBasis.OFFICIAL)
    assert suggestion.note is None


def test_national_day_is_avoided_and_the_earlier_day_preferred() -> None:
    # 2025-10-01…08 are holidays (State Council notice for 2025).
    ob = make_obligation(D(2025, 9, 20), D(2025, 10, 3), D(2025, 10, 20))
    suggestion = suggest_date(ob, as_of=D(2025, 9, 20))
    assert suggestion is not None
    assert suggestion.date == D(2025, 9, 30)


def test_an_adjusted_working_sunday_is_used() -> None:
    # Sunday 2025-09-28 is a working day (调休) before National Day.
    ob = make_obligation(D(2025, 9, 28), D(2025, 9, 28), D(2025, 9, 28))
    assert yiyu.is_working_day(D(2025, 9, 28)) == (True, CalendarBasis.OFFICIAL)
    suggestion = suggest_date(ob, as_of=D(2025, 9, 1))
    assert suggestion is not None
    assert suggestion.date == D(2025, 9, 28)


def test_not_before_as_of() -> None:
    ob = make_obligation(D(2025, 9, 1), D(2025, 9, 10), D(2025, 9, 30))
    suggestion = suggest_date(ob, as_of=D(2025, 9, 15))  # overdue: the next working day
    assert suggestion is not None
    assert suggestion.date == D(2025, 9, 15)


def test_closed_window_has_no_suggestion() -> None:
    ob = make_obligation(D(2025, 9, 1), D(2025, 9, 10), D(2025, 9, 30))
    assert suggest_date(ob, as_of=D(2025, 10, 1)) is None


def test_a_window_wholly_in_a_holiday_gets_the_first_working_day_after_it() -> None:
    # The clinician's case: a 满月 window on 16–18 Feb 2026, inside the Spring Festival
    # holiday (15–23 Feb 2026, State Council notice for 2026); 24 Feb is the first
    # working day after it.
    ob = make_obligation(D(2026, 2, 16), D(2026, 2, 17), D(2026, 2, 18))
    suggestion = suggest_date(ob, as_of=D(2026, 2, 10))
    assert suggestion is not None
    assert (suggestion.date, suggestion.outside_window) == (D(2026, 2, 24), True)
    assert suggestion.basis is CalendarBasis.OFFICIAL
    assert suggestion.note is not None
    assert "超出时限" in suggestion.note
    assert "outside the window" in suggestion.note


def test_national_day_window_gets_the_day_after_the_holiday() -> None:
    # 2025-10-01…08 are holidays: a window on 2–5 October gets Thursday 9 October.
    ob = make_obligation(D(2025, 10, 2), D(2025, 10, 3), D(2025, 10, 5))
    suggestion = suggest_date(ob, as_of=D(2025, 9, 1))
    assert suggestion is not None
    assert (suggestion.date, suggestion.outside_window) == (D(2025, 10, 9), True)


def test_only_holidays_left_in_the_window_is_the_same_case() -> None:
    # Overdue since 10 Feb; on 15 Feb only holidays remain (15–18 Feb).
    ob = make_obligation(D(2026, 2, 1), D(2026, 2, 10), D(2026, 2, 18))
    suggestion = suggest_date(ob, as_of=D(2026, 2, 15))
    assert suggestion is not None
    assert (suggestion.date, suggestion.outside_window) == (D(2026, 2, 24), True)
    # A day earlier the adjusted working Saturday (调休, 14 Feb) was still ahead.
    earlier = suggest_date(ob, as_of=D(2026, 2, 14))
    assert earlier is not None
    assert (earlier.date, earlier.outside_window) == (D(2026, 2, 14), False)
    assert earlier.note is None


def test_the_due_date_rules_still_pick_inside_the_window() -> None:
    # Due Monday 16 Feb 2026 (holiday): 15 Feb is a holiday too, Saturday 14 Feb is a
    # working day (调休) and inside the window, so it wins over anything after.
    ob = make_obligation(D(2026, 2, 10), D(2026, 2, 16), D(2026, 2, 25))
    suggestion = suggest_date(ob, as_of=D(2026, 2, 1))
    assert suggestion is not None
    assert (suggestion.date, suggestion.outside_window) == (D(2026, 2, 14), False)


def test_nothing_after_a_closed_window_or_a_cancellation() -> None:
    ob = make_obligation(D(2026, 2, 16), D(2026, 2, 17), D(2026, 2, 18))
    assert suggest_date(ob, as_of=D(2026, 2, 19)) is None  # closed before as_of
    cancelled = attrs.evolve(ob, cancelled_on=D(2026, 2, 17), cancel_reason="moved_out")
    assert suggest_date(cancelled, as_of=D(2026, 2, 10)) is None


def test_year_without_holiday_data_falls_back_to_weekends_and_says_so() -> None:
    # chinese-calendar carries the notices up to the year it was released; far ahead
    # there is none. 2040-01-01 is a Sunday.
    ob = make_obligation(D(2039, 12, 20), D(2040, 1, 1), D(2040, 1, 10))
    suggestion = suggest_date(ob, as_of=D(2039, 12, 20))
    assert suggestion is not None
    # Saturday 31 Dec and Monday 2 Jan are equally near; Saturday is a weekend.
    assert suggestion.date == D(2040, 1, 2)
    assert suggestion.basis is CalendarBasis.WEEKENDS_ONLY
    assert suggestion.note is not None
    assert "2040" in suggestion.note


def test_no_suggestion_once_cancelled() -> None:
    # Review finding: a child who died on 10 May must not be offered 20 May.
    ob = attrs.evolve(
        make_obligation(D(2024, 3, 31), D(2024, 4, 30), D(2024, 6, 29)),
        cancelled_on=D(2024, 5, 10),
        cancel_reason="deceased",
    )
    assert suggest_date(ob, as_of=D(2024, 5, 11)) is None
    before = suggest_date(ob, as_of=D(2024, 5, 6))
    assert before is not None
    assert before.date < D(2024, 5, 10)


def test_fixed_date_holidays_are_avoided_without_a_notice() -> None:
    assert yiyu.is_working_day(D(2041, 10, 1)) == (False, CalendarBasis.WEEKENDS_ONLY)  # Tue
    assert yiyu.is_working_day(D(2041, 1, 1)) == (False, CalendarBasis.WEEKENDS_ONLY)
    # Friday 4 October is a 国庆 holiday most years, but it moves: without the year's
    # notice it is taken as a working day.
    assert yiyu.is_working_day(D(2041, 10, 4)) == (True, CalendarBasis.WEEKENDS_ONLY)


def test_a_window_asked_about_again_answers_for_the_calendar_and_day_given() -> None:
    # Suggestions are kept per window (a work list asks about a few hundred windows for
    # thousands of lines): the same window under another calendar, another day or a
    # cancellation is answered anew. The operator's notice closes Wednesday 2025-09-10.
    ob = make_obligation(D(2025, 9, 1), D(2025, 9, 10), D(2025, 9, 30))
    closed = yiyu.HolidayCalendar(
        years=[yiyu.HolidayYear(year=2025, holidays=[D(2025, 9, 10)], source="区卫健局通知")]
    )
    plain = suggest_date(ob, as_of=D(2025, 9, 1))
    assert plain is not None
    assert plain.date == D(2025, 9, 10)
    noticed = suggest_date(ob, as_of=D(2025, 9, 1), calendar=closed)
    assert noticed is not None
    assert (noticed.date, noticed.basis, noticed.source) == (
        D(2025, 9, 9),
        CalendarBasis.OPERATOR,
        "区卫健局通知",
    )
    later = suggest_date(ob, as_of=D(2025, 9, 11))
    assert later is not None
    assert later.date == D(2025, 9, 11)
    cancelled = attrs.evolve(ob, cancelled_on=D(2025, 9, 5), cancel_reason="moved_away")
    early = suggest_date(cancelled, as_of=D(2025, 9, 1))
    assert early is not None
    assert early.date == D(2025, 9, 4)
    assert suggest_date(ob, as_of=D(2025, 9, 1)) == plain  # the first answer, still
