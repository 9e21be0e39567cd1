"""Domain values: children, daycares, enrolments, roles, skips. Frozen attrs, validated."""

from yiyu.domain.care import (
    Case,
    CaseCheck,
    CaseCloseReason,
    Correction,
    Referral,
    ReferralKind,
    RicketsCheck,
    RicketsSigns,
    RicketsStage,
)
from yiyu.domain.categories import Category, CategoryKind
from yiyu.domain.child import (
    Child,
    GestationalAge,
    LifeEvent,
    LifeEventKind,
    Sex,
)
from yiyu.domain.daycare import Daycare, Enrolment
from yiyu.domain.encounter import Encounter, Measurements
from yiyu.domain.ids import ResidentId, parse_resident_id
from yiyu.domain.roles import Role, SkipReason

__all__ = [
    "Case",
    "CaseCheck",
    "CaseCloseReason",
    "Category",
    "CategoryKind",
    "Child",
    "Correction",
    "Daycare",
    "Encounter",
    "Enrolment",
    "GestationalAge",
    "LifeEvent",
    "LifeEventKind",
    "Measurements",
    "Referral",
    "ReferralKind",
    "ResidentId",
    "RicketsCheck",
    "RicketsSigns",
    "RicketsStage",
    "Role",
    "Sex",
    "SkipReason",
    "parse_resident_id",
]
