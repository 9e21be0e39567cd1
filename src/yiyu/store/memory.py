"""The in-memory twin of the store: the same contract, no database.

For tests, and for host software's own tests (``yiyu.testing``). Transactions are real:
a failure inside one restores everything as it was.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import attrs
import pendulum

from yiyu.codec import encounter_data, encounter_fields, encounter_from_data, facts_hash
from yiyu.domain import Child, Daycare, Encounter, Enrolment
from yiyu.domain._convert import parse_enum, whole_number
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
from yiyu.store import claims
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
    acted_on_since,
    child_range,
    describe_error,
    encounter_subject_kind,
    may_be_to_do,
    run_status,
    this_process,
)
from yiyu.store.reconcile import StoredState, assignee_of, reconcile

__all__ = ["MemoryRepository"]


@attrs.define
class _Row:
    obligation: Obligation
    township: str | None
    assignee: str | None
    withdrawn_on: pendulum.Date | None = None


@attrs.define
class _StoredEncounter:
    """An encounter kept as the SQL store keeps it, as versioned JSON (so data of an older
    format is read, and a newer one refused, alike), read back once."""

    data: dict[str, Any]
    findings: list[Mapping[str, Any]]
    kind: SubjectKind

    @functools.cached_property
    def encounter(self) -> Encounter:
        return encounter_from_data(self.data)


@attrs.define
class _State:
    children: dict[str, Child] = attrs.Factory(dict)
    daycares: dict[str, Daycare] = attrs.Factory(dict)
    townships: set[str] = attrs.Factory(set)
    obligations: dict[str, _Row] = attrs.Factory(dict)
    plan_states: dict[SubjectRef, PlanState] = attrs.Factory(dict)
    encounters: dict[str, _StoredEncounter] = attrs.Factory(dict)
    skips: dict[str, Skip] = attrs.Factory(dict)
    reschedules: dict[str, Reschedule] = attrs.Factory(dict)
    holiday_years: dict[int, HolidayYear] = attrs.Factory(dict)
    runs: list[JobRun] = attrs.Factory(list)
    audit: list[tuple[pendulum.DateTime, str, str, str, str, Any]] = attrs.Factory(list)
    # When each subject's facts were last written and its plan last saved, as ticks of
    # one counter (the SQL store's updated_at and planned_at): what subjects_to_plan reads.
    clock: int = 0
    written: dict[SubjectRef, int] = attrs.Factory(dict)
    planned: dict[SubjectRef, int] = attrs.Factory(dict)
    # When anything of a subject was last written, as an instant (the SQL store's
    # updated_at and recorded_at): what changed_subjects reads.
    changed: dict[SubjectRef, pendulum.DateTime] = attrs.Factory(dict)

    def touch(self, ref: SubjectRef) -> None:
        self.changed[ref] = pendulum.now("UTC")

    def tick(self) -> int:
        self.clock += 1
        return self.clock


class MemoryRepository:
    """A :class:`~yiyu.store.api.Repository` in memory."""

    def __init__(self) -> None:
        self._state = _State()
        self._depth = 0
        self._claims: set[tuple[str, str]] = set()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        snapshot = self._snapshot()
        self._depth = 1
        try:
            yield
        except BaseException:
            self._state = snapshot
            raise
        finally:
            self._depth = 0

    def lock(self, ref: SubjectRef) -> None:
        """Nothing to do: the memory store is used by one thread at a time."""

    def lock_all_subjects(self) -> None:
        """Nothing to do: the memory store is used by one thread at a time."""

    def claim(self, key: str) -> AbstractContextManager[bool]:
        return claims.in_process("memory", key, self._claims)

    def _snapshot(self) -> _State:
        # Domain values are frozen, so copying the containers (and the one mutable row
        # type) is a full snapshot; a deep copy would trip over read-only mappings.
        state = self._state
        return _State(
            children=dict(state.children),
            daycares=dict(state.daycares),
            townships=set(state.townships),
            obligations={k: attrs.evolve(row) for k, row in state.obligations.items()},
            plan_states=dict(state.plan_states),
            encounters=dict(state.encounters),
            skips=dict(state.skips),
            reschedules=dict(state.reschedules),
            holiday_years=dict(state.holiday_years),
            runs=list(state.runs),
            audit=list(state.audit),
            clock=state.clock,
            written=dict(state.written),
            planned=dict(state.planned),
            changed=dict(state.changed),
        )

    # --- subjects ---------------------------------------------------------------------

    def save_children(self, children: Sequence[Child]) -> SaveCounts:
        with self.transaction():
            counts = SaveCounts()
            for child in children:
                old = self._state.children.get(child.id)
                counts += _count(old, child)
                self._store_child(old, child)
                if child.township:
                    self._state.townships.add(child.township)
            return counts

    def save_daycares(self, daycares: Sequence[Daycare]) -> SaveCounts:
        with self.transaction():
            counts = SaveCounts()
            for daycare in daycares:
                old = self._state.daycares.get(daycare.id)
                counts += _count(old, daycare)
                if old != daycare:
                    self._state.written[SubjectRef.of(daycare)] = self._state.tick()
                    self._state.touch(SubjectRef.of(daycare))
                self._state.daycares[daycare.id] = daycare
                if daycare.township:
                    self._state.townships.add(daycare.township)
            return counts

    def save_enrolments(self, enrolments: Sequence[Enrolment]) -> SaveCounts:
        with self.transaction():
            counts = SaveCounts()
            for enrolment in enrolments:
                child = self._state.children.get(enrolment.child_id)
                if child is None:
                    raise ValidationError("child_id", enrolment.child_id, "no such child")
                if enrolment.daycare_id not in self._state.daycares:
                    raise ValidationError("daycare_id", enrolment.daycare_id, "no such daycare")
                existing = {e.id: e for e in child.enrolments}
                counts += _count(existing.get(enrolment.id), enrolment)
                existing[enrolment.id] = enrolment
                self._store_child(child, attrs.evolve(child, enrolments=tuple(existing.values())))
            return counts

    def _store_child(self, old: Child | None, child: Child) -> None:
        """Keep a child, noting when its facts changed (as the SQL store's updated_at)."""
        if old != child:
            self._state.written[SubjectRef.of(child)] = self._state.tick()
            self._state.touch(SubjectRef.of(child))
        self._state.children[child.id] = child

    def ensure_townships(self, names: Iterable[str]) -> list[str]:
        created = sorted({n for n in names if n} - self._state.townships)
        self._state.townships.update(created)
        return created

    def townships(self) -> list[str]:
        return sorted(self._state.townships)

    def get_child(self, child_id: str) -> Child | None:
        return self._state.children.get(child_id)

    def get_daycare(self, daycare_id: str) -> Daycare | None:
        return self._state.daycares.get(daycare_id)

    def get_children(self, ids: Sequence[str]) -> dict[str, Child]:
        return {i: self._state.children[i] for i in ids if i in self._state.children}

    def children_in(self, subjects: SubjectRange) -> dict[str, Child]:
        subjects = child_range(subjects)
        return {
            i: self._state.children[i]
            for i in sorted(self._state.children)
            if subjects.first <= i <= subjects.last
        }

    def get_daycares(self, ids: Sequence[str]) -> dict[str, Daycare]:
        return {i: self._state.daycares[i] for i in ids if i in self._state.daycares}

    def listed(self, kind: SubjectKind, ids: Sequence[str]) -> dict[str, ListedSubject]:
        kind = parse_enum(SubjectKind, kind, "kind")
        found = self.get_children(ids) if kind is SubjectKind.CHILD else self.get_daycares(ids)
        return {i: ListedSubject.of(subject) for i, subject in found.items()}

    def subjects(self) -> list[SubjectRef]:
        refs = [SubjectRef(kind=SubjectKind.CHILD, id=i) for i in self._state.children]
        refs += [SubjectRef(kind=SubjectKind.DAYCARE, id=i) for i in self._state.daycares]
        return sorted(refs)

    def subject_ids(self, kind: SubjectKind, *, after: str | None = None, limit: int) -> list[str]:
        kind = parse_enum(SubjectKind, kind, "kind")
        ids = self._state.children if kind is SubjectKind.CHILD else self._state.daycares
        return sorted(i for i in ids if after is None or i > after)[:limit]

    def subject_count(self) -> int:
        return len(self._state.children) + len(self._state.daycares)

    def changed_subjects(self, subjects: SubjectRange, *, since: pendulum.DateTime) -> list[str]:
        return sorted(
            ref.id
            for ref, at in self._state.changed.items()
            if at > since and _in_range(subjects, ref.kind, ref.id)
        )

    # --- planning ---------------------------------------------------------------------

    def plan_states(self, refs: Sequence[SubjectRef]) -> dict[SubjectRef, PlanState]:
        return {ref: self._state.plan_states[ref] for ref in refs if ref in self._state.plan_states}

    def facts_hashes(self, refs: Sequence[SubjectRef]) -> dict[SubjectRef, str]:
        result: dict[SubjectRef, str] = {}
        for ref in refs:
            subject: Child | Daycare | None = (
                self._state.children.get(ref.id)
                if ref.kind is SubjectKind.CHILD
                else self._state.daycares.get(ref.id)
            )
            if subject is not None:
                result[ref] = facts_hash(subject)
        return result

    def subjects_to_plan(
        self, current: CurrentPlan, *, after: SubjectRef | None = None, limit: int = 500
    ) -> list[SubjectRef]:
        whole_number("limit", limit, minimum=1, maximum=1_000_000)
        result: list[SubjectRef] = []
        for ref in self.subjects():
            if len(result) == limit:
                break
            if (after is None or ref > after) and self._stale(ref, current):
                result.append(ref)
        return result

    def _stale(self, ref: SubjectRef, current: CurrentPlan) -> bool:
        state = self._state.plan_states.get(ref)
        planned = self._state.planned.get(ref)
        if state is None or planned is None:
            return True
        if state.protocol != current.protocol_label:
            return True
        if state.planned_until < current.planned_through:
            return True
        if self._state.written.get(ref, 0) > planned:
            return True
        child = self._state.children.get(ref.id) if ref.kind is SubjectKind.CHILD else None
        daycares = {e.daycare_id for e in child.enrolments} if child is not None else set()
        return any(
            self._state.written.get(SubjectRef(kind=SubjectKind.DAYCARE, id=d), 0) > planned
            for d in daycares
        )

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
        with self.transaction():
            rows = self._state.obligations
            stored = {
                key: StoredState(
                    obligation=row.obligation,
                    finished=key in self._state.skips or self._done_on(key) is not None,
                    withdrawn=row.withdrawn_on is not None,
                    township=row.township,
                    assignee=row.assignee,
                )
                for key, row in rows.items()
                if (row.obligation.subject, row.obligation.subject_id) == (ref.kind, ref.id)
            }
            plan = reconcile(
                stored, obligations, as_of=as_of, township=township, assignees=assignees
            )
            for obligation in (*plan.insert, *plan.update):
                rows[obligation.key] = _Row(
                    obligation=obligation,
                    township=township,
                    assignee=assignee_of(assignees, obligation),
                )
            for key in plan.withdraw:
                rows[key].withdrawn_on = as_of
            for key in plan.unwithdraw:
                rows[key].withdrawn_on = None
            if plan.insert or plan.update or plan.withdraw or plan.unwithdraw:
                self._state.touch(ref)
            self._state.plan_states[ref] = state
            self._state.planned[ref] = self._state.tick()
            return SaveCounts(
                created=len(plan.insert),
                updated=len(plan.update) + len(plan.withdraw) + len(plan.unwithdraw),
                unchanged=plan.unchanged,
            )

    def save_plans(self, items: Sequence[PlanItem], *, as_of: pendulum.Date) -> SaveCounts:
        with self.transaction():
            counts = SaveCounts()
            for item in items:
                subject: Child | Daycare | None = (
                    self._state.children.get(item.ref.id)
                    if item.ref.kind is SubjectKind.CHILD
                    else self._state.daycares.get(item.ref.id)
                )
                if item.subject_hash is not None and (
                    subject is None or facts_hash(subject) != item.subject_hash
                ):
                    continue  # planned from facts that have changed since: stale
                counts += self.save_plan(
                    item.ref, item.obligations, item.state, as_of=as_of,
                    township=item.township, assignees=item.assignees,
                )  # fmt: skip
            return counts

    def _done_on(self, key: str) -> pendulum.Date | None:
        days = [e.on for e in self._encounters() if e.obligation_key == key]
        return min(days) if days else None

    def obligations(
        self, where: ObligationFilter, *, names: bool = False
    ) -> list[StoredObligation]:
        result = []
        for key, row in sorted(self._state.obligations.items()):
            ob = row.obligation
            if not _matches(where, ob, row):
                continue
            entry = StoredObligation(
                obligation=ob,
                township=row.township,
                assignee=row.assignee,
                done_on=self._done_on(key),
                skip=self._state.skips.get(key),
                withdrawn_on=row.withdrawn_on,
                rescheduled=self._state.reschedules.get(key),
                subject_name=self._name(ob) if names else None,
            )
            if (where.to_do_on is None or may_be_to_do(entry, where.to_do_on)) and (
                where.acted_since is None or acted_on_since(entry, where.acted_since)
            ):
                result.append(entry)
        return result

    def obligations_due(
        self,
        where: ObligationFilter,
        *,
        after: tuple[pendulum.Date, str] | None = None,
        limit: int,
        names: bool = False,
    ) -> list[StoredObligation]:
        limit = whole_number("limit", limit, minimum=1, maximum=1_000_000)
        entries = self.obligations(where, names=names)
        ordered = sorted(entries, key=lambda e: (e.obligation.due, e.obligation.key))
        if after is not None:
            ordered = [e for e in ordered if (e.obligation.due, e.obligation.key) > after]
        return ordered[:limit]

    def _name(self, ob: Obligation) -> str | None:
        subjects: Mapping[str, Child | Daycare] = (
            self._state.children if ob.subject is SubjectKind.CHILD else self._state.daycares
        )
        subject = subjects.get(ob.subject_id)
        return None if subject is None else subject.name

    # --- what happened ----------------------------------------------------------------

    def save_encounter(
        self, encounter: Encounter, findings: Findings, *, kind: SubjectKind | None = None
    ) -> bool:
        with self.transaction():
            data = encounter_data(encounter)
            old = self._state.encounters.get(encounter.id)
            if old is not None:
                if encounter_fields(old.data) == encounter_fields(data):
                    return False
                raise ValidationError("id", encounter.id, "another encounter has this id")
            kind = kind or encounter_subject_kind(encounter)
            self._state.encounters[encounter.id] = _StoredEncounter(data, list(findings), kind)
            self._state.touch(SubjectRef(kind=kind, id=encounter.subject_id))
            return True

    def _encounters(self) -> Iterator[Encounter]:
        return (stored.encounter for stored in self._state.encounters.values())

    def encounters_on(self, day: pendulum.Date) -> list[Encounter]:
        return sorted((e for e in self._encounters() if e.on == day), key=lambda e: e.id)

    def encounters_between(
        self, first: pendulum.Date, last: pendulum.Date, *, subjects: SubjectRange | None = None
    ) -> list[Encounter]:
        return sorted(
            (
                stored.encounter
                for stored in self._state.encounters.values()
                if first <= stored.encounter.on <= last
                and (
                    subjects is None
                    or _in_range(subjects, stored.kind, stored.encounter.subject_id)
                )
            ),
            key=lambda e: (e.on, e.id),
        )

    def save_skip(self, key: str, skip: Skip) -> None:
        with self.transaction():
            if key not in self._state.obligations:
                raise ValidationError("obligation_key", key, "no such obligation")
            self._state.skips[key] = skip
            self._touch_obligation(key)

    def save_reschedule(self, key: str, reschedule: Reschedule) -> None:
        with self.transaction():
            if key not in self._state.obligations:
                raise ValidationError("obligation_key", key, "no such obligation")
            self._state.reschedules[key] = reschedule
            self._touch_obligation(key)

    def _touch_obligation(self, key: str) -> None:
        ob = self._state.obligations[key].obligation
        self._state.touch(SubjectRef(kind=ob.subject, id=ob.subject_id))

    # --- the operator's holiday years ------------------------------------------------

    def save_holiday_year(self, year: HolidayYear) -> SaveCounts:
        with self.transaction():
            counts = _count(self._state.holiday_years.get(year.year), year)
            self._state.holiday_years[year.year] = year
            return counts

    def holiday_calendar(self) -> HolidayCalendar:
        return HolidayCalendar(years=self._state.holiday_years.values())

    # --- job runs and audit -----------------------------------------------------------

    def start_run(self, job: str, *, parameters: Mapping[str, Any]) -> int:
        pid, host = this_process()
        run = JobRun(
            id=len(self._state.runs) + 1,
            job=job,
            started_at=pendulum.now("UTC"),
            finished_at=None,
            status="running",
            counts={"parameters": dict(parameters)},
            error=None,
            pid=pid,
            host=host,
        )
        self._state.runs.append(run)
        return run.id

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        counts: Mapping[str, Any],
        error: BaseException | str | None = None,
    ) -> None:
        run = self._state.runs[run_id - 1]
        self._state.runs[run_id - 1] = attrs.evolve(
            run,
            finished_at=pendulum.now("UTC"),
            status=status,
            counts={**run.counts, **counts},
            error=None if error is None else describe_error(error),
        )

    def runs(self, limit: int = 20) -> list[JobRun]:
        _, host = this_process()
        return [
            attrs.evolve(run, status=run_status(run, host=host))
            for run in reversed(self._state.runs[-limit:] if limit > 0 else [])
        ]

    def audit(self, actor: str, action: str, entity: str, entity_id: str, detail: Any) -> None:
        self._state.audit.append((pendulum.now("UTC"), actor, action, entity, entity_id, detail))


def _count(old: Any, new: Any) -> SaveCounts:
    if old is None:
        return SaveCounts(created=1)
    if old == new:
        return SaveCounts(unchanged=1)
    return SaveCounts(updated=1)


def _in_range(subjects: SubjectRange, kind: SubjectKind, subject_id: str) -> bool:
    return kind is subjects.kind and subjects.first <= subject_id <= subjects.last


def _matches(where: ObligationFilter, ob: Obligation, row: _Row) -> bool:
    checks = (
        where.subject is None or (ob.subject, ob.subject_id) == (where.subject.kind,
                                                                       where.subject.id),
        where.subjects is None or _in_range(where.subjects, ob.subject, ob.subject_id),
        where.township is None or row.township == where.township,
        where.assignee is None or row.assignee == where.assignee,
        where.daycare_id is None or ob.daycare_id == where.daycare_id,
        where.role is None or ob.role.value == where.role,
        where.opens_by is None or ob.opens <= where.opens_by,
        where.closes_from is None or ob.closes >= where.closes_from,
        where.closes_by is None or ob.closes <= where.closes_by,
        where.rules is None or ob.rule in where.rules,
        where.include_withdrawn or row.withdrawn_on is None,
    )  # fmt: skip
    return all(checks)
