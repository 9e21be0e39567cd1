"""What happened at one visit: who, when, what was measured, ticked and found."""

from __future__ import annotations

import math
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Literal, TypeVar

import attrs
import pendulum

from yiyu.domain._convert import (
    as_field,
    date_value,
    free_text,
    id_text,
    key_text,
    keyword_errors,
    name_errors,
    optional_free_text,
    optional_id_text,
    optional_key_text,
    optional_line_text,
    parse_enum,
)
from yiyu.domain.care import RicketsCheck
from yiyu.domain.categories import CategoryKind
from yiyu.domain.roles import Role
from yiyu.errors import ValidationError

__all__ = ["BMI_RANGE", "Encounter", "Measurements", "Position"]

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


# Weight for length, as BMI (kg/m²), outside which a pair of measurements is a typing
# error (40 kg at 26 cm): yiyu's default, not a standard's, for every age from an
# extremely preterm newborn to 6 years, so deliberately wide. WHO's anthro software
# (R package ``anthro``, z-score-weight-for-lenhei.R, ``flag_threshold = 5``) flags a
# weight-for-length z-score beyond ±5 as implausible; at ±6 SD the WHO 2006 tables span
# BMI 6.8–29.4 over 45–120 cm (computed from the packaged tables). Below 45 cm they
# stop, and the smallest newborns the ranges above admit (0.3 kg at 25–27 cm) have a
# BMI of 4.1–4.8: hence 4. 60 leaves room for the rare severe early obesity. It needs
# neither sex nor age, so every Measurements value is checked when it is built; the
# z-score flags (``yiyu.instruments.growth``) judge the plausible ones further.
BMI_RANGE: tuple[float, float] = (4.0, 60.0)


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


@keyword_errors
@attrs.frozen(kw_only=True)
class Measurements:
    """Measurements of one visit. ``measured`` says how the length/height was taken.

    Raises:
        ValidationError: naming the field and the value: one outside its plausible
            range, a weight implausible for the length (:data:`BMI_RANGE`), or an
            unknown field (``weight=``), listing the known ones.
    """

    weight_kg: float | None = attrs.field(default=None, converter=_weight)
    length_cm: float | None = attrs.field(default=None, converter=_length)
    measured: Position = attrs.field(default="recumbent", converter=_position)
    head_cm: float | None = attrs.field(default=None, converter=_head)
    hb_g_l: float | None = attrs.field(default=None, converter=_hb)

    def __attrs_post_init__(self) -> None:
        if self.weight_kg is None or self.length_cm is None:
            return
        bmi = self.weight_kg / (self.length_cm / 100) ** 2
        low, high = BMI_RANGE
        if not low <= bmi <= high:
            raise ValidationError(
                "weight_kg",
                self.weight_kg,
                f"implausible for a length of {self.length_cm:g} cm (BMI {bmi:.1f} kg/m², "
                f"outside yiyu's plausible {low:g}–{high:g}): check both",
            )

    @property
    def empty(self) -> bool:
        return all(
            value is None for value in (self.weight_kg, self.length_cm, self.head_cm, self.hb_g_l)
        )


V = TypeVar("V")


def _mapping(
    field: str, value: object, item: Callable[[str, object], V], what: str
) -> Mapping[str, V]:
    """A read-only copy of ``value``, item id → answer, each key and answer checked."""
    if value is None:
        return types.MappingProxyType({})
    if not isinstance(value, Mapping):
        raise ValidationError(field, value, f"a mapping of item id → {what} is required")
    result: dict[str, V] = {}
    for key, answer in value.items():
        try:
            checked_key = id_text(key)
        except ValidationError as error:
            raise ValidationError(field, key, f"an item id: {error.rule}") from None
        result[checked_key] = item(f"{field}[{checked_key!r}]", answer)
    return types.MappingProxyType(result)


def _bool_answer(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(field, value, "True or False is required")
    return value


def _int_answer(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, value, "a whole number is required")
    return value


def _short_answer(field: str, value: object) -> str:
    return as_field(field, id_text, value)


def _free_answer(field: str, value: object) -> str:
    return as_field(field, free_text, value)


def _bools(value: Mapping[str, bool] | None) -> Mapping[str, bool]:
    return _mapping("warning_signs", value, _bool_answer, "True/False")


def _ints(value: Mapping[str, int] | None) -> Mapping[str, int]:
    return _mapping("risk_answers", value, _int_answer, "score")


def _review_answers(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return _mapping("review_answers", value, _short_answer, "pass/fail/not_applicable")


def _review_notes(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return _mapping("review_notes", value, _free_answer, "note")


def _referral_results(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return _mapping("referral_results", value, _free_answer, "result")


def _role(value: Role | str) -> Role:
    # As every other kind: the enum, its value, its name or its Chinese label (儿保医生).
    return parse_enum(Role, value)


def _measurements(value: Measurements | Mapping[str, object] | None) -> Measurements:
    if value is None:
        return Measurements()
    if isinstance(value, Measurements):
        return value
    if not isinstance(value, Mapping):
        raise ValidationError(
            "measurements", value, "Measurements or a mapping of its fields is required"
        )
    try:
        return Measurements(**value)  # type: ignore[arg-type]
    except ValidationError as error:
        raise ValidationError(f"measurements.{error.field}", error.value, error.rule) from None


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
    if value is None or isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError("diagnoses", value, "a list of conditions is required")
    return tuple(
        CategoryKind.parse(item, field=f"diagnoses[{index}]") for index, item in enumerate(value)
    )


@keyword_errors
@attrs.frozen(kw_only=True, field_transformer=name_errors)
class Encounter:
    """One visit to a child or a daycare, as recorded.

    Attributes:
        id: the host system's identifier of the visit (stable; used in case records).
        subject_id: the child's or daycare's id.
        on: the visit's date.
        obligation_key: the obligation it fulfils, or ``None`` for an unscheduled visit.
        role, performer: who did it (the role and the clinician's id). The role is a
            :class:`yiyu.Role`, its value (``"family_doctor"``) or its Chinese label
            (``"签约家庭医生"``).
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

    Raises:
        ValidationError: naming the field (``measurements.weight_kg``,
            ``warning_signs['m6_1']``) and the value, for anything of the wrong type, out
            of range, too long (:mod:`yiyu.domain.limits`) or unknown.
    """

    id: str = attrs.field(converter=key_text)
    subject_id: str = attrs.field(converter=id_text)
    on: pendulum.Date = attrs.field(converter=date_value)
    obligation_key: str | None = attrs.field(default=None, converter=optional_key_text)
    role: Role = attrs.field(default=Role.CHILD_HEALTH_DOCTOR, converter=_role)
    performer: str | None = attrs.field(default=None, converter=optional_id_text)
    measurements: Measurements = attrs.field(factory=Measurements, converter=_measurements)
    warning_signs: Mapping[str, bool] = attrs.field(factory=dict, converter=_bools)
    warning_sign_column: str | None = attrs.field(default=None, converter=optional_id_text)
    regression: bool | None = attrs.field(default=None)
    risk_answers: Mapping[str, int] = attrs.field(factory=dict, converter=_ints)
    review_answers: Mapping[str, str] = attrs.field(factory=dict, converter=_review_answers)
    review_notes: Mapping[str, str] = attrs.field(factory=dict, converter=_review_notes)
    lecture: str | None = attrs.field(default=None, converter=optional_line_text)
    diagnoses: tuple[CategoryKind, ...] = attrs.field(default=(), converter=_diagnoses)
    rickets: RicketsCheck | None = attrs.field(default=None, converter=_rickets)
    referral_results: Mapping[str, str] = attrs.field(factory=dict, converter=_referral_results)
    guidance: str | None = attrs.field(default=None, converter=optional_free_text)
    notes: str | None = attrs.field(default=None, converter=optional_free_text)

    @regression.validator
    def _check_regression(self, _: attrs.Attribute[bool | None], value: bool | None) -> None:
        if value is not None and not isinstance(value, bool):
            raise ValidationError("regression", value, "true, false or not asked (None)")
