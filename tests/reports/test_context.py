"""From a record to what a form prints: the right form, values, findings (pure, no PDF)."""

from __future__ import annotations

import json
import pickle

import attrs
import pendulum
import pytest

import yiyu
from yiyu.outcomes import ChildRecord
from yiyu.reports import (
    encounter_document,
    rearing_risk_document,
    referral_document,
    samples,
)
from yiyu.reports.context import BANDS, DATA_SCHEMA


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


def test_beyond_the_who_standards_there_is_no_z_score_and_no_chart() -> None:
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
    record = yiyu.record(visit, child, yiyu.load_protocol(), as_of=visit.on)
    context = encounter_document(record, child, institution="x").context
    assert context["form"]["band"] == "preschool"
    assert context["charts"] == []
    assert {row["z"] for row in context["measurements"]} == {"—"}
    assert any("1856" in flag for flag in context["flags"])
