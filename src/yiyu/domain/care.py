"""Cases (专案管理), referrals (转诊) and daycare corrections: facts opened by findings.

Each is opened by an encounter's findings (see :mod:`yiyu.outcomes`) and closed by a
later encounter, never deleted: a condition that comes back is a new case. The engine
schedules their follow-ups from these facts through the protocol's rules.
"""

from __future__ import annotations

import enum

import attrs
import pendulum

from yiyu.domain._convert import (
    date_value,
    name_errors,
    optional_date,
    optional_text,
    parse_enum,
    text,
)
from yiyu.domain.categories import CategoryKind
from yiyu.errors import ValidationError

__all__ = ["Case", "Correction", "Referral", "ReferralKind"]


def _condition(value: CategoryKind | str) -> CategoryKind:
    return CategoryKind.parse(value)


def _check_closed(opened: pendulum.Date, closed: pendulum.Date | None, what: str) -> None:
    if closed is not None and closed < opened:
        raise ValidationError(
            "closed_on", closed.isoformat(), f"{what} cannot close before it opens ({opened})"
        )


@attrs.frozen(kw_only=True, field_transformer=name_errors)
class Case:
    """A managed condition (专案): opened by a finding, closed (结案) by rule.

    Attributes:
        id: stable within the child: the condition and the opening date.
        condition: 低体重, 生长迟缓, 消瘦, 贫血, 佝偻病, 超重, 肥胖, 养育风险高 ….
        severity: as found when opened or last seen (``moderate``, ``severe``, ``mild`` …).
        opened_on, opened_by: the date and the encounter that opened it.
        closed_on, closed_by: the date and the encounter that closed it, if closed.
        normal_since: the first check since which the closing criterion has held (a
            course that must continue, or consecutive normal checks), if any.
    """

    condition: CategoryKind = attrs.field(converter=_condition)
    opened_on: pendulum.Date = attrs.field(converter=date_value)
    opened_by: str | None = attrs.field(default=None, converter=optional_text)
    severity: str | None = attrs.field(default=None, converter=optional_text)
    closed_on: pendulum.Date | None = attrs.field(default=None, converter=optional_date)
    closed_by: str | None = attrs.field(default=None, converter=optional_text)
    normal_since: pendulum.Date | None = attrs.field(default=None, converter=optional_date)
    normal_checks: int = 0

    def __attrs_post_init__(self) -> None:
        _check_closed(self.opened_on, self.closed_on, "a case")

    @property
    def id(self) -> str:
        return f"{self.condition.value}@{self.opened_on.isoformat()}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    def open_on(self, day: pendulum.Date) -> bool:
        return self.opened_on <= day and (self.closed_on is None or day < self.closed_on)


class ReferralKind(enum.Enum):
    """Why a child is referred, which decides the follow-up the protocol asks for."""

    DEVELOPMENT = "development"  # 预警征象阳性: 心理行为发育偏异
    AUTISM_RESCREEN = "autism_rescreen"  # 孤独症初筛阳性 → 县级妇幼保健机构复筛
    NUTRITION = "nutrition"  # severe malnutrition or failing care (S4)
    ANAEMIA = "anaemia"  # severe anaemia or no improvement (S4)
    OTHER = "other"

    @property
    def label_zh(self) -> str:
        return {
            ReferralKind.DEVELOPMENT: "心理行为发育偏异转诊",
            ReferralKind.AUTISM_RESCREEN: "孤独症复筛转诊",
            ReferralKind.NUTRITION: "营养性疾病转诊",
            ReferralKind.ANAEMIA: "贫血转诊",
            ReferralKind.OTHER: "其他转诊",
        }[self]


def _referral_kind(value: ReferralKind | str) -> ReferralKind:
    return parse_enum(ReferralKind, value)


@attrs.frozen(kw_only=True, field_transformer=name_errors)
class Referral:
    """A referral (转诊) opened by a positive screen, closed when its result is recorded."""

    kind: ReferralKind = attrs.field(converter=_referral_kind)
    opened_on: pendulum.Date = attrs.field(converter=date_value)
    reason: str = attrs.field(converter=text)
    to: str | None = attrs.field(default=None, converter=optional_text)
    opened_by: str | None = attrs.field(default=None, converter=optional_text)
    closed_on: pendulum.Date | None = attrs.field(default=None, converter=optional_date)
    result: str | None = attrs.field(default=None, converter=optional_text)

    def __attrs_post_init__(self) -> None:
        _check_closed(self.opened_on, self.closed_on, "a referral")

    @property
    def id(self) -> str:
        return f"{self.kind.value}@{self.opened_on.isoformat()}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


@attrs.frozen(kw_only=True, field_transformer=name_errors)
class Correction:
    """A daycare review item that failed and must be put right (整改), with its follow-up."""

    item: str = attrs.field(converter=text)
    opened_on: pendulum.Date = attrs.field(converter=date_value)
    note: str | None = attrs.field(default=None, converter=optional_text)
    opened_by: str | None = attrs.field(default=None, converter=optional_text)
    closed_on: pendulum.Date | None = attrs.field(default=None, converter=optional_date)

    def __attrs_post_init__(self) -> None:
        _check_closed(self.opened_on, self.closed_on, "a correction")

    @property
    def id(self) -> str:
        return f"{self.item}@{self.opened_on.isoformat()}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None
