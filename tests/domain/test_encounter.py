"""Encounters: plausible ranges (#3) name the field and the value."""

from __future__ import annotations

import math

import pytest

import yiyu
from yiyu.testing import make_encounter


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weight_kg", 0.29),
        ("weight_kg", 40.1),
        ("length_cm", 24.9),
        ("length_cm", 130.5),
        ("head_cm", 19),
        ("head_cm", 61),
        ("hb_g_l", 29),
        ("hb_g_l", 221),
        ("weight_kg", math.nan),
        ("weight_kg", "7"),
    ],
)
def test_implausible_measurements_are_refused(field: str, value: object) -> None:
    with pytest.raises(yiyu.ValidationError) as info:
        yiyu.Measurements(**{field: value})
    assert info.value.field == field
    assert info.value.value == value or math.isnan(info.value.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [("weight_kg", 0.3), ("weight_kg", 40), ("length_cm", 25), ("hb_g_l", 220), ("head_cm", 60)],
)
def test_range_ends_are_accepted(field: str, value: float) -> None:
    assert getattr(yiyu.Measurements(**{field: value}), field) == value


def test_measured_position() -> None:
    with pytest.raises(yiyu.ValidationError, match="measured"):
        yiyu.Measurements(length_cm=70, measured="sitting")


def test_encounter_accepts_plain_mappings_and_freezes_them() -> None:
    e = make_encounter(
        measurements={"weight_kg": 7.2, "length_cm": 66.0},
        warning_signs={"m6_1": False},
        role="family_doctor",
    )
    assert e.measurements.weight_kg == 7.2
    assert e.role is yiyu.Role.FAMILY_DOCTOR
    with pytest.raises(TypeError):
        e.warning_signs["m6_1"] = True  # type: ignore[index]


def test_encounter_errors_name_the_field() -> None:
    with pytest.raises(yiyu.ValidationError) as info:
        make_encounter(on="2024-02-30")
    assert info.value.field == "on"
    with pytest.raises(yiyu.ValidationError) as info:
        make_encounter(role="nurse")
    assert info.value.field == "role"
    with pytest.raises(yiyu.ValidationError) as info:
        make_encounter(regression="yes")
    assert info.value.field == "regression"


@pytest.mark.parametrize(
    "role", [yiyu.Role.FAMILY_DOCTOR, "family_doctor", "FAMILY_DOCTOR", "签约家庭医生"]
)
def test_the_role_is_the_enum_its_value_or_its_chinese_label(role: object) -> None:
    # As every other kind (#15): before, only the value was accepted.
    assert make_encounter(role=role).role is yiyu.Role.FAMILY_DOCTOR


def test_a_misspelt_measurement_is_a_validation_error_listing_the_known_fields() -> None:
    with pytest.raises(yiyu.ValidationError) as info:
        yiyu.Measurements(weight=5.0)  # type: ignore[call-arg]
    assert (info.value.field, info.value.value) == ("weight", 5.0)
    assert "weight_kg, length_cm, measured, head_cm, hb_g_l" in info.value.rule
    with pytest.raises(yiyu.ValidationError) as info:
        make_encounter(measurements={"weight": 5.0})
    assert info.value.field == "measurements.weight"
