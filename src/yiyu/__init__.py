"""yiyu 医育: pediatric health management after China's national standards.

The public API. Everything here is pure and cheap to import: the store, the PDF
renderer and the command line live in submodules that are imported only when used.
"""

from yiyu.dates import (
    TIMEZONE,
    Period,
    PeriodKind,
    add_months,
    age_in_days,
    age_in_months,
    local_today,
    to_date,
)
from yiyu.domain import (
    Category,
    CategoryKind,
    Child,
    Daycare,
    Enrolment,
    GestationalAge,
    LifeEvent,
    LifeEventKind,
    ResidentId,
    Role,
    Sex,
    SkipReason,
    parse_resident_id,
)
from yiyu.errors import ProtocolError, ValidationError, YiyuError
from yiyu.protocol import (
    Anchor,
    Evidence,
    Protocol,
    Rule,
    ScheduleKind,
    SubjectKind,
    load_protocol,
    load_protocol_files,
)
from yiyu.scheduling import (
    CalendarBasis,
    Obligation,
    Skip,
    Status,
    Suggestion,
    corrected_birth,
    is_working_day,
    obligation_key,
    schedule,
    status,
    suggest_date,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "TIMEZONE",
    "Anchor",
    "CalendarBasis",
    "Category",
    "CategoryKind",
    "Child",
    "Daycare",
    "Enrolment",
    "Evidence",
    "GestationalAge",
    "LifeEvent",
    "LifeEventKind",
    "Obligation",
    "Period",
    "PeriodKind",
    "Protocol",
    "ProtocolError",
    "ResidentId",
    "Role",
    "Rule",
    "ScheduleKind",
    "Sex",
    "Skip",
    "SkipReason",
    "Status",
    "SubjectKind",
    "Suggestion",
    "ValidationError",
    "YiyuError",
    "__version__",
    "add_months",
    "age_in_days",
    "age_in_months",
    "corrected_birth",
    "is_working_day",
    "load_protocol",
    "load_protocol_files",
    "local_today",
    "obligation_key",
    "parse_resident_id",
    "schedule",
    "status",
    "suggest_date",
    "to_date",
]
