"""The SQL store: SQLite (the embedded default) and PostgreSQL, through SQLModel.

Every writing method is one transaction unless called inside :meth:`transaction`, which
groups them. Planning a subject locks its row first (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite has one writer anyway), so two plan jobs on one database serialise
on a subject instead of duplicating or deadlocking: each locks one subject at a time.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any

import attrs
import pendulum
from sqlalchemy import (
    Engine,
    String,
    Table,
    any_,
    bindparam,
    delete,
    exists,
    func,
    literal_column,
    null,
    or_,
    text,
    tuple_,
    union,
    update,
)
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from yiyu.codec import encounter_data, encounter_fields, encounter_from_data
from yiyu.dates import to_date
from yiyu.domain import Child, Daycare, Encounter, Enrolment
from yiyu.domain._convert import parse_enum, whole_number
from yiyu.domain._trusted import trusted_maker
from yiyu.errors import ValidationError
from yiyu.protocol import SubjectKind
from yiyu.scheduling import (
    HolidayCalendar,
    HolidayYear,
    ListedSubject,
    Obligation,
    Reschedule,
    Skip,
    StoredObligation,
)
from yiyu.store import claims, statistics
from yiyu.store.api import (
    CurrentPlan,
    Findings,
    JobRun,
    ObligationFilter,
    PlanItem,
    PlanState,
    SaveCounts,
    SubjectRange,
    SubjectRef,
    child_range,
    describe_error,
    encounter_subject_kind,
    run_status,
    this_process,
)
from yiyu.store.database import bulk_cache
from yiyu.store.reconcile import Reconciliation, StoredState, assignee_of, reconcile
from yiyu.store.rows import (
    CHILD_COLUMNS,
    OBLIGATION_COLUMNS,
    ObligationContent,
    PlannedRows,
    child_from_rows,
    child_from_values,
    child_rows,
    content_from_row,
    content_values,
    daycare_from_rows,
    daycare_rows,
    holiday_year_from_row,
    holiday_year_row,
    instant_ms,
    obligation_from_row,
    obligation_from_values,
    obligation_tuple,
    obligation_values,
    plain_date,
    planned_content,
    referrals_from_rows,
    remembered_days,
    stored_day,
)
from yiyu.store.tables import (
    AuditRow,
    CaseRow,
    CategoryRow,
    ChildRow,
    CorrectionRow,
    DaycareRow,
    EncounterRow,
    EnrolmentRow,
    HolidayYearRow,
    JobRunRow,
    LifeEventRow,
    ObligationContentRow,
    ObligationRow,
    PlanStateRow,
    ReferralRow,
    RescheduleRow,
    SkipRow,
    TownshipRow,
    metadata,
)

__all__ = ["SqlRepository"]

_CHILD_PARTS: tuple[type[Any], ...] = (
    CategoryRow,
    LifeEventRow,
    EnrolmentRow,
    CaseRow,
    ReferralRow,
)


_OBLIGATION_TABLE: Table = metadata.tables[ObligationRow.__tablename__]
_CONTENT_TABLE: Table = metadata.tables[ObligationContentRow.__tablename__]
_PLAN_STATE_TABLE: Table = metadata.tables[PlanStateRow.__tablename__]
_PLAN_STATE_COLUMNS = ("subject_kind", "subject_id", "facts_hash", "protocol", "planned_until",
                       "planned_at")  # fmt: skip
_TOWNSHIP_TABLE: Table = metadata.tables[TownshipRow.__tablename__]
_CHILD_TABLE: Table = metadata.tables[ChildRow.__tablename__]
_CHILD_COLUMNS = tuple(_CHILD_TABLE.c[name] for name in CHILD_COLUMNS)
_CHILD_PART_TABLES: tuple[Table, ...] = tuple(
    metadata.tables[table.__tablename__] for table in _CHILD_PARTS
)
_DAYCARE_TABLE: Table = metadata.tables[DaycareRow.__tablename__]
_HOLIDAY_TABLE: Table = metadata.tables[HolidayYearRow.__tablename__]
_ENROLMENT_TABLE: Table = metadata.tables[EnrolmentRow.__tablename__]
_SKIP_TABLE: Table = metadata.tables[SkipRow.__tablename__]
_RESCHEDULE_TABLE: Table = metadata.tables[RescheduleRow.__tablename__]


_CHUNK = 500  # ids per IN list and per locked batch
# Children read a query at a time (a yiyu default): the ids are one bound parameter
# whatever their number (_among), so the chunk only bounds the rows held at once. A batch
# of coverage (5,000 children) in chunks of 500 made 60 queries, whose overhead was a
# third of reading it.
_READ_CHUNK = 5_000
_key = operator.attrgetter("key")
# An obligation read, made without its checks and by position, in this order (see
# yiyu.store.rows.obligation_from_values).
_stored_entry = trusted_maker(
    StoredObligation,
    ("obligation", "township", "assignee", "done_on", "skip", "withdrawn_on", "rescheduled",
     "subject_name"),
)  # fmt: skip
_WRITTEN = "yiyu_contents_written"  # session.info: contents this transaction inserted
_ROWS = "yiyu_rows_written"  # session.info: rows written, by statistics.TABLE_GROUPS group

# The table of each kind of subject: the rows plans lock and re-read.
_SUBJECT_TABLES: Mapping[SubjectKind, type[ChildRow] | type[DaycareRow]] = {
    SubjectKind.CHILD: ChildRow,
    SubjectKind.DAYCARE: DaycareRow,
}


# A page of a list in order of due date, on PostgreSQL: its settings for the page's own
# transaction. The planner prices a page by the whole township's rows after the previous
# page (it cannot know where the page ends, and it underrates how many windows are open
# on a day, opens and closes being priced as if unrelated): so it read all of them by a
# bitmap of the index, sorted them and kept the first page: every page read the rest of
# the list, and a list of n pages cost about n²/2 pages (at 100,000 children a page of
# 2,000 read 18,000 rows and took 0.14 s where reading the index in due order, stopping
# at the page's end, takes 0.025 s). Without bitmap scans it reads the township's index
# in due order and stops. Above the cost at which PostgreSQL compiles a query (JIT, on by
# default), the compiling took 0.6 s of a 0.8 s first page: off too. One round trip.
_PAGE_SETTINGS = text(
    "SELECT set_config('enable_bitmapscan', 'off', true), set_config('jit', 'off', true)"
)


def _tracks_another_record() -> Any:
    """:func:`~yiyu.scheduling.status.tracks_another_record` as a condition on
    ``obligation``: its occurrence names another record (``@``)."""
    return col(ObligationRow.occurrence).contains("@")


def _to_do(day: dt.date) -> list[Any]:
    """:func:`~yiyu.store.api.may_be_to_do` as conditions on ``obligation``: the store
    drops what is done, skipped or cancelled, so a work list reads only what it may list."""
    o, e, s = ObligationRow, EncounterRow, SkipRow
    visited = exists().where(col(e.obligation_key) == o.key, col(e.on) <= day).correlate(o)
    return [
        col(o.opens) <= day,
        col(o.closes) >= day,
        or_(col(o.cancelled_on).is_(None), col(o.cancelled_on) > day),
        or_(col(s.on).is_(None), col(s.on) > day),  # the skip joined to every row read
        or_(~visited, _tracks_another_record()),
    ]


def _acted_since(day: dt.date, done_on: Any) -> Any:
    """:func:`~yiyu.store.api.acted_on_since` as a condition on ``obligation`` (with the
    skip joined and ``done_on``, the first visit's date, as selected)."""
    o, s = ObligationRow, SkipRow
    return or_(
        col(o.closes) >= day,
        done_on >= day,
        col(s.on) >= day,
        _tracks_another_record(),
    )


def _in_range(subjects: SubjectRange, kind: Any, subject_id: Any) -> list[Any]:
    """The conditions of a :class:`SubjectRange`, in the database's own order of ids: the
    order :meth:`SqlRepository.subject_ids` pages by, so a range holds exactly its page."""
    return [
        col(kind) == subjects.kind.value,
        col(subject_id) >= subjects.first,
        col(subject_id) <= subjects.last,
    ]


_SUBJECT_CORE: Mapping[SubjectKind, Table] = {
    SubjectKind.CHILD: _CHILD_TABLE,
    SubjectKind.DAYCARE: _DAYCARE_TABLE,
}


def _dialect_insert(engine: Engine, table: Table) -> Any:
    """The backend's own INSERT, which has ``on_conflict_do_nothing``."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    if engine.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)
    raise ValidationError("database_url", engine.dialect.name, "expected SQLite or PostgreSQL")


def _values(row: Any, table: Table) -> dict[str, Any]:
    """A model row's columns, for a Core insert."""
    return {column.name: getattr(row, column.name) for column in table.columns}


def _stored_hash(session: Session, model: type[ChildRow | DaycareRow], key: str) -> str | None:
    """The facts hash stored for a subject, as committed now."""
    return session.exec(select(model.facts_hash).where(col(model.id) == key)).first()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _stale_plans(kind: SubjectKind, current: CurrentPlan) -> Any:
    """The ids of the subjects of ``kind`` with no current plan: no plan state that is
    under the protocol label, reaches the day and was saved after the subject's facts were
    written (every write of a child's or a daycare's facts, its parts included, writes
    its row's ``updated_at``), nor, for a child, after any daycare it is enrolled in.

    Read along the primary keys (the subject's, plan_state's and enrolment's): no index of
    its own.
    """
    subject = _SUBJECT_CORE[kind]
    state, enrolment, daycare = _PLAN_STATE_TABLE, _ENROLMENT_TABLE, _DAYCARE_TABLE
    fresh = [
        state.c.subject_kind == kind.value,
        state.c.subject_id == subject.c.id,
        state.c.protocol == current.protocol_label,
        state.c.planned_until >= plain_date(current.planned_through),
        state.c.planned_at > subject.c.updated_at,
    ]
    if kind is SubjectKind.CHILD:
        # From the child's enrolments (most children have none) to each daycare by its
        # key: never a scan of the daycares for every child.
        written = exists().where(
            daycare.c.id == enrolment.c.daycare_id, daycare.c.updated_at >= state.c.planned_at
        )
        fresh.append(
            ~exists()
            .where(enrolment.c.child_id == subject.c.id, written.correlate(enrolment, state))
            .correlate(subject, state)  # both enclosing queries' (SQLAlchemy: only the next)
        )
    return core_select(subject.c.id).where(~exists().where(*fresh))


def _among(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """``column IN values``. On PostgreSQL as ``column = ANY(array)``, one bound parameter:
    an IN list of 500 ids is 500 parameters, each rendered with its cast by SQLAlchemy,
    and a query text too long for psycopg's cache, parsed again each time (reading a
    quarter's coverage at 100,000 children ran 1,200 such queries, 600,000 parameters:
    more than half its time). On SQLite as ``column IN (SELECT value FROM
    json_each(?))``, one JSON text, for the same reason: SQLAlchemy's rendering of the
    list's 500 parameters was a third of reading a batch of children."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    listed = func.json_each(bindparam(None, json.dumps(list(values)), type_=String))
    return column.in_(core_select(literal_column("value")).select_from(listed))


def _count_rows(session: Session, group: str, rows: int) -> None:
    """Count rows written to a group of tables (:data:`statistics.TABLE_GROUPS`), for the
    statistics kept once the transaction commits."""
    written: dict[str, int] = session.info.setdefault(_ROWS, {})
    written[group] = written.get(group, 0) + rows


def _iso_day(value: dt.date) -> str:
    """A date as SQLAlchemy stores it in SQLite (``YYYY-MM-DD``)."""
    return value.isoformat()


_SQLITE_DAY = remembered_days(_iso_day)
_DRIVER_DAY = remembered_days(plain_date)


def _read_children(session: Session, among: Callable[[Any], Any]) -> dict[str, Child]:
    """The children whose id ``among`` selects (a condition on a column of ids), in
    order of id, each with its parts."""
    connection = session.connection()
    # Plain rows, not model instances (as obligations are read): coverage reads every
    # child of a province, and the ORM's objects were a fifth of it.
    rows = connection.execute(
        core_select(*_CHILD_COLUMNS).where(among(_CHILD_TABLE.c.id)).order_by(_CHILD_TABLE.c.id)
    ).all()
    parts: list[dict[str, list[Any]]] = []
    for table in _CHILD_PART_TABLES:
        grouped: dict[str, list[Any]] = {}
        for part in connection.execute(core_select(table).where(among(table.c.child_id))):
            grouped.setdefault(part.child_id, []).append(part)
        parts.append(grouped)
    return {
        values[0]: child_from_values(values, *[of_child.get(values[0], ()) for of_child in parts])
        for values in rows
    }


class SqlRepository:
    """A :class:`~yiyu.store.api.Repository` on an SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # The open transaction's session, per thread (and per asyncio task): host
        # software may share one repository between request handlers.
        self._session: ContextVar[Session | None] = ContextVar(
            f"yiyu_session_{id(self)}", default=None
        )
        # Obligation contents by digest. A digest names one content for good, so what
        # was read once is right for as long as the process runs; ``_committed`` holds
        # the digests known to be stored (written by a committed transaction or read),
        # so a plan writes each of its few hundred contents once, not per obligation.
        self._contents: dict[int, ObligationContent] = {}
        self._committed: set[int] = set()
        self._statistics = statistics.Statistics()

    # --- transactions -----------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._session.get() is not None:
            yield
            return
        with Session(self.engine, expire_on_commit=False) as session:
            token = self._session.set(session)
            try:
                with session.begin():
                    yield
            finally:
                self._session.reset(token)
            # Committed: the contents this transaction wrote are stored (a rolled-back
            # one never gets here, and its contents are written again next time).
            self._committed.update(session.info.get(_WRITTEN, ()))
            # A bulk job's tables analyzed as they grow, where autovacuum is off.
            self._statistics.committed(self.engine, session.info.get(_ROWS, {}))

    def in_transaction(self) -> bool:
        """Whether this thread (or asyncio task) is inside :meth:`transaction`: what it
        writes now is part of that transaction, committed or rolled back with it."""
        return self._session.get() is not None

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self.transaction():
            session = self._session.get()
            assert session is not None
            yield session

    def lock(self, ref: SubjectRef) -> None:
        with self._tx() as session:
            table = _SUBJECT_TABLES[ref.kind]
            session.exec(select(table.id).where(col(table.id) == ref.id).with_for_update()).all()

    def lock_all_subjects(self) -> None:
        with self._tx() as session:
            claims.take_turn(session.connection(), claims.SUBJECT_WRITES, alone=True)

    def claim(self, key: str) -> AbstractContextManager[bool]:
        return claims.claim(self.engine, key)

    # --- subjects ---------------------------------------------------------------------

    def save_children(self, children: Sequence[Child]) -> SaveCounts:
        with self._tx() as session:
            counts = SaveCounts()
            self.ensure_townships(c.township for c in children if c.township)
            # One order for every writer (plans lock in id order too): no deadlocks.
            children = sorted({c.id: c for c in children}.values(), key=lambda c: c.id)
            ids = [c.id for c in children]
            hashes: dict[str, str] = {}
            for start in range(0, len(ids), _CHUNK):  # bounded IN lists (PostgreSQL: 65535)
                hashes.update(
                    session.exec(
                        select(ChildRow.id, ChildRow.facts_hash)
                        .where(_among(session, col(ChildRow.id), ids[start : start + _CHUNK]))
                        .order_by(ChildRow.id)
                        .with_for_update()
                    ).all()
                )
            # The time of the write, read once the rows are locked: a plan saved before
            # (it held the lock) has an earlier planned_at, so the next incremental plan
            # finds this child written after it.
            now = _now()
            new: list[tuple[Child, ChildRow, tuple[list[Any], ...]]] = []
            for child in children:
                row, categories, events, enrolments, cases, referrals = child_rows(child, now)
                parts: tuple[list[Any], ...] = (categories, events, enrolments, cases, referrals)
                old = hashes.get(child.id)
                if old == row.facts_hash:
                    counts += SaveCounts(unchanged=1)
                elif old is None:
                    new.append((child, row, parts))
                else:
                    self._replace_child(session, row, parts)
                    counts += SaveCounts(updated=1)
            # New children in multi-row inserts that skip an id another import stored
            # meanwhile (ON CONFLICT waits for it to commit): two imports of one new file
            # at once both succeed.
            inserted: set[str] = set()
            for start in range(0, len(new), _CHUNK):
                chunk = [_values(row, _CHILD_TABLE) for _, row, _ in new[start : start + _CHUNK]]
                inserted.update(self._insert_new(session, _CHILD_TABLE, chunk, key="id"))
            for child, row, parts in new:
                if child.id in inserted:
                    for group in parts:
                        session.add_all(group)
                    counts += SaveCounts(created=1)
                elif _stored_hash(session, ChildRow, child.id) == row.facts_hash:
                    counts += SaveCounts(unchanged=1)  # stored meanwhile, the same
                else:
                    self._replace_child(session, row, parts)
                    counts += SaveCounts(updated=1)
            session.flush()
            _count_rows(session, "child", counts.created + counts.updated)
            return counts

    def _replace_child(self, session: Session, row: ChildRow, parts: Sequence[list[Any]]) -> None:
        """Write a stored child's row and replace its parts (categories, events …)."""
        session.merge(row)
        for table in _CHILD_PARTS:
            session.execute(delete(table).where(table.child_id == row.id))
        session.flush()
        for group in parts:
            session.add_all(group)

    def save_daycares(self, daycares: Sequence[Daycare]) -> SaveCounts:
        with self._tx() as session:
            counts = SaveCounts()
            self.ensure_townships(d.township for d in daycares if d.township)
            for daycare in daycares:
                old = session.get(DaycareRow, daycare.id, with_for_update=True)
                row, corrections = daycare_rows(daycare, _now())  # locked first: as children
                if old is not None and old.facts_hash == row.facts_hash:
                    counts += SaveCounts(unchanged=1)
                    continue
                if old is None and self._insert_new(
                    session, _DAYCARE_TABLE, [_values(row, _DAYCARE_TABLE)], key="id"
                ):
                    counts += SaveCounts(created=1)
                elif old is None and _stored_hash(session, DaycareRow, daycare.id) == (
                    row.facts_hash
                ):
                    counts += SaveCounts(unchanged=1)  # stored meanwhile by another import
                    continue
                else:
                    session.merge(row)
                    session.execute(
                        delete(CorrectionRow).where(col(CorrectionRow.daycare_id) == daycare.id)
                    )
                    counts += SaveCounts(updated=1)
                session.flush()
                session.add_all(corrections)
            session.flush()
            return counts

    def save_enrolments(self, enrolments: Sequence[Enrolment]) -> SaveCounts:
        with self._tx():
            counts = SaveCounts()
            by_child: dict[str, list[Enrolment]] = {}
            for enrolment in enrolments:
                by_child.setdefault(enrolment.child_id, []).append(enrolment)
            for child_id, group in sorted(by_child.items()):
                child = self.get_child(child_id)
                if child is None:
                    raise ValidationError("child_id", child_id, "no such child")
                existing = {e.id: e for e in child.enrolments}
                for enrolment in group:
                    if self.get_daycare(enrolment.daycare_id) is None:
                        raise ValidationError("daycare_id", enrolment.daycare_id, "no such daycare")
                    old = existing.get(enrolment.id)
                    if old is None:
                        counts += SaveCounts(created=1)
                    elif old == enrolment:
                        counts += SaveCounts(unchanged=1)
                    else:
                        counts += SaveCounts(updated=1)
                    existing[enrolment.id] = enrolment
                updated = attrs.evolve(child, enrolments=tuple(existing.values()))
                if updated != child:
                    self.save_children([updated])
            return counts

    def ensure_townships(self, names: Iterable[str]) -> list[str]:
        with self._tx() as session:
            wanted = sorted({n for n in names if n})  # one order: two imports never deadlock
            created: list[str] = []
            now = _now()
            for start in range(0, len(wanted), _CHUNK):
                # Not read-then-insert: two imports naming the same new township at once
                # would both insert it, and one would fail whole. A concurrent insert of
                # the same name waits for the other transaction and then does nothing.
                created += self._insert_new(
                    session,
                    _TOWNSHIP_TABLE,
                    [{"name": n, "created_at": now} for n in wanted[start : start + _CHUNK]],
                    key="name",
                )
            return sorted(created)

    def _insert_new(
        self, session: Session, table: Table, rows: list[dict[str, Any]], *, key: str
    ) -> list[Any]:
        """Insert the rows whose ``key`` is not stored yet (``ON CONFLICT DO NOTHING``);
        return the keys inserted."""
        if not rows:
            return []
        statement = _dialect_insert(self.engine, table).values(rows)
        inserted = statement.on_conflict_do_nothing(index_elements=[key]).returning(table.c[key])
        return list(session.execute(inserted).scalars())

    def townships(self) -> list[str]:
        with self._tx() as session:
            return list(session.exec(select(TownshipRow.name).order_by(TownshipRow.name)).all())

    def get_child(self, child_id: str) -> Child | None:
        with self._tx() as session:
            row = session.get(ChildRow, child_id)
            if row is None:
                return None
            parts = [
                list(session.exec(select(table).where(table.child_id == child_id)).all())
                for table in _CHILD_PARTS
            ]
            return child_from_rows(row, *parts)

    def get_children(self, ids: Sequence[str]) -> dict[str, Child]:
        with self._tx() as session:
            result: dict[str, Child] = {}
            for start in range(0, len(ids), _READ_CHUNK):
                among = functools.partial(_among, session, values=ids[start : start + _READ_CHUNK])
                result.update(_read_children(session, among))
            return result

    def children_in(self, subjects: SubjectRange) -> dict[str, Child]:
        subjects = child_range(subjects)
        with self._tx() as session:
            # A range of each table's key (the child's id, or the part's child_id index):
            # about half the time of the same rows by a list of 5,000 ids (#14).
            return _read_children(
                session, lambda column: column.between(subjects.first, subjects.last)
            )

    def get_daycares(self, ids: Sequence[str]) -> dict[str, Daycare]:
        with self._tx() as session:
            result: dict[str, Daycare] = {}
            for start in range(0, len(ids), _CHUNK):
                chunk = list(ids[start : start + _CHUNK])
                rows = session.exec(
                    select(DaycareRow).where(_among(session, col(DaycareRow.id), chunk))
                ).all()
                grouped: dict[str, list[CorrectionRow]] = {}
                corrections = session.exec(
                    select(CorrectionRow).where(
                        _among(session, col(CorrectionRow.daycare_id), chunk)
                    )
                ).all()
                for correction in corrections:
                    grouped.setdefault(correction.daycare_id, []).append(correction)
                for row in rows:
                    result[row.id] = daycare_from_rows(row, grouped.get(row.id, []))
            return result

    def listed(self, kind: SubjectKind, ids: Sequence[str]) -> dict[str, ListedSubject]:
        table = _SUBJECT_TABLES[parse_enum(SubjectKind, kind, "kind")]
        result: dict[str, ListedSubject] = {}
        with self._tx() as session:
            for start in range(0, len(ids), _CHUNK):
                chunk = list(ids[start : start + _CHUNK])
                names = session.exec(
                    select(table.id, table.name).where(_among(session, col(table.id), chunk))
                ).all()
                referrals: dict[str, list[ReferralRow]] = {}
                if table is ChildRow:
                    query = select(ReferralRow).where(
                        _among(session, col(ReferralRow.child_id), chunk)
                    )
                    for row in session.exec(query).all():
                        referrals.setdefault(row.child_id, []).append(row)
                for subject_id, name in names:
                    result[subject_id] = ListedSubject(
                        name=name,
                        referrals=tuple(referrals_from_rows(referrals.get(subject_id, []))),
                    )
        return result

    def get_daycare(self, daycare_id: str) -> Daycare | None:
        with self._tx() as session:
            row = session.get(DaycareRow, daycare_id)
            if row is None:
                return None
            corrections = session.exec(
                select(CorrectionRow).where(col(CorrectionRow.daycare_id) == daycare_id)
            ).all()
            return daycare_from_rows(row, list(corrections))

    def subjects(self) -> list[SubjectRef]:
        # In SubjectRef's order (kind, then id), sorted here as plain strings: comparing
        # the refs themselves cost a province's plan a second (#14), and the database's
        # collation may order ids otherwise.
        refs: list[SubjectRef] = []
        with self._tx() as session:
            for kind in sorted(_SUBJECT_TABLES, key=lambda kind: kind.value):
                ids = sorted(session.exec(select(_SUBJECT_TABLES[kind].id)).all())
                refs += [SubjectRef(kind=kind, id=i) for i in ids]
        return refs

    def subject_ids(self, kind: SubjectKind, *, after: str | None = None, limit: int) -> list[str]:
        table = _SUBJECT_CORE[parse_enum(SubjectKind, kind, "kind")]
        # Core, not the ORM's select: a province's jobs list every id, a page at a time.
        query = core_select(table.c.id).order_by(table.c.id).limit(limit)
        if after is not None:
            query = query.where(table.c.id > after)
        with self._tx() as session:
            return list(session.connection().execute(query).scalars().all())

    def subject_count(self) -> int:
        with self._tx() as session:
            return sum(
                session.exec(select(func.count()).select_from(table)).one()
                for table in _SUBJECT_TABLES.values()
            )

    def changed_subjects(self, subjects: SubjectRange, *, since: pendulum.DateTime) -> list[str]:
        # Each part read along an index that starts with the subject (the subject's key,
        # ix_obligation_subject, the visit's subject id): a page's range, not the table.
        instant = dt.datetime.fromtimestamp(since.timestamp(), dt.UTC)
        # An obligation's time is whole milliseconds, rounded down: one written in the
        # millisecond of ``since`` counts as changed (sent again rather than missed).
        instant_floor = instant_ms(since)
        subject = _SUBJECT_CORE[subjects.kind]
        ob, visit = ObligationRow, EncounterRow
        query = union(
            core_select(subject.c.id).where(
                subject.c.id >= subjects.first,
                subject.c.id <= subjects.last,
                subject.c.updated_at > instant,
            ),
            select(ob.subject_id).where(
                *_in_range(subjects, ob.subject_kind, ob.subject_id),
                col(ob.updated_at) >= instant_floor,
            ),
            select(visit.subject_id).where(
                *_in_range(subjects, visit.subject_kind, visit.subject_id),
                col(visit.recorded_at) > instant,
            ),
        )
        with self._tx() as session:
            return sorted(session.connection().execute(query).scalars())

    # --- planning ---------------------------------------------------------------------

    def plan_states(self, refs: Sequence[SubjectRef]) -> dict[SubjectRef, PlanState]:
        with self._tx() as session:
            result: dict[SubjectRef, PlanState] = {}
            for kind in SubjectKind:
                ids = [r.id for r in refs if r.kind is kind]
                for start in range(0, len(ids), _CHUNK):  # bounded IN lists
                    rows = session.exec(
                        select(PlanStateRow).where(
                            col(PlanStateRow.subject_kind) == kind.value,
                            _among(
                                session, col(PlanStateRow.subject_id), ids[start : start + _CHUNK]
                            ),
                        )
                    ).all()
                    for row in rows:
                        result[SubjectRef(kind=kind, id=row.subject_id)] = PlanState(
                            facts_hash=row.facts_hash,
                            protocol=row.protocol,
                            planned_until=to_date(row.planned_until),
                        )
            return result

    def facts_hashes(self, refs: Sequence[SubjectRef]) -> dict[SubjectRef, str]:
        with self._tx() as session:
            connection = session.connection()
            result: dict[SubjectRef, str] = {}
            for kind, table in _SUBJECT_CORE.items():
                ids = [r.id for r in refs if r.kind is kind]
                for start in range(0, len(ids), _CHUNK):  # bounded lists
                    query = core_select(table.c.id, table.c.facts_hash).where(
                        _among(session, table.c.id, ids[start : start + _CHUNK])
                    )
                    for subject_id, stored in connection.execute(query):
                        result[SubjectRef(kind=kind, id=subject_id)] = stored
            return result

    def subjects_to_plan(
        self, current: CurrentPlan, *, after: SubjectRef | None = None, limit: int = 500
    ) -> list[SubjectRef]:
        whole_number("limit", limit, minimum=1, maximum=1_000_000)
        with self._tx() as session:
            result: list[SubjectRef] = []
            for kind in sorted(SubjectKind, key=lambda k: k.value):  # SubjectRef's order
                if len(result) == limit or (after is not None and after.kind.value > kind.value):
                    continue
                query = _stale_plans(kind, current)
                table = _SUBJECT_CORE[kind]
                if after is not None and after.kind is kind:
                    query = query.where(table.c.id > after.id)
                ids = session.execute(query.order_by(table.c.id).limit(limit - len(result)))
                result += [SubjectRef(kind=kind, id=i) for i in ids.scalars()]
            return result

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
        item = PlanItem(
            ref=ref, obligations=obligations, state=state, township=township, assignees=assignees
        )
        return self.save_plans([item], as_of=as_of)

    def prepare_plans(self, items: Sequence[PlanItem]) -> list[PlanItem]:
        """These plans with each one's obligations as the rows this store writes for a
        first plan (:class:`~yiyu.store.rows.PlannedRows`); saving them
        (:meth:`save_plans`) stores what saving ``items`` would.

        For a plan worker process: it prepares the rows of the plans it computed, so the
        process that saves them (SQLite's one writer) only writes them, unless a subject
        has obligations stored already (then they are reconciled as usual). Rows pickle
        far faster than obligations: a first plan's writer did a third of its work
        unpickling, converting and hashing obligations (measured at 10k children).
        """
        day = self._driver_day()
        contents: dict[int, ObligationContent] = {}  # shared by the batch: pickled once
        prepared = []
        for item in items:
            rows = []
            for ob in sorted(item.obligations, key=_key):  # reconcile's order
                digest, content = planned_content(ob)
                contents.setdefault(digest, content)
                assignee = assignee_of(item.assignees, ob)
                row = obligation_tuple(ob, township=item.township, assignee=assignee,
                                       content=digest, now=0, day=day)  # fmt: skip
                rows.append(row[:-1])  # updated_at is the writer's
            prepared.append(attrs.evolve(item, obligations=PlannedRows(rows, contents)))
        return prepared

    def save_plans(self, items: Sequence[PlanItem], *, as_of: pendulum.Date) -> SaveCounts:
        with self._tx() as session:
            counts = SaveCounts()
            now = _now()
            # Plans lock their subjects in one order and may save side by side; an import
            # (lock_all_subjects) holds its subjects in the file's order, so it and a plan
            # batch take turns rather than each waiting for a subject the other holds. The
            # turn comes first, while the batch holds nothing (not even a new content a
            # recording may be waiting for). Saving one subject's plan (a recording, which
            # has locked it already) cannot close such a circle, and waiting for the turn
            # while holding that subject, which the import may want next, would.
            if len({i.ref for i in items}) > 1:
                claims.take_turn(session.connection(), claims.SUBJECT_WRITES, alone=False)
                bulk_cache(session.connection())  # SQLite: a batch is a bulk write
            # Every content these plans may refer to, before any subject is locked and in
            # one order: two plans writing the same new content wait for each other here,
            # never while holding subjects the other wants.
            digests = self._write_planned_contents(session, items)
            for kind, table in _SUBJECT_TABLES.items():
                group = sorted(
                    {i.ref.id: i for i in items if i.ref.kind is kind}.values(),
                    key=lambda i: i.ref.id,
                )
                for start in range(0, len(group), _CHUNK):
                    chunk = group[start : start + _CHUNK]
                    counts += self._save_chunk(session, table, kind, chunk, as_of, now, digests)
            session.flush()
            _count_rows(session, "obligation", counts.created + counts.updated)
            return counts

    def _save_chunk(
        self,
        session: Session,
        table: type[ChildRow] | type[DaycareRow],
        kind: SubjectKind,
        group: Sequence[PlanItem],
        as_of: pendulum.Date,
        now: dt.datetime,
        digests: Mapping[int, int],
    ) -> SaveCounts:
        ids = [i.ref.id for i in group]
        # The lock that makes concurrent plans and recordings of one subject take turns;
        # rows are locked in id order (as save_children writes them), so two jobs on
        # overlapping batches cannot deadlock.
        current = dict(
            session.exec(
                select(table.id, table.facts_hash)
                .where(_among(session, col(table.id), ids))
                .order_by(table.id)
                .with_for_update()
            ).all()
        )
        # A plan computed from facts that changed before the lock was taken (a visit
        # recorded meanwhile) is stale: leave the subject for the next run.
        group = [
            i for i in group if i.subject_hash is None or current.get(i.ref.id) == i.subject_hash
        ]
        ids = [i.ref.id for i in group]
        if not group:
            return SaveCounts()
        stored = self._stored_states(session, kind, ids)
        counts = SaveCounts()
        inserts: list[tuple[object, ...]] = []
        as_driver_day = self._driver_day()
        stamp = instant_ms(now)
        updates: list[dict[str, Any]] = []
        withdrawals: list[str] = []
        unwithdrawals: list[str] = []
        stamped = (stamp,)
        for item in group:
            known = stored.get(item.ref.id, {})
            prepared = item.obligations
            if not known and isinstance(prepared, PlannedRows):  # a first plan: all new
                inserts += [row + stamped for row in prepared.rows]
                counts += SaveCounts(created=len(prepared.rows))
                continue
            plan = (
                reconcile(
                    known,
                    item.obligations,
                    as_of=as_of,
                    township=item.township,
                    assignees=item.assignees,
                )
                if known
                # A first plan: every obligation is new (what reconcile would find, in its
                # order), and nothing is compared.
                else Reconciliation(insert=tuple(sorted(item.obligations, key=_key)))
            )
            for ob in plan.insert:  # planned obligations: their contents are written
                assignee = assignee_of(item.assignees, ob)
                digest = digests.get(id(ob))
                if digest is None:  # made from prepared rows: their content is written
                    digest, _ = planned_content(ob)
                inserts.append(
                    obligation_tuple(ob, township=item.township, assignee=assignee,
                                     content=digest, now=stamp, day=as_driver_day)
                )  # fmt: skip
            # Planned ones, or stored ones kept (their contents were read from the store).
            updates += [self._values(ob, item, now) for ob in plan.update]
            withdrawals.extend(plan.withdraw)
            unwithdrawals.extend(plan.unwithdraw)
            counts += SaveCounts(
                created=len(plan.insert),
                updated=len(plan.update) + len(plan.withdraw) + len(plan.unwithdraw),
                unchanged=plan.unchanged,
            )
        if inserts:
            self._insert_tuples(session, _OBLIGATION_TABLE, OBLIGATION_COLUMNS, inserts)
        if updates:
            session.execute(update(ObligationRow), updates)
        for keys, day in ((withdrawals, plain_date(as_of)), (unwithdrawals, None)):
            for start in range(0, len(keys), _CHUNK):
                session.execute(
                    update(ObligationRow)
                    .where(_among(session, col(ObligationRow.key), keys[start : start + _CHUNK]))
                    .values(withdrawn_on=day, updated_at=stamp)
                )
        session.execute(
            delete(PlanStateRow).where(
                col(PlanStateRow.subject_kind) == kind.value,
                _among(session, col(PlanStateRow.subject_id), ids),
            )
        )
        # As tuples through the driver, as the obligations are: one state per subject,
        # and Core's dict and processing of each was a thirtieth of a full plan's writer.
        planned_at = self._driver_instant(now)
        self._insert_tuples(
            session,
            _PLAN_STATE_TABLE,
            _PLAN_STATE_COLUMNS,
            [
                (kind.value, i.ref.id, i.state.facts_hash, i.state.protocol,
                 as_driver_day(i.state.planned_until), planned_at)
                for i in group
            ],
        )  # fmt: skip
        return counts

    def _driver_day(self) -> Callable[[dt.date], object]:
        """How a date goes to this database's driver: what SQLAlchemy's ``Date`` would
        make of it (SQLite keeps ISO text), each day made once (:func:`~yiyu.store.rows.
        remembered_days`). ``updated_at`` is an integer everywhere."""
        return _SQLITE_DAY if self.engine.dialect.name == "sqlite" else _DRIVER_DAY

    def _driver_instant(self, instant: dt.datetime) -> object:
        """An instant as SQLAlchemy's ``DateTime`` hands it to this database's driver
        (SQLite keeps text), for rows written as tuples."""
        dialect = self.engine.dialect
        # The dialect's implementation: the column's own type, a decorator, would leave
        # out the dialect's part (SQLite's text without the offset).
        kind = _PLAN_STATE_TABLE.c.planned_at.type.dialect_impl(dialect)
        process = kind.bind_processor(dialect)
        return instant if process is None else process(instant)

    def _insert_tuples(
        self,
        session: Session,
        table: Table,
        columns: Sequence[str],
        rows: list[tuple[object, ...]],
    ) -> None:
        """New rows of ``table``, as tuples of the driver's values in the order of
        ``columns``, in this transaction.

        Neither the ORM's bulk insert (it drops None values, so splits rows with different
        NULL columns into executemany calls of a few rows each: 5x slower on SQLite) nor
        Core's (a dict per row and each value processed: a third of the plan's time). On
        PostgreSQL ``COPY``, which the write limit of the benchmarks is measured with: the
        pipelined executemany it replaces spent most of a plan's write waiting on the
        server. The subjects are locked, so no other run inserts these keys meanwhile.
        """
        connection = session.connection()
        if self.engine.dialect.name != "postgresql":
            connection.exec_driver_sql(self._insert_statement(table, columns), rows)
            return
        import psycopg  # the postgres extra is installed: this is a PostgreSQL engine

        names = ", ".join(f'"{c}"' for c in columns)
        statement = f"COPY {table.name} ({names}) FROM STDIN"
        raw: Any = connection.connection.driver_connection
        try:
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.Error as error:
            # As SQLAlchemy raises a driver's error everywhere else (an IntegrityError, an
            # OperationalError …), its parameters hidden.
            raise DBAPIError.instance(
                statement, None, error, psycopg.Error, hide_parameters=True,
                dialect=self.engine.dialect,
            ) from error  # fmt: skip

    def _insert_statement(self, table: Table, columns: Sequence[str]) -> str:
        """``INSERT INTO table`` with the driver's own placeholders."""
        dialect = self.engine.dialect
        mark = "?" if dialect.paramstyle == "qmark" else "%s"  # sqlite3, psycopg
        names = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
        marks = ", ".join(mark for _ in columns)
        return f"INSERT INTO {table.name} ({names}) VALUES ({marks})"

    @staticmethod
    def _values(ob: Obligation, item: PlanItem, now: dt.datetime) -> dict[str, Any]:
        return obligation_values(
            ob, township=item.township, assignee=assignee_of(item.assignees, ob), now=now
        )

    def _write_planned_contents(
        self, session: Session, items: Sequence[PlanItem]
    ) -> dict[int, int]:
        """Write the contents of the planned obligations; return each one's digest by
        ``id()`` (the items hold them for the whole call: the digest is computed once)."""
        digests: dict[int, int] = {}
        contents: dict[int, ObligationContent] = {}
        shared: set[int] = set()
        for item in items:
            if isinstance(item.obligations, PlannedRows):  # prepared with their contents
                if id(item.obligations.contents) not in shared:
                    shared.add(id(item.obligations.contents))
                    contents.update(item.obligations.contents)
                continue
            for ob in item.obligations:
                digests[id(ob)], content = planned_content(ob)
                contents.setdefault(digests[id(ob)], content)
        self._write_contents(session, contents)
        return digests

    def _write_contents(self, session: Session, contents: Mapping[int, ObligationContent]) -> None:
        """Store these contents (by digest) unless stored, before the obligations that
        refer to them (ON CONFLICT DO NOTHING: a concurrent writer of the same content
        waits for the other's commit and then goes on).

        On PostgreSQL in a transaction of their own, committed at once: a content never
        changes, so one stored early (or by a plan that then fails) does no harm, and a
        plan or a recording never waits for another's uncommitted content while holding
        subjects the other wants. SQLite has one writer: there, in the caller's."""
        written: set[int] = session.info.setdefault(_WRITTEN, set())
        new = {d: c for d, c in contents.items() if d not in self._committed and d not in written}
        if not new:
            return
        if self.engine.dialect.name == "sqlite":
            self._insert_contents(session, new)
            written.update(new)  # stored once the caller commits
            return
        with Session(self.engine) as own, own.begin():
            self._insert_contents(own, new)
        self._committed.update(new)

    def _insert_contents(self, session: Session, new: Mapping[int, ObligationContent]) -> None:
        digests = sorted(new)  # one order: no deadlocks
        for start in range(0, len(digests), _CHUNK):
            chunk = digests[start : start + _CHUNK]
            rows = [content_values(new[digest]) for digest in chunk]
            inserted = set(self._insert_new(session, _CONTENT_TABLE, rows, key="digest"))
            # The others were stored already: the same content, unless two contents'
            # 63 bits collided, which must fail loudly rather than mix them up.
            stored = self._read_contents(session, [d for d in chunk if d not in inserted])
            for digest in chunk:
                if stored.setdefault(digest, new[digest]) != new[digest]:
                    raise RuntimeError(f"two obligation contents share the digest {digest}")

    def _read_contents(
        self, session: Session, digests: Iterable[int]
    ) -> dict[int, ObligationContent]:
        """The contents of these digests (a few hundred at most: read once per process)."""
        missing = sorted(set(digests) - self._contents.keys())
        for start in range(0, len(missing), _CHUNK):
            rows = session.exec(
                select(ObligationContentRow).where(
                    _among(
                        session, col(ObligationContentRow.digest), missing[start : start + _CHUNK]
                    )
                )
            ).all()
            for row in rows:
                self._contents[row.digest] = content_from_row(row)
                self._committed.add(row.digest)
        return self._contents

    def _stored_states(
        self, session: Session, kind: SubjectKind, ids: Sequence[str]
    ) -> dict[str, dict[str, StoredState]]:
        """The stored obligations of these subjects, and whether each is finished."""
        rows = session.exec(
            select(ObligationRow).where(
                col(ObligationRow.subject_kind) == kind.value,
                _among(session, col(ObligationRow.subject_id), ids),
            )
        ).all()
        done = set(
            session.exec(
                select(EncounterRow.obligation_key).where(
                    _among(session, col(EncounterRow.subject_id), ids),
                    col(EncounterRow.obligation_key).is_not(None),
                )
            ).all()
        )
        skipped = set(
            session.exec(
                select(SkipRow.obligation_key)
                .join(ObligationRow, col(ObligationRow.key) == SkipRow.obligation_key)
                .where(
                    col(ObligationRow.subject_kind) == kind.value,
                    _among(session, col(ObligationRow.subject_id), ids),
                )
            ).all()
        )
        contents = self._read_contents(session, {row.content for row in rows})
        result: dict[str, dict[str, StoredState]] = {}
        for row in rows:
            result.setdefault(row.subject_id, {})[row.key] = StoredState(
                obligation=obligation_from_row(row, contents[row.content]),
                finished=row.key in done or row.key in skipped,
                withdrawn=row.withdrawn_on is not None,
                township=row.township,
                assignee=row.assignee,
            )
        return result

    def obligations(
        self, where: ObligationFilter, *, names: bool = False
    ) -> list[StoredObligation]:
        return self._read_obligations(where, names=names)

    def obligations_due(
        self,
        where: ObligationFilter,
        *,
        after: tuple[pendulum.Date, str] | None = None,
        limit: int,
        names: bool = False,
    ) -> list[StoredObligation]:
        limit = whole_number("limit", limit, minimum=1, maximum=1_000_000)
        return self._read_obligations(where, names=names, due_after=after, limit=limit)

    def _read_obligations(
        self,
        where: ObligationFilter,
        *,
        names: bool,
        due_after: tuple[pendulum.Date, str] | None = None,
        limit: int | None = None,
    ) -> list[StoredObligation]:
        """In order of key; with a ``limit``, a page in order of due date and key, after
        ``due_after`` (keyset paging: each page is a query of its own, on the index of
        the township or assignee and due date, and no transaction is held between)."""
        with self._tx() as session:
            # The first visit of each obligation read, found by the index on the visit's
            # obligation key: a grouping of every visit would cost a whole province's
            # visits for each page of a batched job.
            done_on = (
                select(func.min(EncounterRow.on))
                .where(col(EncounterRow.obligation_key) == ObligationRow.key)
                .correlate(ObligationRow)
                .scalar_subquery()
            )
            # Plain rows, not model instances: a work list or a page of coverage reads
            # thousands, and building an ORM object for each was a third of the time.
            ob_table, skip, moved = _OBLIGATION_TABLE, _SKIP_TABLE, _RESCHEDULE_TABLE
            joined = ob_table.outerjoin(skip, skip.c.obligation_key == ob_table.c.key).outerjoin(
                moved, moved.c.obligation_key == ob_table.c.key
            )
            listed_name: Any = null()
            if names:  # in the same query: a second one per page of ids cost a list a third
                child, daycare = _CHILD_TABLE, _DAYCARE_TABLE
                kind, subject_id = ob_table.c.subject_kind, ob_table.c.subject_id
                joined = joined.outerjoin(
                    child, (kind == SubjectKind.CHILD.value) & (child.c.id == subject_id)
                ).outerjoin(
                    daycare, (kind == SubjectKind.DAYCARE.value) & (daycare.c.id == subject_id)
                )
                listed_name = func.coalesce(child.c.name, daycare.c.name)
            query = core_select(
                *(ob_table.c[name] for name in OBLIGATION_COLUMNS),
                done_on,
                skip.c.on,
                skip.c.reason,
                skip.c.note,
                moved.c.to,
                moved.c.reason,
                moved.c.note,
                listed_name,
            ).select_from(joined)
            o = ObligationRow
            conditions: list[Any] = []
            if where.subject is not None:
                conditions += [col(o.subject_kind) == where.subject.kind.value,
                               col(o.subject_id) == where.subject.id]  # fmt: skip
            if where.subjects is not None:
                conditions += _in_range(where.subjects, o.subject_kind, o.subject_id)
            if where.township is not None:
                conditions.append(col(o.township) == where.township)
            if where.assignee is not None:
                conditions.append(col(o.assignee) == where.assignee)
            if where.daycare_id is not None:
                conditions.append(col(o.daycare_id) == where.daycare_id)
            if where.role is not None:
                # The role is the content's: the few digests that have it.
                role = core_select(_CONTENT_TABLE.c.digest).where(
                    _CONTENT_TABLE.c.role == where.role
                )
                conditions.append(col(o.content).in_(role))
            if where.opens_by is not None:
                conditions.append(col(o.opens) <= plain_date(where.opens_by))
            if where.closes_from is not None:
                conditions.append(col(o.closes) >= plain_date(where.closes_from))
            if where.closes_by is not None:
                conditions.append(col(o.closes) <= plain_date(where.closes_by))
            if where.rules is not None:
                conditions.append(col(o.rule).in_(where.rules))
            if not where.include_withdrawn:
                conditions.append(col(o.withdrawn_on).is_(None))
            if where.to_do_on is not None:
                conditions += _to_do(plain_date(where.to_do_on))
            if where.acted_since is not None:
                conditions.append(_acted_since(plain_date(where.acted_since), done_on))
            if limit is None:
                query = query.where(*conditions).order_by(o.key)
            else:
                if due_after is not None:
                    last_due, last_key = due_after
                    conditions.append(
                        tuple_(col(o.due), col(o.key)) > tuple_(plain_date(last_due), last_key)
                    )
                query = query.where(*conditions).order_by(col(o.due), col(o.key)).limit(limit)
                if self.engine.dialect.name == "postgresql":
                    session.execute(_PAGE_SETTINGS)
            rows = session.connection().execute(query).all()
            width = len(OBLIGATION_COLUMNS)
            at = {name: index for index, name in enumerate(OBLIGATION_COLUMNS)}
            content, township, assignee = at["content"], at["township"], at["assignee"]
            withdrawn = at["withdrawn_on"]
            contents = self._read_contents(session, {row[content] for row in rows})
            result: list[StoredObligation] = []
            append = result.append  # a coverage batch reads tens of thousands of rows
            for row in rows:
                (done, skip_on, skip_reason, skip_note, moved_to, moved_reason, moved_note,
                 subject_name) = row[width:]  # fmt: skip
                withdrawn_on = row[withdrawn]
                append(
                    _stored_entry(
                        obligation_from_values(row, contents[row[content]]),
                        row[township],
                        row[assignee],
                        None if done is None else stored_day(done),
                        None
                        if skip_on is None
                        else Skip(on=skip_on, reason=skip_reason, note=skip_note),
                        None if withdrawn_on is None else stored_day(withdrawn_on),
                        None
                        if moved_to is None
                        else Reschedule(to=moved_to, reason=moved_reason, note=moved_note),
                        subject_name,
                    )
                )
            return result

    # --- what happened ----------------------------------------------------------------

    def save_encounter(
        self, encounter: Encounter, findings: Findings, *, kind: SubjectKind | None = None
    ) -> bool:
        with self._tx() as session:
            data = encounter_data(encounter)
            old = session.get(EncounterRow, encounter.id)
            if old is not None:
                # Compared as today's fields: the same visit stored by an older yiyu (an
                # older format) is the same visit.
                if encounter_fields(old.data) == encounter_fields(data):
                    return False
                raise ValidationError("id", encounter.id, "another encounter has this id")
            session.add(
                EncounterRow(
                    id=encounter.id,
                    subject_kind=(kind or encounter_subject_kind(encounter)).value,
                    subject_id=encounter.subject_id,
                    on=plain_date(encounter.on),
                    obligation_key=encounter.obligation_key,
                    role=encounter.role.value,
                    performer=encounter.performer,
                    data=data,
                    findings=[dict(f) for f in findings],
                    recorded_at=_now(),
                )
            )
            session.flush()
            return True

    def encounters_on(self, day: pendulum.Date) -> list[Encounter]:
        with self._tx() as session:
            rows = session.exec(
                select(EncounterRow.data)
                .where(col(EncounterRow.on) == plain_date(day))
                .order_by(EncounterRow.id)
            ).all()
            return [encounter_from_data(data) for data in rows]

    def encounters_between(
        self, first: pendulum.Date, last: pendulum.Date, *, subjects: SubjectRange | None = None
    ) -> list[Encounter]:
        e = EncounterRow
        conditions = [col(e.on) >= plain_date(first), col(e.on) <= plain_date(last)]
        if subjects is not None:
            conditions += _in_range(subjects, e.subject_kind, e.subject_id)
        with self._tx() as session:
            rows = session.exec(
                select(e.data).where(*conditions).order_by(col(e.on), col(e.id))
            ).all()
            return [encounter_from_data(data) for data in rows]

    def save_skip(self, key: str, skip: Skip) -> None:
        with self._tx() as session:
            if session.get(ObligationRow, key) is None:
                raise ValidationError("obligation_key", key, "no such obligation")
            row = SkipRow(obligation_key=key, on=plain_date(skip.on), reason=skip.reason.value)
            row.note = skip.note
            session.merge(row)
            self._touch_obligation(session, key)
            session.flush()

    def save_reschedule(self, key: str, reschedule: Reschedule) -> None:
        with self._tx() as session:
            if session.get(ObligationRow, key) is None:
                raise ValidationError("obligation_key", key, "no such obligation")
            row = RescheduleRow(
                obligation_key=key, to=plain_date(reschedule.to), reason=reschedule.reason.value
            )
            row.note = reschedule.note
            session.merge(row)
            self._touch_obligation(session, key)
            session.flush()

    @staticmethod
    def _touch_obligation(session: Session, key: str) -> None:
        """A skip or a reschedule changes what the obligation is: its ``updated_at`` says
        so, for an incremental export (:meth:`changed_subjects`)."""
        session.execute(
            update(ObligationRow)
            .where(col(ObligationRow.key) == key)
            .values(updated_at=instant_ms(_now()))
        )

    # --- the operator's holiday years ------------------------------------------------

    def save_holiday_year(self, year: HolidayYear) -> SaveCounts:
        with self._tx() as session:
            row = holiday_year_row(year, _now())
            values = {column.name: getattr(row, column.name) for column in _HOLIDAY_TABLE.c}
            # Inserted if new (two operators adding one year at once: one adds it, the
            # other finds it), else locked, so two replacing it take turns (PostgreSQL).
            if self._insert_new(session, _HOLIDAY_TABLE, [values], key="year"):
                return SaveCounts(created=1)
            old = session.exec(
                select(HolidayYearRow)
                .where(col(HolidayYearRow.year) == year.year)
                .with_for_update()
            ).one()
            if holiday_year_from_row(old) == year:
                return SaveCounts(unchanged=1)
            session.merge(row)
            session.flush()
            return SaveCounts(updated=1)

    def holiday_calendar(self) -> HolidayCalendar:
        with self._tx() as session:
            rows = session.exec(select(HolidayYearRow).order_by(col(HolidayYearRow.year))).all()
            return HolidayCalendar(years=[holiday_year_from_row(row) for row in rows])

    # --- job runs and audit -----------------------------------------------------------

    def start_run(self, job: str, *, parameters: Mapping[str, Any]) -> int:
        with self._tx() as session:
            pid, host = this_process()
            row = JobRunRow(
                job=job,
                started_at=_now(),
                status="running",
                counts={"parameters": dict(parameters)},
                pid=pid,
                host=host,
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        counts: Mapping[str, Any],
        error: BaseException | str | None = None,
    ) -> None:
        with self._tx() as session:
            row = session.get(JobRunRow, run_id)
            if row is None:
                raise ValidationError("run_id", run_id, "no such job run")
            row.finished_at = _now()
            row.status = status
            row.counts = {**(row.counts or {}), **counts}
            row.error = None if error is None else describe_error(error)
            session.add(row)
            session.flush()

    def runs(self, limit: int = 20) -> list[JobRun]:
        with self._tx() as session:
            rows = session.exec(
                select(JobRunRow).order_by(col(JobRunRow.id).desc()).limit(limit)
            ).all()
            runs = [
                JobRun(
                    id=row.id or 0,
                    job=row.job,
                    started_at=pendulum.instance(row.started_at),
                    finished_at=pendulum.instance(row.finished_at) if row.finished_at else None,
                    status=row.status,
                    counts=row.counts or {},
                    error=row.error,
                    pid=row.pid,
                    host=row.host,
                )
                for row in rows
            ]
        _, host = this_process()
        return [attrs.evolve(run, status=run_status(run, host=host)) for run in runs]

    def audit(self, actor: str, action: str, entity: str, entity_id: str, detail: Any) -> None:
        with self._tx() as session:
            session.add(
                AuditRow(
                    at=_now(),
                    actor=actor,
                    action=action,
                    entity=entity,
                    entity_id=entity_id,
                    detail=detail if isinstance(detail, dict) else {"detail": detail},
                )
            )
            session.flush()
