"""Categories of children (早产, 孤儿, 贫血 …) and a child's membership of one over time."""

from __future__ import annotations

import enum

import attrs
import pendulum

from yiyu.domain._convert import keyword_errors, name_errors, optional_date, optional_free_text
from yiyu.errors import ValidationError

__all__ = ["Category", "CategoryKind"]


class CategoryKind(enum.Enum):
    """Groups of children the standards and the city plan treat specially."""

    PRETERM = "preterm"
    LOW_BIRTH_WEIGHT = "low_birth_weight"
    HIGH_RISK_NEWBORN = "high_risk_newborn"
    ORPHAN = "orphan"
    DE_FACTO_UNSUPPORTED = "de_facto_unsupported"
    DISABLED = "disabled"
    UNDERWEIGHT = "underweight"
    STUNTING = "stunting"
    WASTING = "wasting"
    ANAEMIA = "anaemia"
    RICKETS = "rickets"
    OVERWEIGHT = "overweight"
    OBESITY = "obesity"
    REARING_RISK_HIGH = "rearing_risk_high"

    @property
    def label_zh(self) -> str:
        return _CATEGORY_ZH[self]

    @classmethod
    def parse(cls, value: CategoryKind | str, *, field: str = "category") -> CategoryKind:
        """Accept the enum, its English value or its Chinese name (``孤儿``)."""
        if isinstance(value, CategoryKind):
            return value
        text = str(value).strip()
        for kind in cls:
            if text in (kind.value, kind.label_zh, kind.name):
                return kind
        known = ", ".join(f"{k.value} ({k.label_zh})" for k in cls)
        raise ValidationError(field, value, f"unknown category; known: {known}")


_CATEGORY_ZH = {
    CategoryKind.PRETERM: "早产",
    CategoryKind.LOW_BIRTH_WEIGHT: "低出生体重",
    CategoryKind.HIGH_RISK_NEWBORN: "高危新生儿",
    CategoryKind.ORPHAN: "孤儿",
    CategoryKind.DE_FACTO_UNSUPPORTED: "事实无人抚养",
    CategoryKind.DISABLED: "残疾",
    CategoryKind.UNDERWEIGHT: "低体重",
    CategoryKind.STUNTING: "生长迟缓",
    CategoryKind.WASTING: "消瘦",
    CategoryKind.ANAEMIA: "贫血",
    CategoryKind.RICKETS: "佝偻病",
    CategoryKind.OVERWEIGHT: "超重",
    CategoryKind.OBESITY: "肥胖",
    CategoryKind.REARING_RISK_HIGH: "养育风险高",
}


def _category_kind(value: CategoryKind | str) -> CategoryKind:
    return CategoryKind.parse(value)


@keyword_errors
@attrs.frozen(kw_only=True, field_transformer=name_errors)
class Category:
    """A child's membership of a category over a period.

    ``start`` ``None`` means since birth; ``end`` ``None`` means still holds. ``end`` is
    the last day the category holds (inclusive).
    """

    kind: CategoryKind = attrs.field(converter=_category_kind)
    start: pendulum.Date | None = attrs.field(default=None, converter=optional_date)
    end: pendulum.Date | None = attrs.field(default=None, converter=optional_date)
    reason: str | None = attrs.field(default=None, converter=optional_free_text)

    def __attrs_post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValidationError(
                "end",
                self.end.isoformat(),
                f"a category cannot end before it starts ({self.start})",
            )

    def holds_on(self, day: pendulum.Date, birth: pendulum.Date) -> bool:
        start = self.start or birth
        return start <= day and (self.end is None or day <= self.end)
