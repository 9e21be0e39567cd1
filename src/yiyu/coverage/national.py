"""The yearly indicators, by their published definitions, year to date.

Each counts over 1 January to the period's end (to the as-of date for a period not over),
over the children who were this area's at some time in that span: born, moved in or
registered, and not gone before it began. Something owed whose outcome cannot be known
yet (a window still open, a newborn not yet 28 days old) is ``pending``: in neither the
numerator nor the denominator, and the figures are not final while any is.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from yiyu.coverage.counting import (
    Scope,
    Span,
    completed,
    in_time,
    is_child_visit,
    judged,
    owed,
    resident_during,
    skip_effect,
    under,
    year_to_date,
)
from yiyu.coverage.indicators import (
    NEWBORN_DAYS,
    SEVEN_YEARS_MONTHS,
    THREE_YEARS_MONTHS,
    Indicator,
)
from yiyu.coverage.results import Tally
from yiyu.domain import Encounter
from yiyu.errors import ValidationError
from yiyu.outcomes import screening_column
from yiyu.protocol import SubjectKind
from yiyu.scheduling import StoredObligation, assessment_age

# Span and year_to_date are counting's (a Scope reads them); still named here, where they
# were first defined.
__all__ = [
    "Span",
    "YearToDate",
    "national",
    "screened_by_2022_method",
    "screening_recorded",
    "year_to_date",
    "year_to_date_facts",
]


def screening_recorded(encounter: Encounter) -> bool:
    """Whether the visit recorded a 预警征象 screen (发育监测筛查)."""
    return bool(encounter.warning_signs) or encounter.warning_sign_column is not None


def screened_by_2022_method(encounter: Encounter) -> bool:
    """Whether the visit was an autism initial screen by the 2022 standard's method: the
    预警征象 screen, and the question about lost language or social skills asked (S6)."""
    return screening_recorded(encounter) and encounter.regression is not None


@attrs.frozen(kw_only=True)
class YearToDate:
    """What every yearly indicator of one report reads, found once for all of them.

    Attributes:
        seen: the visits that saw a child, by the as-of date.
        owed: the children's obligations of the indicators' rules falling due in the
            year to date (their ``due`` in it) that were owed there, of children resident
            in the area in that span (each indicator keeps its own rules' ones).
        visited: the children seen in the year to date (ids).
        elsewhere: the children with a visit skipped in the year to date as done
            elsewhere (ids).
        unscreenable: the keys of the checks owed that were done when no 预警征象 column
            applied (a preterm child under 3 months of corrected age): they owed no
            screen.
    """

    seen: tuple[Encounter, ...]
    owed: tuple[StoredObligation, ...]
    visited: frozenset[str]
    elsewhere: frozenset[str]
    unscreenable: frozenset[str]


_SCREENING = frozenset({"dev_screening_0_3", "autism_initial_screening"})


def year_to_date_facts(
    scope: Scope, encounters: Sequence[Encounter], indicators: Sequence[Indicator]
) -> YearToDate:
    """The scope's :class:`YearToDate`, for ``indicators``.

    Args:
        encounters: the visits recorded in the year to date and before it (for the
            screens).
        indicators: the yearly indicators to be counted: only their rules' obligations
            are kept.
    """
    rules = frozenset(rule for indicator in indicators for rule in indicator.rules)
    screened = frozenset(
        rule for indicator in indicators if indicator.id in _SCREENING for rule in indicator.rules
    )
    first, last = scope.year_to_date
    as_of, children, protocol, area = scope.as_of, scope.children, scope.protocol, scope.area
    seen = tuple(e for e in encounters if e.on <= as_of and is_child_visit(e, children))
    owed_here = tuple(
        e
        for e in scope.obligations
        if e.obligation.rule in rules
        and e.obligation.subject is SubjectKind.CHILD
        and first <= e.obligation.due <= last
        and owed(e, as_of, children, protocol)
        and (child := children.get(e.obligation.subject_id)) is not None
        and resident_during(child, first, last, area)
    )
    # 接受≥1次随访 counts any visit in the span; a visit skipped as done elsewhere in the
    # span counts too, apart (both yearly management rates read these).
    return YearToDate(
        seen=seen,
        owed=owed_here,
        visited=frozenset(e.subject_id for e in seen if first <= e.on <= last),
        elsewhere=frozenset(
            e.obligation.subject_id
            for e in scope.obligations
            if e.skip is not None
            and e.obligation.subject is SubjectKind.CHILD
            and first <= e.skip.on <= last
            and skip_effect(e, as_of, protocol) == "done"
        ),
        unscreenable=frozenset(
            e.obligation.key
            for e in owed_here
            if e.obligation.rule in screened and not _screen_applied(e, scope)
        ),
    )


def national(indicator: Indicator, scope: Scope, facts: YearToDate) -> Tally:
    """The yearly indicator ``indicator`` over the scope's year to date, in its area.

    Args:
        facts: the visits and obligations of the year to date
            (:func:`year_to_date_facts`), found once for every yearly indicator.
    """
    seen = facts.seen
    if indicator.id == "newborn_visit":
        return _newborn(scope)
    if indicator.id in ("child_health_management", "infant_health_management"):
        under_7 = indicator.id == "child_health_management"
        return _seen(scope, facts, SEVEN_YEARS_MONTHS if under_7 else THREE_YEARS_MONTHS)
    rules = frozenset(indicator.rules)
    due = [e for e in facts.owed if e.obligation.rule in rules]
    if indicator.id == "under3_systematic_management":
        return _systematic(due, scope)
    # A check done when no 预警征象 column applied (a preterm child under 3 months of
    # corrected age) owed no screen: it leaves the screening rates.
    screenable = [e for e in due if e.obligation.key not in facts.unscreenable]
    if indicator.id == "dev_screening_0_3":
        return _screenings(screenable, seen, scope)
    if indicator.id == "autism_initial_screening":
        return _autism(screenable, seen, scope)
    raise ValidationError("indicator", indicator.id, "no yearly counting rule in yiyu")


def _screen_applied(entry: StoredObligation, scope: Scope) -> bool:
    """Whether a 预警征象 column applied at the check, as far as is known: on the day it
    was done, by the age the child is assessed by (corrected, for a preterm child)."""
    done = completed(entry, scope.as_of)
    child = scope.children.get(entry.obligation.subject_id)
    if done is None or child is None:
        return True  # not done yet: the screen is owed
    age = assessment_age(child, done, scope.protocol)
    return screening_column(age, entry.obligation) is not None


def _newborn(scope: Scope) -> Tally:
    # 活产数: every child born here in the span, however late registered, and whether or
    # not it stayed; the visit counts within the newborn period.
    first, last = scope.year_to_date
    as_of = scope.as_of
    visits: dict[str, list[StoredObligation]] = {}
    for entry in scope.obligations:
        if entry.obligation.rule == "newborn_home_visit":
            visits.setdefault(entry.obligation.subject_id, []).append(entry)
    tally = Tally()
    born = (child for child in scope.children.values() if first <= child.birth_date <= last)
    for child in sorted(born, key=lambda child: child.id):  # the few born in the span
        if not resident_during(child, child.birth_date, as_of, scope.area):
            continue
        until = child.birth_date.add(days=NEWBORN_DAYS)
        entries = visits.get(child.id, [])
        if any((done := completed(e, as_of)) is not None and done <= until for e in entries):
            tally.counted(True, subject_id=child.id, key=None, reason="")
            continue
        elsewhere = any(skip_effect(e, as_of, scope.protocol) == "done" for e in entries)
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


def _seen(scope: Scope, facts: YearToDate, months: int) -> Tally:
    # 接受≥1次随访: any visit recorded for the child in the span, on time or late,
    # scheduled or not; a visit skipped as done elsewhere in the span counts, apart.
    first, last = scope.year_to_date
    visited, elsewhere = facts.visited, facts.elsewhere
    tally = Tally()
    for child in sorted(scope.children.values(), key=lambda child: child.id):
        if not (under(child, months, first) and resident_during(child, first, last, scope.area)):
            continue
        if child.id not in visited and child.id in elsewhere:
            tally.elsewhere += 1
        ok = child.id in visited or child.id in elsewhere
        tally.counted(ok, subject_id=child.id, key=None, reason="not_seen")
    return tally


def _judged(entry: StoredObligation, scope: Scope) -> bool | None:
    """``True`` done in its window (or elsewhere), ``False`` not, ``None`` not known yet
    (its window is still open)."""
    if in_time(entry, scope.as_of, scope.protocol):
        return True
    return None if entry.obligation.closes >= scope.as_of else False


def _systematic(due: Sequence[StoredObligation], scope: Scope) -> Tally:
    # 4:2:2: managed when every check that came of age in the span was done in its window.
    per_child: dict[str, list[StoredObligation]] = {}
    for entry in due:
        per_child.setdefault(entry.obligation.subject_id, []).append(entry)
    tally = Tally()
    for child_id, entries in sorted(per_child.items()):
        judged = [(e, _judged(e, scope)) for e in entries]
        missed = [e for e, ok in judged if ok is False]
        if missed:
            tally.counted(False, subject_id=child_id, key=missed[0].obligation.key, reason="missed")
        elif any(ok is None for _, ok in judged):
            tally.pending += 1
        else:
            tally.counted(True, subject_id=child_id, key=None, reason="")
    return tally


def _screenings(due: Sequence[StoredObligation], seen: Sequence[Encounter], scope: Scope) -> Tally:
    # Per screening owed: the check done in its window and its 预警征象 recorded there.
    recorded = {
        e.obligation_key for e in seen if e.obligation_key is not None and screening_recorded(e)
    }
    tally = Tally()
    for entry in sorted(due, key=lambda e: e.obligation.key):
        ob = entry.obligation
        state = judged(entry, scope.as_of, scope.protocol)
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


def _autism(due: Sequence[StoredObligation], seen: Sequence[Encounter], scope: Scope) -> Tally:
    # A child owed an initial screen in the span counts once screened by the 2022 method
    # at any visit in the span (scheduled or not), or at a check done elsewhere.
    first, last = scope.year_to_date
    screened = {e.subject_id for e in seen if first <= e.on <= last and screened_by_2022_method(e)}
    per_child: dict[str, list[StoredObligation]] = {}
    for entry in due:
        per_child.setdefault(entry.obligation.subject_id, []).append(entry)
    tally = Tally()
    for child_id, entries in sorted(per_child.items()):
        if child_id in screened:
            tally.counted(True, subject_id=child_id, key=None, reason="")
        elif any(skip_effect(e, scope.as_of, scope.protocol) == "done" for e in entries):
            tally.counted(True, subject_id=child_id, key=None, reason="")
            tally.elsewhere += 1
        elif any(e.obligation.closes >= scope.as_of for e in entries):
            tally.pending += 1  # a window still open: the screen may come
        else:
            tally.counted(False, subject_id=child_id, key=entries[0].obligation.key,
                          reason="not_screened")  # fmt: skip
    return tally
