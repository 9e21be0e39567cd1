"""yiyu.synthetic: the seeded cohort generator and the visit simulation (STYLE 9)."""

from __future__ import annotations

import ast
import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pendulum
import pytest

import yiyu
from yiyu.codec import to_data
from yiyu.synthetic import (
    ADDRESS_CODES,
    DEFAULT_TOWNSHIPS,
    Cohort,
    CohortSpec,
    History,
    generate_children,
    generate_cohort,
    generate_daycares,
    generate_enrolments,
    simulate_daycare_visits,
    simulate_history,
    simulate_visits,
)
from yiyu.testing import make_child

AS_OF = pendulum.Date(2026, 6, 30)
SHARES_N = 20_000
HISTORIES_N = 200


def _digest(values: Iterable[object]) -> str:
    digest = hashlib.sha256()
    for value in values:
        text = json.dumps(to_data(value), sort_keys=True, ensure_ascii=False)
        digest.update(text.encode("utf-8"))
    return digest.hexdigest()


def _within(count: int, n: int, share: float, *, sigmas: float = 4.5) -> bool:
    """``count`` of ``n`` is within ``sigmas`` binomial standard deviations of ``share``."""
    expected = n * share
    return abs(count - expected) <= sigmas * math.sqrt(n * share * (1 - share)) + 1


@pytest.fixture(scope="module")
def protocol() -> yiyu.Protocol:
    return yiyu.load_protocol()


@pytest.fixture(scope="module")
def spec() -> CohortSpec:
    return CohortSpec(children=SHARES_N, seed=11, as_of=AS_OF)


@pytest.fixture(scope="module")
def children(spec: CohortSpec) -> list[yiyu.Child]:
    return list(generate_children(spec))


@pytest.fixture(scope="module")
def histories(protocol: yiyu.Protocol) -> tuple[Cohort, list[History]]:
    cohort = generate_cohort(CohortSpec(children=HISTORIES_N, seed=5, as_of=AS_OF))
    return cohort, [
        simulate_history(child, protocol, spec=cohort.spec) for child in cohort.children()
    ]


# --- the specification ----------------------------------------------------------------------


def test_spec_defaults() -> None:
    spec = CohortSpec(as_of="2026-06-30")
    assert spec.as_of == AS_OF
    assert isinstance(spec.as_of, pendulum.Date)
    assert spec.children == 1000
    assert spec.seed == 2026
    assert spec.townships == DEFAULT_TOWNSHIPS
    assert (spec.preterm, spec.low_birth_weight, spec.high_risk_other) == (0.06, 0.05, 0.02)
    assert spec.family_doctors_per_township == 4
    assert spec.children_per_daycare == 60


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("preterm", 1.5),
        ("orphan", -0.1),
        ("moved_out", True),
        ("children", -1),
        ("children_per_daycare", 0),
        ("family_doctors_per_township", 0),
        ("townships", ()),
        ("townships", ("城关街道", "城关街道")),
        ("townships", "城关街道"),
        ("as_of", "2026-13-01"),
        ("seed", 1.5),
    ],
)
def test_spec_refuses_nonsense(field: str, value: object) -> None:
    with pytest.raises(yiyu.ValidationError) as error:
        CohortSpec(**{"as_of": AS_OF, field: value})  # type: ignore[arg-type]
    assert error.value.field == field


def test_spec_refuses_late_and_missed_over_one() -> None:
    with pytest.raises(yiyu.ValidationError):
        CohortSpec(as_of=AS_OF, late=0.6, missed=0.5)


# --- children ---------------------------------------------------------------------------------


def test_same_seed_same_cohort(children: list[yiyu.Child], spec: CohortSpec) -> None:
    again = list(generate_children(spec))
    assert [to_data(c) for c in again[:50]] == [to_data(c) for c in children[:50]]
    assert _digest(again) == _digest(children)


def test_a_smaller_cohort_is_a_prefix(children: list[yiyu.Child], spec: CohortSpec) -> None:
    small = CohortSpec(children=300, seed=spec.seed, as_of=spec.as_of)
    assert _digest(generate_children(small)) == _digest(children[:300])


def test_another_seed_another_cohort(children: list[yiyu.Child], spec: CohortSpec) -> None:
    other = list(generate_children(CohortSpec(children=300, seed=12, as_of=spec.as_of)))
    assert _digest(other) != _digest(children[:300])
    assert sum(a.birth_date == b.birth_date for a, b in zip(other, children, strict=False)) < 10


def test_ids_names_and_places(children: list[yiyu.Child], spec: CohortSpec) -> None:
    assert [c.id for c in children[:3]] == ["C0000001", "C0000002", "C0000003"]
    assert len({c.id for c in children}) == len(children)
    for child in children:
        assert 2 <= len(child.name) <= 5
        assert all("\u4e00" <= ch <= "\u9fff" for ch in child.name), child.name
        assert child.township in spec.townships
        if child.family_doctor is not None:
            town, number = child.family_doctor.removeprefix("FD-").rsplit("-", 1)
            assert town == child.township
            assert 1 <= int(number) <= spec.family_doctors_per_township
    towns = Counter(c.township for c in children)
    assert set(towns) == set(spec.townships)
    assert towns[spec.townships[0]] > towns[spec.townships[-1]]  # the centre is bigger
    surnames = Counter(c.name[0] for c in children)
    assert {name for name, _ in surnames.most_common(5)} <= set("王李陈张刘杨吴黄周赵")
    assert sum(c.family_doctor is not None for c in children) / len(children) > 0.9


def test_births_spread_over_four_years(children: list[yiyu.Child], spec: CohortSpec) -> None:
    first = spec.as_of.subtract(years=4)
    assert all(first <= c.birth_date < spec.as_of for c in children)
    by_year_of_age = Counter((spec.as_of - c.birth_date).days * 4 // 1462 for c in children)
    assert all(_within(by_year_of_age[age], len(children), 0.25) for age in range(4))


def test_shares(children: list[yiyu.Child], spec: CohortSpec) -> None:
    n = len(children)

    def count(kind: yiyu.CategoryKind) -> int:
        return sum(c.has_category(kind) for c in children)

    preterm = sum(c.preterm_by_ga for c in children)
    assert abs(preterm / n - spec.preterm) <= 0.01
    low = sum(c.birth_weight_g is not None and c.birth_weight_g < 2500 for c in children)
    assert abs(low / n - spec.low_birth_weight) <= 0.01
    male = sum(c.sex is yiyu.Sex.MALE for c in children)
    assert _within(male, n, 0.512)
    for kind, share in (
        (yiyu.CategoryKind.HIGH_RISK_NEWBORN, spec.high_risk_other),
        (yiyu.CategoryKind.ORPHAN, spec.orphan),
        (yiyu.CategoryKind.DE_FACTO_UNSUPPORTED, spec.de_facto_unsupported),
        (yiyu.CategoryKind.DISABLED, spec.disabled),
    ):
        assert _within(count(kind), n, share), kind
    moved = sum(
        any(e.kind is yiyu.LifeEventKind.MOVED_OUT for e in c.life_events) for c in children
    )
    assert _within(moved, n, spec.moved_out, sigmas=6)
    assert _within(sum(c.registered_on is not None for c in children), n, spec.registered_late)
    assert _within(sum(c.discharge_date is None for c in children), n, spec.home_birth)


def test_gestational_age_and_birth_weight(children: list[yiyu.Child]) -> None:
    preterm = [c for c in children if c.preterm_by_ga]
    term = [c for c in children if not c.preterm_by_ga]
    weeks = Counter(c.gestational_age.weeks for c in children if c.gestational_age)
    assert sum(n for w, n in weeks.items() if 37 <= w <= 41) / len(children) > 0.9
    assert any(c.gestational_age and c.gestational_age.weeks < 28 for c in preterm)
    assert any(c.gestational_age and 28 <= c.gestational_age.weeks < 34 for c in preterm)

    def mean_weight(group: list[yiyu.Child]) -> float:
        return sum(c.birth_weight_g or 0 for c in group) / len(group)

    assert mean_weight(term) > 3100
    assert mean_weight(preterm) < 2600
    very = [c for c in preterm if c.gestational_age and c.gestational_age.weeks < 32]
    assert all((c.birth_weight_g or 0) < 2500 for c in very)
    assert all(c.birth_weight_g is not None and c.gestational_age for c in children)


def test_discharge(children: list[yiyu.Child], spec: CohortSpec) -> None:
    for child in children:
        if child.discharge_date is None:
            continue
        stay = (child.discharge_date - child.birth_date).days
        assert 1 <= stay <= 200
        assert child.discharge_date <= spec.as_of  # not reported before discharge
        if not child.preterm_by_ga and not child.categories:
            assert stay <= 8
    very = [c for c in children if c.gestational_age and c.gestational_age.weeks < 32]
    assert all(
        c.discharge_date is None or (c.discharge_date - c.birth_date).days > 14 for c in very
    )


def test_identity_numbers(children: list[yiyu.Child], spec: CohortSpec) -> None:
    older = [c for c in children if (spec.as_of - c.birth_date).days > 30]
    with_id = [c for c in older if c.resident_id is not None]
    assert _within(len(with_id), len(older), spec.resident_id)
    assert all(c.resident_id is None for c in children if (spec.as_of - c.birth_date).days <= 30)
    for child in with_id:
        assert child.resident_id is not None
        parsed = yiyu.parse_resident_id(child.resident_id)
        assert parsed.birth_date == child.birth_date
        assert parsed.male == (child.sex is yiyu.Sex.MALE)
        assert child.resident_id[:6] in ADDRESS_CODES
        town = spec.townships.index(child.township or "")
        assert child.resident_id[:6] == ADDRESS_CODES[town % len(ADDRESS_CODES)]
    assert len({c.resident_id for c in with_id}) > 0.99 * len(with_id)


def test_categories_and_life_events(children: list[yiyu.Child], spec: CohortSpec) -> None:
    reasons = Counter(
        cat.reason
        for c in children
        for cat in c.categories
        if cat.kind is yiyu.CategoryKind.HIGH_RISK_NEWBORN
    )
    assert None not in reasons
    assert "高胆红素血症" in reasons
    for child in children:
        for category in child.categories:
            assert category.start is not None
            assert child.birth_date <= category.start <= spec.as_of
        for event in child.life_events:
            assert child.birth_date < event.on < spec.as_of
            if child.registered_on is not None:
                assert child.registered_on < event.on
        if child.registered_on is not None:
            assert child.birth_date < child.registered_on < spec.as_of
    assert (
        any(e.kind is yiyu.LifeEventKind.DECEASED for c in children for e in c.life_events)
        or spec.deceased * len(children) < 10
    )


def test_every_child_survives_a_round_trip(children: list[yiyu.Child]) -> None:
    # Rebuilding from plain data runs every converter and validator again.
    for child in children[:2000]:
        assert yiyu.Child(**to_data(child)) == child


# --- daycares and enrolments ------------------------------------------------------------------


def test_daycares(children: list[yiyu.Child], spec: CohortSpec) -> None:
    daycares = generate_daycares(spec)
    assert generate_daycares(spec) == daycares
    aged = sum(12 <= yiyu.age_in_months(c.birth_date, spec.as_of) < 36 for c in children)
    open_now = [d for d in daycares if d.closed_on is None]
    assert abs(aged / len(open_now) - spec.children_per_daycare) < 0.1 * spec.children_per_daycare
    assert 0 < len(daycares) - len(open_now) < 0.15 * len(daycares)
    assert len({d.id for d in daycares}) == len(daycares)
    assert {d.township for d in daycares} == set(spec.townships)
    for daycare in daycares:
        assert daycare.capacity is not None
        assert 20 <= daycare.capacity <= 120
        assert daycare.health_instructor is not None
        assert daycare.health_instructor.startswith(f"HI-{daycare.township}-")
        assert daycare.opened_on < spec.as_of
        assert daycare.closed_on is None or daycare.opened_on < daycare.closed_on < spec.as_of
    assert len({d.opened_on for d in daycares}) > len(daycares) // 2


def test_small_cohorts_get_a_daycare() -> None:
    assert len(generate_daycares(CohortSpec(children=30, as_of=AS_OF))) == 1
    assert generate_daycares(CohortSpec(children=0, as_of=AS_OF)) == []


def test_enrolments(children: list[yiyu.Child], spec: CohortSpec) -> None:
    daycares = {d.id: d for d in generate_daycares(spec)}
    enrolments = list(generate_enrolments(spec, children, daycares.values()))
    by_id = {c.id: c for c in children}
    aged = [c for c in children if 12 <= yiyu.age_in_months(c.birth_date, spec.as_of) < 36]
    assert 0.8 * spec.enrolled < len(enrolments) / len(aged) < 1.05 * spec.enrolled
    assert len({e.child_id for e in enrolments}) == len(enrolments)
    for enrolment in enrolments:
        child = by_id[enrolment.child_id]
        daycare = daycares[enrolment.daycare_id]
        assert daycare.township == child.township
        assert yiyu.add_months(child.birth_date, 12) <= enrolment.start <= spec.as_of
        assert daycare.opened_on <= enrolment.start
        assert daycare.closed_on is None or enrolment.start <= daycare.closed_on
        if enrolment.end is not None:
            assert enrolment.start <= enrolment.end <= spec.as_of
        if child.left_on is not None:
            assert enrolment.end is not None
            assert enrolment.end < child.left_on
        # The child with the enrolment is a valid child.
        yiyu.Child(**{**to_data(child), "enrolments": [enrolment]})
    starts = [yiyu.age_in_months(by_id[e.child_id].birth_date, e.start) for e in enrolments]
    assert sum(12 <= months <= 30 for months in starts) > 0.9 * len(starts)


def test_cohort_streams_children_with_their_enrolments() -> None:
    cohort = generate_cohort(CohortSpec(children=3000, seed=3, as_of=AS_OF))
    enrolled = [c for c in cohort.children() if c.enrolments]
    assert [e for c in enrolled for e in c.enrolments] == list(cohort.enrolments())
    assert enrolled
    plain = {c.id: c for c in generate_children(cohort.spec)}
    for child in enrolled:
        assert child.enrolments[0].daycare_id in {d.id for d in cohort.daycares}
        assert to_data(child) == {
            **to_data(plain[child.id]),
            "enrolments": to_data(child)["enrolments"],
        }


# --- simulated visits -------------------------------------------------------------------------


def test_histories_record_and_find(histories: tuple[Cohort, list[History]]) -> None:
    cohort, results = histories
    as_of = cohort.spec.as_of
    assert len(results) == HISTORIES_N
    statuses = Counter(s for h in results for s in h.statuses().values())
    done, missed = statuses[yiyu.Status.DONE], statuses[yiyu.Status.MISSED]
    assert done > 5 * HISTORIES_N
    assert 0.02 < missed / (done + missed) < 0.2
    opened = [case for h in results for case in h.child.cases]
    assert len({case.condition for case in opened}) >= 3
    assert any(h.child.referrals for h in results)
    for history in results:
        child = history.child
        assert history.as_of == as_of
        open_ones = Counter(case.condition for case in child.cases if case.is_open)
        assert all(n == 1 for n in open_ones.values())
        days = [e.on for e in history.encounters]
        assert days == sorted(days)
        assert all(e.on <= as_of and e.subject_id == child.id for e in history.encounters)
        if child.left_on is not None:
            assert all(e.on < child.left_on for e in history.encounters)
        if child.registered_on is not None:
            assert all(e.on >= child.registered_on for e in history.encounters)
        assert len({e.id for e in history.encounters}) == len(history.encounters)
        assert set(history.done_on) == {e.obligation_key for e in history.encounters}


def test_histories_look_like_the_field(histories: tuple[Cohort, list[History]]) -> None:
    _, results = histories
    encounters = [e for h in results for e in h.encounters]
    obligations = {o.key: o for h in results for o in h.obligations}
    late = sum(
        1
        for h in results
        for key, day in h.done_on.items()
        if key in obligations and day > obligations[key].closes
    )
    assert 0 < late < 0.15 * len(encounters)
    measured = [e for e in encounters if e.measurements.weight_kg is not None]
    assert len(measured) > 0.6 * len(encounters)
    assert any(e.measurements.hb_g_l is not None for e in encounters)
    assert any(e.measurements.measured == "standing" for e in encounters)
    screens = [e for e in encounters if e.warning_signs]
    assert screens
    assert all(len(e.warning_signs) == 4 for e in screens)
    assert sum(any(e.warning_signs.values()) for e in screens) < 0.1 * len(screens)
    rules = Counter((e.obligation_key or "").split("/")[1] for e in encounters)
    assert rules["newborn_home_visit"] > 0.7 * HISTORIES_N
    assert rules["m3"] > 0.5 * HISTORIES_N


def test_follow_ups_of_findings_are_visited(
    histories: tuple[Cohort, list[History]], protocol: yiyu.Protocol
) -> None:
    _, results = histories
    follow_ups = {
        "nutrition_case_follow_up",
        "overweight_follow_up",
        "anaemia_recheck",
        "anaemia_follow_up",
        "referral_follow_up",
        "autism_rescreen_referral",
        "rickets_follow_up",
    }
    visited = {
        (e.obligation_key or "").split("/")[1] for h in results for e in h.encounters
    } & follow_ups
    assert len(visited) >= 2
    assert any(case.closed_on is not None for h in results for case in h.child.cases)


def test_history_is_deterministic(
    histories: tuple[Cohort, list[History]], protocol: yiyu.Protocol
) -> None:
    cohort, results = histories
    children = list(cohort.children())[:25]
    for child, history in zip(children, results, strict=False):
        again = simulate_history(child, protocol, spec=cohort.spec)
        assert to_data(again.child) == to_data(history.child)
        assert [to_data(e) for e in again.encounters] == [to_data(e) for e in history.encounters]
        assert list(simulate_visits(child, protocol, spec=cohort.spec)) == list(history.encounters)
    other = [simulate_history(child, protocol, spec=cohort.spec, rng_seed=99) for child in children]
    assert [h.encounters for h in other] != [h.encounters for h in results[:25]]


def test_since_limits_the_obligations_visited(protocol: yiyu.Protocol) -> None:
    spec = CohortSpec(as_of=AS_OF)
    child = make_child(birth_date=pendulum.Date(2024, 1, 10))
    since = pendulum.Date(2025, 1, 1)
    history = simulate_history(child, protocol, spec=spec, since=since, rng_seed=1)
    keys = {o.key: o for o in history.obligations}
    assert history.encounters
    assert all(keys[e.obligation_key or ""].opens >= since for e in history.encounters)
    assert all(o.key not in history.done_on for o in history.obligations if o.opens < since)


def test_no_visits_where_none_can_be(protocol: yiyu.Protocol) -> None:
    spec = CohortSpec(as_of=AS_OF, missed=0.0, late=0.0)
    moved_in = make_child(
        birth_date=pendulum.Date(2024, 1, 10), registered_on=pendulum.Date(2024, 9, 1)
    )
    history = simulate_history(moved_in, protocol, spec=spec)
    assert all(e.on >= pendulum.Date(2024, 9, 1) for e in history.encounters)
    missed = [o.rule for o in history.obligations if history.status(o) is yiyu.Status.MISSED]
    assert "m3" in missed
    assert "m6" in missed
    newborn = make_child(birth_date=AS_OF.subtract(days=5))
    assert len(simulate_history(newborn, protocol, spec=spec).encounters) <= 1


def test_preterm_history_records(protocol: yiyu.Protocol) -> None:
    spec = CohortSpec(as_of=AS_OF)
    child = make_child(
        birth_date=pendulum.Date(2024, 2, 1),
        gestational_age=yiyu.GestationalAge(weeks=27, days=3),
        birth_weight_g=900,
        discharge_date=pendulum.Date(2024, 4, 20),
    )
    history = simulate_history(child, protocol, spec=spec, rng_seed=3)
    rules = Counter(o.rule for o in history.obligations if o.key in history.done_on)
    assert rules["high_risk_follow_up"] >= 5
    discharged = pendulum.Date(2024, 4, 20)
    assert all(e.on >= discharged for e in history.encounters)


def test_daycare_visits(protocol: yiyu.Protocol) -> None:
    spec = CohortSpec(children=3000, seed=4, as_of=AS_OF)
    daycares = generate_daycares(spec)[:12]
    results = [simulate_daycare_visits(d, protocol, spec=spec) for d in daycares]
    statuses = Counter(s for h in results for s in h.statuses().values())
    assert statuses[yiyu.Status.DONE] > statuses[yiyu.Status.MISSED] > 0
    encounters = [e for h in results for e in h.encounters]
    assert any(e.lecture for e in encounters)
    reviews = [e for e in encounters if len(e.review_answers) > 1]
    assert reviews
    failed = sum("fail" in e.review_answers.values() for e in reviews)
    assert 0 < failed < 0.4 * len(reviews)
    corrections = [c for h in results for c in h.daycare.corrections]
    assert corrections
    assert any(c.closed_on is not None for c in corrections)
    assert any(
        (e.obligation_key or "").split("/")[1] == "daycare_correction_visit" for e in encounters
    )
    for history, daycare in zip(results, daycares, strict=True):
        assert all(e.performer == daycare.health_instructor for e in history.encounters)
        assert all(daycare.opened_on <= e.on <= spec.as_of for e in history.encounters)
        if daycare.closed_on is not None:
            assert all(e.on <= daycare.closed_on for e in history.encounters)
    again = simulate_daycare_visits(daycares[0], protocol, spec=spec)
    assert again == results[0]


# --- where the generator is read from -----------------------------------------------------------


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names}  # fmt: skip
    found |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    return found


def test_the_demo_and_the_benchmarks_read_the_generator_not_test_support() -> None:
    # yiyu.testing is for tests; the demo ships in the library and must not lean on it.
    root = Path(__file__).parent.parent
    sources = [
        *(root / "src" / "yiyu" / "synthetic").glob("*.py"),
        root / "src" / "yiyu" / "jobs" / "demo.py",
        *(root / "benchmarks").glob("*.py"),
    ]
    assert len(sources) > 5
    for path in sources:
        assert not any(name.startswith("yiyu.testing") for name in _imports(path)), path
