"""The scheduling engine: obligations from facts and protocol, and their status."""

from yiyu.scheduling.ages import AssessmentAge, assessment_age, corrected_birth
from yiyu.scheduling.appointments import CalendarBasis, Suggestion, is_working_day, suggest_date
from yiyu.scheduling.engine import schedule
from yiyu.scheduling.holidays import HolidayCalendar, HolidayYear, parse_holiday_year
from yiyu.scheduling.obligation import Obligation, obligation_key
from yiyu.scheduling.status import Reschedule, Skip, Status, status, tracked_referral

__all__ = [
    "AssessmentAge",
    "CalendarBasis",
    "HolidayCalendar",
    "HolidayYear",
    "Obligation",
    "Reschedule",
    "Skip",
    "Status",
    "Suggestion",
    "assessment_age",
    "corrected_birth",
    "is_working_day",
    "obligation_key",
    "parse_holiday_year",
    "schedule",
    "status",
    "suggest_date",
    "tracked_referral",
]
