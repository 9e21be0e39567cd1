"""A seeded synthetic cohort and its simulated visits: realistic data to run yiyu on.

The demo, the benchmarks and host software's own tests need realistic data: children
with Chinese names and valid identity numbers, preterm and vulnerable children at
believable shares, daycares with their health instructors, and a history of visits with
the lateness, misses and findings that real registries have. Everything here is
generated from a seed, in pure Python, so the same seed gives the same cohort on every
machine::

    spec = CohortSpec(children=10_000, seed=7, as_of=pendulum.Date(2026, 6, 30))
    cohort = generate_cohort(spec)
    protocol = yiyu.load_protocol()
    for child in cohort.children():          # streamed: 1.2M children never all in memory
        history = simulate_history(child, protocol, spec=spec)
        ...                                  # history.child, history.encounters

The building blocks are public too: :func:`generate_children`, :func:`generate_daycares`,
:func:`generate_enrolments`, :func:`simulate_visits` and :func:`simulate_daycare_visits`.
For one plausible value in a test, see the builders of :mod:`yiyu.testing`.

The shares are plausible for a Zhejiang city (about 6 % preterm, 5 % low birth weight),
not statistics: a test should assert on what it generated, never on a published rate.
Measurements are drawn from WHO's growth standards (:mod:`yiyu.instruments.growth`), with
a small share of children far below −2 SD so that the nutrition rules have something to
find, and every visit is fed through :func:`yiyu.record` in date order, so cases,
referrals and their follow-up visits happen as they would in the field.

Modules: :mod:`~yiyu.synthetic.spec` (what to generate), :mod:`~yiyu.synthetic.children`,
:mod:`~yiyu.synthetic.cohort` (daycares, enrolments, the cohort) and
:mod:`~yiyu.synthetic.visits` (the simulated histories).
"""

from __future__ import annotations

from yiyu.synthetic.children import generate_children
from yiyu.synthetic.cohort import Cohort, generate_cohort, generate_daycares, generate_enrolments
from yiyu.synthetic.spec import ADDRESS_CODES, DEFAULT_TOWNSHIPS, CohortSpec
from yiyu.synthetic.visits import (
    DaycareHistory,
    History,
    simulate_daycare_visits,
    simulate_history,
    simulate_visits,
)

__all__ = [
    "ADDRESS_CODES",
    "DEFAULT_TOWNSHIPS",
    "Cohort",
    "CohortSpec",
    "DaycareHistory",
    "History",
    "generate_children",
    "generate_cohort",
    "generate_daycares",
    "generate_enrolments",
    "simulate_daycare_visits",
    "simulate_history",
    "simulate_visits",
]
