"""The counting rules every indicator shares: what is counted, where and when (a
:class:`Scope`), what an obligation's facts were on a date, whether it was owed, and
whether a child was this area's."""

from __future__ import annotations

import functools
from collections.abc import Mapping

import attrs
import pendulum

from yiyu.dates import Period, add_months
from yiyu.domain import Child, Encounter
from yiyu.protocol import Protocol, SubjectKind
from yiyu.scheduling import StoredObligation
from yiyu.scheduling.status import referral_tracked

__all__ = [
    "Scope",
    "Span",
    "as_counted",
    "completed",
    "in_time",
    "is_child_visit",
    "judged",
    "months_after",
    "owed",
    "resident_during",
    "skip_effect",
    "under",
    "year_to_date",
]

Span = tuple[pendulum.Date, pendulum.Date]


def year_to_date(period: Period, as_of: pendulum.Date) -> Span:
    """1 January of the period's year to its end, or to ``as_of`` if that comes first."""
    return pendulum.Date(period.start.year, 1, 1), min(period.end, as_of)


@attrs.frozen(kw_only=True)
class Scope:
    """What is counted, where and when: the facts every indicator of one report reads,
    built once by :func:`yiyu.coverage.coverage`.

    Attributes:
        obligations: the area's stored obligations, read as coverage counts them
            (:func:`as_counted`).
        children: the children by id (birth dates, registration, cases), of every area.
        protocol: for the skip reasons.
        period: the month, quarter, half-year or year reported.
        as_of: the day judged from: nothing dated after it has happened yet.
        area: a township, or ``None`` for the whole city.
        last: the last day counted: the period's end, or ``as_of`` for a period not
            over.
        year_to_date: the first and last day a yearly rate counts
            (:func:`year_to_date`).
    """

    obligations: tuple[StoredObligation, ...]
    children: Mapping[str, Child]
    protocol: Protocol
    period: Period
    as_of: pendulum.Date
    area: str | None
    # Found once, not as properties: every indicator asks them of every child (half a
    # million times in a quarter's coverage at 100,000 children).
    last: pendulum.Date = attrs.field(
        init=False, default=attrs.Factory(lambda s: min(s.period.end, s.as_of), takes_self=True)
    )
    year_to_date: Span = attrs.field(
        init=False,
        default=attrs.Factory(lambda s: year_to_date(s.period, s.as_of), takes_self=True),
    )


def completed(entry: StoredObligation, as_of: pendulum.Date) -> pendulum.Date | None:
    """When it was completed, as far as was known on ``as_of``: an encounter, or (for a
    referral or a correction) the recorded result."""
    if entry.done_on is not None and entry.done_on <= as_of:
        return entry.done_on
    ob = entry.obligation
    if (
        ob.cancel_reason in ("referral_closed", "corrected")
        and ob.cancelled_on is not None
        and ob.cancelled_on <= as_of
    ):
        return ob.cancelled_on
    return None


def as_counted(entry: StoredObligation, children: Mapping[str, Child]) -> StoredObligation:
    """The entry as coverage reads it: a referral's tracking is completed when the
    referral's result was recorded (its ``closed_on``), never by a visit that recorded
    none."""
    ob = entry.obligation
    if ob.occurrence is None:  # most: not one that tracks a referral (referral_tracked)
        return entry
    child = children.get(ob.subject_id) if ob.subject is SubjectKind.CHILD else None
    # The referrals themselves, not tracked_referral(ob, child): its argument checks, for a
    # host, cost a province's coverage half a second.
    referral = None if child is None else referral_tracked(ob, child.referrals)
    if referral is None or referral.closed_on == entry.done_on:
        return entry
    return attrs.evolve(entry, done_on=referral.closed_on)


def skip_effect(entry: StoredObligation, as_of: pendulum.Date, protocol: Protocol) -> str | None:
    """How the entry's skip counts (``done``, ``excluded``, ``not_done``), if it was
    skipped by ``as_of``."""
    skip = entry.skip
    if skip is None or skip.on > as_of:
        return None
    return protocol.skip_effect(skip.reason.value)


def owed(
    entry: StoredObligation,
    as_of: pendulum.Date,
    children: Mapping[str, Child],
    protocol: Protocol,
) -> bool:
    """Whether the obligation was owed here, as known on ``as_of``, whatever its period.

    Not when withdrawn (no longer planned), skipped as not applicable (不适用), cancelled
    while open and not done first (moved out, died, case closed: a referral's result or a
    correction closes its own tracking, which is done), or when its window closed before
    the child was registered here (it was another area's).
    """
    ob = entry.obligation
    if entry.withdrawn_on is not None:
        return False
    if skip_effect(entry, as_of, protocol) == "excluded":
        return False
    if (
        ob.cancelled_on is not None
        and ob.cancelled_on <= ob.closes
        and (entry.done_on is None or entry.done_on > as_of)
        and ob.cancel_reason not in ("referral_closed", "corrected")
    ):
        return False
    child = children.get(ob.subject_id) if ob.subject is SubjectKind.CHILD else None
    return not (
        child is not None and child.registered_on is not None and ob.closes < child.registered_on
    )


def in_time(entry: StoredObligation, as_of: pendulum.Date, protocol: Protocol) -> bool:
    """Done in its window, or skipped as done elsewhere (已在他处完成)."""
    done = completed(entry, as_of)
    ob = entry.obligation
    if done is not None and ob.opens <= done <= ob.closes:
        return True
    return skip_effect(entry, as_of, protocol) == "done"


def judged(entry: StoredObligation, as_of: pendulum.Date, protocol: Protocol) -> str:
    """How an owed obligation stood on ``as_of``: ``done`` (in its window), ``elsewhere``
    (skipped as done elsewhere), ``late`` (done after its window), ``skipped`` (for a
    reason that leaves it owed), ``open`` (nothing yet, its window still open) or
    ``missed``."""
    done = completed(entry, as_of)
    ob = entry.obligation
    if done is not None and ob.opens <= done <= ob.closes:
        return "done"
    effect = skip_effect(entry, as_of, protocol)
    if effect == "done":
        return "elsewhere"
    if done is not None and done > ob.closes:
        return "late"
    if effect is not None:
        return "skipped"
    return "open" if ob.closes >= as_of else "missed"


def under(child: Child, months: int, first: pendulum.Date) -> bool:
    """Whether the child was under ``months`` of age at some time from ``first`` on."""
    return months_after(child.birth_date, months) > first


@functools.lru_cache(maxsize=16_384)
def months_after(birth_date: pendulum.Date, months: int) -> pendulum.Date:
    """:func:`~yiyu.dates.add_months`, remembered: every indicator asks each child's age
    (its birthday plus 36 or 84 months) again, and a province's children share a few
    thousand birth dates."""
    return add_months(birth_date, months)


def resident_during(
    child: Child, first: pendulum.Date, last: pendulum.Date, area: str | None
) -> bool:
    """Whether the child was this area's at some time from ``first`` to ``last``: living in
    ``area``, born and registered here by ``last``, and not gone by ``first``.

    ``last`` is never after the as-of date, so a later birth, registration or departure is
    not a fact yet.
    """
    if area is not None and child.township != area:
        return False
    if child.birth_date > last:
        return False
    if child.registered_on is not None and child.registered_on > last:
        return False
    left = child.left_on
    return left is None or left > first


def is_child_visit(encounter: Encounter, children: Mapping[str, Child]) -> bool:
    """Whether the encounter saw a child (not a daycare)."""
    if encounter.obligation_key is not None:
        return encounter.obligation_key.startswith("child:")
    return encounter.subject_id in children
