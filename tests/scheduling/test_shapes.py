"""Children planned by their schedule shape owe what they would owe planned on their own."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import attrs
import pendulum
import pytest

import yiyu
from yiyu.domain import GestationalAge, LifeEvent
from yiyu.scheduling import engine
from yiyu.scheduling.shapes import NOT_SCHEDULED, SHAPED, schedule_shape, thresholds
from yiyu.synthetic import CohortSpec, generate_cohort
from yiyu.testing import make_child

PROTOCOL = yiyu.load_protocol()
UNTIL = pendulum.Date(2026, 12, 31)


@pytest.fixture(autouse=True)
def _no_shapes_kept() -> Iterator[None]:
    engine._SHAPES.clear()
    yield
    engine._SHAPES.clear()


def alone(child: yiyu.Child) -> list[yiyu.Obligation]:
    """The child's plan with no other child's shape kept: planned rule by rule."""
    engine._SHAPES.clear()
    return yiyu.schedule(child, PROTOCOL, until=UNTIL)


def test_every_field_of_a_child_is_in_the_shape_or_never_scheduled_by() -> None:
    # A field added to Child must be placed: in the shape if any rule may read it.
    fields = {field.name for field in attrs.fields(yiyu.Child)}
    assert fields == SHAPED | NOT_SCHEDULED
    assert not SHAPED & NOT_SCHEDULED


def test_the_protocols_thresholds_are_found_in_its_named_conditions() -> None:
    # cn-national.toml, conditions preterm (S9: < 37 weeks), high_risk_newborn (S2:
    # < 2500 g), high_risk_preterm (S9: < 34 weeks or < 2000 g), extremely_preterm (< 28).
    found = thresholds(PROTOCOL)
    assert found.ga_days == (28 * 7, 34 * 7, 37 * 7)
    assert found.birth_weight_g == (2000, 2500)


def test_only_a_child_with_nothing_but_its_birth_recorded_has_a_shape() -> None:
    cuts = thresholds(PROTOCOL)
    assert schedule_shape(make_child(), cuts) is not None
    moved = make_child(life_events=[LifeEvent(kind="moved_out", on="2025-09-01")])
    assert schedule_shape(moved, cuts) is None


def test_children_alike_but_for_who_they_are_share_a_shape() -> None:
    cuts = thresholds(PROTOCOL)
    one = make_child("C1", born="2025-03-14")
    other = make_child(
        "C2",
        born="2025-03-14",
        sex="F",
        name="王一诺",
        township="南门街道",
        family_doctor="FD-2",
        gestational_age=GestationalAge(weeks=40, days=1),  # term, as 39+2
        birth_weight_g=3650,  # no threshold between it and 3300 g
    )
    assert schedule_shape(one, cuts) == schedule_shape(other, cuts)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("gestational_age", GestationalAge(weeks=36, days=6)),  # preterm (S9)
        ("birth_weight_g", 2499),  # low birth weight (S2)
        ("discharge_date", pendulum.Date(2025, 3, 20)),
        ("registered_on", pendulum.Date(2025, 9, 1)),
        ("birth_date", pendulum.Date(2025, 3, 15)),
    ],
)
def test_a_fact_a_window_depends_on_makes_another_shape(field: str, value: object) -> None:
    cuts = thresholds(PROTOCOL)
    one = make_child("C1", born="2025-03-14")
    assert schedule_shape(one, cuts) != schedule_shape(attrs.evolve(one, **{field: value}), cuts)


def test_two_preterm_children_of_different_gestation_have_different_shapes() -> None:
    # Their corrected ages count from different days (S9: birth + 40 weeks - GA).
    cuts = thresholds(PROTOCOL)
    early = make_child("C1", gestational_age=GestationalAge(weeks=33, days=0))
    later = make_child("C2", gestational_age=GestationalAge(weeks=33, days=1))
    assert schedule_shape(early, cuts) != schedule_shape(later, cuts)


def gestation(days: int) -> GestationalAge:
    days = min(days, 42 * 7)
    return GestationalAge(weeks=days // 7, days=days % 7)


def twins(child: yiyu.Child, number: int) -> yiyu.Child:
    """Another child born the same day: another id, sex, name and place, and a gestation
    and weight a few days and grams off (across a threshold now and then)."""
    ga = child.gestational_age
    return attrs.evolve(
        child,
        id=f"{child.id}T{number}",
        name="双胞胎",
        resident_id=None,
        sex="F" if child.sex.value == "M" else "M",
        township="南门街道",
        family_doctor=None,
        gestational_age=None if ga is None else gestation(ga.total_days + number),
        birth_weight_g=None if child.birth_weight_g is None else child.birth_weight_g - 40 * number,
    )


def test_a_cohort_planned_by_shapes_owes_what_each_child_owes_alone() -> None:
    spec = CohortSpec(children=1500, seed=7, as_of=pendulum.Date(2026, 6, 30))
    cohort = list(generate_cohort(spec).children())
    alike = [c for c in cohort if not (c.enrolments or c.cases or c.referrals)]  # their ids
    children = [*cohort, *(twins(c, n) for c, n in zip(alike, itertools.cycle((1, 3, 9))))]
    expected = {child.id: alone(child) for child in children}
    engine._SHAPES.clear()
    planned = {child.id: yiyu.schedule(child, PROTOCOL, until=UNTIL) for child in children}
    assert planned == expected
    # Most twins came from their sibling's shape: the shortcut was taken, not bypassed.
    assert len(engine._SHAPES) < 0.8 * sum(
        schedule_shape(c, thresholds(PROTOCOL)) is not None for c in children
    )
