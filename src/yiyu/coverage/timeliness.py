"""The per-period indicators: timeliness rates (及时率) and the plan's work indicators.

An obligation belongs to the period its window closes in and is judged once the window
has closed; done means done in the window, done after it is counted as late, apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import pendulum

from yiyu.coverage.counting import Scope, in_time, judged, months_after, owed, resident_during
from yiyu.coverage.indicators import (
    GUIDANCE,
    SEVEN_YEARS_MONTHS,
    THREE_YEARS_MONTHS,
    Indicator,
)
from yiyu.coverage.results import Tally
from yiyu.domain import Case, Child
from yiyu.errors import ValidationError
from yiyu.protocol import SubjectKind
from yiyu.scheduling import StoredObligation

__all__ = ["by_child", "by_obligation", "cases", "counted_in_period", "residents"]


def counted_in_period(entry: StoredObligation, scope: Scope) -> bool:
    """Owed, with its window closing in the scope's period and closed by its ``as_of``."""
    closes = entry.obligation.closes
    if not scope.period.start <= closes <= scope.period.end or closes >= scope.as_of:
        return False  # another period's, or not over yet: judged once its window has closed
    return owed(entry, scope.as_of, scope.children, scope.protocol)


def by_obligation(entries: Sequence[StoredObligation], scope: Scope) -> Tally:
    """Each obligation counted once. ``entries``: the indicator's own (those of its rules,
    as ``yiyu.coverage`` sorts them out), owed and judged in the scope's period."""
    tally = Tally()
    for entry in entries:
        ob = entry.obligation
        state = judged(entry, scope.as_of, scope.protocol)
        tally.counted(state in ("done", "elsewhere"), subject_id=ob.subject_id, key=ob.key,
                      reason="missed" if state == "open" else state)  # fmt: skip
        tally.elsewhere += state == "elsewhere"
        tally.late += state == "late"
        tally.skipped += state == "skipped"
    return tally


def by_child(entries: Sequence[StoredObligation], indicator: Indicator, scope: Scope) -> Tally:
    """Each child counted once. ``entries``: the indicator's own (those of its rules, as
    ``yiyu.coverage`` sorts them out), owed and judged in the scope's period."""
    per_child: dict[str, list[StoredObligation]] = {}
    for entry in entries:
        ob = entry.obligation
        if ob.subject is SubjectKind.CHILD:
            per_child.setdefault(entry.obligation.subject_id, []).append(entry)
    tally = Tally()
    for child_id, due in sorted(per_child.items()):
        on_time = [e for e in due if in_time(e, scope.as_of, scope.protocol)]
        if indicator.id == "infant_visit_timely":
            # The period owns the visits whose window closes in it, and late visits do
            # not count (#17): a child is counted when at least one visit falling due in
            # the period was done in its window (wherever its date falls: a check done on
            # time in June for a window closing in August counts for the third quarter).
            child = scope.children.get(child_id)
            if child is None or not _present_under_3(child, scope):
                continue
            tally.counted(
                bool(on_time), subject_id=child_id, key=due[0].obligation.key, reason="none_on_time"
            )
            continue
        # high_risk_case_management: at least one follow-up on time.
        first_missed = next((e for e in due if e not in on_time), due[0])
        tally.counted(
            bool(on_time), subject_id=child_id, key=first_missed.obligation.key, reason="missed"
        )
    return tally


def _present_under_3(child: Child, scope: Scope) -> bool:
    """Under 3 at some time in the period, and here then: born and registered by its end
    (or by ``as_of``, for a period not over: later births and registrations are not facts
    yet), and not gone by its start."""
    last = scope.last
    if child.birth_date > last:
        return False
    if months_after(child.birth_date, THREE_YEARS_MONTHS) <= scope.period.start:
        return False
    left = child.left_on
    if left is not None and left <= min(scope.period.start, scope.as_of):
        return False
    return not (child.registered_on is not None and child.registered_on > last)


def _resident_at_end(child: Child, scope: Scope) -> bool:
    """Whether the child lives in the scope's area at the period's end (at ``as_of`` for a
    period not over: what happens after it is not a fact yet).

    Born and registered here by then, and not gone by then: a child who moved out or died
    during the period is no longer this area's to serve, so it leaves the denominator.
    """
    return resident_during(child, scope.last, scope.last, scope.area)


def residents(indicator: Indicator, scope: Scope) -> Tally:
    if indicator.id == "family_doctor_contract":
        return _family_doctor(scope)
    if indicator.id == "parenting_knowledge":
        return _guidance(scope)
    raise ValidationError(
        "indicator",
        indicator.id,
        "yiyu counts residents per period only for family_doctor_contract and parenting_knowledge",
    )


def _family_doctor(scope: Scope) -> Tally:
    # The registry keeps the contract, not its dates: the contract as stored now stands
    # for every period, so a past period's rate reads today's contracts.
    return _share(
        (child for child in scope.children.values() if _resident_at_end(child, scope)
         and months_after(child.birth_date, SEVEN_YEARS_MONTHS) > scope.period.end),  # under 7
        lambda child: child.family_doctor is not None,
        "not_contracted",
    )  # fmt: skip


def _guidance(scope: Scope) -> Tally:
    # A proxy: yiyu records no knowledge survey, so a family counts once it was given
    # guidance in the period: a visit whose planned contents include 指导, done (with an
    # encounter) in the period, late or not: guidance given is guidance given. Encounters
    # dated after as_of are not yet facts.
    guided = {
        e.obligation.subject_id
        for e in scope.obligations
        if e.obligation.subject is SubjectKind.CHILD
        and e.done_on is not None
        and scope.period.start <= e.done_on <= scope.last
        and any(GUIDANCE in item for item in e.obligation.contents)
    }
    return _share(
        (child for child in scope.children.values()
         if _present_under_3(child, scope) and _resident_at_end(child, scope)),
        lambda child: child.id in guided,
        "no_guidance",
    )  # fmt: skip


def _share(counted: Iterable[Child], holds: Callable[[Child], bool], reason: str) -> Tally:
    """The children ``counted`` for whom ``holds``; the others are the shortfall, by id."""
    tally = Tally()
    for child in sorted(counted, key=lambda child: child.id):
        tally.counted(holds(child), subject_id=child.id, key=None, reason=reason)
    return tally


def cases(scope: Scope) -> Tally:
    tally = Tally()
    first, last = scope.period.start, scope.last
    for child in scope.children.values():
        if not child.cases or (scope.area is not None and child.township != scope.area):
            continue  # most children have no case
        left = child.left_on
        if left is not None and left <= min(first, scope.as_of):
            continue  # no longer ours: its open cases are another area's to close
        for case in child.cases:
            if not _managed_during(case, first, last):
                continue
            if case.closed_by_leaving and case.closed_on is not None and case.closed_on <= last:
                continue  # ended by the child's leaving (迁出/死亡), not closed by its criteria
            closed = case.closed_on is not None and first <= case.closed_on <= last
            tally.counted(closed, subject_id=child.id, key=case.id, reason="open")
    return tally


def _managed_during(case: Case, first: pendulum.Date, last: pendulum.Date) -> bool:
    return case.opened_on <= last and (case.closed_on is None or case.closed_on >= first)
