"""The health instructor's daycare review checklist (digest §6), pinned to the digest."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from instruments.examples import documented_example
from yiyu.errors import ProtocolError, ValidationError
from yiyu.instruments import daycare_review
from yiyu.instruments.daycare_review import (
    ReviewAnswer,
    item_text,
    load_review,
    markdown,
    review,
)
from yiyu.protocol import Evidence

CHECKLIST = load_review()
# The ids of daycare.checklist in standards-digest.yaml, in order: the digest's 16 rows,
# row 11 split into injury prevention and safety facilities.
YAML_IDS = (
    "health_staff",
    "observation_room",
    "morning_check",
    "child_health_checks",
    "staff_health",
    "vaccination_check",
    "diet",
    "disinfection",
    "infectious_disease",
    "common_disease",
    "injury_prevention",
    "safety_facilities",
    "health_education",
    "records",
    "daily_routine",
    "premises",
    "care_domains",
)


def all_pass() -> dict[str, ReviewAnswer | str]:
    return dict.fromkeys(CHECKLIST.item_ids, ReviewAnswer.PASS)


# --------------------------------------------------------------------------- the checklist


def test_the_17_items_of_the_digest_in_order() -> None:
    assert CHECKLIST.item_ids == YAML_IDS
    assert [item.number for item in CHECKLIST.items] == [*range(1, 12), *range(11, 17)]
    assert CHECKLIST.header.label == "daycare_review@2026.1"


@pytest.mark.parametrize(
    ("item_id", "fragment", "source"),
    [
        ("health_staff", "保健员", "S13"),
        ("observation_room", "6 m²", "S13"),  # digest §6 item 2: ≥6 m², ≥1 bed
        ("morning_check", "晨（午）检", "S12"),
        ("child_health_checks", "离托3个月以上须重新体检", "S11"),
        ("diet", "每学期盈亏不超过2%", "S11"),
        ("safety_facilities", "录像保存不少于90天", "S14"),  # digest §6 item 11
        ("daily_routine", "每日不少于2小时", "S11"),  # digest §6 item 14
        ("premises", "房间面积的20%", "S13"),  # digest §6 item 15
        ("care_domains", "25～36月龄", "S15"),
    ],
)
def test_item_texts_carry_the_norms_numbers(item_id: str, fragment: str, source: str) -> None:
    assert fragment in item_text(item_id)
    item = next(i for i in CHECKLIST.items if i.id == item_id)
    assert item.source[0].startswith(f"{source} (digest §6 item ")


def test_evidence_follows_the_digest() -> None:
    evidence = {item.id: item.evidence for item in CHECKLIST.items}
    assert evidence.pop("injury_prevention") is Evidence.M  # injury types: M
    assert set(evidence.values()) == {Evidence.V}
    details = {item.id: item.detail_evidence for item in CHECKLIST.items if item.detail}
    assert details == {
        "morning_check": Evidence.V3,  # the phrase 一摸二看三问四查
        "staff_health": Evidence.M,  # yearly
        "diet": Evidence.M,  # food sample kept ≥ 48 h
        "infectious_disease": Evidence.M,
    }


def test_correction_deadline_is_a_tagged_default() -> None:
    fact = CHECKLIST.correction_within_days
    assert fact.value == 30
    assert fact.evidence is Evidence.D
    assert fact.source[0].startswith("D ")


def test_item_text_of_an_unknown_item() -> None:
    with pytest.raises(ValidationError):
        item_text("swimming_pool")


# --------------------------------------------------------------------------- answers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (ReviewAnswer.FAIL, ReviewAnswer.FAIL),
        ("pass", ReviewAnswer.PASS),
        ("PASS", ReviewAnswer.PASS),
        (" fail ", ReviewAnswer.FAIL),
        ("not_applicable", ReviewAnswer.NOT_APPLICABLE),
        ("合格", ReviewAnswer.PASS),
        ("不合格", ReviewAnswer.FAIL),
        ("不适用", ReviewAnswer.NOT_APPLICABLE),
    ],
)
def test_answers_parse(value: ReviewAnswer | str, expected: ReviewAnswer) -> None:
    assert ReviewAnswer.parse(value) is expected


@pytest.mark.parametrize("bad", ["ok", "", "合", True, 1, None])
def test_bad_answers_are_refused(bad: object) -> None:
    with pytest.raises(ValidationError):
        ReviewAnswer.parse(bad)  # type: ignore[arg-type]


def test_labels() -> None:
    assert [a.label_zh for a in ReviewAnswer] == ["合格", "不合格", "不适用"]


# --------------------------------------------------------------------------- review


def test_a_clean_review() -> None:
    result = review(all_pass())
    assert result.all_passed
    assert result.failed == ()
    assert result.passed == YAML_IDS
    assert (result.pass_count, result.fail_count, result.not_applicable_count) == (17, 0, 0)
    assert result.correction_within_days is None
    assert result.instrument == "daycare_review@2026.1"


def test_failed_items_and_notes() -> None:
    answers = all_pass() | {
        "premises": "不合格",
        "observation_room": ReviewAnswer.FAIL,
        "diet": "not_applicable",
    }
    notes = {"observation_room": " 观察室仅4 m² ", "premises": "", "records": "档案齐全"}
    result = review(answers, notes)
    assert result.failed == ("observation_room", "premises")  # checklist order
    assert result.not_applicable == ("diet",)
    assert (result.pass_count, result.fail_count, result.not_applicable_count) == (14, 2, 1)
    assert not result.all_passed
    assert result.correction_within_days == 30
    assert dict(result.notes) == {"observation_room": "观察室仅4 m²", "records": "档案齐全"}
    assert result.answers["premises"] is ReviewAnswer.FAIL


def test_a_missing_answer_names_the_item() -> None:
    answers = all_pass()
    del answers["safety_facilities"]
    with pytest.raises(ValidationError) as error:
        review(answers)
    assert error.value.field == "answers[safety_facilities]"
    assert "safety_facilities" in str(error.value)


def test_unknown_items_and_bad_notes_are_refused() -> None:
    with pytest.raises(ValidationError) as error:
        review(all_pass() | {"swimming_pool": "pass"})
    assert error.value.field == "answers[swimming_pool]"
    with pytest.raises(ValidationError) as error:
        review(all_pass() | {"diet": "maybe"})
    assert error.value.field == "answers[diet]"
    with pytest.raises(ValidationError) as error:
        review(all_pass(), {"swimming_pool": "x"})
    assert error.value.field == "notes[swimming_pool]"
    with pytest.raises(ValidationError) as error:
        review(all_pass(), {"diet": 3})  # type: ignore[dict-item]
    assert error.value.field == "notes[diet]"


@given(st.lists(st.sampled_from(list(ReviewAnswer)), min_size=17, max_size=17))
def test_counts_partition_the_checklist(given_answers: list[ReviewAnswer]) -> None:
    answers: dict[str, ReviewAnswer | str] = dict(zip(YAML_IDS, given_answers, strict=True))
    result = review(answers)
    assert result.pass_count + result.fail_count + result.not_applicable_count == 17
    assert set(result.failed) == {i for i, a in answers.items() if a is ReviewAnswer.FAIL}
    assert (result.correction_within_days is None) == result.all_passed


# --------------------------------------------------------------------------- region files


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "region.toml"
    path.write_text(text, encoding="utf-8")
    return path


REGION = documented_example(daycare_review)


def test_a_region_adds_an_item_and_shortens_the_deadline(tmp_path: Path) -> None:
    checklist = load_review(_write(tmp_path, REGION))
    assert checklist.item_ids == (*YAML_IDS, "fire_drill")
    assert checklist.correction_within_days.value == 15
    with pytest.raises(ValidationError) as error:
        review(all_pass(), checklist=checklist)
    assert error.value.field == "answers[fire_drill]"
    result = review(all_pass() | {"fire_drill": "不合格"}, checklist=checklist)
    assert result.failed == ("fire_drill",)
    assert result.correction_within_days == 15
    assert result.instrument == "daycare_review-zj@2026.1-zj"
    assert item_text("fire_drill", checklist) == "每季度开展一次消防演练"


@pytest.mark.parametrize(
    ("old", "new", "item", "field"),
    [
        (
            'id = "observation_room"\nnumber = 2',
            'id = "observation_room"\nnumber = 0',
            "observation_room",
            "items.number",
        ),
        ('id = "diet"', 'id = "records"', "records", "items.id"),
        ('detail = "每年体检"\n', "", "staff_health", "items.detail_evidence"),
        (
            'correction_within_days = { rule = "daycare_correction_visit", offset = "due" }',
            "correction_within_days = 0",
            None,
            "correction.correction_within_days",
        ),
        (
            'source = "S15 (digest §6 item 16)"',
            'source = "S17 (digest §6 item 16)"',
            "care_domains",
            "items.source",
        ),
    ],
)
def test_a_broken_file_names_file_item_and_field(
    tmp_path: Path, old: str, new: str, item: str | None, field: str
) -> None:
    packaged = Path(daycare_review.__file__).parent / "data" / "daycare_review.toml"
    original = packaged.read_text(encoding="utf-8")
    assert old in original
    path = _write(tmp_path, original.replace(old, new, 1))
    with pytest.raises(ProtocolError) as error:
        load_review(path)
    assert error.value.file == str(path)
    assert error.value.rule_id == item
    assert error.value.field == field


# --------------------------------------------------------------------------- documentation


def test_markdown_lists_every_item() -> None:
    text = markdown()
    assert text.startswith("## 托育机构卫生保健工作检查表 (`daycare_review@2026.1`)")
    for item in CHECKLIST.items:
        assert f"| {item.number} | `{item.id}` | {item.text} |" in text
    assert "**30 days**" in text
    assert "S16 托育机构婴幼儿伤害预防指南（试行）" in text
