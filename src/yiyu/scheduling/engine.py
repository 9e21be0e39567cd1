"""The scheduling engine: facts about a subject + a protocol → obligations.

Pure: no I/O, no clock. The horizon comes in as ``until``; what is open, due or late
is decided later, for a given date, by :func:`yiyu.scheduling.status`.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pendulum

from yiyu.dates import Period, add_months
from yiyu.domain import Child, Daycare
from yiyu.errors import ValidationError
from yiyu.protocol import Anchor, Offset, Protocol, Rule, ScheduleKind, Stage, SubjectKind
from yiyu.scheduling.conditions import holds
from yiyu.scheduling.obligation import Obligation, obligation_key

__all__ = ["corrected_birth", "schedule"]

# 40 weeks: term, the zero of corrected age (矫正月龄).
TERM_DAYS = 280
# Corrected age applies to preterm children only (< 37 weeks, digest §4).
PRETERM_WEEKS = 37


def corrected_birth(child: Child) -> pendulum.Date:
    """The date a preterm child would have reached 40 weeks; the birth date otherwise.

    Corrected age (矫正月龄) is age counted from this date: birth + (40 weeks −
    gestational age), for children born before 37 weeks (digest §4).
    """
    ga = child.gestational_age
    if ga is None or ga.weeks >= PRETERM_WEEKS:
        return child.birth_date
    return child.birth_date.add(days=TERM_DAYS - ga.total_days)


def schedule(
    subject: Child | Daycare, protocol: Protocol, *, until: pendulum.Date
) -> list[Obligation]:
    """Every obligation the protocol creates for a child or a daycare, up to ``until``.

    Args:
        subject: the child (with its categories, enrolments and life events) or daycare.
        protocol: from :func:`yiyu.load_protocol`.
        until: the horizon: obligations whose window opens after it are left out.

    Returns:
        The obligations, sorted by due date (then key). Windows already closed are
        included: whether they are done or missed is for :func:`yiyu.status` to say.

    Raises:
        ValidationError: if ``subject`` is neither a child nor a daycare.
    """
    if isinstance(subject, Child):
        obligations = list(_child(subject, protocol, until))
    elif isinstance(subject, Daycare):
        obligations = list(_daycare(subject, protocol, until))
    else:
        raise ValidationError("subject", subject, "a Child or a Daycare")
    unique = {ob.key: ob for ob in reversed(obligations)}  # the first of a key wins
    return sorted(unique.values(), key=lambda ob: (ob.due, ob.key))


# --- children -------------------------------------------------------------------------------


@attrs.frozen
class _Window:
    opens: pendulum.Date
    due: pendulum.Date
    closes: pendulum.Date
    occurrence: str | None
    daycare_id: str | None = None
    catch_up: bool = False


def _child(child: Child, protocol: Protocol, until: pendulum.Date) -> Iterator[Obligation]:
    left = child.left_on
    leaving = min(child.life_events, key=lambda event: event.on) if child.life_events else None
    for base in protocol.rules:
        if base.subject is not SubjectKind.CHILD:
            continue
        if base.when is not None and not holds(base.when, child, protocol):
            continue
        rule = _variant(base, child, protocol)
        if rule.schedule is ScheduleKind.ONCE:
            windows = _once(rule, child)
        elif rule.schedule is ScheduleKind.PERIODIC:
            windows = _periodic_child(rule, child, until)
        else:
            windows = _cadence(rule, child, until)
        for window in windows:
            if window.opens > until:
                continue
            cancelled_on = reason = None
            if left is not None and leaving is not None:
                if window.opens >= left:
                    continue  # never owed: the child had gone before it opened
                if window.closes >= left:
                    cancelled_on, reason = left, leaving.kind.value
            yield _obligation(rule, protocol, child.id, window, cancelled_on, reason)


def _variant(rule: Rule, child: Child, protocol: Protocol) -> Rule:
    for condition, variant in rule.variants:
        if holds(condition, child, protocol):
            return variant
    return rule


def _anchors(anchor: Anchor, child: Child) -> list[tuple[pendulum.Date, str | None, str | None]]:
    """(date, occurrence, daycare id) for each instance of the anchor."""
    if anchor is Anchor.BIRTH:
        return [(child.birth_date, None, None)]
    if anchor is Anchor.DISCHARGE:
        # A home birth has no discharge: the visit hangs from the birth (report) itself.
        return [(child.discharge_date or child.birth_date, None, None)]
    if anchor is Anchor.CORRECTED_BIRTH:
        return [(corrected_birth(child), None, None)]
    return [(e.start, e.id, e.daycare_id) for e in child.enrolments]


def _once(rule: Rule, child: Child) -> Iterator[_Window]:
    assert rule.anchor
    assert rule.opens
    assert rule.due
    assert rule.closes
    for anchor, occurrence, daycare_id in _anchors(rule.anchor, child):
        opens, due, closes = (rule.opens.after(anchor), rule.due.after(anchor),
                              rule.closes.after(anchor))  # fmt: skip
        registered = child.registered_on
        if rule.catch_up is not None and registered is not None and closes < registered:
            # Registered after the window closed. Without catch-up it comes back as
            # missed; with it, reopened from registration while still useful.
            limit = rule.catch_up.until_age.after(child.birth_date)
            if registered <= limit:
                due = min(rule.catch_up.within.after(registered), limit)
                yield _Window(registered, due, due, occurrence, daycare_id, catch_up=True)
                continue
        yield _Window(opens, due, closes, occurrence, daycare_id)


def _periodic_child(rule: Rule, child: Child, until: pendulum.Date) -> Iterator[_Window]:
    """One per calendar period while the child is in one of the rule's categories."""
    limit = rule.until_age.after(child.birth_date).subtract(days=1) if rule.until_age else None
    spans: list[tuple[pendulum.Date, pendulum.Date | None]] = sorted(
        (
            ((c.start or child.birth_date), c.end)
            for c in child.categories
            if c.kind in rule.categories
        ),
        key=lambda span: span[0],  # an open end (None) does not compare
    )
    for start, end in _merge(spans):
        last = end if limit is None else (limit if end is None else min(end, limit))
        if last is not None and last < start:
            continue
        yield from _periods(rule, start, last, until, first_within=rule.first_within)


def _merge(
    spans: list[tuple[pendulum.Date, pendulum.Date | None]],
) -> list[tuple[pendulum.Date, pendulum.Date | None]]:
    """Join overlapping or touching validity periods (孤儿 then 残疾 is one eligibility)."""
    merged: list[tuple[pendulum.Date, pendulum.Date | None]] = []
    for start, end in spans:
        if merged:
            last_start, last_end = merged[-1]
            if last_end is None or start <= last_end.add(days=1):
                joined = None if last_end is None or end is None else max(last_end, end)
                merged[-1] = (last_start, joined)
                continue
        merged.append((start, end))
    return merged


def _periods(
    rule: Rule,
    start: pendulum.Date,
    last: pendulum.Date | None,
    until: pendulum.Date,
    *,
    first_within: Offset | None = None,
) -> Iterator[_Window]:
    """One window per period of ``rule.period`` overlapping ``start``..``last``.

    The window is the part of the period the subject is eligible for, and is due at its
    end (the plan says "each quarter", not on which day). The first may instead be due
    ``first_within`` of the start, even if that runs into the next period.
    """
    assert rule.period is not None
    horizon = until if last is None else min(last, until)
    for index, period in enumerate(Period.spanning(rule.period, start, max(start, horizon))):
        opens = max(period.start, start)
        closes = period.end if last is None else min(period.end, last)
        due = closes
        if index == 0 and first_within is not None:
            due = first_within.after(start)
            if last is not None:
                due = min(due, last)
            closes = max(closes, due)
        yield _Window(opens, due, closes, period.label)


def _cadence(rule: Rule, child: Child, until: pendulum.Date) -> Iterator[_Window]:
    """Follow-up visits by corrected age, stage by stage, from discharge to ``until_age``.

    Ordinals count every visit of the child's cadence, not only those within ``until``,
    so the third follow-up keeps its key however far ahead one plans.
    """
    assert rule.anchor
    assert rule.start
    assert rule.until_age
    anchor = _anchors(rule.anchor, child)[0][0]
    start = _anchors(rule.start, child)[0][0]
    end = rule.until_age.after(anchor)
    ordinal = 0
    previous_months = 0
    last_closes = start
    for stage in rule.stages:
        stage_end = end
        if stage.until_months is not None:
            stage_end = min(end, add_months(anchor, stage.until_months))
        first = previous_months == 0
        origin = start if first else add_months(anchor, previous_months)
        for point in _stage_points(stage, origin, start, stage_end, include_origin=not first):
            opens = _minus(point, stage.before)
            if opens <= last_closes:
                continue  # would overlap the previous visit's window (at a stage change)
            ordinal += 1
            closes = stage.after.after(point)
            yield _Window(opens, point, closes, f"{ordinal:02d}")
            last_closes = closes
        if stage.until_months is None or stage_end >= end:
            return
        previous_months = stage.until_months


def _minus(day: pendulum.Date, offset: Offset) -> pendulum.Date:
    return add_months(day, -offset.months).subtract(days=offset.days)


def _stage_points(
    stage: Stage,
    origin: pendulum.Date,
    start: pendulum.Date,
    stage_end: pendulum.Date,
    *,
    include_origin: bool,
) -> Iterator[pendulum.Date]:
    """Visit dates of one stage: after ``start`` (discharge), before ``stage_end``.

    The first stage counts from discharge ("出院后…每2周"); later stages sit on the
    corrected-age grid from their boundary (``add_months(anchor, m)``). Each point is
    computed from the origin, never chained from the previous one.
    """
    step = 0 if include_origin else 1
    while True:
        point = Offset(months=stage.every.months * step, days=stage.every.days * step).after(origin)
        step += 1
        if point >= stage_end:
            return
        if point > start:
            yield point


def _obligation(
    rule: Rule,
    protocol: Protocol,
    subject_id: str,
    window: _Window,
    cancelled_on: pendulum.Date | None = None,
    cancel_reason: str | None = None,
) -> Obligation:
    return Obligation(
        key=obligation_key(rule.subject, subject_id, rule.id, window.occurrence),
        rule=rule.id,
        name=rule.name,
        subject=rule.subject,
        subject_id=subject_id,
        occurrence=window.occurrence,
        protocol=protocol.id,
        protocol_version=protocol.version,
        variant=rule.variant,
        role=rule.role,
        opens=window.opens,
        due=window.due,
        closes=window.closes,
        daycare_id=window.daycare_id,
        contents=rule.contents,
        tests=rule.tests,
        checklist=rule.checklist,
        sources=rule.sources,
        evidence=rule.evidence,
        window_evidence=rule.window_evidence,
        catch_up=window.catch_up,
        cancelled_on=cancelled_on,
        cancel_reason=cancel_reason,
    )


# --- daycares -------------------------------------------------------------------------------


def _daycare(daycare: Daycare, protocol: Protocol, until: pendulum.Date) -> Iterator[Obligation]:
    for rule in protocol.rules:
        if rule.subject is not SubjectKind.DAYCARE:
            continue
        for window in _periods(rule, daycare.opened_on, daycare.closed_on, until):
            if window.opens > until:
                continue
            yield _obligation(
                rule, protocol, daycare.id, attrs.evolve(window, daycare_id=daycare.id)
            )
