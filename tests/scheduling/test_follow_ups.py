"""Follow-ups hang from cases, referrals and daycare corrections (the closed loop, #3).

Cadences: S4 via the standards digest §5 (nutritional case monthly [V]; anaemia recheck
2–4 weeks after iron starts [M]); referral deadlines are yiyu defaults (D).
"""

from __future__ import annotations

import pendulum

import yiyu
from yiyu import Case, Child, Obligation, Referral
from yiyu.testing import make_child

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()
HORIZON = D(2026, 1, 1)
BORN = D(2024, 1, 31)


def rule(c: Child | yiyu.Daycare, rule_id: str, until: D = HORIZON) -> list[Obligation]:
    return [ob for ob in yiyu.schedule(c, PROTOCOL, until=until) if ob.rule == rule_id]


def test_nutrition_case_monthly_until_it_closes() -> None:
    case = Case(condition="underweight", opened_on="2024-05-01", opened_by="E1")
    visits = rule(
        make_child("C1", born=BORN, sex="F", cases=[case]),
        "nutrition_case_follow_up",
        until=D(2024, 9, 1),
    )
    assert [ob.due for ob in visits] == [D(2024, 6, 1), D(2024, 7, 1), D(2024, 8, 1), D(2024, 9, 1)]
    assert visits[0].key == "child:C1/nutrition_case_follow_up/underweight@2024-05-01/1m"
    assert all(ob.cancelled_on is None for ob in visits)


def test_closing_a_case_stops_its_follow_ups() -> None:
    case = Case(condition="wasting", opened_on="2024-05-01", closed_on="2024-07-03")
    visits = rule(make_child("C1", born=BORN, sex="F", cases=[case]), "nutrition_case_follow_up")
    assert [ob.due for ob in visits] == [D(2024, 6, 1), D(2024, 7, 1)]
    # The July visit's window (24 Jun – 8 Jul) was open when the case closed on 3 Jul.
    assert (visits[1].cancelled_on, visits[1].cancel_reason) == (D(2024, 7, 3), "case_closed")


def test_a_new_case_of_the_same_condition_is_a_new_series() -> None:
    cases = [
        Case(condition="anaemia", opened_on="2024-08-01", closed_on="2024-11-01"),
        Case(condition="anaemia", opened_on="2025-03-01"),
    ]
    keys = {
        ob.key.rsplit("/", 1)[0]
        for ob in rule(make_child("C1", born=BORN, sex="F", cases=cases), "anaemia_follow_up")
    }
    assert keys == {
        "child:C1/anaemia_follow_up/anaemia@2024-08-01",
        "child:C1/anaemia_follow_up/anaemia@2025-03-01",
    }


def test_anaemia_recheck_two_to_four_weeks_then_monthly() -> None:
    c = make_child(
        "C1",
        born=BORN,
        sex="F",
        cases=[Case(condition="anaemia", opened_on="2024-09-01", severity="mild")],
    )
    [recheck] = rule(c, "anaemia_recheck")
    # S4 (M): recheck Hb 2–4 weeks after starting iron.
    assert (recheck.opens, recheck.due, recheck.closes) == (
        D(2024, 9, 15),
        D(2024, 9, 29),
        D(2024, 9, 29),
    )
    visits = rule(c, "anaemia_follow_up", until=D(2024, 12, 31))
    assert [ob.due for ob in visits] == [D(2024, 11, 1), D(2024, 12, 1), D(2025, 1, 1)]


def test_referral_result_is_tracked_until_recorded() -> None:
    referral = Referral(kind="autism_rescreen", opened_on="2025-07-31", reason="预警征象阳性")
    [ob] = rule(
        make_child("C1", born=BORN, sex="F", referrals=[referral]), "autism_rescreen_referral"
    )
    assert (ob.opens, ob.due, ob.closes) == (D(2025, 7, 31), D(2025, 8, 30), D(2025, 9, 29))
    assert (
        rule(make_child("C1", born=BORN, sex="F", referrals=[referral]), "referral_follow_up") == []
    )
    closed = Referral(
        kind="autism_rescreen",
        opened_on="2025-07-31",
        reason="预警征象阳性",
        closed_on="2025-08-20",
        result="复筛阴性",
    )
    [ob] = rule(
        make_child("C1", born=BORN, sex="F", referrals=[closed]), "autism_rescreen_referral"
    )
    assert ob.cancelled_on == D(2025, 8, 20)  # done by the encounter that closed it


def test_high_rearing_risk_brings_a_family_doctor_home_visit() -> None:
    case = Case(condition="rearing_risk_high", opened_on="2025-03-03")
    [ob] = rule(make_child("C1", born=BORN, sex="F", cases=[case]), "rearing_risk_home_visit")
    assert ob.role is yiyu.Role.FAMILY_DOCTOR
    assert ob.due == D(2025, 3, 17)


def test_daycare_correction_visit() -> None:
    daycare = yiyu.Daycare(
        id="D1",
        name="阳光托育园",
        opened_on="2025-01-01",
        corrections=[yiyu.Correction(item="diet", opened_on="2025-03-10")],
    )
    [ob] = rule(daycare, "daycare_correction_visit")
    assert ob.key == "daycare:D1/daycare_correction_visit/diet@2025-03-10"
    assert (ob.due, ob.role) == (D(2025, 4, 9), yiyu.Role.HEALTH_INSTRUCTOR)


def test_daycare_closing_cancels_its_open_obligations() -> None:
    daycare = yiyu.Daycare(
        id="D1",
        name="阳光托育园",
        opened_on="2025-01-01",
        closed_on="2025-03-20",
        corrections=[yiyu.Correction(item="diet", opened_on="2025-03-10")],
    )
    [ob] = rule(daycare, "daycare_correction_visit")
    assert (ob.cancelled_on, ob.cancel_reason) == (D(2025, 3, 21), "daycare_closed")


def test_a_case_closed_because_the_child_left_ends_its_follow_ups_as_leaving_does() -> None:
    # Not as a case closed by its criteria (above): the leaving rule decides, so the
    # reason is the child's, and a visit already overdue when the child left stays missed.
    case = Case(condition="wasting", opened_on="2024-05-01")
    moved_out = yiyu.LifeEvent(kind="moved_out", on="2024-06-28")
    moved = make_child("C1", born=BORN, sex="F", cases=[case], life_events=[moved_out])
    assert moved.cases[0].close_reason is yiyu.CaseCloseReason.MOVED_OUT
    visits = rule(moved, "nutrition_case_follow_up")
    assert [ob.due for ob in visits] == [D(2024, 6, 1), D(2024, 7, 1)]
    assert (visits[1].cancelled_on, visits[1].cancel_reason) == (D(2024, 6, 28), "moved_out")
    death = yiyu.LifeEvent(kind="deceased", on="2024-07-03")
    died = make_child("C1", born=BORN, sex="F", cases=[case], life_events=[death])
    july = rule(died, "nutrition_case_follow_up")[-1]
    assert (july.due, july.cancelled_on, july.closes) == (D(2024, 7, 1), None, D(2024, 7, 2))
    assert yiyu.status(july, as_of=D(2024, 7, 3)) is yiyu.Status.MISSED
