"""What to generate: the cohort's size, seed, day and shares (:class:`CohortSpec`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Final

import attrs
import pendulum

from yiyu.dates import to_date
from yiyu.errors import ValidationError

__all__ = ["ADDRESS_CODES", "DEFAULT_TOWNSHIPS", "CohortSpec"]

DEFAULT_TOWNSHIPS: Final = (
    "城关街道",
    "东城街道",
    "西城街道",
    "南城街道",
    "横街镇",
    "大溪镇",
    "新河镇",
    "坞根镇",
)
"""Plausible 镇(街道) of a Zhejiang county-level city, the default townships."""

ADDRESS_CODES: Final = ("331002", "331003", "331004", "331081", "331082", "331083")
"""GB/T 2260 address codes of Taizhou, Zhejiang, given to townships in turn."""


def _as_of(value: dt.date | str) -> pendulum.Date:
    return to_date(value, field="as_of")


def _townships(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise ValidationError("townships", value, "a list of township names is required")
    return tuple(value)


def _check_townships(
    _: object, __: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    if not value:
        raise ValidationError("townships", value, "at least one township is required")
    for name in value:
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("townships", name, "a township name is non-empty text")
    if len(set(value)) != len(value):
        raise ValidationError("townships", value, "each township is named once")


def _share(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValidationError(attribute.name, value, "a share between 0 and 1 is required")


def _count(minimum: int) -> Callable[[object, attrs.Attribute[int], int], None]:
    def check(_: object, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValidationError(attribute.name, value, f"a whole number, at least {minimum}")

    return check


def _seed(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(attribute.name, value, "a whole number is required")


@attrs.frozen(kw_only=True)
class CohortSpec:
    """What to generate: how many children, from which seed, as of which day, and the shares.

    Every share is the probability that one child has the property, drawn independently
    per child, so a cohort's shares are within sampling error of these.

    Attributes:
        children: how many children to generate.
        seed: the same seed gives the same cohort, daycares and visits.
        as_of: the cohort's "today": births are spread over the four years before it and
            nothing is dated after it.
        townships: the 镇(街道) children live in (the first ones more populous).
        preterm: born before 37 weeks (some before 34 and before 28).
        low_birth_weight: born under 2500 g (most of them preterm).
        high_risk_other: high-risk newborns for another reason of the S2 list (asphyxia,
            hyperbilirubinaemia, severe infection, birth defects, maternal factors),
            recorded as the category ``high_risk_newborn`` with the reason.
        orphan, de_facto_unsupported, disabled: the vulnerable categories, each with
            the date it started.
        moved_out: children who moved out of the area before ``as_of``.
        deceased: children who died before ``as_of``.
        registered_late: children who moved in, registered after birth.
        home_birth: born at home, with no discharge date.
        resident_id: of the children older than 30 days, the share with a 户口 and so a
            resident identity number.
        contracted: children with a contracted family doctor.
        enrolled: of the children aged 1–3 at ``as_of``, the share enrolled in a daycare.
        late: visits done after their window closed.
        missed: visits never done.
        family_doctors_per_township: contracted family doctors in each township.
        children_per_daycare: about one daycare per this many children aged 1–3.

    Raises:
        ValidationError: naming the attribute, for a share outside 0–1, a count below its
            minimum, or an empty or repeated township.
    """

    children: int = attrs.field(default=1000, validator=_count(0))
    seed: int = attrs.field(default=2026, validator=_seed)
    as_of: pendulum.Date = attrs.field(converter=_as_of)
    townships: tuple[str, ...] = attrs.field(
        default=DEFAULT_TOWNSHIPS, converter=_townships, validator=_check_townships
    )
    preterm: float = attrs.field(default=0.06, validator=_share)
    low_birth_weight: float = attrs.field(default=0.05, validator=_share)
    high_risk_other: float = attrs.field(default=0.02, validator=_share)
    orphan: float = attrs.field(default=0.002, validator=_share)
    de_facto_unsupported: float = attrs.field(default=0.003, validator=_share)
    disabled: float = attrs.field(default=0.01, validator=_share)
    moved_out: float = attrs.field(default=0.03, validator=_share)
    deceased: float = attrs.field(default=0.001, validator=_share)
    registered_late: float = attrs.field(default=0.05, validator=_share)
    home_birth: float = attrs.field(default=0.005, validator=_share)
    resident_id: float = attrs.field(default=0.8, validator=_share)
    contracted: float = attrs.field(default=0.95, validator=_share)
    enrolled: float = attrs.field(default=0.25, validator=_share)
    late: float = attrs.field(default=0.04, validator=_share)
    missed: float = attrs.field(default=0.06, validator=_share)
    family_doctors_per_township: int = attrs.field(default=4, validator=_count(1))
    children_per_daycare: int = attrs.field(default=60, validator=_count(1))

    def __attrs_post_init__(self) -> None:
        if self.late + self.missed > 1:
            raise ValidationError("missed", self.missed, "late and missed add up to more than 1")
