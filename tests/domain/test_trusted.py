"""The store's maker of values it read back (:func:`yiyu.domain._trusted.trusted_maker`):
the value a constructor would make from the same fields, its parameters in the order
asked for, and no field left out or set twice."""

from __future__ import annotations

import attrs
import pendulum
import pytest

import yiyu
from yiyu.domain._trusted import trusted_maker
from yiyu.domain.child import GestationalAge
from yiyu.scheduling import StoredObligation
from yiyu.testing import make_child

CHILD = make_child("C1", born="2025-01-02", gestational_age="34+1", township="城关街道")
M3 = next(ob for ob in yiyu.schedule(CHILD, yiyu.load_protocol(), until=pendulum.Date(2025, 12, 31))
          if ob.rule == "m3")  # fmt: skip


def test_it_makes_the_value_its_constructor_makes_by_position_or_keyword() -> None:
    fields = {f.name: getattr(M3, f.name) for f in attrs.fields(type(M3))}
    make = trusted_maker(type(M3))
    assert make(*fields.values()) == M3
    assert make(**fields) == M3
    assert hash(make(**fields)) == hash(M3)


def test_its_parameters_come_in_the_order_asked_for() -> None:
    make = trusted_maker(GestationalAge, ("days", "weeks"))
    assert make(1, 34) == GestationalAge(weeks=34, days=1)


def test_the_made_value_is_frozen_like_any_other() -> None:
    made = trusted_maker(GestationalAge)(weeks=34, days=1)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.weeks = 35  # type: ignore[misc]


def test_a_field_left_out_or_unknown_is_named() -> None:
    make = trusted_maker(StoredObligation)
    with pytest.raises(TypeError, match="subject_name"):
        make(obligation=M3, township=None, assignee=None, done_on=None, skip=None,
             withdrawn_on=None, rescheduled=None)  # fmt: skip
    with pytest.raises(TypeError, match="colour"):
        make(obligation=M3, township=None, assignee=None, done_on=None, skip=None,
             withdrawn_on=None, rescheduled=None, subject_name=None, colour="red")  # fmt: skip


@pytest.mark.parametrize(
    "order",
    [("weeks",), ("weeks", "days", "days"), ("weeks", "days", "hours")],
    ids=["one left out", "one twice", "one unknown"],
)
def test_an_order_that_is_not_the_fields_each_once_is_refused(order: tuple[str, ...]) -> None:
    with pytest.raises(TypeError, match="GestationalAge's fields are"):
        trusted_maker(GestationalAge, order)


def test_a_class_without_slots_is_refused() -> None:
    @attrs.frozen(slots=False)
    class Loose:
        a: int

    with pytest.raises(TypeError, match="not a slot"):
        trusted_maker(Loose)
