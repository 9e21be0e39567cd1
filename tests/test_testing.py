"""yiyu.testing: the builders and fixtures the tests (yiyu's and a host's) build values with."""

from __future__ import annotations

import pendulum
import pytest

import yiyu
from yiyu.testing import (
    EXAMPLE_HOLIDAY_FILE,
    MemoryRepository,
    make_child,
    make_daycare,
    make_encounter,
    make_resident_id,
)

AS_OF = pendulum.Date(2026, 6, 30)


@pytest.fixture(scope="module")
def protocol() -> yiyu.Protocol:
    return yiyu.load_protocol()


def test_make_child() -> None:
    child = make_child()
    assert child.id == "C0000001"
    assert child.discharge_date == child.birth_date.add(days=3)
    born = pendulum.Date(2024, 2, 29)
    moved = make_child(id="C9", birth_date=born, sex="F", township="东城街道")
    assert (moved.id, moved.birth_date, moved.sex) == ("C9", born, yiyu.Sex.FEMALE)
    assert moved.discharge_date == pendulum.Date(2024, 3, 3)
    assert make_child(birth_date="2024-02-29").birth_date == born
    assert make_child(discharge_date=None).discharge_date is None
    with pytest.raises(yiyu.ValidationError) as error:
        make_child(birth_weight_g=10)
    assert error.value.field == "birth_weight_g"


def test_make_daycare_and_encounter(protocol: yiyu.Protocol) -> None:
    daycare = make_daycare(capacity=30)
    assert (daycare.id, daycare.capacity, daycare.closed_on) == ("D00001", 30, None)
    assert make_daycare(closed_on="2025-01-31").closed_on == pendulum.Date(2025, 1, 31)
    child = make_child()
    m3 = next(o for o in yiyu.schedule(child, protocol, until=AS_OF) if o.rule == "m3")
    encounter = make_encounter(m3, measurements={"weight_kg": 6.4, "length_cm": 61.5})
    assert (encounter.on, encounter.obligation_key) == (m3.due, m3.key)
    result = yiyu.record(encounter, child, protocol, as_of=m3.due)
    assert isinstance(result, yiyu.ChildRecord)
    assert result.in_window
    assert make_encounter().obligation_key is None


def test_memory_repository_is_exported() -> None:
    repository = MemoryRepository()
    counts = repository.save_children([make_child()])
    assert counts is not None


def test_make_child_takes_the_id_birth_and_sex_a_test_names() -> None:
    girl = make_child("C1", born="2024-01-31", sex="F")
    assert (girl.id, girl.birth_date, girl.sex) == (
        "C1",
        pendulum.Date(2024, 1, 31),
        yiyu.Sex.FEMALE,
    )
    assert girl.discharge_date == pendulum.Date(2024, 2, 3)
    assert make_child(birth_date="2024-01-31") == make_child(born="2024-01-31")
    with pytest.raises(TypeError):
        make_child(born="2024-01-31", birth_date="2024-01-31")
    with pytest.raises(yiyu.ValidationError) as error:
        make_child(born="2024-02-30")
    assert error.value.field == "birth_date"


def test_make_daycare_takes_the_id() -> None:
    assert make_daycare("D1").id == "D1"


def test_make_resident_id_is_valid_for_the_birth_and_sex() -> None:
    number = make_resident_id("2024-01-31")
    assert (len(number), number[:6], number[6:14]) == (18, "330102", "20240131")
    child = make_child(born="2024-01-31", resident_id=number)
    assert child.resident_id == number
    girl = make_child(born="2024-01-31", sex="F", resident_id=make_resident_id("2024-01-31", "002"))
    assert girl.resident_id is not None
    assert make_resident_id("2024-01-31", address="331002").startswith("331002")


def test_the_example_holiday_file_says_it_is_an_example() -> None:
    assert "EXAMPLE ONLY" in EXAMPLE_HOLIDAY_FILE
    assert "示例" in EXAMPLE_HOLIDAY_FILE
