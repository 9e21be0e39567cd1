"""A stored obligation: an obligation with the facts its status is derived from.

A value of the core, not of the store: the store reads and writes it, and the pure
parts that judge it (coverage, work lists) take it without importing the store.
"""

from __future__ import annotations

import attrs
import pendulum

from yiyu.scheduling.obligation import Obligation
from yiyu.scheduling.status import Reschedule, Skip

__all__ = ["StoredObligation"]


@attrs.frozen(kw_only=True)
class StoredObligation:
    """An obligation as stored, with the facts its status is derived from.

    ``subject_name`` is the child's or daycare's name when the store was asked for it
    (``Repository.obligations(…, names=True)``: a work list names thousands of subjects
    and reads their names in the same query); otherwise, or when the store holds no such
    subject, ``None``.
    """

    obligation: Obligation
    township: str | None
    assignee: str | None
    done_on: pendulum.Date | None
    skip: Skip | None
    withdrawn_on: pendulum.Date | None
    rescheduled: Reschedule | None = None
    subject_name: str | None = None
