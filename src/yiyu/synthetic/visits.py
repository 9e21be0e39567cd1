"""Simulated visit histories of children and daycares, each visit fed through ``yiyu.record``."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Final, TypeVar, cast

import attrs
import pendulum

from yiyu.domain import Child, Daycare, Encounter
from yiyu.outcomes import ChildRecord, DaycareRecord, record
from yiyu.protocol import Protocol
from yiyu.scheduling import Obligation, Status, schedule, status
from yiyu.synthetic._body import Body
from yiyu.synthetic._draw import clamp, from_ordinal
from yiyu.synthetic._encounters import child_encounter, correction_of, daycare_encounter
from yiyu.synthetic.spec import CohortSpec

__all__ = [
    "DaycareHistory",
    "History",
    "simulate_daycare_visits",
    "simulate_history",
    "simulate_visits",
]


@attrs.frozen(kw_only=True)
class _Visited:
    """What a simulated history of any subject holds, and the statuses it gives."""

    encounters: tuple[Encounter, ...]
    obligations: tuple[Obligation, ...]
    done_on: Mapping[str, pendulum.Date]
    as_of: pendulum.Date

    def status(self, obligation: Obligation) -> Status:
        """The obligation's status on ``as_of``."""
        return status(obligation, done_on=self.done_on.get(obligation.key), as_of=self.as_of)

    def statuses(self) -> dict[str, Status]:
        """Obligation key → status on ``as_of``, for every obligation."""
        return {obligation.key: self.status(obligation) for obligation in self.obligations}


@attrs.frozen(kw_only=True)
class History(_Visited):
    """A child after its simulated visits.

    Attributes:
        child: the child after every visit: its cases and referrals as recorded.
        encounters: the visits, in date order, each already fed through :func:`yiyu.record`.
        obligations: the child's obligations up to ``as_of`` (``yiyu.schedule``).
        done_on: obligation key → the date of the visit that fulfilled it.
        as_of: the day the history ends.
    """

    child: Child


@attrs.frozen(kw_only=True)
class DaycareHistory(_Visited):
    """A daycare after its simulated visits (see :class:`History`)."""

    daycare: Daycare


_Subject = TypeVar("_Subject", Child, Daycare)

# Visit behaviour: a minority of families miss many visits, most miss few.
_IRREGULAR: Final = 0.15
_IRREGULAR_FACTOR: Final = 4.0
_LATE_MEAN_DAYS: Final = 12
_LATE_MAX_DAYS: Final = 60


def _planned_day(
    obligation: Obligation, rng: random.Random, late: float, missed: float
) -> int | None:
    """When the visit happens (an ordinal), or ``None`` if it never does."""
    draw = rng.random()
    if draw < missed:
        return None
    opens, due, closes = (
        d.toordinal() for d in (obligation.opens, obligation.due, obligation.closes)
    )
    if draw < missed + late:
        return closes + 1 + min(int(rng.expovariate(1 / _LATE_MEAN_DAYS)), _LATE_MAX_DAYS)
    span = closes - opens
    if due == closes:
        return opens + round(rng.triangular(0, span, span * 0.3))
    return int(clamp(due + round(rng.gauss(0, max(2.0, span / 6))), opens, closes))


@attrs.define
class _Plan:
    """The visits decided so far for one subject: obligation key → planned day."""

    rng: random.Random
    late: float
    missed: float
    since: int | None
    days: dict[str, int | None] = attrs.Factory(dict)
    done: dict[str, pendulum.Date] = attrs.Factory(dict)

    def next_visit(
        self, obligations: Iterable[Obligation], earliest: int, latest: int, last: int
    ) -> tuple[int, Obligation] | None:
        """The next visit on or after ``last``: (day, obligation), or ``None``."""
        best: tuple[int, str, Obligation] | None = None
        for obligation in obligations:
            key = obligation.key
            if key in self.done:
                continue
            if key not in self.days:
                opens = obligation.opens.toordinal()
                if self.since is not None and opens < self.since:
                    self.days[key] = None
                else:
                    self.days[key] = _planned_day(obligation, self.rng, self.late, self.missed)
            day = self.days[key]
            if day is None:
                continue
            if day < earliest:
                if earliest > obligation.closes.toordinal():
                    continue  # its window closed before the subject was known: missed
                day = earliest
            day = max(day, last)
            stop = obligation.cancelled_on
            if day > latest or (stop is not None and day >= stop.toordinal()):
                continue
            if best is None or (day, key) < best[:2]:
                best = (day, key, obligation)
        return None if best is None else (best[0], best[2])


def _visit_in_order(
    plan: _Plan,
    subject: _Subject,
    protocol: Protocol,
    until: pendulum.Date,
    span: tuple[int, int],
    visit: Callable[[_Subject, Obligation, pendulum.Date], Encounter | None],
    *,
    planned_from: Callable[[_Subject], object],
) -> tuple[_Subject, tuple[Obligation, ...], tuple[Encounter, ...]]:
    """Visit a subject's obligations in date order, recording each with ``yiyu.record``.

    ``visit`` draws what is done at one visit (``None``: nothing is left to do, and the
    obligation is dropped from the plan). When a visit changes the facts its obligations
    are ``planned_from`` (a case opened, a correction closed), they are scheduled again,
    so the follow-ups a visit creates are visited in turn. ``span`` is the first and
    last day (ordinals) a visit can happen on.

    Returns:
        The subject after its visits, its obligations, and the encounters in date order.
    """
    earliest, latest = span
    current = subject
    obligations = schedule(current, protocol, until=until)
    encounters: list[Encounter] = []
    last = earliest
    while (chosen := plan.next_visit(obligations, earliest, latest, last)) is not None:
        day, obligation = chosen
        on = from_ordinal(day)
        encounter = visit(current, obligation, on)
        if encounter is None:
            plan.days[obligation.key] = None
            continue
        result: ChildRecord | DaycareRecord = record(encounter, current, protocol, as_of=on)
        # record() gives back the kind of subject it was given.
        following = cast(
            _Subject, result.child if isinstance(result, ChildRecord) else result.daycare
        )
        plan.done[obligation.key] = on
        encounters.append(encounter)
        last = day
        if planned_from(following) != planned_from(current):
            obligations = schedule(following, protocol, until=until)
        current = following
    return current, tuple(obligations), tuple(encounters)


def _seeded(spec: CohortSpec, kind: str, subject_id: str, rng_seed: int | None) -> random.Random:
    if rng_seed is not None:
        return random.Random(rng_seed)
    # Named for yiyu.testing, as the daycares' seed is (yiyu.synthetic.cohort).
    return random.Random(f"yiyu.testing/{kind}/{spec.seed}/{subject_id}")


def _missed_share(rng: random.Random, missed: float) -> float:
    """A family's share of missed visits: a few miss many, most few; the mean is ``missed``."""
    irregular = min(missed * _IRREGULAR_FACTOR, 1.0)
    if rng.random() < _IRREGULAR:
        return irregular
    return (missed - _IRREGULAR * irregular) / (1 - _IRREGULAR)


def simulate_history(
    child: Child,
    protocol: Protocol,
    *,
    spec: CohortSpec,
    rng_seed: int | None = None,
    since: dt.date | None = None,
) -> History:
    """Simulate a child's visits up to ``spec.as_of`` and record each through the outcomes.

    For every obligation of the child (``yiyu.schedule(child, protocol, until=as_of)``)
    the visit is done in its window (most), done late (``spec.late``) or missed
    (``spec.missed``; a minority of families miss far more than the rest). A visit
    measures what the obligation's contents name (weight, length/height, head), drawn
    from WHO's distribution for the child's (corrected) age and sex, with a few children
    far below −2 SD; measures Hb where its tests name 血红蛋白 (a few anaemic); answers
    the warning-sign column of a routine check (now and then one sign present); scores
    the rearing-risk form at a vulnerable child's assessment; and brings back referral
    results. No visit happens before the child was registered or discharged, on or
    after it left, or after ``as_of``.

    Each visit is recorded with :func:`yiyu.record` in date order, so the cases and
    referrals it opens change the child, and the follow-ups they create are visited in
    turn until nothing new falls due before ``as_of``.

    Args:
        child: the child as registered (with its enrolments, if any).
        protocol: from :func:`yiyu.load_protocol`.
        spec: ``as_of``, the seed and the visit shares.
        rng_seed: a seed of its own; by default one derived from ``spec.seed`` and the
            child's id, so a child's history does not depend on the other children.
        since: only obligations whose window opens on or after this day are visited
            (for simulating a later stretch of time on top of an earlier one).

    Returns:
        The child after the visits, the encounters in date order, the obligations and
        when each was done.

    Raises:
        ValidationError: if an encounter is refused by :func:`yiyu.record`, which is a
            bug in this module or in the outcome rules.
    """
    rng = _seeded(spec, "visits", child.id, rng_seed)
    as_of_ord = spec.as_of.toordinal()
    missed = _missed_share(rng, spec.missed)
    plan = _Plan(
        rng=rng,
        late=min(spec.late, 1.0 - missed),
        missed=missed,
        since=None if since is None else since.toordinal(),
    )
    body = Body.draw(child, rng)
    earliest = max(
        d.toordinal()
        for d in (child.birth_date, child.registered_on, child.discharge_date)
        if d is not None
    )
    left = child.left_on
    latest = min(as_of_ord, left.toordinal() - 1) if left is not None else as_of_ord

    def visit(current: Child, obligation: Obligation, on: pendulum.Date) -> Encounter:
        return child_encounter(current, obligation, on, body, rng, protocol)

    final, obligations, encounters = _visit_in_order(
        plan, child, protocol, spec.as_of, (earliest, latest), visit,
        planned_from=lambda current: (current.cases, current.referrals),
    )  # fmt: skip
    return History(child=final, encounters=encounters, obligations=obligations,
                   done_on=plan.done, as_of=spec.as_of)  # fmt: skip


def simulate_visits(
    child: Child,
    protocol: Protocol,
    *,
    spec: CohortSpec,
    rng_seed: int | None = None,
    since: dt.date | None = None,
) -> Iterator[Encounter]:
    """The encounters of :func:`simulate_history`, in date order.

    Use :func:`simulate_history` when the child after the visits is needed too.
    """
    yield from simulate_history(
        child, protocol, spec=spec, rng_seed=rng_seed, since=since
    ).encounters


def _correction_open(daycare: Daycare, obligation: Obligation, on: pendulum.Date) -> bool:
    """Whether a correction visit still has its correction open on ``on`` (else ``True``).

    A re-check done late can find the item already put right at a quarterly visit; the
    engine keeps such an obligation (its window had closed), but there is nothing left
    to re-check, and a re-check of a closed item would be read as a full review.
    """
    correction = correction_of(daycare, obligation)
    return correction is None or correction.is_open


def simulate_daycare_visits(
    daycare: Daycare,
    protocol: Protocol,
    *,
    spec: CohortSpec,
    rng_seed: int | None = None,
) -> DaycareHistory:
    """Simulate a daycare's visits by its health instructor up to ``spec.as_of``.

    Quarterly visits and the yearly review go through the review checklist (most items
    pass; now and then one fails, which opens a correction and its follow-up visit);
    the half-yearly lecture records its topic; a correction visit re-checks the failed
    item (usually put right). Visits are done, late or missed as for children, and
    recorded with :func:`yiyu.record` in date order.

    Args:
        daycare: the daycare.
        protocol: from :func:`yiyu.load_protocol`.
        spec: ``as_of``, the seed and the visit shares.
        rng_seed: a seed of its own; by default derived from ``spec.seed`` and the id.

    Returns:
        The daycare after the visits (with its corrections), the encounters in date
        order, the obligations and when each was done.
    """
    rng = _seeded(spec, "daycare-visits", daycare.id, rng_seed)
    plan = _Plan(rng=rng, late=spec.late, missed=spec.missed, since=None)
    earliest = daycare.opened_on.toordinal()
    latest = spec.as_of.toordinal()
    if daycare.closed_on is not None:
        latest = min(latest, daycare.closed_on.toordinal())

    def visit(current: Daycare, obligation: Obligation, on: pendulum.Date) -> Encounter | None:
        if not _correction_open(current, obligation, on):
            return None  # put right at a review before this late re-check: nothing to check
        return daycare_encounter(current, obligation, on, rng)

    final, obligations, encounters = _visit_in_order(
        plan, daycare, protocol, spec.as_of, (earliest, latest), visit,
        planned_from=lambda current: current.corrections,
    )  # fmt: skip
    return DaycareHistory(daycare=final, encounters=encounters, obligations=obligations,
                          done_on=plan.done, as_of=spec.as_of)  # fmt: skip
