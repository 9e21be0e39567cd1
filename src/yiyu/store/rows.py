"""Domain values ↔ table rows: the one place the two meet (STYLE 6)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, overload

import attrs
import pendulum
from sqlalchemy import Row

from yiyu.codec import facts_hash, to_data
from yiyu.dates import to_date
from yiyu.domain import (
    Case,
    Category,
    Child,
    Correction,
    Daycare,
    Enrolment,
    LifeEvent,
    Referral,
    Role,
    Sex,
)
from yiyu.domain._trusted import trusted_maker
from yiyu.domain.child import stored_age, with_derived
from yiyu.protocol import Evidence, SubjectKind
from yiyu.scheduling import HolidayYear, Obligation
from yiyu.scheduling.obligation import trusted_obligation
from yiyu.store.tables import (
    CaseRow,
    CategoryRow,
    ChildRow,
    CorrectionRow,
    DaycareRow,
    EnrolmentRow,
    HolidayYearRow,
    LifeEventRow,
    ObligationContentRow,
    ObligationRow,
    ReferralRow,
)

_R = TypeVar("_R")

__all__ = [
    "CHILD_COLUMNS",
    "OBLIGATION_COLUMNS",
    "ObligationContent",
    "PlannedRows",
    "child_from_rows",
    "child_from_values",
    "child_rows",
    "content_digest",
    "content_from_row",
    "content_of",
    "content_values",
    "daycare_from_rows",
    "daycare_rows",
    "holiday_year_from_row",
    "holiday_year_row",
    "instant_ms",
    "obligation_from_row",
    "obligation_tuple",
    "obligation_values",
    "plain_date",
    "remembered_days",
]


def _d(value: dt.date | None) -> pendulum.Date | None:
    return None if value is None else stored_day(value)


def stored_day(value: dt.date | str) -> pendulum.Date:
    """A date as the driver returns it, as the core's pendulum Date: the same few thousand
    days come back in every row of a work list or a coverage batch, so each is made once
    (:func:`~yiyu.dates.to_date`'s checks, six times a row, were a sixth of a list) and
    found again by a plain dict (a cache's wrapper cost a province's coverage as much as
    the look-up)."""
    day = _DAYS.get(value)
    if day is None:
        if len(_DAYS) >= _DAYS_KEPT:  # a bound, never reached by one store's dates
            _DAYS.clear()
        day = _DAYS[value] = (
            pendulum.Date(value.year, value.month, value.day)
            if type(value) is dt.date
            else to_date(value)
        )
    return day


_DAYS: dict[dt.date | str, pendulum.Date] = {}
_DAYS_KEPT = 65_536


def plain_date(value: dt.date) -> dt.date:
    """A date as the database driver wants it: a plain ``datetime.date``, not pendulum's
    subclass (the one conversion for rows and for the repository's queries)."""
    return dt.date(value.year, value.month, value.day)


def remembered_days(convert: Callable[[dt.date], object]) -> Callable[[dt.date], object]:
    """``convert`` (a date as a driver takes it), each day's value made once and kept.

    A plan's rows hold a few thousand days, each hundreds of times (three to a row): the
    value is found again instead of made (``isoformat``, a new ``date``), and a worker's
    rows, pickled for the writer, hold one object per day, which pickle writes once per
    batch and the writer unpickles once. Bounded, for a long-lived process.
    """
    known: dict[dt.date, object] = {}

    def day(value: dt.date) -> object:
        made = known.get(value)
        if made is None:
            if len(known) >= _DAYS_KEPT:  # as stored_day's
                known.clear()
            made = known[value] = convert(value)
        return made

    return day


def _optional_date(value: pendulum.Date | None) -> dt.date | None:
    return None if value is None else plain_date(value)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def instant_ms(value: dt.datetime) -> int:
    """An aware instant as an obligation's ``updated_at`` stores it: whole milliseconds
    since 1970-01-01 UTC, rounded down (exact integer arithmetic: a float timestamp
    times 1000 can land a millisecond off). The standard library's subtraction, which a
    pendulum instant would otherwise turn into its own interval type."""
    return dt.datetime.__sub__(value, _EPOCH) // dt.timedelta(milliseconds=1)


ChildParts = tuple[
    ChildRow,
    list[CategoryRow],
    list[LifeEventRow],
    list[EnrolmentRow],
    list[CaseRow],
    list[ReferralRow],
]


def child_rows(child: Child, now: dt.datetime) -> ChildParts:
    ga = child.gestational_age
    row = ChildRow(
        id=child.id,
        name=child.name,
        sex=child.sex.value,
        birth_date=plain_date(child.birth_date),
        gestational_weeks=ga.weeks if ga else None,
        gestational_days=ga.days if ga else None,
        birth_weight_g=child.birth_weight_g,
        discharge_date=_optional_date(child.discharge_date),
        resident_id=child.resident_id,
        township=child.township,
        family_doctor=child.family_doctor,
        registered_on=_optional_date(child.registered_on),
        guardian_name=child.guardian_name,
        guardian_phone=child.guardian_phone,
        facts_hash=facts_hash(child),
        updated_at=now,
    )
    categories = [
        CategoryRow(
            child_id=child.id,
            kind=c.kind.value,
            start=_optional_date(c.start),
            end=_optional_date(c.end),
            reason=c.reason,
        )
        for c in child.categories
    ]
    events = [
        LifeEventRow(child_id=child.id, kind=e.kind.value, on=plain_date(e.on))
        for e in child.life_events
    ]
    enrolments = [
        EnrolmentRow(
            child_id=child.id,
            daycare_id=e.daycare_id,
            start=plain_date(e.start),
            end=_optional_date(e.end),
        )
        for e in child.enrolments
    ]
    cases = [
        CaseRow(
            child_id=child.id,
            condition=c.condition.value,
            opened_on=plain_date(c.opened_on),
            opened_by=c.opened_by,
            severity=c.severity,
            closed_on=_optional_date(c.closed_on),
            closed_by=c.closed_by,
            close_reason=None if c.close_reason is None else c.close_reason.value,
            normal_since=_optional_date(c.normal_since),
            normal_checks=c.normal_checks,
            course=[to_data(check) for check in c.course] or None,
        )
        for c in child.cases
    ]
    referrals = [
        ReferralRow(
            child_id=child.id,
            kind=r.kind.value,
            opened_on=plain_date(r.opened_on),
            reason=r.reason,
            to=r.to,
            opened_by=r.opened_by,
            closed_on=_optional_date(r.closed_on),
            result=r.result,
        )
        for r in child.referrals
    ]
    return row, categories, events, enrolments, cases, referrals


# The child table's columns a child is built from, in the order of
# :func:`child_from_values` (not its facts hash or time of update, which no reader needs).
CHILD_COLUMNS = (
    "id",
    "name",
    "sex",
    "birth_date",
    "gestational_weeks",
    "gestational_days",
    "birth_weight_g",
    "discharge_date",
    "resident_id",
    "township",
    "family_doctor",
    "registered_on",
    "guardian_name",
    "guardian_phone",
)
_SEXES = {sex.value: sex for sex in Sex}


def child_from_rows(
    row: ChildRow | Row[Any],
    categories: Sequence[CategoryRow | Row[Any]],
    events: Sequence[LifeEventRow | Row[Any]],
    enrolments: Sequence[EnrolmentRow | Row[Any]],
    cases: Sequence[CaseRow | Row[Any]],
    referrals: Sequence[ReferralRow | Row[Any]],
) -> Child:
    """The child its rows hold (:func:`child_from_values`); ``row`` is the table's model
    or a row with its columns by name."""
    values = tuple(getattr(row, column) for column in CHILD_COLUMNS)
    return child_from_values(values, categories, events, enrolments, cases, referrals)


def child_from_values(
    values: Sequence[Any],
    categories: Sequence[CategoryRow | Row[Any]],
    events: Sequence[LifeEventRow | Row[Any]],
    enrolments: Sequence[EnrolmentRow | Row[Any]],
    cases: Sequence[CaseRow | Row[Any]],
    referrals: Sequence[ReferralRow | Row[Any]],
) -> Child:
    """The child of a row's values in :data:`CHILD_COLUMNS` order (what a plain select of
    those columns returns: by position, since coverage reads every child of a province
    and a row's lookup by name cost more than building the child), with its parts' rows,
    as it was saved (made by :func:`~yiyu.domain._trusted.trusted_maker`, as
    :func:`~yiyu.domain.child.stored_child` makes one: the child's own checks ran when it
    was saved, and a read of a province's children does not run them again).
    Its parts are few, and built as any value is; most children have none of most
    parts, and those are not built at all."""
    (child_id, name, sex, birth_date, weeks, days, birth_weight_g, discharge_date,
     resident_id, township, family_doctor, registered_on, guardian_name,
     guardian_phone) = values  # fmt: skip
    # By position, in _CHILD_ORDER: a call naming 18 keywords cost twice this one.
    return with_derived(
        _stored_child(
            child_id,
            name,
            _SEXES.get(sex) or Sex(sex),
            stored_day(birth_date),
            stored_age(weeks, days),
            birth_weight_g,
            _d(discharge_date),
            resident_id,
            township,
            family_doctor,
            _d(registered_on),
            guardian_name,
            guardian_phone,
            tuple(
                Category(kind=c.kind, start=c.start, end=c.end, reason=c.reason)
                for c in _in_order(categories, key=lambda c: c.id or 0)
            )
            if categories
            else (),
            tuple(
                LifeEvent(kind=e.kind, on=e.on) for e in _in_order(events, key=lambda e: e.id or 0)
            )
            if events
            else (),
            tuple(
                Enrolment(child_id=child_id, daycare_id=e.daycare_id, start=e.start, end=e.end)
                for e in _in_order(enrolments, key=lambda e: (e.start, e.daycare_id))
            )
            if enrolments
            else (),
            tuple(
                Case(
                    condition=c.condition,
                    opened_on=c.opened_on,
                    opened_by=c.opened_by,
                    severity=c.severity,
                    closed_on=c.closed_on,
                    closed_by=c.closed_by,
                    close_reason=c.close_reason,
                    normal_since=c.normal_since,
                    normal_checks=c.normal_checks,
                    course=c.course or (),
                )
                for c in _in_order(cases, key=lambda c: (c.opened_on, c.condition))
            )
            if cases
            else (),
            tuple(referrals_from_rows(referrals)) if referrals else (),
        )
    )


# The order child_from_values passes a child's fields in: its row's, then its parts'.
_CHILD_ORDER = (
    "id", "name", "sex", "birth_date", "gestational_age", "birth_weight_g", "discharge_date",
    "resident_id", "township", "family_doctor", "registered_on", "guardian_name",
    "guardian_phone", "categories", "life_events", "enrolments", "cases", "referrals",
)  # fmt: skip
_stored_child = trusted_maker(Child, _CHILD_ORDER)


def _in_order(rows: Sequence[_R], *, key: Callable[[_R], Any]) -> Sequence[_R]:
    """``rows`` sorted by ``key``; most children have none or one of each part, and
    those need no sort (half a million sorts in a province's coverage)."""
    return rows if len(rows) < 2 else sorted(rows, key=key)


def referrals_from_rows(rows: Sequence[ReferralRow | Row[Any]]) -> list[Referral]:
    """A child's referrals, in the order they were opened."""
    return [
        Referral(
            kind=r.kind,
            opened_on=r.opened_on,
            reason=r.reason,
            to=r.to,
            opened_by=r.opened_by,
            closed_on=r.closed_on,
            result=r.result,
        )
        for r in _in_order(rows, key=lambda r: (r.opened_on, r.kind))
    ]


def daycare_rows(daycare: Daycare, now: dt.datetime) -> tuple[DaycareRow, list[CorrectionRow]]:
    row = DaycareRow(
        id=daycare.id,
        name=daycare.name,
        township=daycare.township,
        capacity=daycare.capacity,
        health_instructor=daycare.health_instructor,
        opened_on=plain_date(daycare.opened_on),
        closed_on=_optional_date(daycare.closed_on),
        facts_hash=facts_hash(daycare),
        updated_at=now,
    )
    corrections = [
        CorrectionRow(
            daycare_id=daycare.id,
            item=c.item,
            opened_on=plain_date(c.opened_on),
            note=c.note,
            opened_by=c.opened_by,
            closed_on=_optional_date(c.closed_on),
        )
        for c in daycare.corrections
    ]
    return row, corrections


def daycare_from_rows(row: DaycareRow, corrections: Sequence[CorrectionRow]) -> Daycare:
    return Daycare(
        id=row.id,
        name=row.name,
        township=row.township,
        capacity=row.capacity,
        health_instructor=row.health_instructor,
        opened_on=row.opened_on,
        closed_on=row.closed_on,
        corrections=[
            Correction(
                item=c.item,
                opened_on=c.opened_on,
                note=c.note,
                opened_by=c.opened_by,
                closed_on=c.closed_on,
            )
            for c in sorted(corrections, key=lambda c: (c.opened_on, c.item))
        ],
    )


@attrs.frozen(kw_only=True)
class ObligationContent:
    """The part of an obligation its rule gives (what is asked, who acts, where it comes
    from: the protocol and its version): stored once per distinct value, in
    ``obligation_content``."""

    name: str
    contents: tuple[str, ...]
    tests: tuple[str, ...]
    checklist: str | None
    sources: tuple[str, ...]
    evidence: Evidence
    window_evidence: Evidence
    protocol: str
    protocol_version: str
    role: Role


def content_of(ob: Obligation) -> ObligationContent:
    return ObligationContent(
        name=ob.name,
        contents=ob.contents,
        tests=ob.tests,
        checklist=ob.checklist,
        sources=ob.sources,
        evidence=ob.evidence,
        window_evidence=ob.window_evidence,
        protocol=ob.protocol,
        protocol_version=ob.protocol_version,
        role=ob.role,
    )


@functools.lru_cache(maxsize=4096)
def content_digest(content: ObligationContent) -> int:
    """The key of a content: the first 63 bits of SHA-256 over exactly its fields, a
    positive BIGINT (cached: a plan has a few hundred distinct contents and a million
    obligations). The store checks a digest it finds stored holds the same content."""
    fields = [
        content.name,
        list(content.contents),
        list(content.tests),
        content.checklist,
        list(content.sources),
        content.evidence.value,
        content.window_evidence.value,
        content.protocol,
        content.protocol_version,
        content.role.value,
    ]
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


def planned_content(ob: Obligation) -> tuple[int, ObligationContent]:
    """The digest and content of an obligation: ``content_digest(content_of(ob))`` and
    the content, remembered by the fields they are made of.

    A plan asks for every obligation it writes, and the obligations of one rule version
    hold the very same values (the engine copies the rule's): looked up by a tuple of
    them, no content value is built and hashed for each. Bounded, as ``content_digest``
    is: a store has a few hundred contents.
    """
    # The enums by their values: an enum hashes in Python, its value in C.
    fields = (
        ob.name, ob.contents, ob.tests, ob.checklist, ob.sources, ob.evidence._value_,
        ob.window_evidence._value_, ob.protocol, ob.protocol_version, ob.role._value_,
    )  # fmt: skip
    known = _PLANNED.get(fields)
    if known is None:
        if len(_PLANNED) >= _PLANNED_KEPT:
            _PLANNED.clear()
        content = content_of(ob)
        known = _PLANNED[fields] = (content_digest(content), content)
    return known


_PLANNED: dict[tuple[object, ...], tuple[int, ObligationContent]] = {}
_PLANNED_KEPT = 4096


def content_values(content: ObligationContent) -> dict[str, object]:
    """The ``obligation_content`` row of a content, for a Core insert."""
    return {
        "digest": content_digest(content),
        "name": content.name,
        "contents": list(content.contents),
        "tests": list(content.tests),
        "checklist": content.checklist,
        "sources": list(content.sources),
        "evidence": content.evidence.value,
        "window_evidence": content.window_evidence.value,
        "protocol": content.protocol,
        "protocol_version": content.protocol_version,
        "role": content.role.value,
    }


def content_from_row(row: ObligationContentRow) -> ObligationContent:
    return ObligationContent(
        name=row.name,
        contents=tuple(row.contents or ()),
        tests=tuple(row.tests or ()),
        checklist=row.checklist,
        sources=tuple(row.sources or ()),
        evidence=Evidence(row.evidence),
        window_evidence=Evidence(row.window_evidence),
        protocol=row.protocol,
        protocol_version=row.protocol_version,
        role=Role(row.role),
    )


# The columns of an obligation row, in the order of :func:`obligation_tuple`.
OBLIGATION_COLUMNS = (
    "key",
    "subject_kind",
    "subject_id",
    "rule",
    "occurrence",
    "variant",
    "opens",
    "due",
    "closes",
    "daycare_id",
    "township",
    "assignee",
    "content",
    "catch_up",
    "cancelled_on",
    "cancel_reason",
    "withdrawn_on",
    "updated_at",
)


def obligation_tuple(
    ob: Obligation,
    *,
    township: str | None,
    assignee: str | None,
    content: int,
    now: int,
    day: Callable[[dt.date], object] = plain_date,
) -> tuple[object, ...]:
    """The row of an obligation as a tuple (:data:`OBLIGATION_COLUMNS`), for the driver's
    own ``executemany``: the plan writes a million of them, and a dict per row and
    SQLAlchemy's processing of each value cost a third of its time (profiled). ``day``
    turns a date into what the driver takes; ``now`` is the ``updated_at``
    (:func:`instant_ms`). ``content`` is the digest of its content
    (:func:`content_digest`: the protocol, its version and the role are there), whose row
    must be written first."""
    cancelled = ob.cancelled_on
    return (
        ob.key,
        ob.subject._value_,  # an enum's .value is a Python-level descriptor, not _value_
        ob.subject_id,
        ob.rule,
        ob.occurrence,
        ob.variant,
        day(ob.opens),
        day(ob.due),
        day(ob.closes),
        ob.daycare_id,
        township,
        assignee,
        content,
        ob.catch_up,
        None if cancelled is None else day(cancelled),
        ob.cancel_reason,
        None,
        now,
    )


class PlannedRows(Sequence[Obligation]):
    """One subject's planned obligations as the rows a first plan of it writes
    (:data:`OBLIGATION_COLUMNS` but the last, ``updated_at``, which the writer adds), in
    key order, with the contents they refer to: what a plan worker process sends the
    process that writes (:meth:`~yiyu.store.sql.SqlRepository.prepare_plans`).

    A row of plain values pickles and unpickles in a tenth of the time of the
    :class:`~yiyu.Obligation` it stands for (0.8 µs against 9.6 µs to unpickle, measured
    at 10k children), and the writer neither converts nor hashes it: that work is done
    where the plan was computed. As a sequence it is the obligations themselves, made from
    the rows when first asked for: a store needs them only to reconcile a subject that has
    obligations stored already.

    ``contents`` (digest to content) may be shared by every subject of a batch, so that
    it is pickled once.
    """

    __slots__ = ("_obligations", "contents", "rows")

    def __init__(
        self, rows: Sequence[tuple[Any, ...]], contents: Mapping[int, ObligationContent]
    ) -> None:
        self.rows = rows
        self.contents = contents
        self._obligations: tuple[Obligation, ...] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return PlannedRows, (self.rows, self.contents)  # not the obligations made from them

    @property
    def _made(self) -> tuple[Obligation, ...]:
        if self._obligations is None:
            self._obligations = tuple(
                obligation_from_values((*row, None), self.contents[row[_CONTENT]])
                for row in self.rows
            )
        return self._obligations

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Obligation]:
        return iter(self._made)

    @overload
    def __getitem__(self, index: int) -> Obligation: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Obligation]: ...
    def __getitem__(self, index: int | slice) -> Obligation | Sequence[Obligation]:
        return self._made[index]

    def __repr__(self) -> str:
        return f"PlannedRows({len(self.rows)} rows)"


_CONTENT = OBLIGATION_COLUMNS.index("content")


def obligation_values(
    ob: Obligation, *, township: str | None, assignee: str | None, now: dt.datetime
) -> dict[str, object]:
    """The row of an obligation as a plain dict (no model instance per row), for Core
    inserts and updates."""
    content, _ = planned_content(ob)
    values = obligation_tuple(
        ob, township=township, assignee=assignee, content=content, now=instant_ms(now)
    )
    return dict(zip(OBLIGATION_COLUMNS, values, strict=True))


def obligation_from_row(row: ObligationRow, content: ObligationContent) -> Obligation:
    """The obligation a row holds, with its content (looked up by ``row.content``)."""
    return obligation_from_values(tuple(getattr(row, c) for c in OBLIGATION_COLUMNS), content)


def obligation_from_values(values: Sequence[Any], content: ObligationContent) -> Obligation:
    """The obligation of a row's values in :data:`OBLIGATION_COLUMNS` order (what a plain
    select of those columns returns: by position, since a work list reads thousands of
    rows and a row's attribute lookup by name cost ten times an index), with its content.
    Columns after those are not read (a row may carry the obligation's status too).
    """
    (key, subject_kind, subject_id, rule, occurrence, variant, opens, due, closes,
     daycare_id, _township, _assignee, _content, catch_up, cancelled_on, cancel_reason,
     _withdrawn_on, _updated_at) = values[:_OBLIGATION_WIDTH]  # fmt: skip
    # By position, without Obligation's own checks (they ran when it was planned;
    # trusted_obligation): a quarter's coverage reads a quarter of a million.
    return trusted_obligation(
        key,
        rule,
        content.name,
        # A dict, not the enum's call: that was a tenth of building each obligation.
        _SUBJECT_KINDS.get(subject_kind) or SubjectKind(subject_kind),
        subject_id,
        occurrence,
        content.protocol,
        content.protocol_version,
        variant,
        content.role,
        stored_day(opens),
        stored_day(due),
        stored_day(closes),
        daycare_id,
        content.contents,
        content.tests,
        content.checklist,
        content.sources,
        content.evidence,
        content.window_evidence,
        catch_up,
        None if cancelled_on is None else stored_day(cancelled_on),
        cancel_reason,
    )


_OBLIGATION_WIDTH = len(OBLIGATION_COLUMNS)
_SUBJECT_KINDS = {kind.value: kind for kind in SubjectKind}


def holiday_year_row(year: HolidayYear, now: dt.datetime) -> HolidayYearRow:
    """The row of an operator's holiday year, added (or replaced) at ``now``."""
    return HolidayYearRow(
        year=year.year,
        source=year.source,
        note=year.note,
        holidays=[day.isoformat() for day in sorted(year.holidays)],
        workdays=[day.isoformat() for day in sorted(year.workdays)],
        added_at=now,
    )


def holiday_year_from_row(row: HolidayYearRow) -> HolidayYear:
    """The holiday year a row holds, validated again as it is read."""
    return HolidayYear(
        year=row.year,
        holidays=row.holidays,
        workdays=row.workdays,
        source=row.source,
        note=row.note,
    )
