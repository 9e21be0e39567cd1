"""Cases (专案管理), referrals (转诊) and daycare corrections: facts opened by findings.

Each is opened by an encounter's findings (see :mod:`yiyu.outcomes`) and closed by a
later encounter, never deleted: a condition that comes back is a new case. The engine
schedules their follow-ups from these facts through the protocol's rules.
"""

from __future__ import annotations

import enum
import math
import types
from collections.abc import Iterable, Mapping

import attrs
import pendulum

from yiyu.domain._convert import (
    GENERIC,
    date_value,
    free_text,
    id_text,
    items_of,
    keyword_errors,
    name_errors,
    optional_date,
    optional_free_text,
    optional_id_text,
    optional_key_text,
    optional_name_text,
    parse_enum,
)
from yiyu.domain.categories import CategoryKind
from yiyu.errors import ValidationError

__all__ = ["Case", "CaseCheck", "CaseCloseReason", "Correction", "Referral", "ReferralKind",
           "RicketsCheck", "RicketsSigns", "RicketsStage"]  # fmt: skip


def _condition(value: CategoryKind | str) -> CategoryKind:
    return CategoryKind.parse(value)


class RicketsStage(enum.Enum):
    """The stage of 维生素D缺乏性佝偻病 a doctor records (S4): it sets the follow-up cadence."""

    ACTIVE = "active"  # 活动期 (初期 and 激期): followed monthly
    RECOVERY = "recovery"  # 恢复期: followed every 2 months
    SEQUELAE = "sequelae"  # 后遗症期: no active disease left

    @property
    def label_zh(self) -> str:
        return {
            RicketsStage.ACTIVE: "活动期",
            RicketsStage.RECOVERY: "恢复期",
            RicketsStage.SEQUELAE: "后遗症期",
        }[self]


class RicketsSigns(enum.Enum):
    """How the bone signs compare with the last check (体征)."""

    WORSE = "worse"
    UNCHANGED = "unchanged"
    IMPROVED = "improved"
    NORMAL = "normal"

    @property
    def label_zh(self) -> str:
        return {
            RicketsSigns.WORSE: "加重",
            RicketsSigns.UNCHANGED: "无改善",
            RicketsSigns.IMPROVED: "减轻",
            RicketsSigns.NORMAL: "恢复正常",
        }[self]


def _stage(value: RicketsStage | str) -> RicketsStage:
    return parse_enum(RicketsStage, value)


def _optional_stage(value: RicketsStage | str | None) -> RicketsStage | None:
    return None if value is None or value == "" else parse_enum(RicketsStage, value)


def _optional_signs(value: RicketsSigns | str | None) -> RicketsSigns | None:
    return None if value is None or value == "" else parse_enum(RicketsSigns, value)


def _flag(value: bool | None) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValidationError(GENERIC, value, "true, false or not recorded")
    return value


def _required_flag(value: bool) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(GENERIC, value, "true or false")
    return value


@keyword_errors
@attrs.frozen(kw_only=True, field_transformer=name_errors)
class RicketsCheck:
    """What a doctor finds of rickets at a visit: its stage, symptoms and signs (S4).

    Attributes:
        stage: 活动期, 恢复期 or 后遗症期.
        symptoms: the non-specific symptoms (多汗、夜惊、烦躁 …) are present.
        signs: the bone signs compared with the last check; ``None`` at the first check,
            when there is nothing to compare with.
    """

    stage: RicketsStage = attrs.field(converter=_stage)
    symptoms: bool = attrs.field(converter=_required_flag)
    signs: RicketsSigns | None = attrs.field(default=None, converter=_optional_signs)


def _values(value: Mapping[str, float] | None) -> Mapping[str, float]:
    result: dict[str, float] = {}
    for key, item in dict(value or {}).items():
        if isinstance(item, bool) or not isinstance(item, int | float) or not math.isfinite(item):
            raise ValidationError(f"values[{key!r}]", item, "a finite number is required")
        result[str(key)] = float(item)
    return types.MappingProxyType(result)


@keyword_errors
@attrs.frozen(kw_only=True, field_transformer=name_errors)
class CaseCheck:
    """One check of a managed condition: what it measured, for the rules that read a trend.

    "No improvement after a month of iron", "two checks with poor weight gain", "length
    still growing poorly after 3 months", "symptoms gone for a month": each is decided
    from the course of the case, so the course is kept with it.

    Attributes:
        on: the day of the check.
        by: the encounter's id.
        values: what was measured that bears on the case: ``hb_g_l``, ``waz``, ``haz``,
            ``whz``, ``baz`` (z-scores rounded as printed).
        stage, symptoms, signs: a rickets check's findings.
    """

    on: pendulum.Date = attrs.field(converter=date_value)
    by: str | None = attrs.field(default=None, converter=optional_key_text)
    values: Mapping[str, float] = attrs.field(factory=dict, converter=_values)
    stage: RicketsStage | None = attrs.field(default=None, converter=_optional_stage)
    symptoms: bool | None = attrs.field(default=None, converter=_flag)
    signs: RicketsSigns | None = attrs.field(default=None, converter=_optional_signs)


def _course(value: Iterable[CaseCheck | Mapping[str, object]]) -> tuple[CaseCheck, ...]:
    return items_of(CaseCheck, value, "course")


class CaseCloseReason(enum.Enum):
    """Why a case (专案) closed: by its criteria (结案), or because the child left.

    A case closed by the outcome rules met its closing criterion (the default for a
    closed case). ``MOVED_OUT`` and ``DECEASED`` are never recorded by hand: they are
    derived from the child's life events whenever a :class:`~yiyu.Child` is built (see
    :attr:`Case.closed_by_leaving`), with the values of :class:`~yiyu.LifeEventKind`.
    """

    CRITERIA_MET = "criteria_met"  # 达到结案标准
    MOVED_OUT = "moved_out"  # 迁出
    DECEASED = "deceased"  # 死亡

    @property
    def label_zh(self) -> str:
        return {
            CaseCloseReason.CRITERIA_MET: "达标结案",
            CaseCloseReason.MOVED_OUT: "迁出",
            CaseCloseReason.DECEASED: "死亡",
        }[self]

    @property
    def child_left(self) -> bool:
        """The case closed because the child moved out or died, not by its criteria."""
        return self is not CaseCloseReason.CRITERIA_MET


def _optional_close_reason(value: CaseCloseReason | str | None) -> CaseCloseReason | None:
    return None if value is None or value == "" else parse_enum(CaseCloseReason, value)


def _default_close_reason(case: Case) -> CaseCloseReason | None:
    # A closed case met its criteria unless it says otherwise: cases stored before the
    # reason was recorded read so, and the codec leaves the default out of the facts.
    return None if case.closed_on is None else CaseCloseReason.CRITERIA_MET


def _check_closed(opened: pendulum.Date, closed: pendulum.Date | None, what: str) -> None:
    if closed is not None and closed < opened:
        raise ValidationError(
            "closed_on", closed.isoformat(), f"{what} cannot close before it opens ({opened})"
        )


@keyword_errors
@attrs.frozen(kw_only=True, field_transformer=name_errors)
class Case:
    """A managed condition (专案): opened by a finding, closed (结案) by rule.

    Attributes:
        id: stable within the child: the condition and the opening date.
        condition: 低体重, 生长迟缓, 消瘦, 贫血, 佝偻病, 超重, 肥胖, 养育风险高 ….
        severity: as found when opened or last seen (``moderate``, ``severe``, ``mild`` …).
        opened_on, opened_by: the date and the encounter that opened it.
        closed_on, closed_by: the date and the encounter that closed it, if closed.
        close_reason: why it closed (``None`` while open): by its criteria (the default
            for a closed case), or because the child moved out or died (then
            ``closed_by`` is ``None``: no visit closed it). The child's life events
            decide the latter, see :class:`~yiyu.Child`.
        normal_since: the first check since which the closing criterion has held (a
            course that must continue, or consecutive normal checks), if any.
        course: the checks of the case, in date order, the opening one first.
    """

    condition: CategoryKind = attrs.field(converter=_condition)
    opened_on: pendulum.Date = attrs.field(converter=date_value)
    opened_by: str | None = attrs.field(default=None, converter=optional_key_text)
    severity: str | None = attrs.field(default=None, converter=optional_id_text)
    closed_on: pendulum.Date | None = attrs.field(default=None, converter=optional_date)
    closed_by: str | None = attrs.field(default=None, converter=optional_key_text)
    close_reason: CaseCloseReason | None = attrs.field(
        default=attrs.Factory(_default_close_reason, takes_self=True),
        converter=_optional_close_reason,
    )
    normal_since: pendulum.Date | None = attrs.field(default=None, converter=optional_date)
    normal_checks: int = attrs.field(default=0)
    course: tuple[CaseCheck, ...] = attrs.field(default=(), converter=_course)

    @normal_checks.validator
    def _check_normal_checks(self, _: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError("normal_checks", value, "a whole number, 0 or more")

    def __attrs_post_init__(self) -> None:
        _check_closed(self.opened_on, self.closed_on, "a case")
        if self.close_reason is None and self.closed_on is not None:
            # "Not said" on a closed case is the default (a row stored before the reason
            # was, ``attrs.evolve(case, closed_on=…)`` of an open case): set it once here.
            object.__setattr__(self, "close_reason", CaseCloseReason.CRITERIA_MET)
        if self.close_reason is not None and self.closed_on is None:
            raise ValidationError(
                "close_reason", self.close_reason.value, "an open case has no closing reason"
            )
        if self.closed_by_leaving and self.closed_by is not None:
            raise ValidationError(
                "closed_by",
                self.closed_by,
                "a case closed because the child left was closed by no visit",
            )
        days = [check.on for check in self.course]
        if days != sorted(days):
            raise ValidationError("course", [d.isoformat() for d in days], "checks in date order")
        if days and days[0] < self.opened_on:
            raise ValidationError(
                "course", days[0].isoformat(), f"a check before the case opened ({self.opened_on})"
            )

    def phases(self) -> tuple[tuple[pendulum.Date, RicketsStage], ...]:
        """When the recorded stage changed: (first day, stage), in date order."""
        changes: list[tuple[pendulum.Date, RicketsStage]] = []
        for check in self.course:
            if check.stage is not None and (not changes or changes[-1][1] is not check.stage):
                changes.append((check.on, check.stage))
        return tuple(changes)

    @property
    def id(self) -> str:
        return f"{self.condition.value}@{self.opened_on.isoformat()}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def closed_by_leaving(self) -> bool:
        """Closed because the child moved out or died (迁出/死亡), not by its criteria."""
        return self.close_reason is not None and self.close_reason.child_left

    def open_on(self, day: pendulum.Date) -> bool:
        return self.opened_on <= day and (self.closed_on is None or day < self.closed_on)

    def as_recorded(self) -> Case:
        """The case as the visits left it: a closing derived from the child's leaving
        taken back (it is derived again whenever the child is built)."""
        if not self.closed_by_leaving:
            return self
        return attrs.evolve(self, closed_on=None, close_reason=None)


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


@keyword_errors
@attrs.frozen(kw_only=True, field_transformer=name_errors)
class Referral:
    """A referral (转诊) opened by a positive screen, closed when its result is recorded."""

    kind: ReferralKind = attrs.field(converter=_referral_kind)
    opened_on: pendulum.Date = attrs.field(converter=date_value)
    reason: str = attrs.field(converter=free_text)
    to: str | None = attrs.field(default=None, converter=optional_name_text)
    opened_by: str | None = attrs.field(default=None, converter=optional_key_text)
    closed_on: pendulum.Date | None = attrs.field(default=None, converter=optional_date)
    result: str | None = attrs.field(default=None, converter=optional_free_text)

    def __attrs_post_init__(self) -> None:
        _check_closed(self.opened_on, self.closed_on, "a referral")

    @property
    def id(self) -> str:
        return f"{self.kind.value}@{self.opened_on.isoformat()}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


@keyword_errors
@attrs.frozen(kw_only=True, field_transformer=name_errors)
class Correction:
    """A daycare review item that failed and must be put right (整改), with its follow-up."""

    item: str = attrs.field(converter=id_text)
    opened_on: pendulum.Date = attrs.field(converter=date_value)
    note: str | None = attrs.field(default=None, converter=optional_free_text)
    opened_by: str | None = attrs.field(default=None, converter=optional_key_text)
    closed_on: pendulum.Date | None = attrs.field(default=None, converter=optional_date)

    def __attrs_post_init__(self) -> None:
        _check_closed(self.opened_on, self.closed_on, "a correction")

    @property
    def id(self) -> str:
        return f"{self.item}@{self.opened_on.isoformat()}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None
