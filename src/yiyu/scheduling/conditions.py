"""Evaluate a protocol :class:`~yiyu.protocol.Condition` against a child's facts."""

from __future__ import annotations

import pendulum

from yiyu.domain import Child
from yiyu.protocol import Condition, Protocol

__all__ = ["holds"]


def holds(condition: Condition, child: Child, protocol: Protocol, on: pendulum.Date) -> bool:
    """Whether ``condition`` holds for ``child`` on the date ``on``.

    Birth facts hold always; a category only while it holds (a 高危 reason recorded at
    five months does not retroactively change the newborn visit). Unknown facts never
    satisfy a threshold: a child whose gestational age was not recorded is not taken to
    be preterm (record the category if it is known otherwise).
    """
    if condition.ga_weeks_lt is not None:
        ga = child.gestational_age
        return ga is not None and ga.total_days < condition.ga_weeks_lt * 7
    if condition.birth_weight_g_lt is not None:
        weight = child.birth_weight_g
        return weight is not None and weight < condition.birth_weight_g_lt
    if condition.category is not None:
        return any(
            category.kind in condition.category and category.holds_on(on, child.birth_date)
            for category in child.categories
        )
    if condition.condition is not None:
        return holds(protocol.conditions[condition.condition].condition, child, protocol, on)
    if condition.any is not None:
        return any(holds(part, child, protocol, on) for part in condition.any)
    if condition.all is not None:
        return all(holds(part, child, protocol, on) for part in condition.all)
    if condition.not_ is not None:
        return not holds(condition.not_, child, protocol, on)
    raise AssertionError(f"empty condition {condition!r}")  # the loader forbids it
