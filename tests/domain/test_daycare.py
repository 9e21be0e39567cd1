"""Daycares and enrolments."""

from __future__ import annotations

import pytest

import yiyu


def test_daycare_cannot_close_before_it_opens() -> None:
    with pytest.raises(yiyu.ValidationError) as info:
        yiyu.Daycare(id="D1", name="阳光托育园", opened_on="2025-05-01", closed_on="2025-04-30")
    assert (info.value.field, info.value.value) == ("closed_on", "2025-04-30")


@pytest.mark.parametrize("capacity", [0, -3, True, 2.5])
def test_capacity_is_a_positive_whole_number(capacity: object) -> None:
    with pytest.raises(yiyu.ValidationError, match="capacity"):
        yiyu.Daycare(id="D1", name="阳光托育园", opened_on="2025-05-01", capacity=capacity)


def test_enrolment_identity_and_order() -> None:
    enrolment = yiyu.Enrolment(child_id="C1", daycare_id="D1", start="2025-09-01")
    assert enrolment.id == "D1@2025-09-01"
    with pytest.raises(yiyu.ValidationError, match="end"):
        yiyu.Enrolment(child_id="C1", daycare_id="D1", start="2025-09-01", end="2025-08-01")
