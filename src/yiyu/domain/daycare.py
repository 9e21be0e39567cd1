"""Daycares (托育机构) and children's enrolments in them."""

from __future__ import annotations

from collections.abc import Iterable

import attrs
import pendulum

from yiyu.domain._convert import (
    date_value,
    id_text,
    items_of,
    keyword_errors,
    name_errors,
    name_text,
    optional_date,
    optional_id_text,
    optional_name_text,
)
from yiyu.domain.care import Correction
from yiyu.errors import ValidationError

__all__ = ["Daycare", "Enrolment"]


def _corrections(value: Iterable[Correction]) -> tuple[Correction, ...]:
    return items_of(Correction, value, "corrections")


@keyword_errors
@attrs.frozen(kw_only=True, field_transformer=name_errors)
class Daycare:
    """A daycare and the health instructor (健康指导员) assigned to it.

    ``closed_on`` is the last day it operated (inclusive), ``None`` while open.
    ``corrections`` are failed review items to be put right (整改), each with a
    follow-up visit.
    """

    id: str = attrs.field(converter=id_text)
    name: str = attrs.field(converter=name_text)
    township: str | None = attrs.field(default=None, converter=optional_name_text)
    capacity: int | None = attrs.field(default=None)
    health_instructor: str | None = attrs.field(default=None, converter=optional_id_text)
    opened_on: pendulum.Date = attrs.field(converter=date_value)
    closed_on: pendulum.Date | None = attrs.field(default=None, converter=optional_date)
    corrections: tuple[Correction, ...] = attrs.field(default=(), converter=_corrections)

    @capacity.validator
    def _check_capacity(self, _: attrs.Attribute[int | None], value: int | None) -> None:
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise ValidationError("capacity", value, "must be a whole number of places, at least 1")

    def __attrs_post_init__(self) -> None:
        ids = [correction.id for correction in self.corrections]
        for item in set(ids):
            if ids.count(item) > 1:
                raise ValidationError("corrections", item, "given twice")
        if self.closed_on is not None and self.closed_on < self.opened_on:
            raise ValidationError(
                "closed_on",
                self.closed_on.isoformat(),
                f"a daycare cannot close before it opens ({self.opened_on})",
            )


@keyword_errors
@attrs.frozen(kw_only=True, field_transformer=name_errors)
class Enrolment:
    """A child attending a daycare from ``start`` to ``end`` (inclusive; ``None``: still)."""

    child_id: str = attrs.field(converter=id_text)
    daycare_id: str = attrs.field(converter=id_text)
    start: pendulum.Date = attrs.field(converter=date_value)
    end: pendulum.Date | None = attrs.field(default=None, converter=optional_date)

    def __attrs_post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValidationError(
                "end",
                self.end.isoformat(),
                f"an enrolment cannot end before it starts ({self.start})",
            )

    @property
    def id(self) -> str:
        """Stable identity within the child: the daycare and the first day."""
        return f"{self.daycare_id}@{self.start.isoformat()}"
