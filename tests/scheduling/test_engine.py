"""The scheduling engine against the standards' own numbers.

Sources: the standards digest (its sections: docs/sources.md); section numbers
are given with each test. Windows marked D there are yiyu defaults.
"""

from __future__ import annotations

import itertools
from typing import Any

import pendulum
import pytest

import yiyu
from yiyu import Child, Obligation, Role
from yiyu.testing import make_child, make_daycare

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()
FAR = D(2035, 1, 1)
BORN = D(2024, 1, 31)


def plan(subject: Child | yiyu.Daycare, until: D = FAR) -> dict[str, Obligation]:
    return {ob.key: ob for ob in yiyu.schedule(subject, PROTOCOL, until=until)}


def only(subject: Child | yiyu.Daycare, rule: str, until: D = FAR) -> Obligation:
    [ob] = [ob for ob in plan(subject, until).values() if ob.rule == rule]
    return ob


def window(ob: Obligation) -> tuple[D, D, D]:
    return ob.opens, ob.due, ob.closes


# --- newborn (digest §1.1, §1.5) ------------------------------------------------------------


def test_newborn_visit_within_7_days_of_discharge() -> None:
    # S1 "出院后1周内"; S2 first visit within 7 d of discharge.
    ob = only(make_child("C1", born=BORN), "newborn_home_visit")
    assert window(ob) == (D(2024, 2, 3), D(2024, 2, 10), D(2024, 2, 10))
    assert ob.role is Role.CHILD_HEALTH_DOCTOR
    assert ob.variant is None
    assert ob.key == "child:C1/newborn_home_visit"


@pytest.mark.parametrize(
    "facts",
    [
        {"gestational_age": "36+6"},  # 早产 < 37 weeks (S2 criterion 1)
        {"birth_weight_g": 2499},  # 低出生体重 < 2500 g (S2 criterion 1)
        {"categories": [yiyu.Category(kind="high_risk_newborn", reason="高胆红素血症")]},
    ],
)
def test_high_risk_newborn_visited_within_3_days(facts: dict[str, Any]) -> None:
    # S2: high-risk newborns, first visit within 3 d of receiving the discharge report.
    ob = only(make_child("C1", born=BORN, **facts), "newborn_home_visit")
    assert window(ob) == (D(2024, 2, 3), D(2024, 2, 6), D(2024, 2, 6))
    assert ob.variant == "high_risk"


def test_a_category_recorded_later_does_not_rewrite_the_newborn_period() -> None:
    # Review finding: conditions are judged on the facts at discharge.
    later = yiyu.Category(kind="high_risk_newborn", start="2024-07-01", reason="后天诊断")
    c = make_child("C1", born=BORN, categories=[later])
    assert only(c, "newborn_home_visit").variant is None
    assert [ob for ob in plan(c).values() if ob.rule == "high_risk_follow_up"] == []


@pytest.mark.parametrize("facts", [{"gestational_age": "37+0"}, {"birth_weight_g": 2500}])
def test_thresholds_are_strict(facts: dict[str, Any]) -> None:
    assert only(make_child("C1", born=BORN, **facts), "newborn_home_visit").due == D(2024, 2, 10)


def test_home_birth_visit_hangs_from_the_birth() -> None:
    ob = only(make_child("C1", born=BORN, discharge_date=None), "newborn_home_visit")
    assert window(ob) == (D(2024, 1, 31), D(2024, 2, 7), D(2024, 2, 7))


def test_one_month_at_28_to_30_days() -> None:
    # S1/S2: 满月 出生后28～30天; due is the last day the standard names.
    assert window(only(make_child("C1", born=BORN), "one_month")) == (
        D(2024, 2, 28),
        D(2024, 3, 1),
        D(2024, 3, 1),
    )


# --- routine checks (digest §1.1–1.4) -------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "due"),
    [
        ("m3", D(2024, 4, 30)),  # born 31 Jan: clamps to 30 Apr (DESIGN rule 4)
        ("m6", D(2024, 7, 31)),
        ("m8", D(2024, 9, 30)),
        ("m12", D(2025, 1, 31)),
        ("m18", D(2025, 7, 31)),
        ("m24", D(2026, 1, 31)),
        ("m30", D(2026, 7, 31)),
        ("m36", D(2027, 1, 31)),
        ("y4", D(2028, 1, 31)),
        ("y5", D(2029, 1, 31)),
        ("y6", D(2030, 1, 31)),
    ],
)
def test_routine_checks_at_the_standards_ages(rule: str, due: D) -> None:
    assert only(make_child("C1", born=BORN), rule).due == due


def test_leap_day_birth_twelve_month_check_on_28_february() -> None:
    assert only(make_child("C1", born="2024-02-29", discharge_date=None), "m12").due == D(
        2025, 2, 28
    )


def test_default_windows_partition_the_age_axis() -> None:
    # digest §1.4 (D): m3 2–5, m6 5–7, m8 7–10, m12 10–15, m18 15–21, m24 21–27,
    # m30 27–33, m36 33–48, y4 48–60, y5 60–72, y6 72–84 months, no gap, no overlap.
    rules = ["m3", "m6", "m8", "m12", "m18", "m24", "m30", "m36", "y4", "y5", "y6"]
    obligations = [only(make_child("C1", born=BORN), rule) for rule in rules]
    birth = D(2024, 1, 31)
    assert obligations[0].opens == yiyu.add_months(birth, 2)
    assert obligations[-1].closes == yiyu.add_months(birth, 84).subtract(days=1)
    for earlier, later in itertools.pairwise(obligations):
        assert later.opens == earlier.closes.add(days=1)


@pytest.mark.parametrize(
    ("rule", "hb", "hearing"),
    # digest §1.2 (S1): Hb at 6–8, 18, 30 months; hearing at 6, 12, 24, 36 months.
    [
        ("m3", False, False),
        ("m6", True, True),
        ("m8", True, False),
        ("m12", False, True),
        ("m18", True, False),
        ("m24", False, True),
        ("m30", True, False),
        ("m36", False, True),
    ],
)
def test_visit_contents_carry_the_screens(rule: str, hb: bool, hearing: bool) -> None:
    ob = only(make_child("C1", born=BORN), rule)
    assert any("血红蛋白" in test for test in ob.tests) is hb
    assert any("听力" in test for test in ob.tests) is hearing
    assert ob.checklist == rule  # the 预警征象 column of that age (S5)
    assert any("预警征象" in item for item in ob.contents)
    assert ob.sources
    assert ob.protocol == "zj-city"


# --- corrected age, preterm and high-risk follow-up (digest §4) -----------------------------


def test_corrected_birth_is_birth_plus_40_weeks_minus_gestational_age() -> None:
    assert yiyu.corrected_birth(make_child("C1", born=BORN, gestational_age="30+0")) == D(
        2024, 4, 10
    )  # +70 d
    assert yiyu.corrected_birth(make_child("C1", born=BORN, gestational_age="36+6")) == D(
        2024, 2, 22
    )  # +22 d
    assert yiyu.corrected_birth(make_child("C1", born=BORN, gestational_age="37+0")) == D(
        2024, 1, 31
    )  # term
    assert yiyu.corrected_birth(make_child("C1", born=BORN, gestational_age=None)) == D(2024, 1, 31)


def follow_ups(c: Child) -> list[Obligation]:
    return sorted(
        (ob for ob in plan(c).values() if ob.rule == "high_risk_follow_up"),
        key=lambda ob: ob.due,
    )


def test_term_child_has_no_high_risk_follow_up() -> None:
    assert follow_ups(make_child("C1", born=BORN)) == []


def test_high_risk_preterm_follows_corrected_age() -> None:
    # S9: 高危早产儿 (GA < 34 wk): every 2 wk to corrected 1 mo, monthly to 6, every 2 mo
    # to 12, every 3 mo to 24, then every 6 mo (M, configurable).
    c = make_child(
        "C1", born=BORN, gestational_age="30+0", birth_weight_g=1400, discharge_date="2024-03-05"
    )
    visits = follow_ups(c)
    corrected = D(2024, 4, 10)
    assert {ob.variant for ob in visits} == {"high_risk_preterm"}
    assert {ob.role for ob in visits} == {Role.FAMILY_DOCTOR}
    dues = [ob.due for ob in visits]
    # Every two weeks from discharge until corrected 1 month …
    assert dues[:4] == [D(2024, 3, 19), D(2024, 4, 2), D(2024, 4, 16), D(2024, 4, 30)]
    # … then on the corrected-month grid, the boundary visit included.
    for months in (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 18, 21, 24):
        assert yiyu.add_months(corrected, months) in dues
    # Keys name the place on the corrected-age axis, not the rank.
    assert [ob.occurrence for ob in visits][4:7] == ["1m", "2m", "3m"]
    assert visits[0].occurrence == "-22d"  # 22 days before term


def test_follow_up_never_leaves_a_gap_longer_than_its_cadence() -> None:
    # Review finding: a visit at a stage boundary must move, not vanish.
    for ga, weight, discharge in [
        ("30+0", 1400, "2024-03-05"),
        ("36+6", 2300, "2024-03-01"),
        ("26+3", 900, "2024-04-20"),
        ("39+0", 2400, "2024-02-02"),
        ("33+2", 2100, "2024-02-25"),
    ]:
        c = make_child(
            "C1", born=BORN, gestational_age=ga, birth_weight_g=weight, discharge_date=discharge
        )
        dues = [ob.due for ob in follow_ups(c)]
        longest = max((later - earlier).days for earlier, later in itertools.pairwise(dues))
        assert longest <= 6 * 31 + 1, (ga, longest)  # the longest stage: every 6 months
        corrected = yiyu.corrected_birth(c)
        # Up to corrected 6 months, never more than a month and a half between visits.
        early = [d for d in dues if d < yiyu.add_months(corrected, 6)]
        assert all((b - a).days <= 45 for a, b in itertools.pairwise(early)), ga


def test_correcting_the_discharge_date_keeps_grid_visit_keys() -> None:
    preterm = {"gestational_age": "35+0", "birth_weight_g": 2300}
    first = {ob.occurrence: ob.due for ob in follow_ups(make_child("C1", born=BORN, **preterm,
             discharge_date="2024-02-19"))}  # fmt: skip
    again = {ob.occurrence: ob.due for ob in follow_ups(make_child("C1", born=BORN, **preterm,
             discharge_date="2024-02-20"))}  # fmt: skip
    for label in ("2m", "3m", "6m", "8m"):
        assert first[label] == again[label]


def test_under_28_weeks_followed_to_corrected_36_months() -> None:
    # S9 (M): corrected age until 36 months for GA < 28 weeks.
    c = make_child(
        "C1", born=BORN, gestational_age="26+3", birth_weight_g=900, discharge_date="2024-04-20"
    )
    corrected = yiyu.corrected_birth(c)
    dues = [ob.due for ob in follow_ups(c)]
    assert yiyu.add_months(corrected, 30) in dues
    assert max(dues) == yiyu.add_months(corrected, 36)  # the end included (issue #10)


def test_low_risk_preterm_cadence() -> None:
    # S9 (M): GA ≥ 34 wk and BW ≥ 2000 g: monthly to corrected 6 mo, every 2 mo to 12.
    c = make_child(
        "C1", born=BORN, gestational_age="35+0", birth_weight_g=2300, discharge_date="2024-02-05"
    )
    visits = follow_ups(c)
    assert {ob.variant for ob in visits} == {"low_risk_preterm"}
    corrected = yiyu.corrected_birth(c)
    dues = [ob.due for ob in visits]
    assert yiyu.add_months(corrected, 8) in dues
    assert yiyu.add_months(corrected, 18) in dues


def test_follow_up_windows_never_overlap_and_start_after_discharge() -> None:
    for ga in ("26+0", "30+0", "33+6", "35+2"):
        c = make_child(
            "C1", born=BORN, gestational_age=ga, birth_weight_g=1800, discharge_date="2024-03-20"
        )
        visits = follow_ups(c)
        assert visits[0].opens >= D(2024, 3, 20)
        for earlier, later in itertools.pairwise(visits):
            assert earlier.closes < later.opens


# --- daycares (city plan 三(三)9) -----------------------------------------------------------

OPENED = D(2025, 11, 15)


def test_quarterly_visit_lecture_and_review_across_a_year_boundary() -> None:
    obligations = plan(make_daycare("D1", opened_on=OPENED), until=D(2026, 12, 31))
    quarters = sorted(
        ob.occurrence or "" for ob in obligations.values() if ob.rule == "daycare_quarterly_visit"
    )
    assert quarters == ["2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    q1 = obligations["daycare:D1/daycare_quarterly_visit/2026Q1"]
    assert window(q1) == (D(2026, 1, 1), D(2026, 3, 31), D(2026, 3, 31))
    assert q1.role is Role.HEALTH_INSTRUCTOR
    assert q1.daycare_id == "D1"
    lectures = {ob.occurrence for ob in obligations.values() if ob.rule == "daycare_lecture"}
    assert lectures == {"2025H2", "2026H1", "2026H2"}
    reviews = {ob.occurrence for ob in obligations.values() if ob.rule == "daycare_annual_review"}
    assert reviews == {"2025", "2026"}


def test_a_daycare_open_only_days_of_a_period_owes_nothing_for_it() -> None:
    # min_days (D): opened on New Year's Eve, nothing is owed for 2025Q4 or 2025.
    obligations = plan(make_daycare("D1", opened_on="2025-12-31"), until=D(2026, 3, 31))
    assert not [key for key in obligations if "2025" in key]
    assert "daycare:D1/daycare_quarterly_visit/2026Q1" in obligations


def test_daycare_opening_mid_quarter_owes_the_rest_of_it() -> None:
    q4 = plan(make_daycare("D1", opened_on=OPENED))["daycare:D1/daycare_quarterly_visit/2025Q4"]
    assert window(q4) == (D(2025, 11, 15), D(2025, 12, 31), D(2025, 12, 31))


def test_daycare_closing_mid_quarter() -> None:
    obligations = plan(make_daycare("D1", opened_on=OPENED, closed_on="2026-05-10"))
    q2 = obligations["daycare:D1/daycare_quarterly_visit/2026Q2"]
    assert window(q2) == (D(2026, 4, 1), D(2026, 5, 10), D(2026, 5, 10))
    assert "daycare:D1/daycare_quarterly_visit/2026Q3" not in obligations
    assert max(ob.closes for ob in obligations.values()) == D(2026, 5, 10)


def test_a_later_enrolment_owes_a_recheck_only_after_3_months_away() -> None:
    # S11 (digest §6 item 4): 离园3个月以上需重新体检; a move to another daycare soon
    # after (转园, with its health certificate) owes no new check.
    first = yiyu.Enrolment(child_id="C1", daycare_id="D1", start="2025-03-01", end="2025-06-30")
    transfer = yiyu.Enrolment(
        child_id="C1", daycare_id="D2", start="2025-09-15", end="2025-10-31"
    )  # away 2.5 months
    back = yiyu.Enrolment(child_id="C1", daycare_id="D1", start="2026-03-01")  # away 4 months
    obligations = plan(make_child("C1", born=BORN, enrolments=[first, transfer, back]))
    by_rule = {(ob.rule, ob.occurrence) for ob in obligations.values() if ob.daycare_id}
    assert ("daycare_entry_check", "D1@2025-03-01") in by_rule
    assert not any(occurrence == "D2@2025-09-15" for rule, occurrence in by_rule
                   if rule != "daycare_health_record")  # fmt: skip
    recheck = obligations["child:C1/daycare_recheck/D1@2026-03-01"]
    assert window(recheck) == (D(2026, 1, 30), D(2026, 3, 1), D(2026, 3, 1))
    assert "child:C1/daycare_entry_check/D1@2026-03-01" not in obligations
    # Exactly 3 months away (1 November – 31 January) is not more than 3 months.
    edge = yiyu.Enrolment(child_id="C1", daycare_id="D1", start="2026-02-01")
    assert not [
        ob
        for ob in plan(make_child("C1", born=BORN, enrolments=[first, transfer, edge])).values()
        if ob.rule == "daycare_recheck"
    ]


def test_enrolment_owes_entry_check_and_health_record() -> None:
    # S11 (digest §6 item 4) entry check; city plan 三(三)11 宝宝入托即建立健康档案.
    enrolment = yiyu.Enrolment(child_id="C1", daycare_id="D1", start="2025-09-01")
    obligations = plan(make_child("C1", born=BORN, enrolments=[enrolment]))
    check = obligations["child:C1/daycare_entry_check/D1@2025-09-01"]
    record = obligations["child:C1/daycare_health_record/D1@2025-09-01"]
    assert check.due == record.due == D(2025, 9, 1)
    assert check.closes == D(2025, 9, 1)  # due before or at entry
    assert check.daycare_id == "D1"
    assert record.role is Role.HEALTH_INSTRUCTOR


# --- vulnerable children (city plan 三(二)8) ------------------------------------------------


def assessments(c: Child) -> dict[str, Obligation]:
    return {
        ob.occurrence or "": ob
        for ob in plan(c).values()
        if ob.rule == "vulnerable_risk_assessment"
    }


def test_one_assessment_per_year_while_the_category_holds() -> None:
    c = make_child("C1", born=BORN, categories=[yiyu.Category(kind="孤儿", start="2024-06-15")])
    found = assessments(c)
    # Until 36 months (D: the city's 0–3 reading); 2027 holds only the 30 days before
    # the third birthday, fewer than the 90 a year must have (D): 2026's window runs on.
    assert sorted(found) == ["2024", "2025", "2026"]
    # First within 90 days of the category starting (D), then by the end of each year.
    assert window(found["2024"]) == (D(2024, 6, 15), D(2024, 9, 13), D(2024, 12, 31))
    assert window(found["2025"]) == (D(2025, 1, 1), D(2025, 12, 31), D(2025, 12, 31))
    assert window(found["2026"]) == (D(2026, 1, 1), D(2026, 12, 31), D(2027, 1, 30))


def test_the_last_year_of_eligibility_owes_no_window_of_a_few_days() -> None:
    # Issue #10: a never-adopted orphan born 2024-01-03 turns 3 on 2027-01-03; its 2027
    # part is 1–2 January. No two-day window: the 2026 one runs to 2 January.
    c = make_child(
        "C1",
        born="2024-01-03",
        discharge_date="2024-01-05",
        categories=[yiyu.Category(kind="orphan")],
    )
    found = assessments(c)
    assert sorted(found) == ["2024", "2025", "2026"]
    assert window(found["2026"]) == (D(2026, 1, 1), D(2026, 12, 31), D(2027, 1, 2))
    assert min((ob.closes - ob.opens).days + 1 for ob in found.values()) >= 90
    # A last year with 90 days or more is owed on its own: born 2024-04-15.
    later = make_child(
        "C1",
        born="2024-04-15",
        discharge_date="2024-04-17",
        categories=[yiyu.Category(kind="orphan")],
    )
    last = assessments(later)["2027"]
    assert window(last) == (D(2027, 1, 1), D(2027, 4, 14), D(2027, 4, 14))


def test_category_ending_mid_year_stops_the_rule() -> None:
    c = make_child(
        "C1",
        born=BORN,
        categories=[
            yiyu.Category(kind="de_facto_unsupported", start="2024-03-01", end="2025-05-31")
        ],
    )
    found = assessments(c)
    assert sorted(found) == ["2024", "2025"]
    assert window(found["2025"]) == (D(2025, 1, 1), D(2025, 5, 31), D(2025, 5, 31))


def test_overlapping_categories_owe_one_assessment_a_year() -> None:
    c = make_child(
        "C1",
        born=BORN,
        categories=[
            yiyu.Category(kind="orphan", start="2024-03-01", end="2024-12-31"),
            yiyu.Category(kind="disabled", start="2024-10-01"),
        ],
    )
    assert sorted(assessments(c)) == ["2024", "2025", "2026"]


def test_first_assessment_late_in_the_year_runs_into_the_next() -> None:
    c = make_child("C1", born=BORN, categories=[yiyu.Category(kind="disabled", start="2025-12-01")])
    found = assessments(c)
    assert window(found["2025"]) == (D(2025, 12, 1), D(2026, 3, 1), D(2026, 3, 1))
    # The next year's window opens after it, so one visit never counts for both years
    # (and runs on to the day before 36 months: 2027 has only 30 days).
    assert window(found["2026"]) == (D(2026, 3, 2), D(2026, 12, 31), D(2027, 1, 30))


def test_two_eligibility_spans_in_one_year_owe_one_assessment() -> None:
    # Review finding: orphan Mar–Apr, then disabled from September, in one year.
    c = make_child(
        "C1",
        born=BORN,
        categories=[
            yiyu.Category(kind="orphan", start="2024-03-01", end="2024-04-30"),
            yiyu.Category(kind="disabled", start="2024-09-01"),
        ],
    )
    found = assessments(c)
    first = found["2024"]
    # One obligation for 2024, open from March, due 90 days after the later start.
    assert window(first) == (D(2024, 3, 1), D(2024, 11, 30), D(2024, 12, 31))
    assert yiyu.status(first, as_of=D(2024, 9, 2)) is yiyu.Status.DUE


def test_other_categories_owe_no_assessment() -> None:
    assert assessments(make_child("C1", born=BORN, categories=["high_risk_newborn"])) == {}


# --- leaving, late registration, horizon ----------------------------------------------------


def test_moving_out_cancels_what_is_not_yet_overdue_and_drops_what_is_not_open() -> None:
    c = make_child("C1", born=BORN, life_events=[yiyu.LifeEvent(kind="moved_out", on="2024-04-20")])
    obligations = plan(c)
    m3 = obligations["child:C1/m3"]  # window 2024-03-31 … 2024-06-29, due 2024-04-30
    assert (m3.cancelled_on, m3.cancel_reason) == (D(2024, 4, 20), "moved_out")
    assert obligations["child:C1/one_month"].cancelled_on is None  # closed before
    assert "child:C1/m6" not in obligations  # opened after the child left
    assert yiyu.status(m3, as_of=D(2024, 4, 20)) is yiyu.Status.CANCELLED


def test_a_check_overdue_when_the_child_moves_out_stays_missed() -> None:
    # Issue #10: the 3-month check was due 2024-04-30 and not done by 2024-05-10, the
    # day the child moved out. It was owed here: it stays, missed, and counts as such.
    c = make_child("C1", born=BORN, life_events=[yiyu.LifeEvent(kind="moved_out", on="2024-05-10")])
    m3 = plan(c)["child:C1/m3"]
    assert m3.cancelled_on is None
    assert window(m3) == (D(2024, 3, 31), D(2024, 4, 30), D(2024, 5, 9))
    assert yiyu.status(m3, as_of=D(2024, 5, 10)) is yiyu.Status.MISSED
    assert yiyu.status(m3, done_on=D(2024, 5, 2), as_of=D(2024, 5, 10)) is yiyu.Status.DONE


def test_death_cancels_with_its_reason() -> None:
    c = make_child("C1", born=BORN, life_events=[yiyu.LifeEvent(kind="deceased", on="2024-02-05")])
    visit = plan(c)["child:C1/newborn_home_visit"]
    assert visit.cancel_reason == "deceased"
    assert set(plan(c)) == {"child:C1/newborn_home_visit"}


def test_late_registration_missed_windows_come_back_as_missed() -> None:
    # Registered at 7 months: 3-month check closed before; it is there, and missed.
    c = make_child("C1", born=BORN, registered_on="2024-08-31")
    obligations = plan(c)
    m3 = obligations["child:C1/m3"]
    assert yiyu.status(m3, as_of=D(2024, 8, 31)) is yiyu.Status.MISSED
    m8 = obligations["child:C1/m8"]
    assert yiyu.status(m8, as_of=D(2024, 8, 31)) is yiyu.Status.DUE
    # Newborn visit: 28 days of age passed, no catch-up.
    assert not obligations["child:C1/newborn_home_visit"].catch_up


def test_late_registration_catch_up_of_the_newborn_visit() -> None:
    # Registered at 14 days (window closed at 10 days): caught up within 7 days, never
    # after 28 days of age (digest §1.4, V3 reporting practice).
    ob = only(make_child("C1", born=BORN, registered_on="2024-02-14"), "newborn_home_visit")
    assert ob.catch_up
    assert window(ob) == (D(2024, 2, 14), D(2024, 2, 21), D(2024, 2, 21))
    ob = only(make_child("C1", born=BORN, registered_on="2024-02-25"), "newborn_home_visit")
    assert window(ob) == (D(2024, 2, 25), D(2024, 2, 28), D(2024, 2, 28))  # 28 days of age


def test_registration_on_the_last_day_still_leaves_a_full_catch_up_window() -> None:
    # Review finding: no cliff between registering on the window's last day and the next.
    last_day = only(make_child("C1", born=BORN, registered_on="2024-02-10"), "newborn_home_visit")
    next_day = only(make_child("C1", born=BORN, registered_on="2024-02-11"), "newborn_home_visit")
    assert last_day.closes == D(2024, 2, 17)
    assert next_day.closes == D(2024, 2, 18)
    assert last_day.catch_up
    assert next_day.catch_up


def test_high_risk_newborn_catch_up_keeps_the_3_day_rule() -> None:
    ob = only(
        make_child("C1", born=BORN, gestational_age="34+0", registered_on="2024-02-08"),
        "newborn_home_visit",
    )
    assert (ob.opens, ob.due) == (D(2024, 2, 8), D(2024, 2, 11))


def test_registration_inside_a_long_window_changes_nothing() -> None:
    assert window(only(make_child("C1", born=BORN, registered_on="2024-04-10"), "m3")) == window(
        only(make_child("C1", born=BORN), "m3")
    )


# --- late registration: the catch-up check (issue #10) -------------------------------------


def test_a_child_registered_at_10_months_is_seen_within_30_days_with_the_missed_tests() -> None:
    # Born 2024-01-31, registered 2024-11-30 (10 months): the 3-, 6- and 8-month checks
    # closed before; the 12-month one is due 2025-01-31. Without a catch-up the child
    # waits two months and its 6–8-month Hb (S1, digest §1.2) is never done.
    obligations = plan(make_child("C1", born=BORN, registered_on="2024-11-30"))
    check = obligations["child:C1/registration_check"]
    assert window(check) == (D(2024, 11, 30), D(2024, 12, 30), D(2024, 12, 30))
    assert check.catch_up
    assert check.checklist is None  # the 预警征象 column of its age on the day
    assert "血常规（或血红蛋白）（补查）" in check.tests
    assert "听力筛查（听性行为观察法）（补查）" in check.tests  # the 6-month screen
    assert "child:C1/m12" in obligations


def test_a_routine_check_due_within_the_30_days_is_the_catch_up() -> None:
    # Registered at 7 months 3 days (2024-09-03): the 8-month check is due 2024-09-30,
    # within 30 days: it takes the missed 6-month hearing screen; its own Hb line stays.
    obligations = plan(make_child("C1", born=BORN, registered_on="2024-09-03"))
    assert "child:C1/registration_check" not in obligations
    m8 = obligations["child:C1/m8"]
    assert "听力筛查（听性行为观察法）（补查）" in m8.tests
    assert not any(test.startswith("血常规") and "补查" in test for test in m8.tests)


def test_no_catch_up_when_nothing_was_missed() -> None:
    # Registered at 2.5 months: the 3-month window (from 2 months) is still open.
    obligations = plan(make_child("C1", born=BORN, registered_on="2024-04-15"))
    assert "child:C1/registration_check" not in obligations
    assert not any("补查" in test for ob in obligations.values() for test in ob.tests)
    assert "child:C1/registration_check" not in plan(
        make_child("C1", born=BORN)
    )  # registered at birth


def test_a_school_age_registration_carries_no_hearing_screen() -> None:
    # Registered at 4 years 2 months: the hearing screen's use (to 4 years, D) is over;
    # the 4-year check (open until 5, due at 4) is the catch-up and has its own Hb.
    obligations = plan(make_child("C1", born=BORN, registered_on="2028-03-31"))
    assert "child:C1/registration_check" not in obligations
    assert not any("听力筛查（听性行为观察法）（补查）" in ob.tests for ob in obligations.values())


# --- discharge: what falls while the child is an inpatient (issue #10) ----------------------


def test_a_check_that_falls_while_the_child_is_in_hospital_is_not_owed() -> None:
    # A 28-week infant born 2024-01-31 and discharged on day 70 (2024-04-10): the 满月
    # window (days 28–30, S1) passed in hospital. Not owed, so never missed or counted.
    c = make_child(
        "C1", born=BORN, gestational_age="28+0", birth_weight_g=1100, discharge_date="2024-04-10"
    )
    obligations = plan(c)
    assert "child:C1/one_month" not in obligations
    # The newborn visit hangs from the discharge (3 days: high-risk, S2).
    visit = obligations["child:C1/newborn_home_visit"]
    assert window(visit) == (D(2024, 4, 10), D(2024, 4, 13), D(2024, 4, 13))
    # The 3-month window (2 to 5 months) was open on the discharge day: it starts then.
    assert window(obligations["child:C1/m3"]) == (D(2024, 4, 10), D(2024, 4, 30), D(2024, 6, 29))
    # A term child discharged on day 3 keeps its 满月 check.
    assert window(only(make_child("C1", born=BORN), "one_month")) == (
        D(2024, 2, 28),
        D(2024, 3, 1),
        D(2024, 3, 1),
    )


# --- follow-up to the end, at least a week apart (issue #10) --------------------------------


def test_high_risk_preterm_follow_up_goes_on_every_6_months_to_corrected_36() -> None:
    # S9 (digest §4, M): after corrected 24 months, every 6 months; followed to 36.
    c = make_child(
        "C1", born=BORN, gestational_age="30+0", birth_weight_g=1400, discharge_date="2024-03-05"
    )
    corrected = yiyu.corrected_birth(c)
    dues = [ob.due for ob in follow_ups(c)]
    for months in (21, 24, 30, 36):
        assert yiyu.add_months(corrected, months) in dues
    assert max(dues) == yiyu.add_months(corrected, 36)
    assert yiyu.add_months(corrected, 27) not in dues


def test_every_cadence_runs_to_its_end() -> None:
    # Low-risk preterm (S9, M): every 6 months after 12, to corrected 24, 24 included.
    low = make_child(
        "C1", born=BORN, gestational_age="35+0", birth_weight_g=2300, discharge_date="2024-02-05"
    )
    assert max(ob.due for ob in follow_ups(low)) == yiyu.add_months(yiyu.corrected_birth(low), 24)
    # A term high-risk newborn (S10, V3): every 3 months to 24, 24 included.
    term = make_child(
        "C1", born=BORN, gestational_age="39+0", birth_weight_g=2400, discharge_date="2024-02-02"
    )
    assert max(ob.due for ob in follow_ups(term)) == yiyu.add_months(term.birth_date, 24)


def test_two_follow_ups_are_never_within_a_week() -> None:
    # Issue #10: 27+6 weeks (corrected birth 2024-03-26, corrected 1 month 2024-04-26),
    # discharged 2024-03-25: every 2 weeks gives 04-08 and 04-22, then the monthly grid
    # 04-26, four days later. The later visit, on the grid, stays.
    c = make_child("C1",
        born="2024-01-01", gestational_age="27+6", birth_weight_g=1000,
        discharge_date="2024-03-25",
    )  # fmt: skip
    visits = follow_ups(c)
    dues = [ob.due for ob in visits]
    assert dues[:3] == [D(2024, 4, 8), D(2024, 4, 26), D(2024, 5, 26)]
    second = visits[1]
    assert second.occurrence == "1m"
    assert second.opens == D(2024, 4, 19)  # 7 days before, after the first window closed
    for ga, weight, discharge in [
        ("27+6", 1000, "2024-03-25"), ("30+0", 1400, "2024-03-05"), ("26+3", 900, "2024-04-20"),
        ("33+2", 2100, "2024-02-25"), ("36+6", 2300, "2024-03-01"), ("31+4", 1500, "2024-03-11"),
    ]:  # fmt: skip
        c = make_child(
            "C1", born=BORN, gestational_age=ga, birth_weight_g=weight, discharge_date=discharge
        )
        dues = [ob.due for ob in follow_ups(c)]
        assert min((b - a).days for a, b in itertools.pairwise(dues)) >= 7, ga


def test_horizon_leaves_out_windows_opening_after_it() -> None:
    obligations = plan(make_child("C1", born=BORN), until=D(2024, 6, 1))
    assert "child:C1/m6" not in obligations  # opens 2024-06-30
    assert "child:C1/m3" in obligations
    assert all(ob.opens <= D(2024, 6, 1) for ob in obligations.values())


def test_schedule_is_sorted_by_due_date() -> None:
    dues = [ob.due for ob in yiyu.schedule(make_child("C1", born=BORN), PROTOCOL, until=FAR)]
    assert dues == sorted(dues)


def test_schedule_refuses_other_subjects() -> None:
    with pytest.raises(yiyu.ValidationError, match="subject"):
        yiyu.schedule("C1", PROTOCOL, until=FAR)  # type: ignore[arg-type]
