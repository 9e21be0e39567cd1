"""A date as a driver gives it back (SQLite's text, PostgreSQL's ``datetime.date``) comes
out of the store as the core's pendulum Date, made once per day and found again (#14)."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest

import yiyu
from yiyu.store import rows
from yiyu.store.rows import remembered_days, stored_day


@pytest.mark.parametrize("value", [dt.date(2026, 2, 28), "2026-02-28", pendulum.Date(2026, 2, 28)])
def test_every_form_a_driver_gives_comes_back_as_a_pendulum_date(value: dt.date | str) -> None:
    day = stored_day(value)
    assert type(day) is pendulum.Date
    assert day == pendulum.Date(2026, 2, 28)
    assert stored_day(value) is day  # made once, found again


def test_text_that_is_not_a_date_is_refused_and_not_remembered() -> None:
    with pytest.raises(yiyu.ValidationError):
        stored_day("2026-02-30")
    assert "2026-02-30" not in rows._DAYS


def test_the_days_remembered_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rows, "_DAYS", {})
    monkeypatch.setattr(rows, "_DAYS_KEPT", 3)
    for day in range(1, 8):
        assert stored_day(dt.date(2026, 3, day)) == pendulum.Date(2026, 3, day)
        assert len(rows._DAYS) <= 3


def test_a_day_goes_to_the_driver_as_one_object_made_once() -> None:
    # A worker's rows hold each day as one object, which pickle writes once per batch.
    as_text = remembered_days(dt.date.isoformat)
    first = as_text(pendulum.Date(2026, 2, 28))
    assert first == "2026-02-28"
    assert as_text(dt.date(2026, 2, 28)) is first


def test_the_days_a_driver_is_given_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rows, "_DAYS_KEPT", 3)
    made: list[dt.date] = []

    def iso(day: dt.date) -> str:
        made.append(day)
        return day.isoformat()

    as_text = remembered_days(iso)
    for day in (1, 2, 3, 4, 1):
        assert as_text(dt.date(2026, 3, day)) == f"2026-03-0{day}"
    assert len(made) == 5  # the fourth day cleared the three before it
