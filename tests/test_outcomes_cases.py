"""Case management (专案管理) complete: referral and closing read the course of a case (#10).

Sources (docs/sources.md): 儿童营养性疾病管理技术规范 (S4), read in a public copy for the
management of 营养不良 and 贫血 (随访, 转诊, 结案, 疗效标准: V); its rickets section from the
standards digest §5 (M); 体重管理指导原则（2024年版）, 一、体重的分类标准 (V) for BMI-for-age.
yiyu's readings (what "poor weight gain" is, the lower bound of a range) are the data's D
facts. Weights and lengths are taken from WHO's own LMS tables, not typed in.
"""

from __future__ import annotations

from typing import Any

import pendulum
import pytest

import yiyu
from yiyu import Case, CategoryKind, ChildRecord, Encounter, ReferralKind
from yiyu.instruments.growth import (
    CN_2012_THRESHOLDS,
    GrowthFinding,
    Indicator,
    lms_value,
    reference_lms,
)
from yiyu.testing import make_child

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()
BIRTH = D(2024, 1, 31)
GIRL = make_child("C1", born=BIRTH, sex="F")


def at_sd(indicator: Indicator, sd: float, on: D) -> float:
    lms = reference_lms(indicator, "F", (on - BIRTH).days)
    assert lms is not None
    return round(lms_value(lms, sd), 2)


def visit(on: D, number: int = 0, **fields: Any) -> Encounter:
    values: dict[str, Any] = {"id": f"E-{on}-{number}", "subject_id": "C1", "on": on}
    values.update(fields)
    return Encounter(**values)


def record(encounter: Encounter, child: yiyu.Child, **options: Any) -> ChildRecord:
    result = yiyu.record(encounter, child, PROTOCOL, as_of=encounter.on, **options)
    assert isinstance(result, ChildRecord)
    return result


def kinds(result: ChildRecord) -> list[ReferralKind]:
    return [referral.kind for referral in result.opened_referrals]


# --- 贫血: no improvement after a month of iron --------------------------------------------


def test_each_check_of_a_case_is_kept_in_its_course() -> None:
    opened = record(visit(D(2024, 8, 1), measurements={"hb_g_l": 95}), GIRL)
    [case] = opened.child.cases
    assert [(c.on, dict(c.values)) for c in case.course] == [(D(2024, 8, 1), {"hb_g_l": 95.0})]
    again = record(visit(D(2024, 8, 20), measurements={"hb_g_l": 99}), opened.child)
    assert [c.values["hb_g_l"] for c in again.child.cases[0].course] == [95.0, 99.0]
    assert again.child.cases[0].course[-1].by == f"E-{D(2024, 8, 20)}-0"


@pytest.mark.parametrize(
    ("hb", "referred", "how"),
    # S4 疗效标准: Hb up 10–20 g/L or more after 4 weeks of iron; 转诊: not better, or worse,
    # after 1 month of proper iron treatment. Opened at Hb 95 g/L (轻度).
    [(100, True, "无改善"), (93, True, "加重"), (104.9, True, "无改善"), (105, False, ""),
     (112, False, "")],
)  # fmt: skip
def test_anaemia_not_better_after_a_month_of_iron_is_referred(
    hb: float, referred: bool, how: str
) -> None:
    opened = record(visit(D(2024, 8, 1), measurements={"hb_g_l": 95}), GIRL)
    month = record(visit(D(2024, 9, 1), measurements={"hb_g_l": hb}), opened.child)
    assert (ReferralKind.ANAEMIA in kinds(month)) is referred
    if referred:
        [referral] = month.opened_referrals
        assert how in referral.reason
        assert "95 → " in referral.reason


def test_no_referral_before_the_month_is_up() -> None:
    # The recheck at 2–4 weeks (S4) may find little change: too early to judge.
    opened = record(visit(D(2024, 8, 1), measurements={"hb_g_l": 95}), GIRL)
    early = record(visit(D(2024, 8, 29), measurements={"hb_g_l": 96}), opened.child)
    assert kinds(early) == []


def test_a_case_stored_before_its_course_was_kept_is_not_referred_on_a_guess() -> None:
    old = Case(condition="anaemia", opened_on="2024-07-01", severity="mild")
    result = record(
        visit(D(2024, 8, 20), measurements={"hb_g_l": 96}),
        make_child("C1", born=BIRTH, sex="F", cases=[old]),
    )
    assert kinds(result) == []  # no opening Hb: nothing to compare with
    assert result.child.cases[0].course[0].values["hb_g_l"] == 96.0


# --- 营养不良: two checks of poor weight gain, length still poor after 3 months ------------


def undernourished(waz: float, haz: float, on: D, number: int = 0) -> Encounter:
    return visit(
        on,
        number,
        measurements={
            "weight_kg": at_sd(Indicator.WFA, waz, on),
            "length_cm": at_sd(Indicator.LHFA, haz, on),
        },
    )


def test_moderate_undernutrition_with_two_checks_of_poor_gain_is_referred() -> None:
    # S4 转诊: 中度营养不良儿童连续2次治疗体重增长不良. Poor gain (D): WAZ falling.
    first = record(undernourished(-2.4, -1.8, D(2024, 8, 1)), GIRL)
    [case] = first.opened_cases
    assert (case.condition, case.severity) == (CategoryKind.UNDERWEIGHT, "moderate")
    second = record(undernourished(-2.5, -1.8, D(2024, 9, 1)), first.child)
    assert kinds(second) == []  # one check of poor gain
    third = record(undernourished(-2.6, -1.8, D(2024, 10, 1)), second.child)
    assert kinds(third) == [ReferralKind.NUTRITION]
    assert "连续2次体重增长不良" in third.opened_referrals[0].reason


def test_a_gain_between_two_poor_ones_resets_the_count() -> None:
    child = GIRL
    for month, waz in ((8, -2.4), (9, -2.5), (10, -2.3), (11, -2.4)):
        result = record(undernourished(waz, -1.8, D(2024, month, 1)), child)
        assert kinds(result) == [], month
        child = result.child


def test_length_still_growing_poorly_after_3_months_of_care_is_referred() -> None:
    # S4 转诊: 营养改善3～6个月后但身长或身高仍增长不良 (yiyu: 3 months, HAZ below its
    # value at the case's opening).
    first = record(undernourished(-1.0, -2.3, D(2024, 8, 1)), GIRL)
    assert [c.condition for c in first.opened_cases] == [CategoryKind.STUNTING]
    child = record(undernourished(-1.0, -2.4, D(2024, 9, 1)), first.child).child
    child = record(undernourished(-1.0, -2.4, D(2024, 10, 1)), child).child
    before = record(undernourished(-1.0, -2.5, D(2024, 10, 31)), child)
    assert kinds(before) == []  # not yet 3 months
    at_3 = record(undernourished(-1.0, -2.5, D(2024, 11, 1)), child)
    assert kinds(at_3) == [ReferralKind.NUTRITION]
    assert "身长（身高）仍增长不良" in at_3.opened_referrals[0].reason
    catching_up = record(undernourished(-1.0, -2.2, D(2024, 11, 1)), child)
    assert kinds(catching_up) == []


# --- 佝偻病: stages, no response, closing ---------------------------------------------------


def rickets(on: D, stage: str, symptoms: bool, signs: str | None, number: int = 0) -> Encounter:
    return visit(on, number, rickets={"stage": stage, "symptoms": symptoms, "signs": signs})


def follow_up_dues(child: yiyu.Child) -> list[D]:
    return [
        ob.due
        for ob in yiyu.schedule(child, PROTOCOL, until=D(2025, 6, 1))
        if ob.rule == "rickets_follow_up" and ob.cancelled_on is None
    ]


def test_active_rickets_is_followed_monthly_and_recovery_every_2_months() -> None:
    # S4 (digest §5, M): 活动期 monthly, 恢复期 every 2 months.
    opened = record(rickets(D(2024, 8, 1), "active", True, None), GIRL)
    [case] = opened.opened_cases
    assert case.condition is CategoryKind.RICKETS
    assert follow_up_dues(opened.child)[:3] == [D(2024, 9, 1), D(2024, 10, 1), D(2024, 11, 1)]
    recovering = record(rickets(D(2024, 9, 1), "recovery", True, "improved"), opened.child)
    dues = follow_up_dues(recovering.child)
    assert dues[:3] == [D(2024, 9, 1), D(2024, 11, 1), D(2025, 1, 1)]
    assert D(2024, 10, 1) not in dues  # the monthly visit planned before is no longer owed


def test_active_rickets_not_better_after_a_month_of_vitamin_d_is_referred() -> None:
    opened = record(rickets(D(2024, 8, 1), "active", True, None), GIRL)
    better = record(rickets(D(2024, 9, 1), "active", True, "improved"), opened.child)
    assert kinds(better) == []
    same = record(rickets(D(2024, 9, 1), "active", True, "unchanged"), opened.child)
    assert kinds(same) == [ReferralKind.NUTRITION]
    assert "维生素D治疗1个月无改善" in same.opened_referrals[0].reason


def test_rickets_closes_once_symptoms_are_gone_a_month_and_signs_are_better() -> None:
    # S4 (M): 症状消失1～3个月、体征减轻或恢复正常 → 结案 (yiyu: 1 month).
    child = record(rickets(D(2024, 8, 1), "active", True, None), GIRL).child
    child = record(rickets(D(2024, 9, 1), "recovery", False, "improved"), child).child
    early = record(rickets(D(2024, 9, 30), "recovery", False, "improved"), child)
    assert early.closed_cases == ()
    done = record(rickets(D(2024, 10, 1), "recovery", False, "normal"), child)
    [closed] = done.closed_cases
    assert closed.closed_on == D(2024, 10, 1)
    # Symptoms back in between: the month counts again from when they went.
    back = record(rickets(D(2024, 9, 15), "recovery", True, "improved"), child).child
    again = record(rickets(D(2024, 10, 1), "recovery", False, "improved"), back)
    assert again.closed_cases == ()


def test_a_follow_up_that_does_not_record_the_diagnosis_no_longer_closes_the_case() -> None:
    # The rule before #10 closed a case when a rickets follow-up did not name it; the
    # standard's criterion is symptoms and signs, which such a visit did not record.
    child = record(rickets(D(2024, 8, 1), "active", True, None), GIRL).child
    key = next(
        ob.key
        for ob in yiyu.schedule(child, PROTOCOL, until=D(2024, 12, 1))
        if ob.rule == "rickets_follow_up"
    )
    silent = record(visit(D(2024, 9, 1), obligation_key=key), child)
    assert silent.closed_cases == ()


# --- 超重/肥胖: BMI-for-age by default (体重管理指导原则 2024) -------------------------------


def heavy(on: D, bmi_sd: float, number: int = 0) -> Encounter:
    length = at_sd(Indicator.LHFA, 0.0, on)
    lms = reference_lms(Indicator.BFA, "F", (on - BIRTH).days)
    assert lms is not None
    weight = lms_value(lms, bmi_sd) * (length / 100) ** 2
    return visit(on, number, measurements={"weight_kg": round(weight, 3), "length_cm": length})


def test_overweight_is_judged_by_bmi_for_age_by_default() -> None:
    on = D(2025, 7, 31)  # 18 months
    result = record(heavy(on, 1.5), GIRL)
    assert result.growth is not None
    assert result.growth.baz is not None
    assert 1.4 < result.growth.baz < 1.6
    assert result.nutrition == {GrowthFinding.OVERWEIGHT}
    assert [c.condition for c in result.opened_cases] == [CategoryKind.OVERWEIGHT]
    assert "BAZ +1.5" in result.findings[0].detail  # type: ignore[operator]
    # The 2012 scheme judges the same child by weight-for-length, a region's choice.
    assert result.growth.whz is not None
    older = record(heavy(on, 1.5), GIRL, growth_thresholds=CN_2012_THRESHOLDS)
    expected = {GrowthFinding.OVERWEIGHT} if result.growth.whz > 1 else set()
    assert older.nutrition == expected


def test_the_cut_offs_follow_the_2024_text_at_exactly_1_and_2() -> None:
    # 高于中位数的1倍标准差但不高于2倍标准差为超重: +1.00 is not overweight, +2.00 is
    # overweight and not obese; above +2 is obese.
    from yiyu.instruments.growth import CN_2024_THRESHOLDS, GrowthZ, classify

    def z(baz: float) -> frozenset[GrowthFinding]:
        return classify(GrowthZ(age_days=400, baz=baz, whz=0.0), CN_2024_THRESHOLDS)

    assert z(1.00) == set()
    assert z(1.01) == {GrowthFinding.OVERWEIGHT}
    assert z(2.00) == {GrowthFinding.OVERWEIGHT}
    assert z(2.01) == {GrowthFinding.OBESITY}


def test_an_overweight_case_closes_after_two_checks_back_under_the_cut_off() -> None:
    opened = record(heavy(D(2025, 7, 31), 1.5), GIRL)
    first = record(heavy(D(2025, 8, 31), 0.8), opened.child)
    assert first.closed_cases == ()
    second = record(heavy(D(2025, 9, 30), 0.9), first.child)
    [closed] = second.closed_cases
    assert closed.condition is CategoryKind.OVERWEIGHT
    assert [round(c.values["baz"], 1) for c in closed.course] == [1.5, 0.8, 0.9]
