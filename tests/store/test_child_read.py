"""A child read back from the store is the child saved, in every field's own type.

The store builds it without running the child's checks again
(:func:`yiyu.domain.child.stored_child`, #14): what they would have converted (pendulum
dates, enums, tuples, the gestational age) must come out as the checked constructor
makes it, or a reader calling ``birth_date.add(…)`` on a plain date would fail far from
here. Equality alone would not show it: a ``datetime.date`` equals pendulum's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given, settings

import yiyu
from strategies import children
from yiyu.domain.child import stored_child
from yiyu.store import Repository
from yiyu.store.rows import child_from_rows, child_rows

from .test_contract import CHILD

NOW = dt.datetime(2026, 6, 30, 12, 0, tzinfo=dt.UTC)


def same_types(read: Any, saved: Any, path: str = "child") -> None:
    """``read`` and ``saved`` equal, and of the same type in every field, all the way down."""
    assert type(read) is type(saved), f"{path}: {type(read)} read, {type(saved)} saved"
    if attrs.has(type(saved)):
        for field in attrs.fields(type(saved)):
            same_types(getattr(read, field.name), getattr(saved, field.name),
                       f"{path}.{field.name}")  # fmt: skip
    elif isinstance(saved, tuple | list):
        assert len(read) == len(saved), path
        for index, (a, b) in enumerate(zip(read, saved, strict=True)):
            same_types(a, b, f"{path}[{index}]")
    elif isinstance(saved, dict):
        assert read.keys() == saved.keys(), path
        for key in saved:
            same_types(read[key], saved[key], f"{path}[{key!r}]")
    else:
        assert read == saved, path


@settings(max_examples=200, deadline=None)
@given(children())
def test_rows_give_back_the_child_in_its_own_types(child: yiyu.Child) -> None:
    # The store gives enrolments back in order of start (the strategy draws any order).
    saved = attrs.evolve(child, enrolments=sorted(child.enrolments, key=lambda e: e.start))
    same_types(child_from_rows(*child_rows(child, NOW)), saved)


def test_every_fact_comes_back_from_every_store(repo: Repository) -> None:
    repo.save_children([CHILD])
    read = repo.get_children([CHILD.id])[CHILD.id]
    same_types(read, CHILD)
    assert isinstance(read.birth_date, pendulum.Date)
    same_types(repo.get_child(CHILD.id), CHILD)


def test_a_case_open_when_the_child_left_is_closed_on_reading_too() -> None:
    """The derived part of a child is kept without its checks: rows that hold a case still
    open after the child left (written by an older yiyu, or by hand) read as closed."""
    row, categories, events, enrolments, cases, referrals = child_rows(CHILD, NOW)
    for case in cases:
        case.closed_on = case.close_reason = None
    read = child_from_rows(row, categories, events, enrolments, cases, referrals)
    assert {(c.closed_on, c.close_reason) for c in read.cases} == {
        (pendulum.Date(2026, 5, 1), yiyu.CaseCloseReason.MOVED_OUT)
    }


def test_stored_child_refuses_a_field_it_does_not_know() -> None:
    fields = {f.name: getattr(CHILD, f.name) for f in attrs.fields(yiyu.Child)}
    del fields["gestational_age"]
    with pytest.raises(TypeError, match="colour"):
        stored_child(weeks=33, days=2, colour="red", **fields)
    del fields["name"]
    with pytest.raises(TypeError, match="name"):
        stored_child(weeks=33, days=2, **fields)
