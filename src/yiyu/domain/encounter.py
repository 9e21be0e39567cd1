"""What happened at one visit: who, when, what was measured, ticked and found."""

from __future__ import annotations

import math
import types
from collections.abc import Iterable, Mapping
from typing import Literal

import attrs
import pendulum

from yiyu.domain._convert import date_value, name_errors, optional_text, text
from yiyu.domain.care import RicketsCheck
from yiyu.domain.categories import CategoryKind
from yiyu.domain.roles import Role
from yiyu.errors import ValidationError

__all__ = ["Encounter", "Measurements", "Position"]

Position = Literal["recumbent", "standing"]

# Plausible ranges the issue tracker fixed (#3): a value outside is a typing error far
# more often than a real child (weight 0.3–40 kg, length/height 25–130 cm, head
# 20–60 cm, Hb 30–220 g/L).
RANGES: dict[str, tuple[float, float, str]] = {
    "weight_kg": (0.3, 40.0, "kg"),
    "length_cm": (25.0, 130.0, "cm"),
    "head_cm": (20.0, 60.0, "cm"),
    "hb_g_l": (30.0, 220.0, "g/L"),
}


def _number(field: str, value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(field, value, "a finite number is required")
    low, high, unit = RANGES[field]
    if not low <= value <= high:
        raise ValidationError(field, value, f"outside the plausible range {low:g}–{high:g} {unit}")
    return float(value)


def _weight(value: float | None) -> float | None:
    return _number("weight_kg", value)


def _length(value: float | None) -> float | None:
    return _number("length_cm", value)


def _head(value: float | None) -> float | None:
    return _number("head_cm", value)


def _hb(value: float | None) -> float | None:
    return _number("hb_g_l", value)


def _position(value: str) -> Position:
    if value == "recumbent":
        return "recumbent"
    if value == "standing":
        return "standing"
    raise ValidationError("measured", value, "'recumbent' (卧位) or 'standing' (立位)")


@attrs.frozen(kw_only=True)
class Measurements:
    """Measurements of one visit. ``measured`` says how the length/height was taken."""

    weight_kg: float | None = attrs.field(default=None, converter=_weight)
    length_cm: float | None = attrs.field(default=None, converter=_length)
    measured: Position = attrs.field(default="recumbent", converter=_position)
    head_cm: float | None = attrs.field(default=None, converter=_head)
    hb_g_l: float | None = attrs.field(default=None, converter=_hb)

    @property
    def empty(self) -> bool:
        return all(
            value is None for value in (self.weight_kg, self.length_cm, self.head_cm, self.hb_g_l)
        )


def _bools(value: Mapping[str, bool] | None) -> Mapping[str, bool]:
    return types.MappingProxyType(dict(value or {}))


def _ints(value: Mapping[str, int] | None) -> Mapping[str, int]:
    return types.MappingProxyType(dict(value or {}))


def _texts(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return types.MappingProxyType(dict(value or {}))


def _role(value: Role | str) -> Role:
    try:
        return value if isinstance(value, Role) else Role(value)
    except ValueError:
        known = ", ".join(role.value for role in Role)
        raise ValidationError("role", value, f"unknown role; known: {known}") from None


def _measurements(value: Measurements | Mapping[str, object] | None) -> Measurements:
    if value is None:
        return Measurements()
    if isinstance(value, Measurements):
        return value
    return Measurements(**value)  # type: ignore[arg-type]


def _rickets(value: RicketsCheck | Mapping[str, object] | None) -> RicketsCheck | None:
    if value is None or isinstance(value, RicketsCheck):
        return value
    if not isinstance(value, Mapping):
        raise ValidationError("rickets", value, "{ stage, symptoms, signs } or nothing")
    try:
        return RicketsCheck(**value)  # type: ignore[arg-type]
    except ValidationError as error:
        raise ValidationError(f"rickets.{error.field}", error.value, error.rule) from None
    except TypeError as error:
        raise ValidationError("rickets", dict(value), str(error)) from None


def _diagnoses(value: Iterable[CategoryKind | str]) -> tuple[CategoryKind, ...]:
    return tuple(CategoryKind.parse(item, field="diagnoses") for item in value)


@attrs.frozen(kw_only=True, field_transformer=name_errors)
class Encounter:
    """One visit to a child or a daycare, as recorded.

    Attributes:
        id: the host system's identifier of the visit (stable; used in case records).
        subject_id: the child's or daycare's id.
        on: the visit's date.
        obligation_key: the obligation it fulfils, or ``None`` for an unscheduled visit.
        role, performer: who did it (the role and the clinician's id).
        measurements: weight, length/height and how taken, head circumference, Hb.
        warning_signs: 预警征象 answers, item id → ``True`` when the sign is present.
        warning_sign_column: which column was used, for a visit with no obligation.
        regression: asked "has the child lost language or social skills?" (孤独症初筛).
        risk_answers: 养育风险评估 item id → score.
        review_answers, review_notes: daycare review item id → pass/fail/not applicable.
        lecture: the health lecture given at a daycare, if any.
        diagnoses: conditions the doctor diagnosed (e.g. 佝偻病), beyond the measured ones.
        rickets: a rickets check (stage, symptoms, signs), at a rickets follow-up or when
            rickets is found.
        referral_results: referral id → the result the family brought back.
        guidance, notes: free text.
    """

    id: str = attrs.field(converter=text)
    subject_id: str = attrs.field(converter=text)
    on: pendulum.Date = attrs.field(converter=date_value)
    obligation_key: str | None = attrs.field(default=None, converter=optional_text)
    role: Role = attrs.field(default=Role.CHILD_HEALTH_DOCTOR, converter=_role)
    performer: str | None = attrs.field(default=None, converter=optional_text)
    measurements: Measurements = attrs.field(factory=Measurements, converter=_measurements)
    warning_signs: Mapping[str, bool] = attrs.field(factory=dict, converter=_bools)
    warning_sign_column: str | None = attrs.field(default=None, converter=optional_text)
    regression: bool | None = attrs.field(default=None)
    risk_answers: Mapping[str, int] = attrs.field(factory=dict, converter=_ints)
    review_answers: Mapping[str, str] = attrs.field(factory=dict, converter=_texts)
    review_notes: Mapping[str, str] = attrs.field(factory=dict, converter=_texts)
    lecture: str | None = attrs.field(default=None, converter=optional_text)
    diagnoses: tuple[CategoryKind, ...] = attrs.field(default=(), converter=_diagnoses)
    rickets: RicketsCheck | None = attrs.field(default=None, converter=_rickets)
    referral_results: Mapping[str, str] = attrs.field(factory=dict, converter=_texts)
    guidance: str | None = attrs.field(default=None, converter=optional_text)
    notes: str | None = attrs.field(default=None, converter=optional_text)

    @regression.validator
    def _check_regression(self, _: attrs.Attribute[bool | None], value: bool | None) -> None:
        if value is not None and not isinstance(value, bool):
            raise ValidationError("regression", value, "true, false or not asked (None)")
