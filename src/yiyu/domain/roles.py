"""Who must act on an obligation, and the reasons an obligation may be skipped."""

from __future__ import annotations

import enum

__all__ = ["Role", "SkipReason"]


class Role(enum.Enum):
    """The professional an obligation falls to."""

    CHILD_HEALTH_DOCTOR = "child_health_doctor"
    FAMILY_DOCTOR = "family_doctor"
    HEALTH_INSTRUCTOR = "health_instructor"

    @property
    def label_zh(self) -> str:
        return {
            Role.CHILD_HEALTH_DOCTOR: "儿保医生",
            Role.FAMILY_DOCTOR: "签约家庭医生",
            Role.HEALTH_INSTRUCTOR: "健康指导员",
        }[self]


class SkipReason(enum.Enum):
    """Why an obligation was deliberately not done (reason codes for skips)."""

    FAMILY_REFUSED = "family_refused"
    CHILD_ILL = "child_ill"
    TEMPORARILY_AWAY = "temporarily_away"
    DONE_ELSEWHERE = "done_elsewhere"
    NOT_APPLICABLE = "not_applicable"
    OTHER = "other"

    @property
    def label_zh(self) -> str:
        return {
            SkipReason.FAMILY_REFUSED: "家长拒绝",
            SkipReason.CHILD_ILL: "儿童患病",
            SkipReason.TEMPORARILY_AWAY: "暂时外出",
            SkipReason.DONE_ELSEWHERE: "已在他处完成",
            SkipReason.NOT_APPLICABLE: "不适用",
            SkipReason.OTHER: "其他",
        }[self]
