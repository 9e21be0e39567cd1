"""The yearly rates by their published definitions, year to date (#17 item 2).

The cohort is ``yiyu.coverage.example`` (its stories are in ``STORIES`` and on
docs/coverage.md): 2026Q3 judged on 2026-10-15, so the yearly rates count 2026-01-01 …
2026-09-30. Windows are the protocol's: m3 2–5 months, m6 5–7, m12 10–15, m24 21–27, m30
27–33, m36 33–48, y4 48–60, y6 72–84 (the last day of each excluded). Every figure below is
worked out by hand from the stories, and the definitions' sources are named in
``yiyu.coverage.indicators``: S1 (新生儿访视率, 儿童健康管理率), the 4:2:2 statistics
(3岁以下儿童系统管理率), the city plan (婴幼儿健康管理率 > 95 %, 发育监测筛查率 ≥ 95 %) and
S6 (孤独症初筛率).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import pendulum
import pytest

import yiyu
from yiyu.coverage import IndicatorResult, coverage
from yiyu.coverage.example import STORIES, CoverageExample, coverage_example
from yiyu.store import StoredObligation

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()
EXAMPLE = coverage_example(PROTOCOL)


def report(
    example: CoverageExample = EXAMPLE,
    *,
    period: str = "2026Q3",
    as_of: pendulum.Date = EXAMPLE.as_of,
    stored: Sequence[StoredObligation] | None = None,
    children: dict[str, yiyu.Child] | None = None,
    encounters: Sequence[yiyu.Encounter] | None = None,
) -> dict[str, IndicatorResult]:
    results = coverage(
        example.stored if stored is None else stored,
        period=yiyu.Period.parse(period),
        as_of=as_of,
        protocol=PROTOCOL,
        children=dict(example.children) if children is None else children,
        encounters=example.encounters if encounters is None else encounters,
    )
    return {r.indicator: r for r in results}


RESULTS = report()


def figures(r: IndicatorResult) -> tuple[int, int, int, int]:
    return r.numerator, r.denominator, r.elsewhere, r.pending


def short(r: IndicatorResult) -> list[tuple[str, str]]:
    return [(s.subject_id, s.reason) for s in r.shortfall]


def test_the_yearly_rates_count_the_year_to_date() -> None:
    for r in RESULTS.values():
        if r.basis == "year":
            assert (r.first, r.last) == (D(2026, 1, 1), D(2026, 9, 30)), r.indicator
        else:
            assert (r.first, r.last) == (D(2026, 7, 1), D(2026, 9, 30)), r.indicator
    data = RESULTS["newborn_visit"].as_dict()
    assert (data["basis"], data["counted_from"], data["counted_to"]) == (
        "year", "2026-01-01", "2026-09-30",
    )  # fmt: skip


def test_newborn_visit_rate_counts_every_live_birth() -> None:
    r = RESULTS["newborn_visit"]
    # Born in the year so far: N1, N2, N3, N4. N1 visited on day 5; N4's visit was done
    # elsewhere; N2 was registered on day 52, unvisited: still a live birth of the area
    # (yiyu used to drop it); N3 is 20 days old on the as-of date: pending.
    assert figures(r) == (2, 3, 1, 1)
    assert short(r) == [("N2", "not_visited")]
    assert r.final is False  # N3 may yet be visited: the figure can still change
    assert r.verdict is None


def test_a_visit_after_28_days_is_not_a_newborn_visit() -> None:
    late = [e if e.id != "E1" else attrs.evolve(e, on=D(2026, 3, 30)) for e in EXAMPLE.encounters]
    stored = [
        attrs.evolve(s, done_on=D(2026, 3, 30)) if s.obligation.key == "child:N1/newborn_home_visit"
        else s
        for s in EXAMPLE.stored
    ]  # fmt: skip
    r = report(stored=stored, encounters=late)["newborn_visit"]
    assert figures(r)[:2] == (1, 3)  # born 03-01: day 29 is past the newborn period
    assert ("N1", "not_visited") in short(r)


def test_the_newborn_figure_is_final_once_the_last_newborn_is_28_days_old() -> None:
    r = report(as_of=D(2026, 10, 23))["newborn_visit"]  # N3 born 09-25 is 28 days old
    assert figures(r) == (2, 4, 1, 0)
    assert r.final is True
    assert short(r) == [("N2", "not_visited"), ("N3", "not_visited")]


def test_child_health_management_counts_children_seen_once_in_the_year() -> None:
    r = RESULTS["child_health_management"]
    # Under 7 at some time in the year and this area's: all eleven (A7 turned 7 on 05-01;
    # A4 left on 05-01, after the year began; N2 registered in July). Seen: N1, N2, N4
    # (a late visit is a visit), A1, A2, A4 (an unscheduled visit), A6.
    assert figures(r) == (7, 11, 0, 0)
    assert short(r) == [("A3", "not_seen"), ("A5", "not_seen"), ("A7", "not_seen"),
                        ("N3", "not_seen")]  # fmt: skip
    assert r.target is None


def test_infant_health_management_is_the_same_rate_for_children_under_3() -> None:
    r = RESULTS["infant_health_management"]
    # Under 3 at some time in the year: N1–N4, A1, A2 (3 on 03-15), A4, A5. A3 turned 3
    # in 2025. Seen: N1, N2, N4, A1, A2 (its 36-month check), A4.
    assert figures(r) == (6, 8, 0, 0)
    assert short(r) == [("A5", "not_seen"), ("N3", "not_seen")]
    assert (r.target, r.target_strict, r.met) == (0.95, True, False)  # city plan: 超过95%
    assert r.small  # 8 children: no verdict
    assert r.verdict is None


def test_systematic_management_4_2_2_counts_the_36_month_check() -> None:
    r = RESULTS["under3_systematic_management"]
    # Checks of age in the year: N1 m3, m6 (on time); N2 m3 (on time); N4 m3 (late), m6
    # (missed); A1 m24, m30 (on time); A2 m36 (on time: the 36-month check counts); A5 m12
    # (refused). A4's m24 was cancelled by the move. Managed: N1, N2, A1, A2.
    assert figures(r) == (4, 6, 0, 0)
    assert short(r) == [("A5", "missed"), ("N4", "missed")]


def test_developmental_screening_counts_screens_by_age_at_the_check() -> None:
    r = RESULTS["dev_screening_0_3"]
    # Screens of age in the year (m3–m36 due 2026-01-01 … 09-30): N1 m3, N1 m6, N2 m3,
    # A1 m30, A2 m36 done in the window with 预警征象 recorded; A1 m24 done on time with
    # no screen recorded; N4 m3 late; N4 m6 missed; A5 m12 refused. A3's 36-month check
    # (due 2025, window closing 2026-07-31) is not a screen of a child aged 0–3 this year.
    assert figures(r) == (5, 9, 0, 0)
    assert (r.late, r.skipped) == (1, 1)
    assert [(s.key, s.reason) for s in r.shortfall] == [
        ("child:A1/m24", "not_screened"),
        ("child:A5/m12", "skipped"),
        ("child:N4/m3", "late"),
        ("child:N4/m6", "missed"),
    ]
    assert r.target == 0.95
    # The per-period timeliness rate owns A3's 36-month check, by its window's closing.
    timely = RESULTS["routine_checks_timely"]
    assert ("A3", "missed") in short(timely)
    assert timely.target is None


def test_autism_initial_screening_counts_children_screened_by_the_2022_method() -> None:
    r = RESULTS["autism_initial_screening"]
    # Owed a screen in the year: N1, N2, N4, A1, A2, A3 (y4), A5, A6 (y6). Screened with
    # 预警征象 and the regression question: N1 (m3), N2, N4 (at its late visit), A1 (m30),
    # A2, A6. A3's 4-year window is open: pending. A5 was never screened.
    assert figures(r) == (6, 7, 0, 1)
    assert short(r) == [("A5", "not_screened")]
    assert r.final is False


def test_a_screen_without_the_regression_question_is_not_the_2022_method() -> None:
    asked_never = [attrs.evolve(e, regression=None) for e in EXAMPLE.encounters]
    r = report(encounters=asked_never)
    # No one screened: N1, N2, N4 and A5, whose windows have closed, fall short; A1 (m30
    # closes 10-19), A2, A3 and A6 still have a window open: pending.
    assert figures(r["autism_initial_screening"]) == (0, 4, 0, 4)
    # The developmental screen needs only the 预警征象: unchanged.
    assert figures(r["dev_screening_0_3"]) == figures(RESULTS["dev_screening_0_3"])


def test_the_yearly_rates_need_the_visits() -> None:
    with pytest.raises(yiyu.ValidationError, match="encounters"):
        coverage(EXAMPLE.stored, period=EXAMPLE.period, as_of=EXAMPLE.as_of,
                 protocol=PROTOCOL, children=EXAMPLE.children)  # fmt: skip


def test_a_month_is_counted_year_to_date() -> None:
    # 2026-04, judged on 2026-05-15: 2026-01-01 … 04-30. Born by then: N1, N4 (both seen
    # to in the newborn period); N2 is not born yet.
    r = report(period="2026-04", as_of=D(2026, 5, 15))
    assert figures(r["newborn_visit"]) == (2, 2, 1, 0)
    seen = r["infant_health_management"]
    # Under 3 and here: N1, N4, A1, A2, A4, A5; seen by 04-30: N1 (newborn visit), A1, A2,
    # A4, and N4 only elsewhere (its newborn visit skipped as done elsewhere on 02-15).
    assert figures(seen) == (5, 6, 1, 0)
    assert short(seen) == [("A5", "not_seen")]


def test_an_unfinished_period_is_not_final() -> None:
    r = report(period="2026Q4", as_of=D(2026, 11, 20))
    assert all(not result.final for result in r.values())
    assert r["child_health_management"].last == D(2026, 11, 20)


def test_a_late_registration_counts_from_when_it_is_known() -> None:
    # Judged on 2026-06-30, before N2's registration on 07-01: N2 is not yet a fact.
    r = report(period="2026Q2", as_of=D(2026, 6, 30))
    assert "N2" not in {s.subject_id for s in r["newborn_visit"].shortfall}
    assert figures(r["newborn_visit"])[:2] == (2, 2)


def test_a_township_counts_its_own_children() -> None:
    moved = {k: attrs.evolve(c, township="东城街道") if k == "A5" else c
             for k, c in EXAMPLE.children.items()}  # fmt: skip
    results = coverage(
        EXAMPLE.stored, period=EXAMPLE.period, as_of=EXAMPLE.as_of, protocol=PROTOCOL,
        children=moved, encounters=EXAMPLE.encounters, area="城关街道",
    )  # fmt: skip
    [r] = [r for r in results if r.indicator == "infant_health_management"]
    assert figures(r)[:2] == (6, 7)  # A5 is 东城街道's


def test_every_story_is_a_child_of_the_example() -> None:
    assert set(STORIES) == set(EXAMPLE.children)


def test_a_check_at_which_no_warning_sign_column_applied_owed_no_screen() -> None:
    # Two children born 2026-01-01, each seen at the 3-month check on 04-01 with no 预警征象
    # recorded. The term child (3 months old) owed the screen; the one born at 28 weeks is
    # assessed by corrected age (0 months: no column applies before 3 months), so owed none.
    children = {
        "T": yiyu.Child(id="T", name="足月", sex="F", birth_date="2026-01-01",
                        discharge_date="2026-01-03", township="城关街道"),
        "P": yiyu.Child(id="P", name="早产", sex="F", birth_date="2026-01-01",
                        gestational_age="28+0", discharge_date="2026-03-01",
                        township="城关街道"),
    }  # fmt: skip
    stored = [
        StoredObligation(obligation=ob, township="城关街道", assignee=None, skip=None,
                         withdrawn_on=None, done_on=D(2026, 4, 1) if ob.rule == "m3" else None)
        for child in children.values()
        for ob in yiyu.schedule(child, PROTOCOL, until=D(2026, 12, 31))
    ]  # fmt: skip
    visits = [yiyu.Encounter(id=f"E{c}", subject_id=c, on="2026-04-01",
                             obligation_key=f"child:{c}/m3") for c in children]  # fmt: skip
    r = report(stored=stored, children=children, encounters=visits, period="2026Q2",
               as_of=D(2026, 7, 15))["dev_screening_0_3"]  # fmt: skip
    assert [(s.key, s.reason) for s in r.shortfall] == [("child:T/m3", "not_screened")]
    assert (r.numerator, r.denominator) == (0, 1)


def test_the_per_period_rates_of_the_example() -> None:
    # Q3's windows (closing 07-01 … 09-30): N1 m3, m6 on time; N4 m3 late, m6 missed; A5
    # m12 refused; A3's 36-month check (closing 07-31) missed.
    timely = RESULTS["routine_checks_timely"]
    assert (timely.numerator, timely.denominator, timely.late, timely.skipped) == (2, 6, 1, 1)
    visits = RESULTS["infant_visit_timely"]  # N1 on time; N4 and A5 none on time
    assert short(visits) == [("A5", "none_on_time"), ("N4", "none_on_time")]
    # Living here on 09-30 and under 7: all but A4 (moved out) and A7 (7 on 05-01);
    # contracted: N1, N4, A1, A2, A3, A6.
    contract = RESULTS["family_doctor_contract"]
    assert (contract.numerator, contract.denominator) == (6, 9)
