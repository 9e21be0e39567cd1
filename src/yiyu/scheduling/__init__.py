"""The scheduling engine: obligations from facts and protocol, and their status.

With the values built from them that the rest of the core takes: an obligation as
stored (:class:`StoredObligation`) and a work list's line (:class:`WorklistItem`).
"""

from yiyu.scheduling.ages import AssessmentAge, assessment_age, corrected_birth
from yiyu.scheduling.appointments import CalendarBasis, Suggestion, is_working_day, suggest_date
from yiyu.scheduling.engine import schedule
from yiyu.scheduling.holidays import HolidayCalendar, HolidayYear, parse_holiday_year
from yiyu.scheduling.obligation import Obligation, obligation_key
from yiyu.scheduling.status import Reschedule, Skip, Status, status, tracked_referral
from yiyu.scheduling.stored import StoredObligation
from yiyu.scheduling.worklist_item import (
    ListedSubject,
    WorklistItem,
    worklist_item,
    worklist_order,
)

__all__ = [
    "AssessmentAge",
    "CalendarBasis",
    "HolidayCalendar",
    "HolidayYear",
    "ListedSubject",
    "Obligation",
    "Reschedule",
    "Skip",
    "Status",
    "StoredObligation",
    "Suggestion",
    "WorklistItem",
    "assessment_age",
    "corrected_birth",
    "is_working_day",
    "obligation_key",
    "parse_holiday_year",
    "schedule",
    "status",
    "suggest_date",
    "tracked_referral",
    "worklist_item",
    "worklist_order",
]
