"""From a record to what a form prints: the right form, values, growth by the protocol's
reference, findings (pure, no PDF)."""

from __future__ import annotations

import json
import pickle

import attrs
import pendulum
import pytest

import yiyu
from reports import svgcheck
from yiyu.dates import add_months
from yiyu.instruments import wst423
from yiyu.outcomes import ChildRecord
from yiyu.reports import (
    encounter_document,
    rearing_risk_document,
    referral_document,
    samples,
)
from yiyu.reports.context import BANDS, DATA_SCHEMA
from yiyu.testing import make_child, make_encounter


@pytest.mark.parametrize(
    ("name", "band"),
    [
        ("newborn", "newborn"),
        ("infant", "infant"),
        ("toddler", "toddler"),
        ("preschool", "preschool"),
    ],
)
def test_each_age_band_has_its_national_form(name: str, band: str) -> None:
    document = samples.document(name)
    assert document.template == BANDS[band][1]
    assert document.context["form"]["title"] == BANDS[band][0]
    assert document.kind == "child_visit"


def test_measurements_z_scores_and_classification_are_the_records() -> None:
    sample = samples.visit("toddler")
    assert isinstance(sample.record, ChildRecord)
    growth = sample.record.growth
    assert growth is not None
    rows = {row["index"]: row for row in samples.document("toddler").context["measurements"]}
    waz = rows["年龄别体重（WAZ）"]
    assert waz["value"] == "10.40"
    assert waz["z"] == f"{growth.waz:+.2f}".replace("-", "−")
    assert rows["年龄别身长（HAZ）"]["value"] == "80.2"


def test_overweight_is_printed_beside_the_index_that_judged_it() -> None:
    # The preschool sample: WHZ +2.05, BAZ +1.98. Under the default scheme (体重管理指导原则
    # 2024: BMI-for-age) the child is overweight, and the form says so on the BAZ row; the
    # WHZ row shows no excess finding, since it judged none.
    rows = {
        row["index"].split("（")[1]: row
        for row in samples.document("preschool").context["measurements"]
    }
    assert rows["BAZ）"]["result"] == "超重"
    assert rows["WHZ）"]["result"] == "正常"
    # Under the 2012 scheme, weight-for-height judges it: obese, on the WHZ row.
    from yiyu.instruments.growth import CN_2012_THRESHOLDS
    from yiyu.reports.context import encounter_document

    sample = samples.visit("preschool")
    assert isinstance(sample.record, ChildRecord)
    older = yiyu.record(
        sample.record.encounter,
        sample.subject,
        yiyu.load_protocol(),
        as_of=sample.record.encounter.on,
        growth_thresholds=CN_2012_THRESHOLDS,
    )
    document = encounter_document(older, sample.subject, institution="x")
    rows = {row["index"].split("（")[1]: row for row in document.context["measurements"]}
    assert (rows["WHZ）"]["result"], rows["BAZ）"]["result"]) == ("肥胖", "—")


def test_a_preterm_childs_corrected_age_is_printed() -> None:
    context = samples.document("toddler").context  # born at 34+3 weeks
    assert context["age"] == "18月龄2天"
    assert context["corrected_age"] is not None


def test_tests_show_the_hb_value_and_the_anaemia_finding() -> None:
    tests = samples.document("toddler").context["tests"]
    hb = next(test for test in tests if test["value"] and "血红蛋白" in test["value"])
    assert hb["value"] == "血红蛋白 102 g/L"
    assert hb["result"] == "轻度贫血"
    assert hb["abnormal"] is True
    others = [test for test in tests if test is not hb]
    assert others
    assert all(test["result"] is None for test in others)  # ticked by hand


def test_the_warning_sign_column_with_its_answers() -> None:
    # Born at 34+3 weeks, the sample child is 16 months corrected at its 18-month check:
    # the 12-month column, and the form says why.
    signs = samples.document("toddler").context["warning_signs"]
    assert signs["column"] == "12月龄"
    assert signs["by_corrected_age"] is True
    assert [item["answer"] for item in signs["items"]] == ["有", "无", "无", "无"]
    assert [item["positive"] for item in signs["items"]] == [True, False, False, False]
    assert signs["summary"] == "阳性：转诊"


def test_findings_referrals_and_the_next_visit() -> None:
    context = samples.document("toddler").context
    labels = [finding["label"] for finding in context["findings"]]
    assert "预警征象阳性" in labels
    assert [r["kind"] for r in context["referrals"]] == ["心理行为发育偏异转诊", "孤独症复筛转诊"]
    assert context["cases_opened"] == ["贫血"]
    # No next visit given: the earliest new follow-up.
    first = min(due for item in context["follow_ups"] for due in item["dues"])
    assert context["next_visit"] == first


def test_an_explicit_next_visit_wins() -> None:
    sample = samples.visit("infant")
    document = encounter_document(
        sample.record,
        sample.subject,
        institution="某中心",
        next_visit=pendulum.Date(2026, 4, 16),
    )
    assert document.context["next_visit"] == "2026-04-16"


def test_charts_plot_earlier_encounters() -> None:
    charts = samples.document("infant").context["charts"]
    assert len(charts) == 2  # weight and length for age
    assert charts[0].count("<circle") == 3  # two earlier visits and this one


def test_the_daycare_record_has_the_checklist_and_corrections_with_deadlines() -> None:
    context = samples.document("daycare").context
    failed = [item for item in context["review"]["items"] if item["failed"]]
    assert len(failed) == 2
    assert context["review"]["failed"] == 2
    assert {item["deadline"] for item in context["corrections_opened"]} == {"2026-04-03"}
    assert context["lecture"] == "婴幼儿春季常见传染病的预防"


def test_the_rearing_risk_record_has_domain_scores_and_the_level() -> None:
    context = samples.document("rearing_risk").context
    assert context["level"] == "高"
    assert sum(domain["score"] for domain in context["domains"]) == context["total"] == 14
    assert next(domain["name"] for domain in context["domains"]) == "良好的健康"


def test_a_visit_without_an_assessment_has_no_rearing_risk_record() -> None:
    sample = samples.visit("infant")
    assert isinstance(sample.record, ChildRecord)
    with pytest.raises(yiyu.ValidationError, match="no rearing risk"):
        rearing_risk_document(sample.record, sample.subject, institution="x")  # type: ignore[arg-type]


def test_the_referral_slip_names_the_destination_and_the_deadline() -> None:
    context = samples.document("referral").context
    assert context["referral"]["to"] == "县级妇幼保健机构"
    assert context["referral"]["deadline"] == "2026-03-14"
    # The sample child was born at 34+3 weeks: at the 18-month check it is screened by
    # its corrected age (16 months), against the 12-month column.
    assert [item["text"] for item in context["screen"]["items"] if item["positive"]] == [
        "呼唤名字无反应"
    ]


def test_a_record_is_printed_only_for_its_own_subject() -> None:
    toddler = samples.visit("toddler")
    infant = samples.visit("infant")
    with pytest.raises(yiyu.ValidationError, match="the record is for"):
        encounter_document(toddler.record, infant.subject, institution="x")
    with pytest.raises(yiyu.ValidationError, match="Daycare is required"):
        encounter_document(samples.visit("daycare").record, infant.subject, institution="x")
    assert isinstance(toddler.record, ChildRecord)
    with pytest.raises(yiyu.ValidationError):
        referral_document(
            toddler.record.opened_referrals[0],
            infant.subject,  # type: ignore[arg-type]
            institution="x",
            record=toddler.record,
        )


def test_the_embedded_data_is_versioned_json_of_the_visit() -> None:
    document = samples.document("infant")
    data = json.loads(document.data)
    assert data["schema"] == DATA_SCHEMA
    assert data["document"] == "child_visit"
    assert data["encounter"]["id"] == "E-0412-3"
    assert data["encounter"]["on"] == "2026-02-16"
    assert data["institution"] == samples.INSTITUTION


def test_documents_are_plain_data_the_same_every_time() -> None:
    first = samples.document("toddler")
    again = samples.document("toddler")
    assert first == again
    assert first.identifier == again.identifier
    assert len(first.identifier) == 32
    assert pickle.loads(pickle.dumps(first)) == first
    other = attrs.evolve(first, author="另一个中心")
    assert other.identifier != first.identifier


def test_the_worklist_keeps_the_lists_order_and_counts() -> None:
    context = samples.document("worklist").context
    statuses = [row["status"] for row in context["rows"]]
    assert statuses == sorted(statuses, key=lambda s: s != "overdue")
    assert context["overdue"] == statuses.count("overdue")
    assert context["due"] == statuses.count("due")


def _six_year_visit(protocol: yiyu.Protocol) -> tuple[ChildRecord, yiyu.Child]:
    child = yiyu.Child(
        id="C6", name="周一一", sex="M", birth_date="2020-03-05", township="城东街道"
    )
    visit = yiyu.Encounter(
        id="E6",
        subject_id="C6",
        on="2026-03-06",
        obligation_key="child:C6/y6",
        measurements={"weight_kg": 21.0, "length_cm": 117.0, "measured": "standing"},
        warning_signs={"y6_1": False, "y6_2": False, "y6_3": False, "y6_4": False},
    )
    record = yiyu.record(visit, child, protocol, as_of=visit.on)
    assert isinstance(record, ChildRecord)
    return record, child


def test_beyond_the_who_standards_there_is_no_z_score_and_no_chart(
    who_protocol: yiyu.Protocol,
) -> None:
    # A protocol that prints WHO 2006: its tables end at 1856 days (5 years).
    record, child = _six_year_visit(who_protocol)
    context = encounter_document(record, child, institution="x").context
    assert context["form"]["band"] == "preschool"
    assert context["growth_references"] == ["who_2006"]
    assert context["charts"] == []
    assert {row["z"] for row in context["measurements"]} == {"—"}
    assert any("1856" in flag for flag in context["flags"])


def test_a_six_year_old_is_evaluated_and_charted_by_the_national_standard() -> None:
    # The packaged protocol prints WS/T 423—2022, whose tables run to 81 months.
    record, child = _six_year_visit(yiyu.load_protocol())
    context = encounter_document(record, child, institution="x").context
    assert context["growth_references"] == ["ws_t_423_2022"]
    rows = {row["index"]: row for row in context["national"]["rows"]}
    assert list(rows) == ["年龄别体重", "年龄别身高", "身高别体重", "年龄别BMI"]
    assert rows["年龄别体重"]["rows"] == "表A.1/B.1 6岁～6岁3月"
    assert len(context["charts"]) == 2
    assert all("WS/T 423—2022" in chart for chart in context["charts"])


# --- growth: the reference the protocol chooses (WS/T 423—2022 by default) ------------------


def _record(
    sex: str,
    age_days: int,
    measurements: dict[str, object],
    protocol: yiyu.Protocol | None = None,
    earlier: tuple[yiyu.Encounter, ...] = (),
) -> tuple[ChildRecord, yiyu.Child]:
    born = pendulum.Date(2023, 3, 14)
    child = make_child(sex=sex, birth_date=born)
    encounter = make_encounter(on=born.add(days=age_days), measurements=measurements)
    record = yiyu.record(encounter, child, protocol or yiyu.load_protocol(), as_of=encounter.on)
    assert isinstance(record, ChildRecord)
    return record, child


def _national(record: ChildRecord, child: yiyu.Child) -> dict[str, dict[str, object]]:
    section = encounter_document(record, child, institution="x").context["national"]
    return {row["index"]: row for row in section["rows"]}


def test_a_one_year_old_on_the_median_is_middle_by_both_methods() -> None:
    # Hand-checked against 表A.1/B.1, A.3/B.3, A.5/B.5, A.9/B.9, A.11/B.11 (boys, 1岁):
    # 10.1 kg, 76.7 cm and 46.1 cm are the printed medians, so every grade is 中.
    measured = {"weight_kg": 10.1, "length_cm": 76.7, "head_cm": 46.1}
    by_hand = wst423.evaluate("M", age_months=12, **measured)  # type: ignore[arg-type]
    assert {(i.grade_percentile, i.grade_sd) for i in by_hand.indicators} == {
        (wst423.Grade.MIDDLE, wst423.Grade.MIDDLE)
    }
    # At the visit (365 days, 11.99 months) the rows around the age are read.
    record, child = _record("M", 365, measured)
    rows = _national(record, child)
    assert list(rows) == ["年龄别体重", "年龄别身长", "身长别体重", "年龄别BMI", "年龄别头围"]
    assert [rows[k]["value"] for k in rows] == [
        "10.10 kg", "76.7 cm", "10.10 kg", "17.2 kg/m²", "46.1 cm",
    ]  # fmt: skip
    for row in rows.values():
        assert (row["percentile"], row["sd"], row["status"]) == ("中", "中", "—"), row
        assert row["abnormal"] is False
    assert rows["年龄别体重"]["rows"] == "表A.1/B.1 11月～1岁"
    assert rows["身长别体重"]["rows"] == "表A.5/B.5 76 cm～77 cm"
    # The SD position, interpolated between the printed SD values (not a z-score).
    assert [rows[k]["position"] for k in rows] == ["0.00", "0.00", "+0.07", "+0.07", "0.00"]


def test_a_girl_of_800_days_is_severely_underweight_and_stunted() -> None:
    # 26.3 months: the height tables, so a recumbent 80.0 cm is read as 79.3 cm.
    measured = {"weight_kg": 9.0, "length_cm": 80.0, "measured": "recumbent"}
    by_hand = wst423.evaluate("F", age_days=800, **measured)  # type: ignore[arg-type]
    wfa, lhfa = by_hand.get("wfa"), by_hand.get("lhfa")
    assert wfa is not None
    assert lhfa is not None
    assert wfa.status is not None
    assert wfa.status.label == "重度低体重"
    assert lhfa.status is not None
    assert lhfa.status.label == "重度生长迟缓"
    record, child = _record("F", 800, measured)
    section = encounter_document(record, child, institution="x").context["national"]
    rows = {row["index"]: row for row in section["rows"]}
    assert list(rows) == ["年龄别体重", "年龄别身高", "身高别体重", "年龄别BMI"]
    weight, height = rows["年龄别体重"], rows["年龄别身高"]
    assert (weight["percentile"], weight["sd"], weight["status"]) == ("下", "下", "重度低体重")
    assert (height["percentile"], height["sd"], height["status"]) == ("下", "下", "重度生长迟缓")
    assert weight["abnormal"] is True
    assert height["abnormal"] is True
    assert height["value"] == "79.3 cm"
    assert weight["rows"] == "表A.2/B.2 2岁～2岁3月"
    assert rows["身高别体重"]["status"] == "—"
    assert (
        "卧位测量 80.0 cm：减 0.7 cm（卧位与立位之差），按身高 79.3 cm 查表。" in section["notes"]
    )


def test_the_national_section_leaves_out_what_was_not_measured_and_says_why_not_graded() -> None:
    # Head circumference is in the tables to 36 months only.
    record, child = _record("M", 1300, {"weight_kg": 15.0, "head_cm": 49.5})
    rows = _national(record, child)
    assert list(rows) == ["年龄别体重", "年龄别头围"]
    assert (rows["年龄别头围"]["sd"], rows["年龄别头围"]["rows"]) == ("—", "表列头围至3岁，不评价")
    record, child = _record("M", 200, {})
    assert _national(record, child) == {}
    # Before term-equivalent age nothing is graded, and a note says why.
    preterm = make_child(gestational_age="30+0", birth_weight_g=1400)
    encounter = make_encounter(on=preterm.birth_date.add(days=20), measurements={"weight_kg": 1.6})
    record = yiyu.record(encounter, preterm, yiyu.load_protocol(), as_of=encounter.on)
    assert isinstance(record, ChildRecord)
    section = encounter_document(record, preterm, institution="x").context["national"]
    assert [(row["value"], row["sd"]) for row in section["rows"]] == [("1.60 kg", "—")]
    assert section["notes"] == ["未到预产期（矫正年龄不足0天），未按 WS/T 423—2022 评价。"]


def test_a_child_of_seven_is_not_evaluated_and_the_record_says_why() -> None:
    record, child = _record(
        "F", 2600, {"weight_kg": 22.0, "length_cm": 121.0, "measured": "standing"}
    )
    assert record.evaluation is not None
    assert record.evaluation.beyond_age
    context = encounter_document(record, child, institution="x").context
    section = context["national"]
    assert section["evaluated"] is False
    assert [row["value"] for row in section["rows"]][:2] == ["22.00 kg", "121.0 cm"]
    assert {row["sd"] for row in section["rows"]} == {"—"}
    assert any("适用于7岁以下儿童" in line for line in section["notes"])
    assert context["charts"] == []  # past the last printed row (81 months)


def test_a_protocol_choosing_who_2006_prints_the_z_scores_as_before(
    who_protocol: yiyu.Protocol,
) -> None:
    measured = {"weight_kg": 9.0, "length_cm": 80.0}
    record, child = _record("F", 800, measured, who_protocol)
    national, _ = _record("F", 800, measured)
    assert record.evaluation_reference == "who_2006"
    context = encounter_document(record, child, institution="x").context
    assert context["growth_references"] == ["who_2006"]
    default = encounter_document(national, child, institution="x").context
    assert context["measurements"] == default["measurements"]  # the WHO rows, unchanged
    assert context["chart_reference"] == {"id": "who_2006", "label": "WHO 2006"}
    assert all("（WHO 2006，女" in chart for chart in context["charts"])


def test_both_references_side_by_side_when_the_host_asks() -> None:
    record, child = _record("F", 800, {"weight_kg": 9.0, "length_cm": 80.0})
    both = encounter_document(
        record, child, institution="x", growth_references=("ws_t_423_2022", "who_2006")
    ).context
    assert both["growth_references"] == ["ws_t_423_2022", "who_2006"]
    assert all("WS/T 423—2022" in chart for chart in both["charts"])  # the first's curves
    reverse = encounter_document(
        record, child, institution="x", growth_references=["who_2006", "ws_t_423_2022", "who_2006"]
    ).context
    assert reverse["growth_references"] == ["who_2006", "ws_t_423_2022"]
    assert all("WHO 2006" in chart for chart in reverse["charts"])
    data = json.loads(
        encounter_document(
            record, child, institution="x", growth_references=("ws_t_423_2022", "who_2006")
        ).data
    )
    assert data["growth_references"] == ["ws_t_423_2022", "who_2006"]
    assert data["evaluation_reference"] == "ws_t_423_2022"
    wfa = data["evaluation"]["indicators"][0]
    assert (wfa["indicator"], wfa["grade_sd"], wfa["status_label"]) == ("wfa", "下", "重度低体重")


@pytest.mark.parametrize(
    ("given", "value"),
    [(("ws_t_423_2022", "cdc_2000"), "cdc_2000"), ("who_2006", "who_2006"), ((), ())],
)
def test_an_unknown_growth_reference_is_refused(given: object, value: object) -> None:
    sample = samples.visit("infant")
    for subject in (sample, samples.visit("daycare")):
        with pytest.raises(yiyu.ValidationError) as info:
            encounter_document(
                subject.record,
                subject.subject,
                institution="x",
                growth_references=given,  # type: ignore[arg-type]
            )
        assert (info.value.field, info.value.value) == ("growth_references", value)


def test_national_charts_plot_the_length_after_the_lying_standing_conversion() -> None:
    # Lying at 30 months (height tables: −0.7 cm), standing at 20 months (+0.7 cm).
    born = pendulum.Date(2023, 3, 14)
    child = make_child(sex="M", birth_date=born)
    earlier = (
        make_encounter(id="E0", on=add_months(born, 20),
                       measurements={"length_cm": 84.0, "measured": "standing"}),
    )  # fmt: skip
    encounter = make_encounter(
        id="E1", on=add_months(born, 30), measurements={"weight_kg": 13.0, "length_cm": 92.0}
    )
    record = yiyu.record(encounter, child, yiyu.load_protocol(), as_of=encounter.on)
    assert isinstance(record, ChildRecord)
    charts = encounter_document(record, child, institution="x", earlier=earlier).context["charts"]
    root = svgcheck.parse(charts[1])
    assert "年龄别身长/身高（WS/T 423—2022" in svgcheck.title(root)
    grid = svgcheck.scale(root)
    values = [grid.value(y) for _, y in svgcheck.circles(root)]
    assert values == [
        pytest.approx(84.7, abs=grid.value_tolerance()),
        pytest.approx(91.3, abs=grid.value_tolerance()),
    ]


def test_the_findings_say_which_reference_judged_them_when_another_is_printed(
    who_protocol: yiyu.Protocol,
) -> None:
    # The packaged protocol prints WS/T 423—2022 and judges cases by WHO 2006 (S4): a
    # reader sees 肥胖 in the evaluation and 超重 in the findings, so the findings say why.
    measured = {"weight_kg": 9.0, "length_cm": 80.0}
    record, child = _record("F", 800, measured)
    context = encounter_document(record, child, institution="x").context
    assert context["case_basis"] == (
        "营养性疾病专案按 WHO 2006 标准 z 评分判定（《儿童营养性疾病管理技术规范》）"
    )
    # Printed and judged by the same reference: nothing to say.
    same, _ = _record("F", 800, measured, who_protocol)
    assert encounter_document(same, child, institution="x").context["case_basis"] is None
    # Nothing measured: no growth finding to explain.
    unmeasured, _ = _record("F", 800, {})
    assert encounter_document(unmeasured, child, institution="x").context["case_basis"] is None


# --- which form: by the check, by age only for an unscheduled visit (#15) ----------------------


def _check_record(rule: str | None, born: str, on: str) -> tuple[ChildRecord, yiyu.Child]:
    """A child's visit on ``on``: for its ``rule`` check, or unscheduled (``None``)."""
    child = make_child("C15", born=born)
    key = f"child:{child.id}/{rule}" if rule is not None else None
    encounter = make_encounter(
        id=f"E-{rule}-{on}", subject_id=child.id, on=on, obligation_key=key,
        measurements={"weight_kg": 9.5, "length_cm": 75.0},
    )  # fmt: skip
    record = yiyu.record(encounter, child, yiyu.load_protocol(), as_of=pendulum.parse(on).date())
    assert isinstance(record, ChildRecord)
    assert (record.obligation.rule if record.obligation else None) == rule
    return record, child


@pytest.mark.parametrize(
    ("rule", "on", "band"),
    [
        ("m12", "2026-03-14", "toddler"),  # 11 months 30 days: still the 12-month check
        ("m12", "2026-03-15", "toddler"),  # its day
        ("m12", "2026-06-10", "toddler"),  # late, within its window
        ("m8", "2025-11-20", "infant"),  # the 8-month check done at 8 months
        ("m36", "2028-03-01", "preschool"),  # the 3-year check done at 35 months
        ("m30", "2027-09-15", "toddler"),
        (None, "2026-03-14", "infant"),  # unscheduled at 11 months 30 days: by age
        (None, "2026-03-15", "toddler"),  # unscheduled on the first birthday
    ],
)
def test_the_form_is_chosen_by_the_check_and_by_age_only_when_unscheduled(
    rule: str | None, on: str, band: str
) -> None:
    record, child = _check_record(rule, "2025-03-15", on)
    document = encounter_document(record, child, institution="城关卫生院")
    assert document.context["form"]["band"] == band
    assert document.template == BANDS[band][1]


# --- the guardian printed from the child (#15) ------------------------------------------------


def test_the_childs_guardian_and_masked_phone_are_printed_without_being_passed() -> None:
    sample = samples.visit("infant")
    assert isinstance(sample.record, ChildRecord)
    child = attrs.evolve(sample.subject, guardian_name="李娜", guardian_phone="13900001111")
    document = encounter_document(sample.record, child, institution="城东卫生院")
    assert document.context["child"]["guardian"] == "李娜"
    assert document.context["child"]["phone"] == "139****1111"
    embedded = document.data.decode("utf-8")
    assert "13900001111" not in embedded  # neither in the contact nor in the child's data
    assert json.loads(embedded)["subject"]["guardian_phone"] == "139****1111"
    shown = encounter_document(sample.record, child, institution="城东卫生院", show_full_ids=True)
    assert shown.context["child"]["phone"] == "13900001111"
    # The caller's contact still wins (a grandparent brought the child today).
    other = encounter_document(
        sample.record, child, institution="城东卫生院", guardian="李奶奶", phone="13700002222"
    )
    assert (other.context["child"]["guardian"], other.context["child"]["phone"]) == (
        "李奶奶",
        "137****2222",
    )


def test_the_referral_slip_and_the_rearing_risk_record_print_the_childs_guardian() -> None:
    referral = samples.document("referral")
    assert referral.context["child"]["guardian"] == "张伟"
    assert referral.context["child"]["phone"] == "135****8888"
    risk = samples.document("rearing_risk")
    assert risk.context["child"]["guardian"] == "刘奶奶"
    assert risk.context["child"]["phone"] == "137****2222"
    assert "13700002222" not in risk.data.decode("utf-8")


# --- the work list's legend (#15) ---------------------------------------------------------------


def test_the_worklist_prints_each_services_contents_once_in_a_legend() -> None:
    document = samples.document("worklist")
    rows, legend = document.context["rows"], document.context["legend"]
    assert {entry["mark"] for entry in legend} == {row["legend"] for row in rows}
    by_mark = {entry["mark"]: entry for entry in legend}
    for row in rows:
        assert by_mark[row["legend"]]["name"] == row["name"]
        assert by_mark[row["legend"]]["contents"] == row["contents"]
    assert sum(entry["count"] for entry in legend) == len(rows)
    assert len({(e["name"], e["contents"]) for e in legend}) == len(legend)
