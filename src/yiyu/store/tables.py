"""SQLModel tables. Facts are stored; statuses are not (DESIGN rule 3).

Clinical dates are ``DATE`` columns; instants (``updated_at``, job runs, audit) are plain
``datetime`` fields, which SQLModel stores as aware UTC on every backend (a hand-written
``DateTime(timezone=True)`` would silently drop the offset on SQLite), except an
obligation's ``updated_at``: milliseconds since the epoch, for the million rows a plan
writes. Domain values never inherit from these classes: :mod:`yiyu.store.rows` maps
between the two.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, text
from sqlmodel import Field, SQLModel

__all__ = [
    "AuditRow",
    "CaseRow",
    "CategoryRow",
    "ChildRow",
    "CorrectionRow",
    "DaycareRow",
    "EncounterRow",
    "EnrolmentRow",
    "HolidayYearRow",
    "JobRunRow",
    "LifeEventRow",
    "ObligationContentRow",
    "ObligationRow",
    "PlanStateRow",
    "ReferralRow",
    "RescheduleRow",
    "SkipRow",
    "TownshipRow",
    "metadata",
]

metadata = SQLModel.metadata


def _json(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=nullable))


class TownshipRow(SQLModel, table=True):
    __tablename__ = "township"

    name: str = Field(primary_key=True)
    created_at: dt.datetime


class ChildRow(SQLModel, table=True):
    __tablename__ = "child"

    id: str = Field(primary_key=True)
    name: str
    sex: str
    birth_date: dt.date
    gestational_weeks: int | None = None
    gestational_days: int | None = None
    birth_weight_g: int | None = None
    discharge_date: dt.date | None = None
    resident_id: str | None = None
    township: str | None = Field(default=None, index=True)
    family_doctor: str | None = Field(default=None, index=True)
    registered_on: dt.date | None = None
    # Personal data, printed masked and never logged; not indexed: nothing looks it up.
    guardian_name: str | None = None
    guardian_phone: str | None = None
    facts_hash: str
    updated_at: dt.datetime


class CategoryRow(SQLModel, table=True):
    __tablename__ = "child_category"

    id: int | None = Field(default=None, primary_key=True)
    child_id: str = Field(foreign_key="child.id", index=True)
    kind: str
    start: dt.date | None = None
    end: dt.date | None = None
    reason: str | None = None


class LifeEventRow(SQLModel, table=True):
    __tablename__ = "life_event"

    id: int | None = Field(default=None, primary_key=True)
    child_id: str = Field(foreign_key="child.id", index=True)
    kind: str
    on: dt.date


class CaseRow(SQLModel, table=True):
    """A managed condition (专案): the table the health bureau counts open cases in."""

    __tablename__ = "care_case"

    child_id: str = Field(foreign_key="child.id", primary_key=True)
    condition: str = Field(primary_key=True)
    opened_on: dt.date = Field(primary_key=True)
    opened_by: str | None = None
    severity: str | None = None
    closed_on: dt.date | None = None
    closed_by: str | None = None
    # Why it closed (yiyu.CaseCloseReason: criteria_met, moved_out, deceased); NULL while
    # open. A case still open when the child left is stored closed, with the reason.
    close_reason: str | None = None
    normal_since: dt.date | None = None
    normal_checks: int = 0
    # The checks of the case (yiyu.CaseCheck as JSON): trend rules read them, and a case
    # is read and written whole, so a column beside the row is enough.
    course: list[dict[str, Any]] | None = _json(nullable=True)


class ReferralRow(SQLModel, table=True):
    __tablename__ = "referral"

    child_id: str = Field(foreign_key="child.id", primary_key=True)
    kind: str = Field(primary_key=True)
    opened_on: dt.date = Field(primary_key=True)
    reason: str
    to: str | None = None
    opened_by: str | None = None
    closed_on: dt.date | None = None
    result: str | None = None


class DaycareRow(SQLModel, table=True):
    __tablename__ = "daycare"

    id: str = Field(primary_key=True)
    name: str
    township: str | None = Field(default=None, index=True)
    capacity: int | None = None
    health_instructor: str | None = Field(default=None, index=True)
    opened_on: dt.date
    closed_on: dt.date | None = None
    facts_hash: str
    updated_at: dt.datetime


class CorrectionRow(SQLModel, table=True):
    __tablename__ = "daycare_correction"

    daycare_id: str = Field(foreign_key="daycare.id", primary_key=True)
    item: str = Field(primary_key=True)
    opened_on: dt.date = Field(primary_key=True)
    note: str | None = None
    opened_by: str | None = None
    closed_on: dt.date | None = None


class EnrolmentRow(SQLModel, table=True):
    __tablename__ = "enrolment"

    child_id: str = Field(foreign_key="child.id", primary_key=True)
    daycare_id: str = Field(foreign_key="daycare.id", primary_key=True, index=True)
    start: dt.date = Field(primary_key=True)
    end: dt.date | None = None


class PlanStateRow(SQLModel, table=True):
    """What each subject was last planned from (incremental planning)."""

    __tablename__ = "plan_state"

    subject_kind: str = Field(primary_key=True)
    subject_id: str = Field(primary_key=True)
    facts_hash: str
    protocol: str
    planned_until: dt.date
    planned_at: dt.datetime


class ObligationContentRow(SQLModel, table=True):
    """What an obligation asks, who acts for it and where its rule comes from (the
    protocol and its version), stored once per distinct content: the rows of one rule
    version share it, so an obligation row holds only what varies. Keyed by a digest of
    exactly these fields (yiyu.store.rows.content_digest),
    not by rule: a catch-up check carries the tests it missed, so one rule can have
    several contents. A row is never changed: new content is a new digest. The digest is
    a 63-bit integer: 8 bytes in every obligation row, where hex text would take 32."""

    __tablename__ = "obligation_content"

    digest: int = Field(
        primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False}
    )
    name: str
    contents: list[str] = _json()
    tests: list[str] = _json()
    checklist: str | None = None
    sources: list[str] = _json()
    evidence: str
    window_evidence: str
    # They change with the rule version, not per row (revision 0010 moved them here from
    # every obligation row: about 35 bytes a row in SQLite).
    protocol: str
    protocol_version: str
    role: str


def _partial(name: str, *columns: str) -> Index:
    """An index of the rows whose first column is set: a query that selects by it (``=``)
    uses it on SQLite and PostgreSQL, and the rows without it, most of them (a plan's
    obligations without an assignee, all but a daycare's), cost nothing in it."""
    where = text(f"{columns[0]} IS NOT NULL")
    return Index(name, *columns, sqlite_where=where, postgresql_where=where)


class ObligationRow(SQLModel, table=True):
    __tablename__ = "obligation"
    __table_args__ = (
        Index("ix_obligation_subject", "subject_kind", "subject_id"),
        Index("ix_obligation_township_due", "township", "due"),
        # Partial (revision 0011): about 30 bytes a row in SQLite for rows no query finds
        # by these columns.
        _partial("ix_obligation_assignee_due", "assignee", "due"),
        _partial("ix_obligation_daycare_id", "daycare_id"),
    )

    key: str = Field(primary_key=True)
    subject_kind: str
    subject_id: str
    rule: str  # not indexed: nothing selects by rule alone (revision 0009)
    occurrence: str | None = None
    variant: str | None = None
    opens: dt.date
    due: dt.date  # indexed with the township and with the assignee, not alone
    closes: dt.date
    daycare_id: str | None = None  # indexed where set (the partial index above)
    township: str | None = None
    assignee: str | None = None
    # The digest of its ObligationContentRow (name, contents, tests, checklist, sources,
    # evidence, protocol and version, role).
    content: int = Field(sa_type=BigInteger, foreign_key="obligation_content.digest")
    catch_up: bool = False
    cancelled_on: dt.date | None = None
    cancel_reason: str | None = None
    withdrawn_on: dt.date | None = None
    # When the row last changed (what an incremental export reads), in milliseconds since
    # 1970-01-01 UTC (yiyu.store.rows.instant_ms): 6 bytes in SQLite, where the text of a
    # datetime takes 26 (revision 0010).
    updated_at: int = Field(sa_type=BigInteger)


class EncounterRow(SQLModel, table=True):
    __tablename__ = "encounter"

    id: str = Field(primary_key=True)
    subject_kind: str
    subject_id: str = Field(index=True)
    on: dt.date = Field(index=True)
    obligation_key: str | None = Field(default=None, index=True)
    role: str
    performer: str | None = None
    data: dict[str, Any] = _json()
    findings: list[dict[str, Any]] = _json()
    recorded_at: dt.datetime


class SkipRow(SQLModel, table=True):
    __tablename__ = "skip"

    obligation_key: str = Field(foreign_key="obligation.key", primary_key=True)
    on: dt.date
    reason: str
    note: str | None = None


class RescheduleRow(SQLModel, table=True):
    __tablename__ = "reschedule"

    obligation_key: str = Field(foreign_key="obligation.key", primary_key=True)
    to: dt.date
    reason: str
    note: str | None = None


class HolidayYearRow(SQLModel, table=True):
    """A year's official holidays and 调休 working days as the operator entered them.

    One row per year, the dates as JSON lists of ISO dates: replacing a year is one row
    written, never a mix of the old and the new dates.
    """

    __tablename__ = "holiday_year"

    # The year is the key, given by the operator: never a generated sequence.
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    source: str
    note: str | None = None
    holidays: list[str] = _json()
    workdays: list[str] = _json()
    added_at: dt.datetime


class JobRunRow(SQLModel, table=True):
    __tablename__ = "job_run"

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(index=True)
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    status: str
    counts: dict[str, Any] = _json()
    error: str | None = None
    # Which process runs it (facts): a run left "running" by a process that is gone is
    # shown as interrupted (a state, derived when read: yiyu.store.api.run_status).
    pid: int | None = None
    host: str | None = None


class AuditRow(SQLModel, table=True):
    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime
    actor: str
    action: str
    entity: str = Field(index=True)
    entity_id: str = Field(index=True)
    detail: dict[str, Any] | None = _json(nullable=True)
