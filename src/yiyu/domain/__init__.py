"""Domain values: children, daycares, enrolments, roles, skips. Frozen attrs, validated."""

from yiyu.domain.child import (
    Category,
    CategoryKind,
    Child,
    GestationalAge,
    LifeEvent,
    LifeEventKind,
    Sex,
)
from yiyu.domain.daycare import Daycare, Enrolment
from yiyu.domain.ids import ResidentId, parse_resident_id
from yiyu.domain.roles import Role, SkipReason

__all__ = [
    "Category",
    "CategoryKind",
    "Child",
    "Daycare",
    "Enrolment",
    "GestationalAge",
    "LifeEvent",
    "LifeEventKind",
    "ResidentId",
    "Role",
    "Sex",
    "SkipReason",
    "parse_resident_id",
]
