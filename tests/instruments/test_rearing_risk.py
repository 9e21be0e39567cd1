"""养育风险评估: yiyu's default form (D, on the Nurturing Care Framework, S18) and region forms.

No national instrument is public (digest §7), so the tests pin the default form as a yiyu
default, its levels at their boundaries, and that a region's own form replaces it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiyu.errors import ProtocolError, ValidationError
from yiyu.instruments import rearing_risk
from yiyu.instruments.rearing_risk import RiskLevel, assess, load_form, markdown
from yiyu.protocol import Evidence

FORM = load_form()
SAFETY = [item.id for item in FORM.items if item.domain == "safety_and_security"]
OTHERS = [item.id for item in FORM.items if item.domain != "safety_and_security"]


def scores(**given_scores: int) -> dict[str, int]:
    return {item_id: given_scores.get(item_id, 0) for item_id in FORM.item_ids}


def ones(count: int, among: list[str] = OTHERS) -> dict[str, int]:
    return scores(**dict.fromkeys(among[:count], 1))


# --------------------------------------------------------------------------- the default form


def test_the_default_form_is_labelled_a_yiyu_default() -> None:
    assert FORM.header.id == "rearing_risk_default"
    assert "yiyu 默认表" in FORM.header.title
    assert "非国家标准" in FORM.header.title
    assert FORM.evidence is Evidence.D
    assert FORM.source[0].startswith("D (digest §7")
    assert all(item.evidence is Evidence.D for item in FORM.items)
    assert all(rule.evidence is Evidence.D for rule in FORM.rules)


def test_five_nurturing_care_domains_of_3_to_4_items() -> None:
    """S18 (digest §7, V): the five components of the Nurturing Care Framework."""
    assert [(d.id, d.name_zh) for d in FORM.domains] == [
        ("good_health", "良好的健康"),
        ("adequate_nutrition", "充足的营养"),
        ("safety_and_security", "安全保障"),
        ("responsive_caregiving", "回应性照护"),
        ("opportunities_for_early_learning", "早期学习机会"),
    ]
    assert all(d.evidence is Evidence.V and d.source[0].startswith("S18") for d in FORM.domains)
    for domain in FORM.domains:
        assert 3 <= sum(item.domain == domain.id for item in FORM.items) <= 4
    texts = {item.text for item in FORM.items}
    assert "是否按时完成健康检查和预防接种" in texts
    assert any(text.startswith("主要照养人是否能识别疾病危险信号") for text in texts)
    assert FORM.scale_labels == ("无风险", "有一定风险", "高风险")
    assert FORM.max_total == 34


def test_level_labels_and_order() -> None:
    assert [level.label_zh for level in RiskLevel] == ["低", "中", "高"]
    assert [level.rank for level in RiskLevel] == [0, 1, 2]


# --------------------------------------------------------------------------- levels at boundaries


@pytest.mark.parametrize(
    ("answers", "level", "rule"),
    [
        (scores(), RiskLevel.LOW, "low"),
        (ones(3), RiskLevel.LOW, "low"),  # total 3 < 4
        (ones(4), RiskLevel.MEDIUM, "medium_total"),  # total 4
        (scores(feeding=2), RiskLevel.MEDIUM, "medium_any_item"),  # one 2, total 2
        (ones(9), RiskLevel.MEDIUM, "medium_total"),  # total 9 < 10
        (ones(10), RiskLevel.HIGH, "high_total"),  # total 10
        (ones(4, SAFETY), RiskLevel.MEDIUM, "medium_total"),  # safety 1s are not 2s
        (scores(supervision=2), RiskLevel.HIGH, "high_safety_item"),  # any safety item 2
        (scores(violence_neglect=2), RiskLevel.HIGH, "high_safety_item"),
    ],
)
def test_levels_at_their_boundaries(answers: dict[str, int], level: RiskLevel, rule: str) -> None:
    result = assess(answers)
    assert result.level is level
    assert result.rule.id == rule
    assert result.form_id == "rearing_risk_default"
    assert result.form_version == "2026.1"


def test_scores_domain_scores_and_matched_rules() -> None:
    answers = scores(supervision=2, feeding=1, growth=1, reading=2)
    result = assess(answers)
    assert result.total == 6
    assert dict(result.domain_scores) == {
        "good_health": 0,
        "adequate_nutrition": 2,
        "safety_and_security": 2,
        "responsive_caregiving": 0,
        "opportunities_for_early_learning": 2,
    }
    assert result.matched_rules == ("high_safety_item", "medium_any_item", "medium_total", "low")
    assert result.rule.id == "high_safety_item"
    assert list(result.scores) == list(FORM.item_ids)


# --------------------------------------------------------------------------- validation


def test_a_missing_answer_names_the_item() -> None:
    answers = scores()
    del answers["guardianship"]
    with pytest.raises(ValidationError) as error:
        assess(answers)
    assert error.value.field == "answers[guardianship]"


@pytest.mark.parametrize("bad", [3, -1, True, 1.0, "1", None])
def test_scores_outside_0_to_2_are_refused(bad: object) -> None:
    answers: dict[str, object] = dict(scores())
    answers["play"] = bad
    with pytest.raises(ValidationError) as error:
        assess(answers)  # type: ignore[arg-type]
    assert error.value.field == "answers[play]"


def test_unknown_items_are_refused() -> None:
    with pytest.raises(ValidationError) as error:
        assess(scores() | {"income": 1})
    assert error.value.field == "answers[income]"


# --------------------------------------------------------------------------- properties


answer_sets = st.fixed_dictionaries(
    {item_id: st.integers(min_value=0, max_value=2) for item_id in FORM.item_ids}
)


@given(answer_sets, st.sampled_from(FORM.item_ids))
def test_the_level_is_monotonic_in_every_item(answers: dict[str, int], item_id: str) -> None:
    before = assess(answers)
    assert before.total == sum(answers.values()) == sum(before.domain_scores.values())
    if answers[item_id] < 2:
        after = assess(answers | {item_id: answers[item_id] + 1})
        assert after.level.rank >= before.level.rank


# --------------------------------------------------------------------------- region forms


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "form.toml"
    path.write_text(text, encoding="utf-8")
    return path


REGION_FORM = """
[instrument]
id = "rearing_risk_zj"
version = "2026.1"
title = "养育风险评估表（某市）"
source = "LOCAL (某市卫健委 2026 年通知)"
evidence = "LOCAL"

[sources.LOCAL]
title = "某市卫健委通知"

[scale]
labels = ["否", "部分", "是"]
text = "每个条目按0～2分计"
source = "LOCAL (某市卫健委通知)"
evidence = "LOCAL"

[[domains]]
id = "care"
name_zh = "照护"
source = "LOCAL (某市卫健委通知)"
evidence = "LOCAL"

[[domains]]
id = "home"
name_zh = "家庭"
source = "LOCAL (某市卫健委通知)"
evidence = "LOCAL"

[[items]]
id = "caregiver_absent"
domain = "care"
text = "照养人是否经常外出"
source = "LOCAL (某市卫健委通知)"
evidence = "LOCAL"

[[items]]
id = "meals"
domain = "care"
text = "三餐是否规律"
source = "LOCAL (某市卫健委通知)"
evidence = "LOCAL"

[[items]]
id = "housing"
domain = "home"
text = "住房是否安全"
source = "LOCAL (某市卫健委通知)"
evidence = "LOCAL"

[[rules]]
id = "high_care"
level = "high"
text = "照护得分≥3"
domain_at_least = { care = 3 }
source = "LOCAL (某市卫健委通知)"
evidence = "LOCAL"

[[rules]]
id = "medium"
level = "medium"
text = "总分≥2"
total_at_least = 2
source = "LOCAL (某市卫健委通知)"
evidence = "LOCAL"

[[rules]]
id = "low"
level = "low"
text = "其余"
source = "LOCAL (某市卫健委通知)"
evidence = "LOCAL"
"""


def test_a_region_replaces_the_form(tmp_path: Path) -> None:
    form = load_form(_write(tmp_path, REGION_FORM))
    assert form.header.label == "rearing_risk_zj@2026.1"
    assert form.evidence is Evidence.LOCAL
    assert form.item_ids == ("caregiver_absent", "meals", "housing")
    low = assess({"caregiver_absent": 1, "meals": 0, "housing": 0}, form)
    assert (low.level, low.rule.id) == (RiskLevel.LOW, "low")
    medium = assess({"caregiver_absent": 0, "meals": 0, "housing": 2}, form)
    assert (medium.level, medium.rule.id) == (RiskLevel.MEDIUM, "medium")
    high = assess({"caregiver_absent": 2, "meals": 1, "housing": 0}, form)
    assert (high.level, high.rule.id) == (RiskLevel.HIGH, "high_care")
    assert high.form_id == "rearing_risk_zj"
    # The default form's items are not this form's.
    with pytest.raises(ValidationError):
        assess(scores(), form)


def test_a_region_changes_a_threshold_of_the_default_form(tmp_path: Path) -> None:
    text = """
[instrument]
extends = "rearing_risk_default"
id = "rearing_risk_default-zj"
version = "2026.1-zj"
title = "养育风险评估表（yiyu 默认表，本市阈值）"
source = "LOCAL (市卫健委通知)"
evidence = "LOCAL"

[sources.LOCAL]
title = "市卫健委通知"

[[rules]]
id = "high_total"
override = true
total_at_least = 8
source = "LOCAL (市卫健委通知)"
evidence = "LOCAL"
"""
    form = load_form(_write(tmp_path, text))
    assert assess(ones(8), form).level is RiskLevel.HIGH
    assert assess(ones(8)).level is RiskLevel.MEDIUM
    assert len(form.items) == len(FORM.items)


@pytest.mark.parametrize(
    ("old", "new", "item", "field"),
    [
        ('domain = "home"\n', 'domain = "garden"\n', "housing", "items.domain"),
        ('labels = ["否", "部分", "是"]', 'labels = ["否", "是"]', None, "scale.labels"),
        (
            '[[rules]]\nid = "low"\nlevel = "low"\ntext = "其余"\n',
            '[[rules]]\nid = "low"\nlevel = "low"\ntext = "其余"\ntotal_at_least = 0\n',
            "low",
            "rules.total_at_least",
        ),
        (
            '[[rules]]\nid = "low"\nlevel = "low"\ntext = "其余"\n',
            '[[rules]]\nid = "low"\nlevel = "low"\ntext = "其余"\ntotal_at_least = 1\n',
            None,
            "rules",
        ),
        ('level = "medium"', 'level = "severe"', "medium", "rules.level"),
        (
            "domain_at_least = { care = 3 }",
            "domain_at_least = { yard = 3 }",
            "high_care",
            "rules.domain_at_least",
        ),
        (
            'evidence = "LOCAL"\n\n[sources.LOCAL]',
            'evidence = "local"\n\n[sources.LOCAL]',
            None,
            "instrument.evidence",
        ),
    ],
)
def test_a_broken_form_names_file_item_and_field(
    tmp_path: Path, old: str, new: str, item: str | None, field: str
) -> None:
    assert old in REGION_FORM
    path = _write(tmp_path, REGION_FORM.replace(old, new, 1))
    with pytest.raises(ProtocolError) as error:
        load_form(path)
    assert error.value.file == str(path)
    assert error.value.rule_id == item
    assert error.value.field == field


def test_a_domain_without_items_is_refused(tmp_path: Path) -> None:
    text = REGION_FORM.replace('domain = "home"', 'domain = "care"')
    with pytest.raises(ProtocolError) as error:
        load_form(_write(tmp_path, text))
    assert error.value.rule_id == "home"


def test_the_docstring_documents_the_file_format() -> None:
    doc = rearing_risk.__doc__ or ""
    for key in (
        "[instrument]",
        "[scale]",
        "[[domains]]",
        "[[items]]",
        "[[rules]]",
        "any_item_at_least",
        "total_at_least",
        "domain_at_least",
        "in_domains",
    ):
        assert key in doc


# --------------------------------------------------------------------------- documentation


def test_markdown_lists_items_and_rules() -> None:
    text = markdown()
    assert text.startswith("## 养育风险评估表（yiyu 默认表，非国家标准）")
    for item in FORM.items:
        assert f"`{item.id}` | {item.text} |" in text
    for rule in FORM.rules:
        assert f"| `{rule.id}` |" in text
    assert "total ≥ 10" in text
