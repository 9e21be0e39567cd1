"""Test support for yiyu's tests and host software's: builders and fixtures.

A test that needs one plausible value and cares about a single field builds it here and
names only that field::

    from yiyu.testing import make_child, make_encounter

    girl = make_child("C1", born="2024-01-31", sex="F")
    preterm = make_child(born="2024-01-31", gestational_age="30+0", birth_weight_g=1400)

Every builder returns the frozen domain value, built through its public constructor, so
an override is validated as a host's value would be. :mod:`yiyu.testing.builders` holds
the builders, :mod:`yiyu.testing.fixtures` the made-up files a test feeds to yiyu, and
:class:`MemoryRepository` is the store a test runs the jobs on.

For realistic data in bulk (a seeded cohort, simulated visit histories) see
:mod:`yiyu.synthetic`.
"""

from __future__ import annotations

from yiyu.store.memory import MemoryRepository
from yiyu.testing.builders import (
    make_child,
    make_daycare,
    make_encounter,
    make_obligation,
    make_resident_id,
)
from yiyu.testing.fixtures import EXAMPLE_HOLIDAY_FILE

__all__ = [
    "EXAMPLE_HOLIDAY_FILE",
    "MemoryRepository",
    "make_child",
    "make_daycare",
    "make_encounter",
    "make_obligation",
    "make_resident_id",
]
