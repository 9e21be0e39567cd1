"""The scheduling engine: facts about a subject + a protocol → obligations.

Pure: no I/O, no clock. The horizon comes in as ``until``; what is open, due or late
is decided later, for a given date, by :func:`yiyu.scheduling.status`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator
from typing import Final

import attrs
import pendulum

from yiyu.dates import Period, age_in_months, to_date
from yiyu.domain import Case, Child, Daycare, Enrolment
from yiyu.domain._convert import check_type, whole_number
from yiyu.errors import ValidationError
from yiyu.protocol import Anchor, Offset, Protocol, Rule, ScheduleKind, Stage, SubjectKind
from yiyu.scheduling.ages import corrected_birth
from yiyu.scheduling.conditions import holds
from yiyu.scheduling.obligation import Obligation, make_key, trusted_obligation
from yiyu.scheduling.shapes import Shape, schedule_shape, thresholds

__all__ = [
    "DEFAULT_HORIZON_DAYS",
    "MAX_HORIZON_DAYS",
    "check_horizon_days",
    "corrected_birth",
    "schedule",
]

# How far ahead a plan may reach: yiyu's bound, not a standard's. A child is followed to
# 6 years, so ten years ahead covers any real plan; more is a slip (days typed for
# months), and a horizon of a few million days would run past the calendar's end.
MAX_HORIZON_DAYS: Final = 3660

# How far ahead a plan reaches unless told otherwise (a yiyu default): half a year shows
# every check of the next two age stages on a work list.
DEFAULT_HORIZON_DAYS: Final = 180


def check_horizon_days(value: int, *, field: str = "horizon_days") -> int:
    """``value`` if it is a horizon in days: a whole number from 0 to
    :data:`MAX_HORIZON_DAYS`.

    Raises:
        ValidationError: naming ``field`` and the value, otherwise.
    """
    return whole_number(field, value, minimum=0, maximum=MAX_HORIZON_DAYS)


def _after(offset: Offset, day: pendulum.Date) -> pendulum.Date:
    """``offset.after(day)``, remembered (:func:`_shifted`)."""
    return _shifted(offset.months, offset.days, day)


@functools.lru_cache(maxsize=1 << 16)
def _shifted(months: int, days: int, day: pendulum.Date) -> pendulum.Date:
    """``day`` moved by ``months`` (clamped at month ends), then ``days``, remembered.

    Date arithmetic is most of the engine's time (pendulum's ``add`` is pure Python),
    and a cohort repeats it endlessly: a few thousand birth dates times a few dozen
    offsets. Keyed by plain numbers and the date, which hash and compare in C, not by
    the :class:`~yiyu.protocol.Offset` (an attrs value hashes and compares in Python):
    the engine looks up several per window it builds.
    """
    return Offset(months=months, days=days).after(day)


def _next_day(day: pendulum.Date) -> pendulum.Date:
    """The day after ``day``, remembered (pendulum's ``add(days=1)`` builds a duration)."""
    return _shifted(0, 1, day)


def _add_months(day: pendulum.Date, months: int) -> pendulum.Date:
    """:func:`yiyu.dates.add_months`, remembered."""
    return _shifted(months, 0, day)


def schedule(
    subject: Child | Daycare, protocol: Protocol, *, until: dt.date | str
) -> list[Obligation]:
    """Every obligation the protocol creates for a child or a daycare, up to ``until``.

    Args:
        subject: the child (with its categories, enrolments and life events) or daycare.
        protocol: from :func:`yiyu.load_protocol`.
        until: the horizon: obligations whose window opens after it are left out (a
            ``datetime.date`` or ``YYYY-MM-DD``).

    Returns:
        The obligations, sorted by due date (then key). Windows already closed are
        included: whether they are done or missed is for :func:`yiyu.status` to say.

    Raises:
        ValidationError: if ``subject`` is neither a child nor a daycare, ``protocol``
            is not a :class:`~yiyu.Protocol` or ``until`` is not a date (a
            ``datetime.date`` or ``YYYY-MM-DD``).
    """
    check_type("protocol", protocol, Protocol, "a Protocol (from yiyu.load_protocol)")
    horizon = to_date(until, field="until")
    if isinstance(subject, Child):
        return _child_plan(subject, protocol, horizon)
    if isinstance(subject, Daycare):
        return _in_order(list(_daycare(subject, protocol, horizon)))
    raise ValidationError("subject", subject, "a Child or a Daycare")


def _in_order(obligations: list[Obligation]) -> list[Obligation]:
    """The obligations by due date, then key; each key once."""
    keys = {ob.key for ob in obligations}
    if len(keys) != len(obligations):
        # The domain values refuse duplicate enrolments, cases and referrals, and the
        # engine merges what falls in one period: a collision is an engine bug.
        clash = sorted(key for key in keys if sum(ob.key == key for ob in obligations) > 1)
        raise AssertionError(f"two obligations with the key {clash[0]}")
    return sorted(obligations, key=lambda ob: (ob.due, ob.key))


# --- children -------------------------------------------------------------------------------


@attrs.frozen
class _Window:
    opens: pendulum.Date
    due: pendulum.Date
    closes: pendulum.Date
    occurrence: str | None
    daycare_id: str | None = None
    catch_up: bool = False
    stops_on: pendulum.Date | None = None  # the anchor instance ends (a case closes)
    stop_reason: str | None = None
    extra_tests: tuple[str, ...] = ()  # a late-registered child's 补查, added to the rule's


@attrs.frozen
class _Instance:
    """One occurrence of an anchor: the birth, an enrolment, a case, a referral …"""

    date: pendulum.Date
    occurrence: str | None = None
    daycare_id: str | None = None
    stops_on: pendulum.Date | None = None  # first day it no longer holds
    stop_reason: str | None = None
    phases: tuple[tuple[pendulum.Date, str], ...] = ()  # a case's recorded stages


def _child_plan(child: Child, protocol: Protocol, until: pendulum.Date) -> list[Obligation]:
    """The child's obligations in order (:func:`_in_order`).

    A child with only its birth recorded is planned by its shape
    (:func:`~yiyu.scheduling.shapes.schedule_shape`): the first child of a shape is
    planned rule by rule, and its windows, in its obligations' order, are kept for the
    others, whose obligations differ only in their key and id. In the benchmark's cohort
    of 100,000 (2026-12-02), 82 % of the children had a shape, 64 % were planned from a
    shape kept, and schedule() made 119,000 obligations a second instead of 94,500, its
    process 39 MB larger (17,700 shapes kept).
    """
    shape = schedule_shape(child, thresholds(protocol))
    if shape is None:
        made = [_obligation(r, protocol, child.id, w) for r, w in _child(child, protocol, until)]
        return _in_order(made)
    key = (id(protocol), until, shape)
    prefix = f"{_CHILD_PREFIX}{child.id}/"
    known = _SHAPES.get(key)
    if known is not None:
        return [
            _again(rule, protocol, child.id, prefix + rest, window)
            for rest, rule, window in known[1]
        ]
    pairs = list(_child(child, protocol, until))
    made = [_obligation(rule, protocol, child.id, window) for rule, window in pairs]
    obligations = _in_order(made)
    position = {id(ob): index for index, ob in enumerate(made)}
    order = [position[id(ob)] for ob in obligations]  # the windows in the same order
    if len(_SHAPES) >= _SHAPES_KEPT:  # a bound, for a long-lived process
        _SHAPES.clear()
        _SUFFIXES.clear()
    # Keys of one child sort by what follows its id: the order is every child's. The
    # entry holds the protocol: no other protocol can take its id while it is kept.
    kept = tuple(
        (_SUFFIXES.setdefault(rest := made[i].key[len(prefix) :], rest), *pairs[i]) for i in order
    )
    _SHAPES[key] = (protocol, kept)
    return obligations


def _again(
    rule: Rule, protocol: Protocol, subject_id: str, key: str, window: _Window
) -> Obligation:
    """:func:`_obligation` for a window it made before (checked then), its key given.

    By position, without ``Obligation``'s ``__init__`` (its only check is the window's;
    the parts were checked when the protocol and the subject were): trusted_obligation.
    """
    return trusted_obligation(
        key,
        rule.id,
        rule.name,
        rule.subject,
        subject_id,
        window.occurrence,
        protocol.id,
        protocol.version,
        rule.variant,
        rule.role,
        window.opens,
        window.due,
        window.closes,
        window.daycare_id,
        rule.contents,
        rule.tests + window.extra_tests if window.extra_tests else rule.tests,
        rule.checklist,
        rule.sources,
        rule.evidence,
        rule.window_evidence,
        window.catch_up,
        window.stops_on,
        window.stop_reason,
    )


_CHILD_PREFIX = f"{SubjectKind.CHILD.value}:"
_SUFFIXES: dict[str, str] = {}  # one string for each rule and occurrence a shape keeps
_SHAPES: dict[
    tuple[int, pendulum.Date, Shape], tuple[Protocol, tuple[tuple[str, Rule, _Window], ...]]
] = {}
# A bound, for a long-lived process: about 70 MB (the shapes of 100,000 children took 39).
_SHAPES_KEPT = 1 << 15


def _child(
    child: Child, protocol: Protocol, until: pendulum.Date
) -> Iterator[tuple[Rule, _Window]]:
    """The child's windows, rule by rule, each as its obligation will hold it."""
    leaving = child.leaving
    # Conditions (preterm, high-risk newborn …) are judged on the facts at discharge: a
    # category recorded later does not rewrite the newborn period retroactively.
    judged_on = child.discharge_date or child.birth_date
    discharge = child.discharge_date if protocol.policy("inpatient_not_owed") else None
    overdue_stays = protocol.policy("overdue_stays_missed")

    def finish(window: _Window) -> _Window | None:
        if window.opens > until:
            return None
        if window.stops_on is None and window.stop_reason is None:
            stopped: _Window | None = window  # most windows: nothing ends them early
        else:
            stopped = _stopped(
                window, [(window.stops_on, window.stop_reason)] if window.stops_on else []
            )
        if stopped is not None and leaving is not None:
            stopped = _left(stopped, leaving.on, leaving.kind.value, overdue_stays=overdue_stays)
        return stopped

    # Most children were registered at birth: their obligations stream out as they are
    # made. A child registered late needs the whole plan first (its catch-up check
    # depends on the checks it missed), so its windows are held until the end.
    held: list[tuple[Rule, _Window]] | None = [] if child.registered_on is not None else None
    late_registration: list[Rule] = []
    for base in protocol.rules:
        if base.subject is not SubjectKind.CHILD:
            continue
        if base.when is not None and not holds(base.when, child, protocol, judged_on):
            continue
        rule = _variant(base, child, protocol, judged_on) if base.variants else base
        if rule.anchor is Anchor.REGISTRATION:
            late_registration.append(rule)
            continue
        if rule.schedule is ScheduleKind.ONCE:
            # Only a child registered at birth: a late one's catch-up check reads all.
            windows: Iterable[_Window] = _once(
                rule, child, opening_by=until if held is None else None
            )
        elif rule.schedule is ScheduleKind.PERIODIC:
            windows = _periodic_child(rule, child, until)
        else:
            windows = _cadence(rule, child, until)  # starts at discharge by its own rule
        inpatient = discharge if rule.schedule is not ScheduleKind.CADENCE else None
        for window in windows:
            if inpatient is not None and window.opens < inpatient:
                after = _inpatient(window, inpatient)
                if after is None:
                    continue
                window = after
            if held is not None:
                held.append((rule, window))
            elif (finished := finish(window)) is not None:
                yield rule, finished
    if held is not None:
        for rule in late_registration:
            held = _registration_check(rule, child, protocol, held, discharge)
        for rule, window in held:
            if (finished := finish(window)) is not None:
                yield rule, finished


def _registration_check(
    rule: Rule,
    child: Child,
    protocol: Protocol,
    planned: list[tuple[Rule, _Window]],
    discharge: pendulum.Date | None,
) -> list[tuple[Rule, _Window]]:
    """A child registered late is seen within the rule's window of its registration.

    Owed when a routine check the rule ``covers`` had its window close before the child
    was registered here (it was missed before anyone here knew of the child). The check
    carries the tests of those missed checks that are still clinically useful
    (``carry_tests``: the 6–8-month Hb of a child registered at 10 months, the hearing
    screen), and the 预警征象 column of the child's age on the day (no ``checklist``: the
    visit is screened off schedule). When a covered check can be done within the same
    days anyway (due by then and still open), that check is the catch-up: it takes the
    carried tests and nothing is added, so the family is not called twice.
    """
    registered = child.registered_on
    if registered is None:
        return planned
    judged_on = child.discharge_date or child.birth_date
    by_id = {base.id: base for base in protocol.rules}
    assert rule.due is not None
    deadline = _after(rule.due, registered)
    missed: list[Rule] = []
    serving: tuple[Rule, _Window] | None = None
    for covered_id in rule.covers:
        base = by_id[covered_id]
        if base.when is not None and not holds(base.when, child, protocol, judged_on):
            continue
        covered = _variant(base, child, protocol, judged_on)
        if covered.schedule is not ScheduleKind.ONCE:
            continue  # the loader allows any rule; only a check owed once can be missed
        owed = (_inpatient(window, discharge) for window in _once(covered, child))
        for window in (w for w in owed if w is not None):
            if window.closes < registered:
                missed.append(covered)
            elif window.due <= deadline and (serving is None or window.due < serving[1].due):
                serving = (covered, window)
    if not missed:
        return planned
    useful = [
        carry.test
        for carry in rule.carry_tests
        if registered < _after(carry.until_age, child.birth_date)
        and any(test.startswith(carry.test) for check in missed for test in check.tests)
    ]
    if serving is not None:
        covered = serving[0]
        planned_tests = covered.tests
        extra = _catch_up_tests(
            t for t in useful if not any(x.startswith(t) for x in planned_tests)
        )
        if not extra:
            return planned
        return [
            (r, attrs.evolve(w, extra_tests=extra) if r.id == covered.id else w) for r, w in planned
        ]
    owed = (_inpatient(window, discharge) for window in _once(rule, child))
    windows = [
        attrs.evolve(window, extra_tests=_catch_up_tests(useful), catch_up=True)
        for window in owed
        if window is not None
    ]
    return [*planned, *((rule, window) for window in windows)]


def _catch_up_tests(tests: Iterable[str]) -> tuple[str, ...]:
    return tuple(f"{test}（补查）" for test in tests)


def _inpatient(window: _Window, discharge: pendulum.Date | None) -> _Window | None:
    """What falls while the child is still in hospital is not owed (the protocol's
    ``inpatient_not_owed``; ``discharge`` is ``None`` when it is off or a home birth).

    A check whose window closes before the discharge is never owed, never missed and
    never in a coverage denominator (a 28-week infant discharged on day 70 owes no 满月
    check at days 28–30: the newborn home visit after discharge sees it). A window open
    on the discharge day starts then: no one can be seen at home before it.
    """
    if discharge is None or window.opens >= discharge:
        return window
    if window.closes < discharge:
        return None
    return attrs.evolve(window, opens=discharge, due=max(window.due, discharge))


def _left(
    window: _Window, day: pendulum.Date, reason: str, *, overdue_stays: bool
) -> _Window | None:
    """The child moved out or died on ``day``.

    What would open after that day is never owed. With ``overdue_stays`` (the protocol's
    ``overdue_stays_missed``), a check already overdue on the day (its due date passed)
    was owed here: it stays, its window ending the day before, so it counts as missed
    rather than vanishing from coverage as a cancellation would. What is open and not
    overdue is cancelled from that day (status ``cancelled``, unless done first).
    """
    if window.stops_on is not None and window.stops_on <= day:
        return window  # already ended by its own anchor (a case closed first)
    if window.opens > day:
        return None
    if window.closes < day:
        return window
    if overdue_stays and window.due < day:
        return attrs.evolve(window, closes=day.subtract(days=1), stops_on=None, stop_reason=None)
    return attrs.evolve(window, stops_on=day, stop_reason=reason)


def _stopped(window: _Window, stops: list[tuple[pendulum.Date, str | None]]) -> _Window | None:
    """Apply what ends an obligation early: its anchor ending (a case closing, a daycare
    closing, a referral's result).

    What would open after that day is never owed; what is open on it is cancelled from
    that day (status ``cancelled``, unless it was done first).
    """
    if not stops:
        return _unstopped(window)
    day, reason = min(stops, key=lambda stop: stop[0])
    if window.opens > day:
        return None
    # A window opening on the very day (the follow-up whose visit closed the case) stays,
    # cancelled from that day: the visit that was done on it must keep its obligation.
    if window.closes >= day:
        return attrs.evolve(window, stops_on=day, stop_reason=reason)
    return _unstopped(window)


def _unstopped(window: _Window) -> _Window:
    if window.stops_on is None and window.stop_reason is None:
        return window  # most windows: no copy (attrs.evolve is slow)
    return attrs.evolve(window, stops_on=None, stop_reason=None)


def _variant(rule: Rule, child: Child, protocol: Protocol, on: pendulum.Date) -> Rule:
    for condition, variant in rule.variants:
        if holds(condition, child, protocol, on):
            return variant
    return rule


def _instances(rule: Rule, anchor: Anchor, child: Child) -> list[_Instance]:
    """Each instance of the anchor that this rule applies to."""
    day = _anchor_day(anchor, child)
    if day is not None:
        return [_Instance(day)]
    return _fact_instances(rule, anchor, child)


def _fact_instances(rule: Rule, anchor: Anchor, child: Child) -> list[_Instance]:
    """Each instance of an anchor that is one of the child's facts (an enrolment, a
    case, a referral, its registration): as many as it has, most often none."""
    if anchor is Anchor.ENROLMENT_START:
        return [_Instance(e.start, e.id, e.daycare_id) for e in _enrolments(rule, child)]
    if anchor is Anchor.REGISTRATION:
        return [] if child.registered_on is None else [_Instance(child.registered_on)]
    if anchor is Anchor.CASE:
        return _case_series(rule, child)
    if anchor is Anchor.REFERRAL:
        return [
            _Instance(referral.opened_on, referral.id, None, referral.closed_on, "referral_closed")
            for referral in child.referrals
            if referral.kind in rule.referral_kinds
        ]
    raise AssertionError(f"{anchor} does not anchor a child's rule")  # the loader forbids it


def _anchor_day(anchor: Anchor, child: Child) -> pendulum.Date | None:
    """The day of an anchor every child has once (its birth, discharge or corrected
    birth); ``None`` for the others, which have as many instances as the child's facts."""
    if anchor is Anchor.BIRTH:
        return child.birth_date
    if anchor is Anchor.DISCHARGE:
        # A home birth has no discharge: the visit hangs from the birth (report) itself.
        return child.discharge_date or child.birth_date
    if anchor is Anchor.CORRECTED_BIRTH:
        return corrected_birth(child)
    return None


def _enrolments(rule: Rule, child: Child) -> list[Enrolment]:
    """The enrolments a rule is owed for.

    ``first``: the child's first enrolment here (入托检查). ``return``: an enrolment
    starting more than ``away_more_than`` after the child last left a daycare (托儿所幼儿园
    卫生保健工作规范: 离园3个月以上需重新体检). An enrolment soon after another (a move to
    another daycare, with its 转园健康证明) owes neither. A rule that says nothing is owed
    for every enrolment.
    """
    if rule.enrolment is None or not child.enrolments:
        return list(child.enrolments)
    chosen: list[Enrolment] = []
    left: pendulum.Date | None = None  # the last day the child was in a daycare so far
    attending = False
    for enrolment in sorted(child.enrolments, key=lambda e: (e.start, e.daycare_id)):
        if rule.enrolment == "first" and left is None and not attending:
            chosen.append(enrolment)
        elif rule.enrolment == "return" and left is not None and not attending:
            assert rule.away_more_than is not None
            if enrolment.start > _after(rule.away_more_than, _next_day(left)):
                chosen.append(enrolment)
        if enrolment.end is None:
            attending = True
        elif not attending:
            left = enrolment.end if left is None else max(left, enrolment.end)
    return chosen


def _case_series(rule: Rule, child: Child) -> list[_Instance]:
    """One instance per run of overlapping cases of the rule's conditions.

    低体重 and 消瘦 found together are one child to follow monthly, not two series of
    visits on the same days; an overweight case reclassified as obesity goes on as one.
    The run is named after its first case, so a case joining it changes no key.
    """
    if not child.cases:
        return []  # most children
    cases = sorted(
        (case for case in child.cases if case.condition in rule.categories),
        key=lambda case: (case.opened_on, case.condition.value),  # never input order
    )
    phased = any(stage.phase is not None for stage in rule.stages)
    runs: list[_Instance] = []
    for case in cases:
        # A case closed because the child left ends with the child's other obligations,
        # by the leaving rule (the reason ``moved_out``/``deceased``, and what was overdue
        # stays missed): not as a case closed by its criteria would.
        case = case.as_recorded()
        phases = _phases(case) if phased else ()
        if runs and (runs[-1].stops_on is None or case.opened_on <= runs[-1].stops_on):
            last = runs[-1]
            stops = (
                None
                if last.stops_on is None or case.closed_on is None
                else max(last.stops_on, case.closed_on)
            )
            runs[-1] = attrs.evolve(last, stops_on=stops, phases=last.phases + phases)
        else:
            runs.append(
                _Instance(case.opened_on, case.id, None, case.closed_on, "case_closed", phases)
            )  # fmt: skip
    return runs


def _phases(case: Case) -> tuple[tuple[pendulum.Date, str], ...]:
    return tuple((day, stage.value) for day, stage in case.phases())


def _once(rule: Rule, child: Child, *, opening_by: pendulum.Date | None = None) -> list[_Window]:
    """The rule's windows for the child; with ``opening_by``, only those that open by
    then (a window only ever opens later than its rule's offset says: a catch-up or an
    inpatient stay moves it on). Most windows a cohort's rules make open beyond the
    horizon: their opening day is found before the rest of the window is built."""
    assert rule.anchor
    assert rule.opens
    day = _anchor_day(rule.anchor, child)
    if day is not None:
        # Most of a plan: one window from the birth (or discharge), no instance to build.
        if child.registered_on is None:  # nor a catch-up: the window is the day's
            window = _day_window(rule, day)
            return [] if opening_by is not None and window.opens > opening_by else [window]
        if opening_by is not None and _after(rule.opens, day) > opening_by:
            return []
        return [_once_window(rule, child, day)]
    return [
        _once_window(
            rule,
            child,
            instance.date,
            instance.occurrence,
            instance.daycare_id,
            stops_on=instance.stops_on,
            stop_reason=instance.stop_reason,
        )
        for instance in _fact_instances(rule, rule.anchor, child)
        if opening_by is None or _after(rule.opens, instance.date) <= opening_by
    ]


def _day_window(rule: Rule, day: pendulum.Date) -> _Window:
    """The window of a rule anchored on ``day`` for a child registered at birth (no
    catch-up), remembered: a cohort's children share a few thousand birth days, and the
    window is a frozen value, the same for each of them."""
    key = (id(rule), day)  # the entry holds the rule: no other rule can take its id
    known = _DAY_WINDOWS.get(key)
    if known is not None:
        return known[1]
    if len(_DAY_WINDOWS) >= _DAY_WINDOWS_KEPT:  # a bound, for a long-lived process
        _DAY_WINDOWS.clear()
    window = _once_window(rule, None, day)
    _DAY_WINDOWS[key] = (rule, window)
    return window


_DAY_WINDOWS: dict[tuple[int, pendulum.Date], tuple[Rule, _Window]] = {}
_DAY_WINDOWS_KEPT = 1 << 17  # a few dozen rules times six years of days


def _once_window(
    rule: Rule,
    child: Child | None,
    anchor: pendulum.Date,
    occurrence: str | None = None,
    daycare_id: str | None = None,
    *,
    stops_on: pendulum.Date | None = None,
    stop_reason: str | None = None,
) -> _Window:
    """The window of one instance of the rule's anchor, on the day ``anchor``."""
    assert rule.opens
    assert rule.due
    assert rule.closes
    opens, due, closes = (
        _after(rule.opens, anchor),
        _after(rule.due, anchor),
        _after(rule.closes, anchor),
    )
    window = _Window(
        opens, due, closes, occurrence, daycare_id, stops_on=stops_on, stop_reason=stop_reason
    )
    registered = child.registered_on if child is not None else None
    if rule.catch_up is not None and child is not None and registered is not None:
        # Registered after the window opened: a child cannot be visited before we know
        # of it. If the window closed, or too little of it is left, it is reopened from
        # registration while still useful; without catch-up it is simply missed.
        limit = _after(rule.catch_up.until_age, child.birth_date)
        caught_up = min(_after(rule.catch_up.within, registered), limit)
        if registered > opens and caught_up > closes and registered <= limit:
            window = attrs.evolve(
                window,
                opens=max(opens, min(registered, caught_up)),
                due=caught_up,
                closes=caught_up,
                catch_up=True,
            )
    return window


def _periodic_child(rule: Rule, child: Child, until: pendulum.Date) -> Iterator[_Window]:
    """One per calendar period while the child is in one of the rule's categories."""
    limit = _shifted(0, -1, _after(rule.until_age, child.birth_date)) if rule.until_age else None
    spans: list[tuple[pendulum.Date, pendulum.Date | None]] = sorted(
        (
            ((c.start or child.birth_date), c.end)
            for c in child.categories
            if c.kind in rule.categories
        ),
        key=lambda span: span[0],  # an open end (None) does not compare
    )
    clipped: list[tuple[pendulum.Date, pendulum.Date | None]] = []
    for start, end in _merge(spans):
        last = end if limit is None else (limit if end is None else min(end, limit))
        if last is None or last >= start:
            clipped.append((start, last))
    return _periods(rule, clipped, until, extend_last=True)


def _merge(
    spans: list[tuple[pendulum.Date, pendulum.Date | None]],
) -> list[tuple[pendulum.Date, pendulum.Date | None]]:
    """Join overlapping or touching validity periods (孤儿 then 残疾 is one eligibility)."""
    merged: list[tuple[pendulum.Date, pendulum.Date | None]] = []
    for start, end in spans:
        if merged:
            last_start, last_end = merged[-1]
            if last_end is None or start <= _next_day(last_end):
                joined = None if last_end is None or end is None else max(last_end, end)
                merged[-1] = (last_start, joined)
                continue
        merged.append((start, end))
    return merged


def _periods(
    rule: Rule,
    spans: list[tuple[pendulum.Date, pendulum.Date | None]],
    until: pendulum.Date,
    *,
    extend_last: bool = False,
) -> Iterator[_Window]:
    """One window per period of ``rule.period`` in which the subject is eligible.

    ``spans`` are the disjoint, sorted (start, last day) eligibility periods. The window
    is the eligible part of the period, due at its end (the plan says "each quarter",
    not on which day). After each start, the first is instead due ``first_within`` of
    it, even if that runs into the next period; the next period's window then opens
    only after it closes, so one visit never counts for two periods. Two spans in one
    period owe one obligation, due by the later start's deadline. A part shorter than
    ``min_days`` is not owed (a daycare open for its last two days of a quarter); with
    ``extend_last``, a short last part of an eligibility span (an orphan's third birthday
    on 3 January) extends the previous period's window to the span's end instead, so no
    window is too short to be workable and the days stay covered.
    """
    assert rule.period is not None
    windows: dict[str, _Window] = {}
    last_closes: pendulum.Date | None = None
    for start, last in spans:
        previous: str | None = None  # the label of this span's last window so far
        horizon = until if last is None else min(last, until)
        if extend_last and last is not None:
            # A short last part beyond the horizon lengthens the window before it: the
            # periods are followed to the span's end (the caller drops what opens after
            # the horizon), or that window would close later once the horizon moved on.
            horizon = last
        periods = Period.spanning(rule.period, start, max(start, horizon))
        for index, period in enumerate(periods):
            opens = max(period.start, start)
            if last_closes is not None and opens <= last_closes:
                opens = _next_day(last_closes)
            closes = period.end if last is None else min(period.end, last)
            due = closes
            if index == 0 and rule.first_within is not None:
                due = _after(rule.first_within, start)
                if last is not None:
                    due = min(due, last)
                closes = max(closes, due)
            elif (closes - opens).days + 1 < rule.min_days:
                if extend_last and previous is not None and last is not None and closes == last:
                    windows[previous] = attrs.evolve(
                        windows[previous], closes=max(windows[previous].closes, last)
                    )
                    last_closes = last if last_closes is None else max(last_closes, last)
                continue
            if opens > closes:
                continue
            due = min(max(due, opens), closes)
            earlier = windows.get(period.label)
            if earlier is not None:
                opens, due = earlier.opens, max(earlier.due, due)
                closes = max(earlier.closes, closes)
            windows[period.label] = _Window(opens, due, closes, period.label)
            previous = period.label
            last_closes = closes if last_closes is None else max(last_closes, closes)
    yield from windows.values()


def _cadence(rule: Rule, child: Child, until: pendulum.Date) -> Iterator[_Window]:
    """Follow-up visits by (corrected) age or from a case's opening, stage by stage.

    Ordinals count every visit of the series, not only those within ``until``, so the
    third follow-up keeps its key however far ahead one plans. A series with no age
    limit (a case's) is generated up to ``until`` and stops with the case.
    """
    assert rule.anchor
    assert rule.start
    for anchor_instance in _instances(rule, rule.anchor, child):
        start_instance = (
            anchor_instance if rule.start is rule.anchor else _instances(rule, rule.start, child)[0]
        )
        if any(stage.phase is not None for stage in rule.stages):
            windows = _phased_series(rule, anchor_instance.date, anchor_instance.phases, until)
        else:
            windows = _series(rule, anchor_instance.date, start_instance.date, until)
        prefix = anchor_instance.occurrence
        for window in windows:
            # The series' windows carry nothing else: built again, not copied (attrs.evolve
            # is slow), with the instance's occurrence and end.
            yield _Window(
                window.opens, window.due, window.closes,
                window.occurrence if prefix is None else f"{prefix}/{window.occurrence}",
                stops_on=anchor_instance.stops_on, stop_reason=anchor_instance.stop_reason,
            )  # fmt: skip


def _series(
    rule: Rule, anchor: pendulum.Date, start: pendulum.Date, until: pendulum.Date
) -> Iterator[_Window]:
    """The visits of one cadence from ``anchor`` (the zero of its age axis) after ``start``.

    Each visit is labelled by its place on that axis (``6m`` on the month grid, ``45d``
    otherwise), not by its rank, so correcting a discharge date or recording a later
    gestational age does not give an existing visit's key to another date. With
    ``include_end`` the series runs to its end: a visit falls on ``until_age`` itself
    (follow-up "to corrected 24 months" includes the 24-month visit). Two visits closer
    than ``min_interval`` (the
    last of a fortnightly stage a few days before the first of the monthly one) are one:
    the later, on the age grid, stays.
    """
    end = _after(rule.until_age, anchor) if rule.until_age is not None else None
    gap = rule.min_interval
    previous_months = 0
    last_closes = start
    pending: _Window | None = None  # the last visit, held back until the next is known
    closes_before_pending = start
    for stage in rule.stages:
        stage_end = end
        if stage.until_months is not None:
            boundary = _add_months(anchor, stage.until_months)
            stage_end = boundary if end is None else min(end, boundary)
        final = stage_end is None or (end is not None and stage_end >= end)
        include_end = final and rule.include_end
        boundary_start = _add_months(anchor, previous_months)
        # Month intervals sit on the age grid (visits at corrected 1, 2, 3 … months);
        # day intervals count from discharge in the first stage ("出院后…每2周").
        on_grid = stage.every.days == 0 or (previous_months > 0 and start <= boundary_start)
        points = _stage_points(
            stage,
            anchor if on_grid else start,
            previous_months if on_grid else 0,
            start,
            stage_end,
            until=until,
            include_origin=on_grid,
            include_end=include_end,
        )
        for point in points:
            if pending is not None and gap is not None and point < _after(gap, pending.due):
                pending, last_closes = None, closes_before_pending  # too close: the later stays
            if point <= last_closes:
                continue  # the previous stage's last visit already covers this day
            # At a stage change the new interval may start inside the last window:
            # the visit stays (no gap in follow-up) and its window starts after that one.
            opens = max(_minus(point, stage.before), _next_day(last_closes))
            closes = _after(stage.after, point)
            if pending is not None:
                yield pending
            pending, closes_before_pending = (
                _Window(opens, point, closes, _label(anchor, point)),
                last_closes,
            )
            last_closes = closes
        # Not at a stage that ends after the horizon: the next stage's first visit may
        # open before it (a wider window: 6m of a preterm follow-up opens 14 days early,
        # where 5m opened 7), and each stage stops at its own first visit after it.
        if final:
            break
        assert stage.until_months is not None
        previous_months = stage.until_months
    if pending is not None:
        yield pending


def _phased_series(
    rule: Rule,
    anchor: pendulum.Date,
    phases: tuple[tuple[pendulum.Date, str], ...],
    until: pendulum.Date,
) -> Iterator[_Window]:
    """A case's follow-up whose interval follows the stage the doctor records.

    The stage without a ``phase`` holds from the case's opening; from the day a check
    records a stage that has its own (佝偻病 恢复期: every 2 months), the visits count from
    that day at its interval, until another stage is recorded. A visit planned after the
    change at the old interval is no longer owed (the store withdraws it).
    """
    default = next(stage for stage in rule.stages if stage.phase is None)
    by_phase = {stage.phase: stage for stage in rule.stages if stage.phase is not None}
    segments: list[tuple[pendulum.Date, Stage]] = [(anchor, default)]
    for day, phase in sorted(phases):
        stage = by_phase.get(phase, default)
        if stage is segments[-1][1]:
            continue
        if day <= segments[-1][0]:
            segments[-1] = (segments[-1][0], stage)  # recorded at the opening visit
        else:
            segments.append((day, stage))
    last_closes = anchor
    for index, (start, stage) in enumerate(segments):
        end = segments[index + 1][0] if index + 1 < len(segments) else None
        step = 1
        while True:
            point = _shifted(stage.every.months * step, stage.every.days * step, start)
            step += 1
            if (end is not None and point > end) or _minus(point, stage.before) > until:
                break
            if point <= last_closes:
                continue
            opens = max(_minus(point, stage.before), _next_day(last_closes))
            closes = _after(stage.after, point)
            yield _Window(opens, point, closes, _label(anchor, point))
            last_closes = closes


def _label(anchor: pendulum.Date, point: pendulum.Date) -> str:
    months = age_in_months(anchor, point)
    if _add_months(anchor, months) == point:
        return f"{months}m"
    return f"{(point - anchor).days}d"


def _minus(day: pendulum.Date, offset: Offset) -> pendulum.Date:
    return _shifted(-offset.months, -offset.days, day)


def _stage_points(
    stage: Stage,
    origin: pendulum.Date,
    from_months: int,
    start: pendulum.Date,
    stage_end: pendulum.Date | None,
    *,
    until: pendulum.Date,
    include_origin: bool,
    include_end: bool = False,
) -> Iterator[pendulum.Date]:
    """Visit dates of one stage: after ``start``, before ``stage_end`` (or on it, for the
    series' last stage: ``include_end``).

    Point k is ``origin + (from_months + k × every)``, computed from the origin each
    time (months clamped at month ends), never chained from the previous point. An
    open-ended stage stops after the horizon ``until``.
    """
    step = 0 if include_origin else 1
    while True:
        point = _shifted(from_months + stage.every.months * step, stage.every.days * step, origin)
        step += 1
        if stage_end is not None and (
            point > stage_end or (point == stage_end and not include_end)
        ):
            return
        if _minus(point, stage.before) > until:
            return
        if point > start:
            yield point


def _obligation(rule: Rule, protocol: Protocol, subject_id: str, window: _Window) -> Obligation:
    if not window.opens <= window.due <= window.closes:  # Obligation's own check
        raise AssertionError(f"{rule.id}: window {window.opens}…{window.closes}, due {window.due}")
    key = make_key(rule.subject, subject_id, rule.id, window.occurrence)
    return _again(rule, protocol, subject_id, key, window)


# --- daycares -------------------------------------------------------------------------------


def _daycare(daycare: Daycare, protocol: Protocol, until: pendulum.Date) -> Iterator[Obligation]:
    closing = daycare.closed_on.add(days=1) if daycare.closed_on is not None else None
    for rule in protocol.rules:
        if rule.subject is not SubjectKind.DAYCARE:
            continue
        if rule.schedule is ScheduleKind.PERIODIC:
            windows = list(_periods(rule, [(daycare.opened_on, daycare.closed_on)], until))
        else:
            windows = [
                _once_window(
                    rule,
                    None,
                    correction.opened_on,
                    correction.id,
                    daycare.id,
                    stops_on=correction.closed_on,
                    stop_reason="corrected",
                )
                for correction in daycare.corrections
            ]
        for window in windows:
            if window.opens > until:
                continue
            stops = [(window.stops_on, window.stop_reason)] if window.stops_on else []
            if closing is not None:
                stops.append((closing, "daycare_closed"))
            stopped = _stopped(attrs.evolve(window, daycare_id=daycare.id), stops)
            if stopped is not None:
                yield _obligation(rule, protocol, daycare.id, stopped)
