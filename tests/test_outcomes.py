"""Recording visits: findings open cases and referrals, and close them by rule (#3).

Thresholds: S4 (儿童营养性疾病管理技术规范) via the standards digest §5: 低体重 W/A, 消瘦
W/L < M−2SD [V]; 贫血 Hb < 110 g/L at 6 months–6 years, mild 90–109, severe < 60 [M];
预警征象 any item positive → refer (S5, digest §2 [V]); autism initial screen positive →
re-screen at the county MCH institution (S6, digest §3 [V]). Growth weights are taken
from WHO's own LMS tables (the SD lines), not typed in.
"""

from __future__ import annotations

from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yiyu
from yiyu import Case, ChildRecord, DaycareRecord, Encounter, ReferralKind
from yiyu.domain.encounter import BMI_RANGE
from yiyu.instruments.growth import Indicator, lms_value, reference_lms
from yiyu.testing import make_child

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()
BIRTH = D(2024, 1, 31)
M6_DAY = D(2024, 7, 31)  # 182 days
GIRL = make_child("C1", born=BIRTH, sex="F")
BORN_AT_28_WEEKS = make_child("C1", born=BIRTH, sex="F", gestational_age="28+0",
                              birth_weight_g=1100, discharge_date="2024-04-10")  # fmt: skip
NO_SIGNS = {"m6_1": False, "m6_2": False, "m6_3": False, "m6_4": False}


def weight_at_sd(sd: float, days: int, sex: str = "F") -> float:
    lms = reference_lms(Indicator.WFA, sex, days)  # type: ignore[arg-type]
    assert lms is not None
    return lms_value(lms, sd)


def visit(on: D = M6_DAY, **fields: Any) -> Encounter:
    values: dict[str, Any] = {"id": f"E-{on}", "subject_id": "C1", "on": on}
    values.update(fields)
    return Encounter(**values)


def record_child(encounter: Encounter, child: yiyu.Child, as_of: D | None = None) -> ChildRecord:
    result = yiyu.record(encounter, child, PROTOCOL, as_of=as_of or encounter.on)
    assert isinstance(result, ChildRecord)
    return result


def test_a_normal_routine_visit_finds_nothing_and_fulfils_its_obligation() -> None:
    result = record_child(
        visit(
            obligation_key="child:C1/m6",
            measurements={"weight_kg": 7.3, "length_cm": 65.7, "hb_g_l": 120},
            warning_signs=NO_SIGNS,
        ),
        GIRL,
    )
    assert result.obligation is not None
    assert result.obligation.key == "child:C1/m6"
    assert result.in_window is True
    assert result.findings == ()
    assert result.opened_cases == result.opened_referrals == ()
    assert result.follow_ups == ()
    assert result.child == GIRL


def test_underweight_opens_a_case_with_monthly_follow_up() -> None:
    below = weight_at_sd(-2.05, 182)  # just under WHO's −2 SD line at 182 days
    result = record_child(visit(measurements={"weight_kg": round(below, 2)}), GIRL)
    assert result.growth is not None
    assert result.growth.waz is not None
    assert result.growth.waz < -2
    [case] = result.opened_cases
    assert (case.condition, case.severity, case.opened_by) == (
        yiyu.CategoryKind.UNDERWEIGHT,
        "moderate",
        f"E-{M6_DAY}",
    )
    keys = [ob.key for ob in result.follow_ups]
    assert "child:C1/nutrition_case_follow_up/underweight@2024-07-31/1m" in keys
    assert result.child.cases == (case,)


def test_on_the_line_is_not_underweight() -> None:
    # Exactly on WHO's −2 SD line: z = −2.00, which is not < −2 (strict; S4 and
    # growth-who2006.md step 10).
    result = record_child(visit(measurements={"weight_kg": weight_at_sd(-2.0, 182)}), GIRL)
    assert result.growth is not None
    assert result.growth.waz == -2.0
    assert result.opened_cases == ()


def test_severe_underweight_is_referred() -> None:
    result = record_child(
        visit(measurements={"weight_kg": round(weight_at_sd(-3.3, 182), 2)}), GIRL
    )
    assert [r.kind for r in result.opened_referrals] == [ReferralKind.NUTRITION]
    assert result.opened_cases[0].severity == "severe"


def test_the_case_closes_when_the_index_recovers() -> None:
    case = Case(condition="underweight", opened_on="2024-07-31", opened_by="E0")
    child = make_child("C1", born=BIRTH, sex="F", cases=[case])
    later = D(2024, 8, 31)
    days = (later - BIRTH).days
    result = record_child(
        visit(
            later,
            obligation_key="child:C1/nutrition_case_follow_up/underweight@2024-07-31/1m",
            measurements={"weight_kg": round(weight_at_sd(-1.5, days), 2)},
        ),
        child,
    )
    [closed] = result.closed_cases
    assert (closed.closed_on, closed.closed_by) == (later, f"E-{later}")
    assert not result.child.cases[0].is_open


def test_a_second_finding_never_opens_a_second_case() -> None:
    case = Case(condition="anaemia", opened_on="2024-07-31", severity="mild")
    result = record_child(
        visit(D(2024, 8, 20), measurements={"hb_g_l": 85}),
        make_child("C1", born=BIRTH, sex="F", cases=[case]),
    )
    assert result.opened_cases == ()
    [updated] = result.updated_cases
    assert updated.severity == "moderate"
    assert len(result.child.cases) == 1


@pytest.mark.parametrize(
    ("hb", "severity"),
    # S4 via digest §5 (M): mild 90–109, moderate 60–89, severe < 60 g/L.
    [(109, "mild"), (90, "mild"), (89, "moderate"), (60, "moderate"), (59, "severe")],
)
def test_anaemia_opens_a_case_with_its_recheck(hb: float, severity: str) -> None:
    result = record_child(visit(measurements={"hb_g_l": hb}), GIRL)
    [case] = result.opened_cases
    assert (case.condition, case.severity) == (yiyu.CategoryKind.ANAEMIA, severity)
    keys = {ob.rule for ob in result.follow_ups}
    assert "anaemia_recheck" in keys
    referred = [r.kind for r in result.opened_referrals]
    assert referred == ([ReferralKind.ANAEMIA] if severity == "severe" else [])


def test_hb_110_is_not_anaemia() -> None:
    assert record_child(visit(measurements={"hb_g_l": 110}), GIRL).findings == ()


def test_anaemia_closes_two_months_after_hb_is_normal() -> None:
    # S4 (M): continue iron 2 months after Hb is normal; then the case closes.
    child = make_child(
        "C1",
        born=BIRTH,
        sex="F",
        cases=[Case(condition="anaemia", opened_on="2024-07-31", severity="mild")],
    )
    first = record_child(visit(D(2024, 8, 21), measurements={"hb_g_l": 115}), child)
    assert first.closed_cases == ()
    assert first.child.cases[0].normal_since == D(2024, 8, 21)
    early = record_child(visit(D(2024, 10, 1), measurements={"hb_g_l": 118}), first.child)
    assert early.closed_cases == ()
    done = record_child(visit(D(2024, 10, 21), measurements={"hb_g_l": 121}), early.child)
    [closed] = done.closed_cases
    assert closed.closed_on == D(2024, 10, 21)


def test_anaemia_again_after_normal_restarts_the_course() -> None:
    case = Case(condition="anaemia", opened_on="2024-07-31", normal_since="2024-08-21")
    result = record_child(
        visit(D(2024, 9, 21), measurements={"hb_g_l": 100}),
        make_child("C1", born=BIRTH, sex="F", cases=[case]),
    )
    assert result.child.cases[0].normal_since is None


def test_positive_warning_sign_refers_and_tracks_the_result() -> None:
    signs = {**NO_SIGNS, "m6_4": True}  # 不能扶坐
    result = record_child(visit(obligation_key="child:C1/m6", warning_signs=signs), GIRL)
    assert result.warning_signs is not None
    assert result.warning_signs.positive
    kinds = sorted(r.kind.value for r in result.opened_referrals)
    assert kinds == ["autism_rescreen", "development"]
    rules = {ob.rule for ob in result.follow_ups}
    assert {"referral_follow_up", "autism_rescreen_referral"} <= rules
    finding = next(f for f in result.findings if f.code == "warning_signs_positive")
    assert finding.detail == "不能扶坐"
    # The result comes back: the referral closes, its tracking obligation is done.
    back = D(2024, 8, 20)
    referral = next(r for r in result.child.referrals if r.kind is ReferralKind.DEVELOPMENT)
    closed = record_child(visit(back, referral_results={referral.id: "发育评估正常"}), result.child)
    [done] = closed.closed_referrals
    assert (done.closed_on, done.result) == (back, "发育评估正常")


def test_regression_alone_is_an_autism_referral() -> None:
    result = record_child(visit(obligation_key="child:C1/m6", warning_signs=NO_SIGNS,
                                regression=True), GIRL)  # fmt: skip
    assert result.warning_signs is not None
    assert not result.warning_signs.positive
    assert [r.kind for r in result.opened_referrals] == [ReferralKind.AUTISM_RESCREEN]


def test_the_checklist_must_be_complete() -> None:
    with pytest.raises(yiyu.ValidationError) as info:
        record_child(visit(obligation_key="child:C1/m6", warning_signs={"m6_1": False}), GIRL)
    assert "m6_2" in str(info.value)


def test_preterm_growth_is_assessed_at_corrected_age() -> None:
    preterm = make_child(
        "C1",
        born=BIRTH,
        sex="F",
        gestational_age="32+0",
        birth_weight_g=1600,
        discharge_date="2024-03-10",
    )
    result = record_child(visit(measurements={"weight_kg": 6.0}), preterm)
    assert result.age_days == 182
    assert result.assessed_age_days == 182 - 56  # 8 weeks early


def test_haemoglobin_is_judged_by_chronological_age_for_a_preterm_child() -> None:
    # S4 (sources: digest §5): Hb < 110 g/L is anaemia at 6 months–6 years, by age; the
    # preterm norms (S9, digest §4) correct the age for growth and development only.
    # A 28-week infant at chronological 6 months is corrected 3 months: still anaemic.
    preterm = BORN_AT_28_WEEKS
    result = record_child(visit(measurements={"hb_g_l": 95}), preterm)
    assert result.age.chronological_months == 6
    assert result.age.corrected
    assert result.age.months == 3
    assert result.anaemia is not None
    assert result.anaemia.anaemic
    assert result.anaemia.severity is not None
    assert result.anaemia.severity.value == "mild"
    assert [case.condition for case in result.opened_cases] == [yiyu.CategoryKind.ANAEMIA]


def test_the_warning_sign_column_of_a_preterm_child_follows_corrected_age() -> None:
    # At the scheduled 6-month check a 28-week infant (corrected 3 months) is screened
    # against the 3-month column (S5 digest §2, S9 digest §4); the 6-month items are refused.
    preterm = BORN_AT_28_WEEKS
    m3_answers = {"m3_1": False, "m3_2": True, "m3_3": False, "m3_4": False}
    result = record_child(visit(obligation_key="child:C1/m6", warning_signs=m3_answers), preterm)
    assert result.warning_signs is not None
    assert result.warning_signs.column_id == "m3"
    assert result.warning_signs.positive
    assert next(r.kind for r in result.opened_referrals) is ReferralKind.DEVELOPMENT
    with pytest.raises(yiyu.ValidationError) as info:
        record_child(visit(obligation_key="child:C1/m6", warning_signs=NO_SIGNS), preterm)
    assert "m6_1" in str(info.value)
    # The doctor may still name the column (a visit planned around another column).
    named = record_child(
        visit(obligation_key="child:C1/m6", warning_signs=NO_SIGNS, warning_sign_column="m6"),
        preterm,
    )
    assert named.warning_signs is not None
    assert named.warning_signs.column_id == "m6"
    # A term child at the same check: the check's own column.
    term = record_child(visit(obligation_key="child:C1/m6", warning_signs=NO_SIGNS), GIRL)
    assert term.warning_signs is not None
    assert term.warning_signs.column_id == "m6"


def test_before_corrected_3_months_no_column_applies() -> None:
    # 25 weeks: at chronological 3 months the corrected age is about 0 months.
    preterm = make_child(
        "C1",
        born=BIRTH,
        sex="F",
        gestational_age="25+0",
        birth_weight_g=750,
        discharge_date="2024-04-20",
    )
    on = D(2024, 4, 30)
    with pytest.raises(yiyu.ValidationError) as info:
        record_child(
            visit(on, obligation_key="child:C1/m3",
                  warning_signs={"m3_1": False, "m3_2": False, "m3_3": False, "m3_4": False}),
            preterm,
        )  # fmt: skip
    assert info.value.field == "warning_signs"
    assert "corrected age" in str(info.value)


def test_growth_after_the_corrected_age_limit_is_chronological() -> None:
    # 30 weeks: corrected 24 months is reached at chronological 26.3 months (S9, M).
    preterm = make_child(
        "C1",
        born=BIRTH,
        sex="F",
        gestational_age="30+0",
        birth_weight_g=1400,
        discharge_date="2024-03-20",
    )
    corrected = yiyu.corrected_birth(preterm)
    before = record_child(
        visit(yiyu.add_months(corrected, 24).subtract(days=1), measurements={"weight_kg": 11.0}),
        preterm,
    )
    assert before.assessed_age_days == before.age.days < before.age_days
    after = record_child(
        visit(yiyu.add_months(corrected, 24), measurements={"weight_kg": 11.0}), preterm
    )
    assert after.assessed_age_days == after.age_days


def test_rearing_risk_high_opens_a_home_visit_and_low_closes_it() -> None:
    form = yiyu.instruments.rearing_risk.load_form()
    high = {item.id: 2 for item in form.items}
    low = {item.id: 0 for item in form.items}
    orphan = make_child(
        "C1", born=BIRTH, sex="F", categories=[yiyu.Category(kind="orphan", start="2024-03-01")]
    )
    first = record_child(visit(risk_answers=high), orphan)
    assert first.rearing_risk is not None
    assert first.rearing_risk.level.value == "high"
    assert [ob.rule for ob in first.follow_ups if ob.rule == "rearing_risk_home_visit"]
    second = record_child(visit(D(2024, 9, 1), risk_answers=low), first.child)
    assert [c.condition for c in second.closed_cases] == [yiyu.CategoryKind.REARING_RISK_HIGH]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"on": D(2024, 8, 2)}, "on"),  # after as_of
        ({"on": D(2024, 1, 30)}, "on"),  # before birth
        ({"subject_id": "C2"}, "subject_id"),
        ({"obligation_key": "child:C1/m7"}, "obligation_key"),
        ({"referral_results": {"development@2024-01-01": "x"}}, "referral_results"),
    ],
)
def test_invalid_encounters_name_the_field(change: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {"id": "E1", "subject_id": "C1", "on": M6_DAY}
    values.update(change)
    with pytest.raises(yiyu.ValidationError) as info:
        yiyu.record(
            Encounter(**values),
            GIRL,
            PROTOCOL,
            as_of=D(2024, 8, 1),
        )
    assert info.value.field.startswith(field)


def test_daycare_review_failures_open_corrections_and_their_visit() -> None:
    daycare = yiyu.Daycare(id="D1", name="阳光托育园", opened_on="2024-01-01")
    checklist = yiyu.instruments.daycare_review.load_review()
    answers = {item.id: "pass" for item in checklist.items}
    answers["diet"] = "fail"
    review = Encounter(
        id="V1",
        subject_id="D1",
        on="2024-05-10",
        role="health_instructor",
        obligation_key="daycare:D1/daycare_quarterly_visit/2024Q2",
        review_answers=answers,
        review_notes={"diet": "食谱未公示"},
    )
    result = yiyu.record(review, daycare, PROTOCOL, as_of=D(2024, 5, 10))
    assert isinstance(result, DaycareRecord)
    [correction] = result.opened_corrections
    assert (correction.item, correction.note) == ("diet", "食谱未公示")
    [follow_up] = result.follow_ups
    assert follow_up.key == "daycare:D1/daycare_correction_visit/diet@2024-05-10"
    # The corrective visit checks only that item; passing closes the correction.
    recheck = Encounter(
        id="V2",
        subject_id="D1",
        on="2024-06-01",
        role="health_instructor",
        obligation_key=follow_up.key,
        review_answers={"diet": "合格"},
    )
    again = yiyu.record(recheck, result.daycare, PROTOCOL, as_of=D(2024, 6, 1))
    assert isinstance(again, DaycareRecord)
    assert [c.item for c in again.closed_corrections] == ["diet"]


def _plausible_pair(visit: dict[str, Any]) -> bool:
    """Weight and length that ``Measurements`` accepts together (``BMI_RANGE``)."""
    if visit["weight_kg"] is None or visit["length_cm"] is None:
        return True
    low, high = BMI_RANGE
    return low <= visit["weight_kg"] / (visit["length_cm"] / 100) ** 2 <= high


measurement_visits = st.fixed_dictionaries(
    {
        "days": st.integers(min_value=1, max_value=1000),
        "weight_kg": st.one_of(st.none(), st.floats(min_value=2.0, max_value=20.0)),
        "length_cm": st.one_of(st.none(), st.floats(min_value=45.0, max_value=100.0)),
        "hb_g_l": st.one_of(st.none(), st.floats(min_value=40.0, max_value=160.0)),
    }
).filter(_plausible_pair)


@settings(max_examples=60, deadline=None)
@given(visits=st.lists(measurement_visits, min_size=1, max_size=8))
def test_outcome_rules_never_open_two_cases_for_one_condition(
    visits: list[dict[str, Any]],
) -> None:
    child = GIRL
    for index, v in enumerate(sorted(visits, key=lambda v: v["days"])):
        on = BIRTH.add(days=v["days"])
        encounter = Encounter(
            id=f"E{index}",
            subject_id="C1",
            on=on,
            measurements={k: v[k] for k in ("weight_kg", "length_cm", "hb_g_l")},
        )
        child = record_child(encounter, child).child
        open_conditions = [case.condition for case in child.cases if case.is_open]
        assert len(open_conditions) == len(set(open_conditions))


def test_a_follow_up_done_on_its_first_day_keeps_its_obligation() -> None:
    # Found by the cohort simulation: the visit that closes a case on the day its window
    # opens must not make its own obligation vanish.
    case = Case(condition="underweight", opened_on="2024-07-31", opened_by="E0")
    child = make_child("C1", born=BIRTH, sex="F", cases=[case])
    [first] = [ob for ob in yiyu.schedule(child, PROTOCOL, until=D(2024, 9, 30))
               if ob.rule == "nutrition_case_follow_up"][:1]  # fmt: skip
    on = first.opens
    days = (on - BIRTH).days
    result = record_child(
        visit(
            on,
            obligation_key=first.key,
            measurements={"weight_kg": round(weight_at_sd(-1.0, days), 2)},
        ),
        child,
    )
    assert result.closed_cases
    after = {ob.key: ob for ob in yiyu.schedule(result.child, PROTOCOL, until=D(2024, 9, 30))}
    assert first.key in after
    assert yiyu.status(after[first.key], done_on=on, as_of=on) is yiyu.Status.DONE


def test_a_late_correction_recheck_is_recorded() -> None:
    # Found by the cohort simulation: the correction was put right at a quarterly review
    # after its own re-check window closed; the one-item re-check still records.
    daycare = yiyu.Daycare(
        id="D1",
        name="阳光托育园",
        opened_on="2024-01-01",
        corrections=[yiyu.Correction(item="diet", opened_on="2024-05-10", closed_on="2024-07-15")],
    )
    recheck = Encounter(
        id="V9",
        subject_id="D1",
        on="2024-07-20",
        role="health_instructor",
        obligation_key="daycare:D1/daycare_correction_visit/diet@2024-05-10",
        review_answers={"diet": "pass"},
    )
    result = yiyu.record(recheck, daycare, PROTOCOL, as_of=D(2024, 7, 20))
    assert isinstance(result, DaycareRecord)
    assert result.opened_corrections == ()
    with pytest.raises(yiyu.ValidationError, match="not a checklist item"):
        yiyu.record(
            attrs.evolve(recheck, review_answers={"dieet": "pass"}),
            daycare,
            PROTOCOL,
            as_of=D(2024, 7, 20),
        )


# --- a child who left (#17) -------------------------------------------------------------------


MOVED = [yiyu.LifeEvent(kind="moved_out", on="2024-12-01")]


def test_a_case_closed_by_its_criteria_records_why() -> None:
    case = Case(condition="anaemia", opened_on="2024-07-31", severity="mild",
                normal_since="2024-08-21")  # fmt: skip
    child = make_child("C1", born=BIRTH, sex="F", cases=[case])
    done = record_child(visit(D(2024, 10, 21), measurements={"hb_g_l": 121}), child)
    [closed] = done.closed_cases
    assert (closed.closed_by, closed.close_reason) == (
        f"E-{D(2024, 10, 21)}",
        yiyu.CaseCloseReason.CRITERIA_MET,
    )


def test_a_visit_before_the_child_left_works_on_the_case_as_the_visits_left_it() -> None:
    # The move is known when an earlier visit is entered (late, or its record printed
    # again): the case the move closes was open on the visit's day, and stays one case.
    case = Case(condition="anaemia", opened_on="2024-07-31", severity="mild")
    child = make_child("C1", born=BIRTH, sex="F", cases=[case], life_events=MOVED)
    assert child.cases[0].close_reason is yiyu.CaseCloseReason.MOVED_OUT
    worse = record_child(visit(D(2024, 8, 20), measurements={"hb_g_l": 85}), child)
    assert (worse.opened_cases, worse.closed_cases) == ((), ())
    [updated] = worse.updated_cases
    assert updated.severity == "moderate"
    assert updated.close_reason is yiyu.CaseCloseReason.MOVED_OUT  # the move still closes it
    assert [c.on for c in updated.course] == [D(2024, 8, 20)]
    normal = record_child(visit(D(2024, 9, 1), measurements={"hb_g_l": 115}), worse.child)
    done = record_child(visit(D(2024, 11, 1), measurements={"hb_g_l": 121}), normal.child)
    [closed] = done.closed_cases
    # Closed by its criteria before the move: that closing is kept.
    assert (closed.closed_on, closed.close_reason) == (
        D(2024, 11, 1),
        yiyu.CaseCloseReason.CRITERIA_MET,
    )
    assert done.child.cases == (closed,)


def test_a_case_opened_before_a_known_move_is_closed_by_it() -> None:
    result = record_child(
        visit(measurements={"hb_g_l": 95}), make_child("C1", born=BIRTH, sex="F", life_events=MOVED)
    )
    [opened] = result.opened_cases
    assert (opened.opened_on, opened.closed_on, opened.close_reason) == (
        M6_DAY,
        D(2024, 12, 1),
        yiyu.CaseCloseReason.MOVED_OUT,
    )
    assert result.updated_cases == ()


def test_a_visit_after_the_child_left_is_refused() -> None:
    # A child who moved out is another area's: a visit recorded here afterwards would open
    # cases no one follows (#17). A visit on the day itself still happened.
    left = make_child(
        "C1", born=BIRTH, sex="F", life_events=[yiyu.LifeEvent(kind="moved_out", on="2024-07-20")]
    )
    with pytest.raises(yiyu.ValidationError) as error:
        record_child(visit(M6_DAY, measurements={"hb_g_l": 95}), left)
    assert error.value.field == "on"
    assert "迁出 2024-07-20" in str(error.value)
    same_day = record_child(visit(D(2024, 7, 20), measurements={"hb_g_l": 118}), left)
    assert same_day.findings == ()
