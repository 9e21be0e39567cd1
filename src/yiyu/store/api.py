"""The repository protocol: what the jobs need from a store, whatever the backend.

Two implementations keep to it: :class:`~yiyu.store.memory.MemoryRepository` (tests and
host software's own tests) and :class:`~yiyu.store.sql.SqlRepository` (SQLite, the
embedded default, and PostgreSQL in production). One contract test suite runs against
all three. Every method that writes is atomic: it either does all it says or nothing.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeAlias

import attrs
import pendulum

from yiyu.domain import Child, Daycare, Encounter, Enrolment
from yiyu.domain._convert import parse_enum
from yiyu.errors import ValidationError
from yiyu.protocol import SubjectKind
from yiyu.scheduling import (
    HolidayCalendar,
    HolidayYear,
    ListedSubject,
    Obligation,
    Reschedule,
    Skip,
)
from yiyu.scheduling.obligation import key_subject_kind
from yiyu.scheduling.status import tracks_another_record
from yiyu.scheduling.stored import StoredObligation  # the core's; still named here for hosts

__all__ = [
    "INTERRUPTED",
    "CurrentPlan",
    "Findings",
    "JobRun",
    "ObligationFilter",
    "PlanItem",
    "PlanState",
    "Repository",
    "SaveCounts",
    "StoredObligation",
    "SubjectRange",
    "SubjectRef",
    "acted_on_since",
    "child_range",
    "describe_error",
    "encounter_subject_kind",
    "may_be_to_do",
    "process_alive",
    "run_status",
    "this_process",
]


@attrs.frozen(kw_only=True)
class SaveCounts:
    """What a save did: rows created, changed, and given again unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: SaveCounts) -> SaveCounts:
        return SaveCounts(
            created=self.created + other.created,
            updated=self.updated + other.updated,
            unchanged=self.unchanged + other.unchanged,
        )


# A visit's findings as stored: each one's ``yiyu.codec.to_data``.
Findings: TypeAlias = Sequence[Mapping[str, Any]]


def _subject_kind(value: SubjectKind | str) -> SubjectKind:
    return parse_enum(SubjectKind, value, "kind")


@attrs.frozen(kw_only=True, order=True)
class SubjectRef:
    """A child or a daycare, by kind and id.

    ``kind`` may also be given by its value, ``"child"`` or ``"daycare"`` (as host
    software written for yiyu 0.1 does); it is always a :class:`SubjectKind`.
    """

    kind: SubjectKind = attrs.field(converter=_subject_kind, order=lambda kind: kind.value)
    id: str

    @classmethod
    def of(cls, subject: Child | Daycare) -> SubjectRef:
        """The reference of a child or a daycare."""
        kind = SubjectKind.CHILD if isinstance(subject, Child) else SubjectKind.DAYCARE
        return cls(kind=kind, id=subject.id)


def encounter_subject_kind(encounter: Encounter) -> SubjectKind:
    """The kind of subject a visit is for, as its obligation key names it; a visit with no
    obligation (an unscheduled one) names none and is taken for a child's, unless the
    caller says otherwise (``save_encounter(…, kind=…)``, as recording does)."""
    if encounter.obligation_key is None:
        return SubjectKind.CHILD
    return key_subject_kind(encounter.obligation_key)


@attrs.frozen(kw_only=True)
class PlanState:
    """What a subject was last planned from, so an incremental plan can skip it."""

    facts_hash: str
    protocol: str
    planned_until: pendulum.Date


@attrs.frozen(kw_only=True)
class CurrentPlan:
    """What a stored plan must be to be current (:meth:`Repository.subjects_to_plan`):
    made under this protocol label and reaching this day."""

    protocol_label: str
    planned_through: pendulum.Date


@attrs.frozen(kw_only=True)
class PlanItem:
    """One subject's fresh plan, to be saved with :meth:`Repository.save_plans`."""

    ref: SubjectRef
    obligations: Sequence[Obligation]
    state: PlanState
    township: str | None
    assignees: Mapping[str, str | None]
    subject_hash: str | None = None  # facts hash the plan was made from: stale if changed


@attrs.frozen(kw_only=True)
class SubjectRange:
    """The subjects of one kind whose ids run from ``first`` to ``last``, both included, in
    the store's order of ids (:meth:`Repository.subject_ids`): one batch of a job that
    walks every subject in bounded memory."""

    kind: SubjectKind = attrs.field(converter=_subject_kind)
    first: str
    last: str


@attrs.frozen(kw_only=True)
class ObligationFilter:
    """Which stored obligations to read. ``None`` means any."""

    subject: SubjectRef | None = None
    subjects: SubjectRange | None = None
    township: str | None = None
    assignee: str | None = None
    daycare_id: str | None = None
    role: str | None = None
    opens_by: pendulum.Date | None = None  # window opened on or before
    closes_from: pendulum.Date | None = None  # window closes on or after
    closes_by: pendulum.Date | None = None  # window closes on or before
    rules: tuple[str, ...] | None = None
    include_withdrawn: bool = False
    # Only what may still be to do on that day (:func:`may_be_to_do`): a work list's rows.
    to_do_on: pendulum.Date | None = None
    # A window closed before that day only if acted on since (:func:`acted_on_since`):
    # coverage counts such a window only through a visit or a skip recorded since.
    acted_since: pendulum.Date | None = None


def child_range(subjects: SubjectRange) -> SubjectRange:
    """``subjects``, checked to be a range of children (:meth:`Repository.children_in`).

    Raises:
        ValidationError: naming ``subjects``, if it is not a range of children.
    """
    if not isinstance(subjects, SubjectRange) or subjects.kind is not SubjectKind.CHILD:
        value = subjects.kind.value if isinstance(subjects, SubjectRange) else subjects
        raise ValidationError("subjects", value, "a range of children (SubjectRange)")
    return subjects


def acted_on_since(entry: StoredObligation, day: pendulum.Date) -> bool:
    """Whether ``entry``'s window closes on or after ``day``, or, closed before, it was
    acted on since: first visited or skipped on or after ``day``, or it tracks another
    record (a referral's tracking is done by the result, a date the store does not hold
    on the obligation). :attr:`ObligationFilter.acted_since` reads only these."""
    ob = entry.obligation
    return (
        ob.closes >= day
        or (entry.done_on is not None and entry.done_on >= day)
        or (entry.skip is not None and entry.skip.on >= day)
        or tracks_another_record(ob)
    )


def may_be_to_do(entry: StoredObligation, day: pendulum.Date) -> bool:
    """Whether ``entry`` may still be to do on ``day``: its window open, and neither
    cancelled, skipped nor visited by then. A visit does not complete an obligation whose
    occurrence names something else that may (a referral's tracking is done by its
    result; the occurrence of a referral, a case or an enrolment holds ``@``): those stay
    for :func:`yiyu.status` to judge. :attr:`ObligationFilter.to_do_on` reads only these;
    a work list is a subset of them."""
    ob = entry.obligation
    return (
        ob.opens <= day <= ob.closes
        and (ob.cancelled_on is None or ob.cancelled_on > day)
        and (entry.skip is None or entry.skip.on > day)
        and (entry.done_on is None or entry.done_on > day or tracks_another_record(ob))
    )


@attrs.frozen(kw_only=True)
class JobRun:
    """One run of a job, as recorded.

    ``status`` is as recorded (``running``, then ``succeeded``, ``partial`` or
    ``failed``), except that :meth:`Repository.runs` shows a run still recorded as
    running whose process is gone as ``interrupted`` (:func:`run_status`). ``pid`` and
    ``host`` say which process ran it (``None`` for runs recorded before yiyu kept them).
    """

    id: int
    job: str
    started_at: pendulum.DateTime
    finished_at: pendulum.DateTime | None
    status: str
    counts: Mapping[str, Any]
    error: str | None
    pid: int | None = None
    host: str | None = None


INTERRUPTED = "interrupted"


def this_process() -> tuple[int, str]:
    """The process id and host name a run started here records."""
    return os.getpid(), socket.gethostname()


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this host.

    A process id can be reused: a run whose process died may look alive if another
    process took its id since (it then shows as running, never wrongly interrupted).
    """
    if os.name == "nt":  # os.kill would terminate it: no harmless probe, assume alive
        return True
    try:
        os.kill(pid, 0)  # signal 0: nothing is sent, only whether it exists
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: another user's process, alive
        return True
    return True


def run_status(run: JobRun, *, host: str, alive: Callable[[int], bool] = process_alive) -> str:
    """The run's status as shown: ``interrupted`` if it is recorded as running but its
    process, on this ``host``, is gone (killed, the machine restarted); else as recorded.

    A run on another host cannot be probed from here and stays ``running``.
    """
    if run.status != "running" or run.pid is None or run.host != host:
        return run.status
    return run.status if alive(run.pid) else INTERRUPTED


_QUOTED = re.compile(r'"[^"]*"')


def describe_error(error: BaseException | str) -> str:
    """An error as a job run records it and the CLI prints it: its class and one line
    that holds no data.

    A database error's message is rebuilt from the driver's error rather than copied:
    SQLAlchemy appends the statement and its parameters, and PostgreSQL adds details
    ("Failing row contains (…)", "Key (resident_id)=(…)") that hold children's names and
    resident ids. What is kept names the table, column and constraint; a PostgreSQL data
    error (SQLSTATE class 22) quotes the offending value, so its quotes are emptied. Any
    other error keeps the first line of its message (a string is taken as such a message).
    """
    if isinstance(error, str):
        lines = error.strip().splitlines()
        return lines[0] if lines else ""
    name = type(error).__name__
    driver = getattr(error, "orig", None)  # SQLAlchemy's DBAPIError and StatementError
    if isinstance(driver, BaseException) and type(error).__module__.startswith("sqlalchemy"):
        name, error = f"{name} ({type(driver).__name__})", driver
    message = _message(error)
    return f"{name}: {message}" if message else name


def _message(error: BaseException) -> str:
    sqlstate = getattr(error, "sqlstate", None)
    diag = getattr(error, "diag", None)
    if isinstance(sqlstate, str) and diag is not None:  # psycopg: the message's parts
        message = str(getattr(diag, "message_primary", None) or "")
        if sqlstate.startswith("22"):
            message = _QUOTED.sub('"…"', message)
        where = [
            f"{label} {value}"
            for label, value in (
                ("table", getattr(diag, "table_name", None)),
                ("column", getattr(diag, "column_name", None)),
                ("constraint", getattr(diag, "constraint_name", None)),
            )
            if value
        ]
        return f"{message} [{', '.join(where)}]" if where else message
    # sqlite3 names the table and column, never a value; a connection error says where.
    lines = str(error).strip().splitlines()
    return lines[0] if lines else ""


class Repository(Protocol):
    """The store, as the jobs use it."""

    def transaction(self) -> AbstractContextManager[None]:
        """Group the calls made inside into one transaction (nesting joins the outer one).

        Outside a transaction, each writing call is its own.
        """
        ...

    def lock(self, ref: SubjectRef) -> None:
        """Inside a transaction: hold the subject's row lock until it ends, so what is
        read of it now is still true when it is written."""
        ...

    def lock_all_subjects(self) -> None:
        """Inside a transaction: wait until no other transaction is saving plans or has
        called this, and keep them waiting until this one ends.

        For a transaction that locks many subjects in an order of its own, batch by batch
        (an import, in the file's order): two of them, or one and a plan saving its batch
        in the order of ids, could each hold a subject the other waits for, and PostgreSQL
        would fail one whole (a deadlock). A recording locks one subject and does not
        wait. SQLite lets one writing transaction in at a time anyway.
        """
        ...

    def claim(self, key: str) -> AbstractContextManager[bool]:
        """Claim a piece of work named ``key`` for the block: ``True`` if this caller holds
        it until the block ends, ``False`` (at once, without waiting) if another holds it.

        How several plan workers and hosts share a run's batches without a coordinator: on
        PostgreSQL a session advisory lock every host sees (``yiyu.store.claims``); SQLite
        and the memory store keep claims within the process.
        """
        ...

    # --- subjects ---------------------------------------------------------------------
    def save_children(self, children: Sequence[Child]) -> SaveCounts:
        """Insert or update children (with their categories, events, cases, referrals)."""
        ...

    def save_daycares(self, daycares: Sequence[Daycare]) -> SaveCounts:
        """Insert or update daycares (with their corrections)."""
        ...

    def save_enrolments(self, enrolments: Sequence[Enrolment]) -> SaveCounts:
        """Insert or update enrolments; the child and the daycare must exist."""
        ...

    def ensure_townships(self, names: Iterable[str]) -> list[str]:
        """Make sure the townships exist; return those that were created."""
        ...

    def townships(self) -> list[str]: ...

    def get_child(self, child_id: str) -> Child | None: ...

    def get_daycare(self, daycare_id: str) -> Daycare | None: ...

    def get_children(self, ids: Sequence[str]) -> dict[str, Child]:
        """Many children at once (the ones that exist)."""
        ...

    def children_in(self, subjects: SubjectRange) -> dict[str, Child]:
        """Every child whose id is in the range (a page of :meth:`subject_ids`: the range
        is read at once, so a caller bounds it), in order of id. A job walking every
        child reads each page by its range rather than by its list of ids: the same
        rows, by one range of the tables' keys instead of a probe per id.

        Raises:
            ValidationError: naming ``subjects``, if it is a range of daycares.
        """
        ...

    def get_daycares(self, ids: Sequence[str]) -> dict[str, Daycare]: ...

    def listed(self, kind: SubjectKind, ids: Sequence[str]) -> dict[str, ListedSubject]:
        """What a work list needs of the subjects it names (those that exist): the name
        and a child's referrals, without reading the whole child."""
        ...

    def subjects(self) -> list[SubjectRef]:
        """Every child and daycare, sorted."""
        ...

    def subject_ids(self, kind: SubjectKind, *, after: str | None = None, limit: int) -> list[str]:
        """Up to ``limit`` ids of ``kind``'s subjects that come after ``after`` (from the
        first if ``None``), in the store's order of ids: one page of a walk over every
        subject that never holds them all (:class:`SubjectRange`)."""
        ...

    def subject_count(self) -> int:
        """How many children and daycares there are (``len(subjects())``, counted in the
        store: an incremental plan reports it without listing them)."""
        ...

    def changed_subjects(self, subjects: SubjectRange, *, since: pendulum.DateTime) -> list[str]:
        """The ids in ``subjects`` of which something was written after the instant
        ``since``, sorted: the subject's facts (its row and parts, as
        :meth:`subjects_to_plan` reads them), one of its obligations (planned, changed,
        withdrawn, skipped or rescheduled) or one of its visits. What an incremental
        export (``yiyu export fhir --since``) sends again."""
        ...

    # --- planning ---------------------------------------------------------------------
    def plan_states(self, refs: Sequence[SubjectRef]) -> dict[SubjectRef, PlanState]: ...

    def facts_hashes(self, refs: Sequence[SubjectRef]) -> dict[SubjectRef, str]:
        """The :func:`~yiyu.codec.facts_hash` of each subject's facts as they were last
        saved (of those that exist), kept with them: a plan reads it rather than hash
        every subject it read again (a sixteenth of a full plan's work in Python, #14).
        Every write of a subject's facts writes it anew."""
        ...

    def subjects_to_plan(
        self, current: CurrentPlan, *, after: SubjectRef | None = None, limit: int = 500
    ) -> list[SubjectRef]:
        """The subjects whose stored plan may be stale, sorted, at most ``limit`` of them
        after ``after`` (pass the last one of a page to read the next).

        A subject is listed if it has no plan state; if its facts were written after its
        plan was saved; if a daycare it is enrolled in was (its health instructor acts
        on the child's daycare obligations); if it was planned under another protocol
        label than ``current.protocol_label``; or if its plan ends before
        ``current.planned_through``.
        What is listed is a superset: a subject written again with the facts its plan
        already has is listed, and the plan job, comparing hashes, skips it.
        """
        ...

    def save_plan(
        self,
        ref: SubjectRef,
        obligations: Sequence[Obligation],
        state: PlanState,
        *,
        as_of: pendulum.Date,
        township: str | None,
        assignees: Mapping[str, str | None],
    ) -> SaveCounts:
        """Make the stored obligations of ``ref`` match the engine's, in one transaction.

        New keys are inserted; changed ones updated unless done or skipped (what was done
        keeps the protocol version it was done under); stored keys the engine no longer
        produces are withdrawn (unless done or skipped); the plan state is saved with
        them. ``assignees`` maps a role (or ``role@daycare_id``) to the clinician who
        acts for it.
        """
        ...

    def save_plans(self, items: Sequence[PlanItem], *, as_of: pendulum.Date) -> SaveCounts:
        """:meth:`save_plan` for many subjects in one transaction (the nightly job's path)."""
        ...

    def obligations(
        self, where: ObligationFilter, *, names: bool = False
    ) -> list[StoredObligation]:
        """The stored obligations ``where`` selects, in order of key, with the facts their
        status is derived from; with ``names``, each with its subject's name
        (:attr:`~yiyu.scheduling.StoredObligation.subject_name`), read in the same query."""
        ...

    def obligations_due(
        self,
        where: ObligationFilter,
        *,
        after: tuple[pendulum.Date, str] | None = None,
        limit: int,
        names: bool = False,
    ) -> list[StoredObligation]:
        """One page of what :meth:`obligations` reads, in order of due date and then key:
        the first ``limit`` after ``after`` (the due date and key of the previous page's
        last entry; ``None`` for the first page). A caller that reads a long list page by
        page holds one page, not the list (a province's work list, #14).

        Raises:
            ValidationError: naming ``limit``, if it is not 1 to 1,000,000.
        """
        ...

    # --- what happened ----------------------------------------------------------------
    def save_encounter(
        self, encounter: Encounter, findings: Findings, *, kind: SubjectKind | None = None
    ) -> bool:
        """Store an encounter; ``False`` if the same one was already stored.

        ``kind`` is the subject's (:func:`encounter_subject_kind` when ``None``).

        Raises:
            ValidationError: if another encounter with the same id was stored.
        """
        ...

    def encounters_on(self, day: pendulum.Date) -> list[Encounter]:
        """The encounters recorded for ``day`` (the visit's date), sorted by id."""
        ...

    def encounters_between(
        self, first: pendulum.Date, last: pendulum.Date, *, subjects: SubjectRange | None = None
    ) -> list[Encounter]:
        """The encounters dated ``first`` to ``last`` (inclusive), sorted by date and id:
        the visits coverage counts children seen and screens recorded by; only those of
        ``subjects`` if given."""
        ...

    def save_skip(self, key: str, skip: Skip) -> None: ...

    def save_reschedule(self, key: str, reschedule: Reschedule) -> None:
        """Move an obligation's appointment (the latest reschedule wins)."""
        ...

    # --- the operator's holiday years ------------------------------------------------
    def save_holiday_year(self, year: HolidayYear) -> SaveCounts:
        """Add a year's official holidays and 调休 working days, or replace that year's.

        One transaction: the stored year is either the old one or ``year``, never a mix.
        Returns ``created``, ``updated`` (replaced) or ``unchanged`` (the same again).
        """
        ...

    def holiday_calendar(self) -> HolidayCalendar:
        """Every stored holiday year, for :func:`yiyu.suggest_date`'s ``calendar``."""
        ...

    # --- job runs and audit -----------------------------------------------------------
    def start_run(self, job: str, *, parameters: Mapping[str, Any]) -> int:
        """Record that ``job`` starts, in this process (its id and host are kept)."""
        ...

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        counts: Mapping[str, Any],
        error: BaseException | str | None = None,
    ) -> None:
        """Record how a run ended; ``error`` is stored as :func:`describe_error` gives it
        (pass the exception itself: a message of one's own keeps its first line only)."""
        ...

    def runs(self, limit: int = 20) -> list[JobRun]:
        """The last runs, newest first; one whose process is gone is ``interrupted``."""
        ...

    def audit(self, actor: str, action: str, entity: str, entity_id: str, detail: Any) -> None: ...
