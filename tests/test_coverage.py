"""Coverage on a small cohort whose answer is known by hand (#6).

Period 2026Q2 (1 April – 30 June 2026), judged on 15 July 2026. Windows are the
protocol's (m3: 2 months – the day before 5 months; m6: 5 – 7 months).

| child | born | what happens | m3 window | m6 window |
|---|---|---|---|---|
| A | 2026-01-10 | m3 done 1 May | 03-10 … 06-09 (Q2): done | closes in Q3 |
| B | 2025-12-20 | m3 done 1 June, after its window | 02-20 … 05-19 (Q2): late | Q3 |
| C | 2025-11-15 | nothing; m6 refused | 01-15 … 04-14 (Q2): missed | 04-15 … 06-14: skipped |
| D | 2026-01-20 | moved out 1 April | cancelled: not counted | — |
| E | 2025-12-01 | registered 1 May; m6 done 10 June | before registration | 05-01 … 06-30: done |

Daycares: DC1 open all quarter, visited 10 May; DC2 opened 15 May, not visited; DC3
opened 20 June (11 days: not owed, min_days 30).
"""

from __future__ import annotations

import attrs
import pendulum
import pytest

import yiyu
from yiyu.coverage import INDICATORS, IndicatorResult, coverage
from yiyu.jobs.coverage import coverage_report
from yiyu.jobs.planning import plan
from yiyu.store import MemoryRepository, ObligationFilter, Repository, StoredObligation
from yiyu.testing import make_child, make_daycare

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()
Q2 = yiyu.Period.parse("2026Q2")
AS_OF = D(2026, 7, 15)


@pytest.fixture(scope="module")
def results() -> dict[str, yiyu.coverage.IndicatorResult]:
    repo = MemoryRepository()
    children = [
        make_child("A", born="2026-01-10", family_doctor=None),
        make_child("B", born="2025-12-20", family_doctor=None),
        make_child("C", born="2025-11-15", family_doctor=None),
        make_child(
            "D",
            born="2026-01-20",
            family_doctor=None,
            life_events=[yiyu.LifeEvent(kind="moved_out", on="2026-04-01")],
        ),
        make_child("E", born="2025-12-01", family_doctor=None, registered_on="2026-05-01"),
    ]
    repo.save_children(children)
    repo.save_daycares(
        [
            yiyu.Daycare(id="DC1", name="一园", township="城关街道", opened_on="2026-01-01"),
            yiyu.Daycare(id="DC2", name="二园", township="城关街道", opened_on="2026-05-15"),
            yiyu.Daycare(id="DC3", name="三园", township="城关街道", opened_on="2026-06-20"),
        ]
    )
    plan(repo, PROTOCOL, as_of=D(2026, 1, 1), horizon_days=400)
    for encounter_id, key, day in [
        ("e1", "child:A/m3", "2026-05-01"),
        ("e2", "child:B/m3", "2026-06-01"),
        ("e3", "child:E/m6", "2026-06-10"),
        ("e4", "daycare:DC1/daycare_quarterly_visit/2026Q2", "2026-05-10"),
    ]:
        subject = key.split("/")[0].split(":")[1]
        repo.save_encounter(
            yiyu.Encounter(id=encounter_id, subject_id=subject, on=day, obligation_key=key), []
        )
    repo.save_skip("child:C/m6", yiyu.Skip(on="2026-05-01", reason="family_refused"))
    found = coverage(
        repo.obligations(ObligationFilter(include_withdrawn=True)),
        period=Q2,
        as_of=AS_OF,
        protocol=PROTOCOL,
        children={c.id: c for c in children},
        encounters=repo.encounters_between(D(2025, 1, 1), AS_OF),
    )
    return {r.indicator: r for r in found}


def test_routine_checks_timeliness(results: dict[str, yiyu.coverage.IndicatorResult]) -> None:
    r = results["routine_checks_timely"]
    # A.m3 done, E.m6 done | B.m3 late, C.m3 missed, C.m6 skipped; D cancelled, E.m3 before
    # registration: not counted.
    assert (r.numerator, r.denominator, r.late, r.skipped) == (2, 5, 1, 1)
    assert r.rate == pytest.approx(0.4)
    # A timeliness rate: the plan's 95 % is the yearly 发育监测筛查率's target, not this one.
    assert (r.target, r.met, r.basis) == (None, None, "period")
    reasons = {(s.subject_id, s.key, s.reason) for s in r.shortfall}
    assert reasons == {
        ("B", "child:B/m3", "late"),
        ("C", "child:C/m3", "missed"),
        ("C", "child:C/m6", "skipped"),
    }


def test_infant_visit_timeliness(results: dict[str, yiyu.coverage.IndicatorResult]) -> None:
    r = results["infant_visit_timely"]
    # Under 3, here during Q2 and with a visit falling due in it: A, B, C, E (D left on its
    # first day). On time: A (m3 on 05-01) and E (m6 on 06-10); B's m3 was late (06-01,
    # window closed 05-19) and late visits do not count (#17); C was not seen.
    assert (r.numerator, r.denominator) == (2, 4)
    assert [s.subject_id for s in r.shortfall] == ["B", "C"]
    assert r.target is None  # the plan's >95 % belongs to the yearly 婴幼儿健康管理率


def test_daycares_opening_mid_quarter(results: dict[str, yiyu.coverage.IndicatorResult]) -> None:
    r = results["daycare_quarterly_visit"]
    assert (r.numerator, r.denominator) == (1, 2)  # DC3 opened too late in June to owe one
    assert [s.subject_id for s in r.shortfall] == ["DC2"]
    assert (r.target, r.met) == (1.0, False)


def test_json_shape(results: dict[str, yiyu.coverage.IndicatorResult]) -> None:
    data = results["newborn_visit"].as_dict()
    assert set(data) >= {
        "indicator", "name", "area", "period", "numerator", "denominator", "rate", "target",
        "definition",
    }  # fmt: skip
    assert data["period"] == "2026Q2"
    assert data["area"] == "全市"
    assert data["rate"] is None or 0 <= data["rate"] <= 1


def test_an_empty_area_has_no_rate() -> None:
    [r, *_] = coverage([], period=Q2, as_of=AS_OF, protocol=PROTOCOL, children={}, encounters=[],
                       area="东城街道")  # fmt: skip
    assert (r.denominator, r.rate, r.met) == (0, None, None)


def test_coverage_page_is_current() -> None:
    from pathlib import Path

    page = Path(__file__).resolve().parents[1] / "docs" / "coverage.md"
    assert page.read_text(encoding="utf-8") == yiyu.coverage.indicators_markdown(PROTOCOL), (
        "docs/coverage.md is stale: run `nox -s docs` and commit the result"
    )


# --- Indicators over resident children and the daycare entry check (#10) ---------------
# Same period (2026Q2, judged on 15 July 2026). Children are hand-built with make_child:
# 城关街道, contracted to a family doctor unless a test says otherwise.


def result_of(
    indicator: str,
    children: list[yiyu.Child],
    *,
    visits: tuple[tuple[str, str], ...] = (),
    area: str | None = None,
    extra: tuple[StoredObligation, ...] = (),
    as_of: pendulum.Date = AS_OF,
) -> IndicatorResult:
    """Plan ``children``, record ``visits`` (key, day) and compute one indicator for Q2."""
    repo = MemoryRepository()
    repo.save_daycares([make_daycare(id="DC1", opened_on="2025-01-01")])
    repo.save_children(children)
    plan(repo, PROTOCOL, as_of=D(2026, 1, 1), horizon_days=400)
    for number, (key, day) in enumerate(visits):
        subject = key.split("/")[0].split(":")[1]
        repo.save_encounter(
            yiyu.Encounter(id=f"v{number}", subject_id=subject, on=day, obligation_key=key), []
        )
    stored = [*repo.obligations(ObligationFilter(include_withdrawn=True)), *extra]
    planned = {s.obligation.key for s in stored}
    assert {key for key, _ in visits} <= planned, "a visit to an obligation never planned"
    [found] = [
        r
        for r in coverage(stored, period=Q2, as_of=as_of, protocol=PROTOCOL,
                          children={c.id: c for c in children}, area=area,
                          encounters=repo.encounters_between(D(2025, 1, 1), as_of))
        if r.indicator == indicator
    ]  # fmt: skip
    return found


def short(result: IndicatorResult) -> set[tuple[str, str | None, str]]:
    return {(s.subject_id, s.key, s.reason) for s in result.shortfall}


def moved_out(on: str) -> list[yiyu.LifeEvent]:
    return [yiyu.LifeEvent(kind="moved_out", on=on)]


CONTRACT_COHORT = [
    make_child(id="F1", birth_date="2022-05-01"),  # 4: contracted
    make_child(id="F2", birth_date="2019-05-10", family_doctor=None),  # 7 on 10 May: out
    make_child(id="F3", birth_date="2019-07-01"),  # 7 on 1 July, the day after Q2: in
    make_child(id="F4", birth_date="2023-01-01", family_doctor=None, registered_on="2026-07-02"),
    make_child(id="F5", birth_date="2023-01-01", family_doctor=None,
               life_events=moved_out("2026-05-15")),  # left during Q2: out
    make_child(id="F6", birth_date="2024-02-02", family_doctor=None),  # here, no doctor
    make_child(id="F7", birth_date="2026-07-05", family_doctor=None),  # born after Q2
    make_child(id="F8", birth_date="2025-03-03", registered_on="2026-05-01"),  # came in Q2
    make_child(id="F9", birth_date="2024-02-02", family_doctor=None, township="东城街道"),
]  # fmt: skip


def test_family_doctor_contract_counts_every_resident_child_under_7() -> None:
    r = result_of("family_doctor_contract", CONTRACT_COHORT)
    # Resident at 30 June and not yet 7: F1, F3, F6, F8, F9. Contracted: F1, F3, F8.
    assert (r.numerator, r.denominator) == (3, 5)
    assert short(r) == {("F6", None, "not_contracted"), ("F9", None, "not_contracted")}
    assert (r.target, r.target_strict, r.met) == (1.0, False, False)  # 应签尽签


def test_family_doctor_contract_per_township() -> None:
    r = result_of("family_doctor_contract", CONTRACT_COHORT, area="城关街道")
    assert (r.numerator, r.denominator) == (3, 4)  # F9 lives in 东城街道
    assert short(r) == {("F6", None, "not_contracted")}
    everyone = result_of("family_doctor_contract", [CONTRACT_COHORT[0]], area="城关街道")
    assert (everyone.rate, everyone.met) == (1.0, True)


def test_family_doctor_contract_needs_no_obligation() -> None:
    # Counted from the children alone: a child with nothing due in the period counts.
    contract = [i for i in INDICATORS if i.id == "family_doctor_contract"]
    [r] = coverage([], period=Q2, as_of=AS_OF, protocol=PROTOCOL,
                   children={"F6": CONTRACT_COHORT[5]}, indicators=contract)  # fmt: skip
    assert (r.numerator, r.denominator) == (0, 1)


GUIDANCE_COHORT = [
    make_child(id="G1", birth_date="2026-01-10"),  # m3 done 1 May, in its window
    make_child(id="G2", birth_date="2025-12-20"),  # m3 done 1 June, after its window
    make_child(id="G3", birth_date="2025-10-15"),  # m6 done in Q1, m8 done in July
    make_child(id="G4", birth_date="2024-06-01",  # entry check (no 指导) done in Q2
               enrolments=[yiyu.Enrolment(child_id="G4", daycare_id="DC1", start="2026-05-10")]),
    make_child(id="G5", birth_date="2023-03-01"),  # 3 on 1 March: not under 3 in Q2
    make_child(id="G6", birth_date="2026-02-01",  # seen in Q2, then moved out in Q2
               life_events=moved_out("2026-05-15")),
    make_child(id="G7", birth_date="2025-11-01", registered_on="2026-07-03"),  # after Q2
    make_child(id="G8", birth_date="2025-11-20", township="东城街道"),  # seen, other township
]  # fmt: skip
GUIDANCE_VISITS = (
    ("child:G1/m3", "2026-05-01"),
    ("child:G2/m3", "2026-06-01"),
    ("child:G3/m6", "2026-03-20"),
    ("child:G3/m8", "2026-07-05"),
    ("child:G4/daycare_entry_check/DC1@2026-05-10", "2026-05-05"),
    ("child:G6/m3", "2026-04-10"),
    ("child:G8/m6", "2026-05-10"),
)


def test_parenting_knowledge_proxy_counts_guidance_given_in_the_period() -> None:
    r = result_of("parenting_knowledge", GUIDANCE_COHORT, visits=GUIDANCE_VISITS)
    # Under 3 in Q2 and here at its end: G1, G2, G3, G4, G8. Guided in Q2: G1 (in time),
    # G2 (late: guidance given is guidance given), G8. G3's visits fell outside Q2; G4's
    # entry check plans no guidance.
    assert (r.numerator, r.denominator) == (3, 5)
    assert short(r) == {("G3", None, "no_guidance"), ("G4", None, "no_guidance")}
    assert (r.late, r.skipped) == (0, 0)
    assert (r.target, r.met) == (0.9, False)
    assert "替代指标" in r.name  # printed tables show names only: it says it is a proxy
    assert "替代指标" in r.definition


def test_parenting_knowledge_per_township() -> None:
    r = result_of("parenting_knowledge", GUIDANCE_COHORT, visits=GUIDANCE_VISITS,
                  area="城关街道")  # fmt: skip
    assert (r.numerator, r.denominator) == (2, 4)  # G8 is 东城街道's


def test_parenting_knowledge_target_includes_90_percent() -> None:
    children = [make_child(id=f"K{n}", birth_date="2026-01-10") for n in range(10)]
    visits = tuple((f"child:K{n}/m3", "2026-05-01") for n in range(9))
    r = result_of("parenting_knowledge", children, visits=visits)
    assert (r.numerator, r.denominator, r.rate) == (9, 10, 0.9)
    assert r.met is True  # 90%以上: 以上 includes 90 %


def test_parenting_knowledge_ignores_visits_dated_after_as_of() -> None:
    # Judged on 30 April, a visit dated 1 May is not yet a fact (architecture rule 3).
    children = [make_child(id="G1", birth_date="2026-01-10")]
    visits = (("child:G1/m3", "2026-05-01"),)
    later = result_of("parenting_knowledge", children, visits=visits)
    early = result_of("parenting_knowledge", children, visits=visits, as_of=D(2026, 4, 30))
    assert (later.numerator, early.numerator, early.denominator) == (1, 0, 1)


def enrolled(child_id: str, start: str) -> yiyu.Child:
    enrolment = yiyu.Enrolment(child_id=child_id, daycare_id="DC1", start=start)
    return make_child(id=child_id, birth_date="2024-01-15", enrolments=[enrolment])


def test_daycare_entry_check() -> None:
    children = [
        enrolled("H1", "2026-05-10"),  # checked 5 May, before entry: on time
        enrolled("H2", "2026-05-20"),  # checked 25 May, after entry: late
        enrolled("H3", "2026-06-01"),  # not checked: missed
        enrolled("H4", "2026-08-01"),  # window closes in Q3: not judged in Q2
    ]
    visits = (
        ("child:H1/daycare_entry_check/DC1@2026-05-10", "2026-05-05"),
        ("child:H2/daycare_entry_check/DC1@2026-05-20", "2026-05-25"),
    )
    r = result_of("daycare_entry_check", children, visits=visits)
    assert (r.numerator, r.denominator, r.late, r.skipped) == (1, 3, 1, 0)
    assert short(r) == {
        ("H2", "child:H2/daycare_entry_check/DC1@2026-05-20", "late"),
        ("H3", "child:H3/daycare_entry_check/DC1@2026-06-01", "missed"),
    }


def test_daycare_entry_check_counts_the_recheck_after_3_months_away() -> None:
    # S11: 离园3个月以上需重新体检. R1 left DC1 on 2025-12-31 and is back on 2026-05-10,
    # more than 3 months later: the re-check (closing 10 May, Q2) is owed and counted; R2
    # moved straight on to another daycare (转园) and owes none.
    away = [
        yiyu.Enrolment(child_id="R1", daycare_id="DC1", start="2025-09-01", end="2025-12-31"),
        yiyu.Enrolment(child_id="R1", daycare_id="DC1", start="2026-05-10"),
    ]
    moved_on = [
        yiyu.Enrolment(child_id="R2", daycare_id="DC1", start="2025-09-01", end="2026-04-30"),
        yiyu.Enrolment(child_id="R2", daycare_id="DC1", start="2026-05-15"),
    ]
    children = [
        make_child(id="R1", birth_date="2024-01-15", enrolments=away),
        make_child(id="R2", birth_date="2024-01-15", enrolments=moved_on),
    ]
    r = result_of(
        "daycare_entry_check",
        children,
        visits=(("child:R1/daycare_recheck/DC1@2026-05-10", "2026-05-06"),),
    )
    assert (r.numerator, r.denominator) == (1, 1)


def test_a_check_overdue_when_the_child_moved_out_counts_as_missed() -> None:
    # Issue #10: coverage is not flattered by cancellations. L1's 3-month check (window
    # 2026-04-10 … 2026-07-09, due 2026-05-10) was overdue when the child moved out on
    # 2026-06-01: it counts, missed, in Q2. L2 left before its check was due: not counted.
    children = [
        make_child(
            id="L1", birth_date="2026-02-10",
            life_events=[yiyu.LifeEvent(kind="moved_out", on="2026-06-01")],
        ),
        make_child(
            id="L2", birth_date="2026-02-28",
            life_events=[yiyu.LifeEvent(kind="moved_out", on="2026-05-10")],
        ),
    ]  # fmt: skip
    r = result_of("routine_checks_timely", children)
    assert (r.numerator, r.denominator) == (0, 1)
    assert [(s.key, s.reason) for s in r.shortfall] == [("child:L1/m3", "missed")]


def test_the_coverage_job_reads_every_resident_child_of_a_township() -> None:
    # Children with no obligation stored (never planned) are still the township's to
    # contract; a child who moved to another township counts there, not where its
    # obligations were planned.
    repo = MemoryRepository()
    mover = make_child(id="M1", birth_date="2025-03-03", family_doctor=None)
    repo.save_children([mover])
    plan(repo, PROTOCOL, as_of=D(2026, 1, 1), horizon_days=400)
    repo.save_children(
        [
            attrs.evolve(mover, township="东城街道"),
            make_child(id="P1", birth_date="2022-05-01"),
            make_child(id="P2", birth_date="2021-09-09", family_doctor=None),
            make_child(id="P3", birth_date="2022-05-01", township="东城街道"),
        ]
    )
    by_area = {
        area: {
            r.indicator: r
            for r in coverage_report(repo, PROTOCOL, period=Q2, as_of=AS_OF, township=area)
        }
        for area in ("城关街道", "东城街道", None)
    }
    assert short(by_area["城关街道"]["family_doctor_contract"]) == {("P2", None, "not_contracted")}
    assert by_area["城关街道"]["family_doctor_contract"].denominator == 2
    assert by_area["东城街道"]["family_doctor_contract"].denominator == 2  # M1, P3
    assert by_area[None]["family_doctor_contract"].denominator == 4
    assert by_area["东城街道"]["parenting_knowledge"].denominator == 1  # M1, under 3


# --- skip reasons, facts after as_of, unfinished periods, small denominators (#17) ----------


def _only(
    indicator: str,
    repo: MemoryRepository | None,
    children: dict[str, yiyu.Child],
    *,
    period: yiyu.Period = Q2,
    as_of: pendulum.Date = AS_OF,
) -> IndicatorResult:
    """One indicator, from what ``repo`` stores (``None``: no obligations)."""
    stored = [] if repo is None else repo.obligations(ObligationFilter(include_withdrawn=True))
    [result] = coverage(
        stored,
        period=period,
        as_of=as_of,
        protocol=PROTOCOL,
        children=children,
        indicators=[i for i in INDICATORS if i.id == indicator],
    )
    return result


def _one_check(
    skip: yiyu.Skip | None = None,
    done_on: str | None = None,
    as_of: pendulum.Date = AS_OF,
    period: yiyu.Period = Q2,
) -> IndicatorResult:
    """Child A's 3-month check (window 03-10 … 06-09, in Q2), done or skipped as given."""
    repo = MemoryRepository()
    child = make_child("A", born="2026-01-10", family_doctor=None)
    repo.save_children([child])
    plan(repo, PROTOCOL, as_of=D(2026, 1, 1), horizon_days=400)
    if done_on is not None:
        repo.save_encounter(
            yiyu.Encounter(id="e1", subject_id="A", on=done_on, obligation_key="child:A/m3"), []
        )
    if skip is not None:
        repo.save_skip("child:A/m3", skip)
    return _only("routine_checks_timely", repo, {"A": child}, period=period, as_of=as_of)


def test_done_elsewhere_counts_as_done_and_is_reported_apart() -> None:
    r = _one_check(skip=yiyu.Skip(on="2026-05-02", reason="done_elsewhere"))
    assert (r.numerator, r.denominator, r.elsewhere, r.skipped) == (1, 1, 1, 0)
    assert r.shortfall == ()
    assert PROTOCOL.skip_reasons["done_elsewhere"].evidence is yiyu.Evidence.D


def test_not_applicable_leaves_the_denominator() -> None:
    r = _one_check(skip=yiyu.Skip(on="2026-05-02", reason="not_applicable"))
    assert (r.numerator, r.denominator, r.skipped) == (0, 0, 0)
    assert r.rate is None


def test_a_refusal_stays_in_the_denominator_as_skipped() -> None:
    r = _one_check(skip=yiyu.Skip(on="2026-05-02", reason="family_refused"))
    assert (r.numerator, r.denominator, r.skipped) == (0, 1, 1)
    assert [s.reason for s in r.shortfall] == ["skipped"]


def test_a_skip_or_a_visit_after_as_of_has_not_happened_yet() -> None:
    # Judged on 2026-07-15: a skip entered on 07-20 and a visit dated 07-20 are not facts yet.
    skipped_later = _one_check(skip=yiyu.Skip(on="2026-07-20", reason="done_elsewhere"))
    assert (skipped_later.numerator, skipped_later.elsewhere) == (0, 0)
    assert [s.reason for s in skipped_later.shortfall] == ["missed"]
    seen_later = _one_check(done_on="2026-07-20")
    assert (seen_later.numerator, seen_later.late) == (0, 0)
    assert [s.reason for s in seen_later.shortfall] == ["missed"]
    # The same store judged after the visit: late.
    judged_later = _one_check(done_on="2026-07-20", as_of=D(2026, 7, 31))
    assert judged_later.late == 1


def test_a_period_that_has_not_ended_is_not_final_and_gives_no_verdict() -> None:
    q3 = yiyu.Period.parse("2026Q3")
    unfinished = _one_check(done_on="2026-05-01", as_of=D(2026, 8, 1), period=q3)
    assert unfinished.final is False
    assert unfinished.verdict is None
    assert unfinished.as_dict()["final"] is False
    assert _one_check(done_on="2026-05-01").final is True  # Q2, judged on 07-15


def test_a_small_denominator_is_marked_and_gives_no_verdict(
    results: dict[str, yiyu.coverage.IndicatorResult],
) -> None:
    r = results["daycare_quarterly_visit"]
    assert r.denominator < yiyu.coverage.SMALL_DENOMINATOR
    assert (r.small, r.met, r.verdict) == (True, False, None)
    assert r.as_dict()["small"] is True
    big = attrs.evolve(r, numerator=90, denominator=100)
    assert (big.small, big.verdict) == (False, False)


def test_a_protocol_names_each_skip_reasons_effect() -> None:
    effects = {reason: PROTOCOL.skip_effect(reason) for reason in PROTOCOL.skip_reasons}
    assert effects == {
        "done_elsewhere": "done",
        "not_applicable": "excluded",
        "family_refused": "not_done",
        "child_ill": "not_done",
        "temporarily_away": "not_done",
        "other": "not_done",
    }
    # The enum and its Chinese label count as its value; a misspelt reason is refused
    # rather than silently counted as not done.
    assert PROTOCOL.skip_effect(yiyu.SkipReason.DONE_ELSEWHERE) == "done"
    assert PROTOCOL.skip_effect("不适用") == "excluded"
    with pytest.raises(yiyu.ValidationError) as raised:
        PROTOCOL.skip_effect("no_such_reason")
    assert raised.value.field == "reason"


def _rescreen(result_on: str | None) -> IndicatorResult:
    """An autism referral opened 2026-04-01 (tracking window 04-01 … 05-31, Q2), a visit
    for its tracking on 04-20 without the re-screen's result, and the result if given."""
    opened = D(2026, 4, 1)
    referral = yiyu.Referral(
        kind="autism_rescreen", opened_on=opened, reason="预警征象阳性", opened_by="E0"
    )
    if result_on is not None:
        referral = attrs.evolve(referral, closed_on=result_on, result="复筛未见异常")
    child = make_child("R", born="2024-04-01", family_doctor=None, referrals=[referral])
    repo = MemoryRepository()
    repo.save_children([child])
    plan(repo, PROTOCOL, as_of=opened, horizon_days=200)
    key = f"child:R/autism_rescreen_referral/{referral.id}"
    repo.save_encounter(
        yiyu.Encounter(id="e1", subject_id="R", on="2026-04-20", obligation_key=key), []
    )
    return _only("autism_referral_completion", repo, {"R": child})


def test_a_rescreen_referral_is_complete_only_with_its_result() -> None:
    # S6 (digest §3): what is tracked is the county re-screen's result. A visit for the
    # tracking that records none does not complete it (#17).
    without = _rescreen(None)
    assert (without.numerator, without.denominator) == (0, 1)
    assert [s.reason for s in without.shortfall] == ["missed"]
    with_result = _rescreen("2026-05-10")
    assert (with_result.numerator, with_result.denominator) == (1, 1)
    too_late = _rescreen("2026-06-10")  # after the window closed on 05-31
    assert (too_late.numerator, too_late.late) == (0, 1)


def _closing_rate(
    life_events: list[yiyu.LifeEvent], as_of: pendulum.Date = AS_OF
) -> IndicatorResult:
    """An anaemia case opened 2026-03-01, still open when the child leaves (or not)."""
    case = yiyu.Case(condition="anaemia", opened_on="2026-03-01", opened_by="E0")
    child = make_child(
        "K", born="2025-06-01", family_doctor=None, cases=[case], life_events=life_events
    )
    return _only("case_closing", None, {"K": child}, as_of=as_of)


def test_a_case_ended_by_leaving_is_not_closed_by_its_criteria() -> None:
    # The child moved out on 2026-05-10: its open case was closed that day with the reason
    # 迁出 (#17 item 7). It is no 结案 by criteria, nor an open case of this area's.
    left = _closing_rate([yiyu.LifeEvent(kind="moved_out", on="2026-05-10")])
    assert (left.numerator, left.denominator) == (0, 0)
    stayed = _closing_rate([])
    assert (stayed.numerator, stayed.denominator) == (0, 1)
    assert [s.reason for s in stayed.shortfall] == ["open"]
    # Judged before the move, the case was open and this area's.
    before = _closing_rate([yiyu.LifeEvent(kind="moved_out", on="2026-05-10")], as_of=D(2026, 5, 1))
    assert (before.numerator, before.denominator) == (0, 1)


def test_a_check_done_on_time_counts_for_the_period_its_window_closes_in() -> None:
    # #17 item 1: child A's 8-month check, window 2026-08-10 … 2026-11-09 (Q4), done on
    # time on 2026-09-20 (Q3). It counts for Q4, the period that owns it, not for Q3.
    repo = MemoryRepository()
    child = make_child("A", born="2026-01-10", family_doctor=None)
    repo.save_children([child])
    plan(repo, PROTOCOL, as_of=D(2026, 1, 1), horizon_days=400)
    [m8] = [e.obligation for e in repo.obligations(ObligationFilter()) if e.obligation.rule == "m8"]
    assert (m8.opens, m8.closes) == (D(2026, 8, 10), D(2026, 11, 9))
    repo.save_encounter(
        yiyu.Encounter(id="e8", subject_id="A", on="2026-09-20", obligation_key=m8.key), []
    )

    def rate(period: str) -> IndicatorResult:
        return _only(
            "infant_visit_timely",
            repo,
            {"A": child},
            period=yiyu.Period.parse(period),
            as_of=D(2027, 1, 15),
        )

    q4 = rate("2026Q4")
    assert (q4.numerator, q4.denominator) == (1, 1)
    q3 = rate("2026Q3")  # m6 (window 06-10 … 08-09) was due in Q3 and not done
    assert (q3.numerator, q3.denominator) == (0, 1)
    assert [s.key for s in q3.shortfall] == ["child:A/m6"]


def test_the_small_denominator_is_a_configurable_default() -> None:
    [result] = coverage(
        [],
        period=Q2,
        as_of=AS_OF,
        protocol=PROTOCOL,
        children={"A": make_child("A", born="2024-01-10", family_doctor="FD-1")},
        indicators=[i for i in INDICATORS if i.id == "family_doctor_contract"],
        small_below=1,
    )
    assert (result.denominator, result.small, result.verdict) == (1, False, True)


# --- the period's visits, and children who left ---------------------------------------------


def test_infant_health_management_counts_a_visit_done_in_the_period(repo: Repository) -> None:
    # m3 window 03-31…06-29, m6 06-30…08-30
    child = make_child("C1", born="2026-01-31", sex="F", gestational_age="39+0")
    repo.save_children([child])
    plan(repo, PROTOCOL, as_of=D(2026, 1, 1), horizon_days=400)
    repo.save_encounter(yiyu.Encounter(id="E1", subject_id="C1", on="2026-08-15",
                                       obligation_key="child:C1/m6"), [])  # fmt: skip
    # Q3: its m6 closes in Q3 and was done in Q3; also seen. Q2: m3 closes in Q2 and was
    # not done, but the child was not seen in Q2 either.
    visits = repo.encounters_between(D(2026, 1, 1), D(2026, 10, 1))
    [q3] = [r for r in coverage(repo.obligations(ObligationFilter()),
            period=yiyu.Period.parse("2026Q3"), as_of=D(2026, 10, 1), protocol=PROTOCOL,
            children={"C1": child}, encounters=visits)
            if r.indicator == "infant_visit_timely"]  # fmt: skip
    assert (q3.numerator, q3.denominator) == (1, 1)


def test_a_visit_done_before_a_move_entered_later_still_counts(repo: Repository) -> None:
    moved = make_child("C1", born="2026-01-31", sex="F", gestational_age="39+0",
                       life_events=[yiyu.LifeEvent(kind="moved_out", on="2026-02-08")])  # fmt: skip
    repo.save_children([moved])
    plan(repo, PROTOCOL, as_of=D(2026, 1, 31))
    visit = yiyu.Encounter(
        id="E1", subject_id="C1", on="2026-02-05", obligation_key="child:C1/newborn_home_visit"
    )
    repo.save_encounter(visit, [])
    found = {r.indicator: r for r in coverage(repo.obligations(ObligationFilter()),
             period=yiyu.Period.parse("2026Q1"), as_of=D(2026, 4, 1), protocol=PROTOCOL,
             children={"C1": moved}, encounters=[visit])}  # fmt: skip
    for indicator in ("newborn_visit_timely", "newborn_visit"):  # on time, and within 28 days
        assert (found[indicator].numerator, found[indicator].denominator) == (1, 1)


def test_a_departed_childs_open_case_is_not_counted_later() -> None:
    gone = make_child("C1", born="2026-01-31", sex="F", gestational_age="33+0",
                      cases=[yiyu.Case(condition="anaemia", opened_on="2026-08-01")],
                      life_events=[yiyu.LifeEvent(kind="moved_out", on="2026-09-01")])  # fmt: skip
    [closing] = [r for r in coverage([], period=yiyu.Period.parse("2027Q1"),
                 as_of=D(2027, 4, 1), protocol=PROTOCOL, children={"C1": gone},
                 encounters=[]) if r.indicator == "case_closing"]  # fmt: skip
    assert closing.denominator == 0


def test_results_of_two_parts_add_up_and_only_alike_ones(
    results: dict[str, yiyu.coverage.IndicatorResult],
) -> None:
    """The coverage job adds the results of batches of subjects (#14)."""
    one = results["routine_checks_timely"]
    two = one.added(one)
    assert (two.numerator, two.denominator) == (2 * one.numerator, 2 * one.denominator)
    assert (two.late, two.pending, two.rate) == (2 * one.late, 2 * one.pending, one.rate)
    assert two.shortfall == one.shortfall + one.shortfall
    assert two.final == one.final
    with pytest.raises(yiyu.ValidationError, match="not the same indicator"):
        one.added(results["newborn_visit_timely"])


def test_keeping_the_first_shortfalls_while_counting_lists_what_keeping_after_lists() -> None:
    """``coverage(shortfall=N)`` makes only the first N shortfalls of each indicator (the
    coverage job counts a province's batches so, #14): the same results as counting all
    and keeping the first N after."""
    from yiyu.synthetic import CohortSpec, generate_cohort

    made = generate_cohort(CohortSpec(children=40, seed=3, as_of=D(2026, 6, 30)))
    repo = MemoryRepository()
    repo.save_daycares(list(made.daycares))
    repo.save_children(list(made.children()))
    plan(repo, PROTOCOL, as_of=D(2026, 1, 1), horizon_days=400)
    # Backwards: counted in another order than the one the first are chosen in.
    stored = repo.obligations(ObligationFilter(include_withdrawn=True))[::-1]
    children = repo.get_children([c.id for c in made.children()])
    kwargs = {"period": Q2, "as_of": AS_OF, "protocol": PROTOCOL, "children": children,
              "encounters": []}  # fmt: skip
    whole = coverage(stored, **kwargs)  # type: ignore[arg-type]
    assert max(len(r.shortfall) for r in whole) > 5
    for kept in (0, 5, 10_000):
        counted = coverage(stored, shortfall=kept, **kwargs)  # type: ignore[arg-type]
        assert counted == [r.keeping(kept) for r in whole]
    with pytest.raises(yiyu.ValidationError, match="shortfall"):
        coverage(stored, shortfall=-1, **kwargs)  # type: ignore[arg-type]
