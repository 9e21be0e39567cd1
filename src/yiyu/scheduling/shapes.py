"""A child's schedule shape: the facts its obligations' windows depend on, and no more.

Most children of a cohort have nothing recorded but their birth: no category, life event,
enrolment, case or referral. For them the engine's windows depend on the birth and
discharge dates, the registration date, and the gestational age and birth weight only as
far as the protocol's conditions compare them with a threshold (and, for a preterm child,
the gestational age itself: corrected age counts from it). Two such children with the
same shape owe the same windows, the same rules: only the id in their obligations
differs. The engine plans one child of each shape and makes the others' obligations from
its windows (:func:`yiyu.scheduling.engine.schedule`): a province's children share a few
tens of thousands of shapes, whatever its size.

Every field of :class:`~yiyu.Child` is either in the shape or named in
:data:`NOT_SCHEDULED` (the engine never reads it): a test holds the two to the class, so
a field added to the child is placed in one or the other before it can be scheduled by.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from typing import Any, Final

import attrs

from yiyu.domain import Child
from yiyu.protocol import Condition, Protocol
from yiyu.scheduling.ages import PRETERM_WEEKS

__all__ = ["NOT_SCHEDULED", "SHAPED", "Thresholds", "schedule_shape", "thresholds"]

# The child's fields the shape is made of (a shape exists only when the tuples are empty).
SHAPED: Final = frozenset(
    {
        "birth_date",
        "discharge_date",
        "registered_on",
        "gestational_age",
        "birth_weight_g",
        "categories",
        "life_events",
        "enrolments",
        "cases",
        "referrals",
    }
)
# The child's fields no rule is scheduled by: who it is, where it lives, who looks after
# it (the township and family doctor choose who acts, which the plan adds afterwards).
NOT_SCHEDULED: Final = frozenset(
    {
        "id",
        "name",
        "sex",
        "resident_id",
        "township",
        "family_doctor",
        "guardian_name",
        "guardian_phone",
    }
)

Shape = tuple[Hashable, ...]


@attrs.frozen
class Thresholds:
    """Every gestational age (in days) and birth weight (in grams) a protocol's
    conditions compare a child's with (``ga_weeks_lt``, ``birth_weight_g_lt``)."""

    ga_days: tuple[int, ...]
    birth_weight_g: tuple[int, ...]


def thresholds(protocol: Protocol) -> Thresholds:
    """The protocol's thresholds, wherever a condition holds one (a rule's ``when``, a
    variant's, a named condition, the corrected-age limits): remembered per protocol."""
    known = _THRESHOLDS.get(id(protocol))
    if known is not None and known[0] is protocol:
        return known[1]
    ga: set[int] = set()
    weight: set[int] = set()
    for condition in _conditions(protocol):
        if condition.ga_weeks_lt is not None:
            ga.add(condition.ga_weeks_lt * 7)
        if condition.birth_weight_g_lt is not None:
            weight.add(condition.birth_weight_g_lt)
    found = Thresholds(tuple(sorted(ga)), tuple(sorted(weight)))
    if len(_THRESHOLDS) >= 64:  # a bound, for a process loading protocols again and again
        _THRESHOLDS.clear()
    _THRESHOLDS[id(protocol)] = (protocol, found)  # the entry holds it: the id stays its
    return found


_THRESHOLDS: dict[int, tuple[Protocol, Thresholds]] = {}


def _conditions(value: object) -> Iterator[Condition]:
    """Every condition in a protocol's values, walked through attrs fields, tuples and
    mappings: wherever a layer may hold one now or later."""
    if isinstance(value, Condition):
        yield value
    kind: Any = type(value)
    if attrs.has(kind):
        for field in attrs.fields(kind):
            yield from _conditions(getattr(value, field.name))
    elif isinstance(value, tuple | list | frozenset | set):
        for item in value:
            yield from _conditions(item)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _conditions(item)


def schedule_shape(child: Child, cuts: Thresholds) -> Shape | None:
    """The child's shape under a protocol with these thresholds, or ``None`` if it has a
    category, life event, enrolment, case or referral (it is planned on its own)."""
    if child.categories or child.life_events or child.enrolments or child.cases or child.referrals:
        return None
    ga = child.gestational_age
    gestation: Hashable
    if ga is None:
        gestation = None
    elif ga.weeks < PRETERM_WEEKS:  # corrected age counts from it (ages.corrected_birth)
        gestation = ga.total_days
    else:
        gestation = tuple(ga.total_days < days for days in cuts.ga_days)
    weight = child.birth_weight_g
    below = None if weight is None else tuple(weight < grams for grams in cuts.birth_weight_g)
    return (child.birth_date, child.discharge_date, child.registered_on, gestation, below)
