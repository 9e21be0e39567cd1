"""The yearly indicators, by their published definitions, year to date.

Each counts over 1 January to the period's end (to the as-of date for a period not over),
over the children who were this area's at some time in that span: born, moved in or
registered, and not gone before it began. Something owed whose outcome cannot be known
yet (a window still open, a newborn not yet 28 days old) is ``pending``: in neither the
numerator nor the denominator, and the figures are not final while any is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pendulum

from yiyu.coverage.counting import (
    completed,
    in_time,
    is_child_visit,
    judged,
    owed,
    resident_during,
    skip_effect,
    under,
)
from yiyu.coverage.indicators import (
    NEWBORN_DAYS,
    SEVEN_YEARS_MONTHS,
    THREE_YEARS_MONTHS,
    Indicator,
)
from yiyu.coverage.results import Shortfall, Tally
from yiyu.dates import Period
from yiyu.domain import Child, Encounter
from yiyu.errors import ValidationError
from yiyu.outcomes import screening_column
from yiyu.protocol import Protocol
from yiyu.scheduling import StoredObligation, assessment_age

__all__ = ["Span", "national", "screened_by_2022_method", "screening_recorded", "year_to_date"]

Span = tuple[pendulum.Date, pendulum.Date]


def year_to_date(period: Period, as_of: pendulum.Date) -> Span:
    """1 January of the period's year to its end, or to ``as_of`` if that comes first."""
    return pendulum.Date(period.start.year, 1, 1), min(period.end, as_of)


def screening_recorded(encounter: Encounter) -> bool:
    """Whether the visit recorded a 预警征象 screen (发育监测筛查)."""
    return bool(encounter.warning_signs) or encounter.warning_sign_column is not None


def screened_by_2022_method(encounter: Encounter) -> bool:
    """Whether the visit was an autism initial screen by the 2022 standard's method: the
    预警征象 screen, and the question about lost language or social skills asked (S6)."""
    return screening_recorded(encounter) and encounter.regression is not None


def national(
    indicator: Indicator,
    local: Sequence[StoredObligation],
    encounters: Sequence[Encounter],
    span: Span,
    as_of: pendulum.Date,
    children: Mapping[str, Child],
    protocol: Protocol,
    area: str | None,
) -> Tally:
    """The yearly indicator ``indicator`` over ``span`` in ``area``.

    Args:
        local: the area's stored obligations (read as coverage counts them).
        encounters: the visits recorded in ``span`` and before it (for the screens).
        span: the first and last day counted (:func:`year_to_date`).
    """
    first, last = span
    seen = [e for e in encounters if e.on <= as_of and is_child_visit(e, children)]
    if indicator.id == "newborn_visit":
        return _newborn(local, span, as_of, children, protocol, area)
    if indicator.id in ("child_health_management", "infant_health_management"):
        under_7 = indicator.id == "child_health_management"
        months = SEVEN_YEARS_MONTHS if under_7 else THREE_YEARS_MONTHS
        return _seen(local, seen, span, as_of, children, protocol, area, months)
    due = [
        e
        for e in local
        if e.obligation.rule in indicator.rules
        and e.obligation.subject.value == "child"
        and first <= e.obligation.due <= last
        and owed(e, as_of, children, protocol)
        and (child := children.get(e.obligation.subject_id)) is not None
        and resident_during(child, first, last, area)
    ]
    if indicator.id == "under3_systematic_management":
        return _systematic(due, as_of, protocol)
    # A check done when no 预警征象 column applied (a preterm child under 3 months of
    # corrected age) owed no screen: it leaves the screening rates.
    screenable = [e for e in due if _screen_applied(e, children, as_of, protocol)]
    if indicator.id == "dev_screening_0_3":
        return _screenings(screenable, seen, as_of, protocol)
    if indicator.id == "autism_initial_screening":
        return _autism(screenable, seen, span, as_of, protocol)
    raise ValidationError("indicator", indicator.id, "no yearly counting rule in yiyu")


def _screen_applied(
    entry: StoredObligation,
    children: Mapping[str, Child],
    as_of: pendulum.Date,
    protocol: Protocol,
) -> bool:
    """Whether a 预警征象 column applied at the check, as far as is known: on the day it
    was done, by the age the child is assessed by (corrected, for a preterm child)."""
    done = completed(entry, as_of)
    child = children.get(entry.obligation.subject_id)
    if done is None or child is None:
        return True  # not done yet: the screen is owed
    return screening_column(assessment_age(child, done, protocol), entry.obligation) is not None


def _newborn(
    local: Sequence[StoredObligation],
    span: Span,
    as_of: pendulum.Date,
    children: Mapping[str, Child],
    protocol: Protocol,
    area: str | None,
) -> Tally:
    # 活产数: every child born here in the span, however late registered, and whether or
    # not it stayed; the visit counts within the newborn period.
    first, last = span
    visits: dict[str, list[StoredObligation]] = {}
    for entry in local:
        if entry.obligation.rule == "newborn_home_visit":
            visits.setdefault(entry.obligation.subject_id, []).append(entry)
    tally = Tally()
    for child in sorted(children.values(), key=lambda child: child.id):
        if not (first <= child.birth_date <= last) or not resident_during(
            child, child.birth_date, as_of, area
        ):
            continue
        until = child.birth_date.add(days=NEWBORN_DAYS)
        entries = visits.get(child.id, [])
        if any((done := completed(e, as_of)) is not None and done <= until for e in entries):
            tally.counted(True, subject_id=child.id, key=None, reason="")
            continue
        elsewhere = any(skip_effect(e, as_of, protocol) == "done" for e in entries)
        if elsewhere:
            tally.counted(True, subject_id=child.id, key=None, reason="")
            tally.elsewhere += 1
            continue
        if until > as_of:
            tally.pending += 1  # still a newborn: the visit may come
            continue
        key = entries[0].obligation.key if entries else None
        tally.counted(False, subject_id=child.id, key=key, reason="not_visited")
    return tally


def _seen(
    local: Sequence[StoredObligation],
    seen: Sequence[Encounter],
    span: Span,
    as_of: pendulum.Date,
    children: Mapping[str, Child],
    protocol: Protocol,
    area: str | None,
    months: int,
) -> Tally:
    # 接受≥1次随访: any visit recorded for the child in the span, on time or late,
    # scheduled or not; a visit skipped as done elsewhere in the span counts, apart.
    first, last = span
    visited = {e.subject_id for e in seen if first <= e.on <= last}
    elsewhere = {
        e.obligation.subject_id
        for e in local
        if e.obligation.subject.value == "child"
        and e.skip is not None
        and first <= e.skip.on <= last
        and skip_effect(e, as_of, protocol) == "done"
    }
    tally = Tally()
    for child in sorted(children.values(), key=lambda child: child.id):
        if not (under(child, months, first) and resident_during(child, first, last, area)):
            continue
        if child.id not in visited and child.id in elsewhere:
            tally.elsewhere += 1
        ok = child.id in visited or child.id in elsewhere
        tally.counted(ok, subject_id=child.id, key=None, reason="not_seen")
    return tally


def _judged(entry: StoredObligation, as_of: pendulum.Date, protocol: Protocol) -> bool | None:
    """``True`` done in its window (or elsewhere), ``False`` not, ``None`` not known yet
    (its window is still open)."""
    if in_time(entry, as_of, protocol):
        return True
    return None if entry.obligation.closes >= as_of else False


def _systematic(due: Sequence[StoredObligation], as_of: pendulum.Date, protocol: Protocol) -> Tally:
    # 4:2:2: managed when every check that came of age in the span was done in its window.
    per_child: dict[str, list[StoredObligation]] = {}
    for entry in due:
        per_child.setdefault(entry.obligation.subject_id, []).append(entry)
    tally = Tally()
    for child_id, entries in sorted(per_child.items()):
        judged = [(e, _judged(e, as_of, protocol)) for e in entries]
        missed = [e for e, ok in judged if ok is False]
        if missed:
            tally.counted(False, subject_id=child_id, key=missed[0].obligation.key, reason="missed")
        elif any(ok is None for _, ok in judged):
            tally.pending += 1
        else:
            tally.counted(True, subject_id=child_id, key=None, reason="")
    return tally


def _screenings(
    due: Sequence[StoredObligation],
    seen: Sequence[Encounter],
    as_of: pendulum.Date,
    protocol: Protocol,
) -> Tally:
    # Per screening owed: the check done in its window and its 预警征象 recorded there.
    recorded = {
        e.obligation_key for e in seen if e.obligation_key is not None and screening_recorded(e)
    }
    tally = Tally()
    for entry in sorted(due, key=lambda e: e.obligation.key):
        ob = entry.obligation
        state = judged(entry, as_of, protocol)
        if state == "open":
            tally.pending += 1  # its window is still open: the screen may come
            continue
        ok = state == "elsewhere" or (state == "done" and ob.key in recorded)
        reason = "not_screened" if state == "done" else state
        tally.counted(ok, subject_id=ob.subject_id, key=ob.key, reason=reason)
        tally.elsewhere += state == "elsewhere"
        tally.late += state == "late"
        tally.skipped += state == "skipped"
    return tally


def _autism(
    due: Sequence[StoredObligation],
    seen: Sequence[Encounter],
    span: Span,
    as_of: pendulum.Date,
    protocol: Protocol,
) -> Tally:
    # A child owed an initial screen in the span counts once screened by the 2022 method
    # at any visit in the span (scheduled or not), or at a check done elsewhere.
    first, last = span
    screened = {e.subject_id for e in seen if first <= e.on <= last and screened_by_2022_method(e)}
    per_child: dict[str, list[StoredObligation]] = {}
    for entry in due:
        per_child.setdefault(entry.obligation.subject_id, []).append(entry)
    tally = Tally()
    for child_id, entries in sorted(per_child.items()):
        if child_id in screened:
            tally.counted(True, subject_id=child_id, key=None, reason="")
        elif any(skip_effect(e, as_of, protocol) == "done" for e in entries):
            tally.counted(True, subject_id=child_id, key=None, reason="")
            tally.elsewhere += 1
        elif any(e.obligation.closes >= as_of for e in entries):
            tally.pending += 1  # a window still open: the screen may come
        else:
            tally.shortfall.append(
                Shortfall(subject_id=child_id, key=entries[0].obligation.key, reason="not_screened")
            )
            tally.denominator += 1
    return tally
