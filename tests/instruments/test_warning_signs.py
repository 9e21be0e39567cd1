"""儿童心理行为发育问题预警征象 (S5) and the autism first screen (S6), pinned to the table.

Texts, ages and rules are the standards' own (standards digest §2, §3); the choices yiyu made
where the standards are silent (the referral deadline, off-schedule columns) are pinned as
such. Which age selects a preterm child's column is tests/scheduling/test_ages.py's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiyu.errors import ProtocolError, ValidationError
from yiyu.instruments import warning_signs
from yiyu.instruments.warning_signs import (
    Area,
    WarningSigns,
    column_for,
    load_warning_signs,
    markdown,
    screen,
)
from yiyu.protocol import Evidence

DATA = load_warning_signs()
KEY_AGES = {
    "m3": 3,
    "m6": 6,
    "m8": 8,
    "m12": 12,
    "m18": 18,
    "m24": 24,
    "m30": 30,
    "m36": 36,
    "y4": 48,
    "y5": 60,
    "y6": 72,
}


def negatives(column_id: str, data: WarningSigns = DATA) -> dict[str, bool]:
    return dict.fromkeys(data.column(column_id).item_ids, False)


# --------------------------------------------------------------------------- the table (S5)


def test_44_items_in_11_columns_of_4() -> None:
    """S5 (digest §2): 44 items, 11 key ages, 4 per age."""
    assert [(c.id, c.age_months) for c in DATA.columns] == list(KEY_AGES.items())
    assert all(len(column.items) == 4 for column in DATA.columns)
    ids = [item.id for column in DATA.columns for item in column.items]
    assert len(ids) == len(set(ids)) == 44
    assert ids[0] == "m3_1"
    assert ids[-1] == "y6_4"
    for column in DATA.columns:
        assert column.item_ids == tuple(f"{column.id}_{n}" for n in range(1, 5))
        assert [item.number for item in column.items] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("item_id", "text"),
    [
        ("m3_1", "对很大声音没有反应"),
        ("m3_3", "不注视人脸，不追视移动人或物品"),
        ("m6_3", "紧握拳松不开"),
        ("m12_2", "不会模仿“再见”或“欢迎”动作"),
        ("m18_1", "不会有意识叫“爸爸”或“妈妈”"),
        ("m18_3", "与人无目光交流"),
        ("m24_4", "不会扶栏上楼梯/台阶"),
        ("m30_1", "不会说2—3个字的短语"),
        ("m30_2", "兴趣单一、刻板"),
        ("m36_2", "不会玩“拿棍当马骑”等假想游戏"),
        ("y4_2", "不能按要求等待或轮流"),
        ("y5_3", "不会用筷子吃饭"),
        ("y6_3", "不会画方形"),
        ("y6_4", "不会奔跑"),
    ],
)
def test_item_texts_are_the_tables_own(item_id: str, text: str) -> None:
    """S5 (digest §2, renrendoc copy): exact wording, full-width punctuation included."""
    assert DATA.item(item_id).text == text


def test_every_item_is_sourced_to_s5_and_verified() -> None:
    for column in DATA.columns:
        assert column.evidence is Evidence.V
        for item in column.items:
            assert item.source == ("S5 (digest §2)",)
            assert item.evidence is Evidence.V


def test_areas_follow_the_columns_unless_the_item_says_otherwise() -> None:
    """Digest §2: areas language, social-emotional, fine motor, gross motor, by column."""
    assert DATA.item("m8_1").area is Area.LANGUAGE
    assert DATA.item("m8_2").area is Area.SOCIAL_EMOTIONAL
    assert DATA.item("m8_3").area is Area.FINE_MOTOR
    assert DATA.item("m8_4").area is Area.GROSS_MOTOR
    assert DATA.item("m8_4").area_evidence is Evidence.V
    # Eye contact sits in the fine-motor column but is social: set, and tagged D.
    assert DATA.item("m18_3").area is Area.SOCIAL_EMOTIONAL
    assert DATA.item("m18_3").area_evidence is Evidence.D
    assert DATA.item("m6_2").area is Area.FINE_MOTOR
    assert DATA.item("m6_2").area_evidence is Evidence.D
    # Every gross-motor column entry is plainly gross motor.
    assert all(c.items[3].area is Area.GROSS_MOTOR for c in DATA.columns)
    assert Area.SOCIAL_EMOTIONAL.label_zh == "社会情感"


def test_referral_deadline_is_a_tagged_default() -> None:
    """S6 (digest §3): no day limit for referral was found, so 30 days is a yiyu default."""
    fact = DATA.referral_within_days
    assert fact.value == 30
    assert fact.evidence is Evidence.D
    assert fact.source[0].startswith("D ")
    assert DATA.refer_to == "县级妇幼保健机构"
    assert DATA.autism_rule.source[0].startswith("S6")
    assert DATA.autism_rule.evidence is Evidence.V


def test_packaged_data_is_read_once() -> None:
    assert load_warning_signs() is load_warning_signs()
    assert DATA.header.label == "warning_signs@2026.2"


# --------------------------------------------------------------------------- which column


@pytest.mark.parametrize(("column_id", "age"), list(KEY_AGES.items()))
def test_each_key_age_gets_its_own_column(column_id: str, age: int) -> None:
    column = column_for(age_months=age)
    assert column is not None
    assert column.id == column_id


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (0, None),
        (2, None),  # before the first key age
        (5, "m3"),
        (7, "m6"),
        (10, "m8"),  # off schedule: the latest key age <= age (D)
        (17, "m12"),
        (23, "m18"),
        (35, "m30"),
        (47, "m36"),
        (59, "y4"),
        (83, "y6"),
        (84, None),  # the table is for 0–6 years
        (-2, None),  # a preterm child before term-equivalent age
    ],
)
def test_off_schedule_ages(age: int, expected: str | None) -> None:
    column = column_for(age_months=age)
    assert (column.id if column else None) == expected


def test_a_scheduled_visit_uses_its_own_column() -> None:
    """Digest §2: on a scheduled visit use that visit's column, whatever the exact age."""
    column = column_for(age_months=14, scheduled_column="m12")
    assert column is not None
    assert column.id == "m12"
    column = column_for(age_months=11, scheduled_column="m12")
    assert column is not None
    assert column.id == "m12"


def test_column_for_rejects_bad_input() -> None:
    with pytest.raises(ValidationError) as error:
        column_for(age_months=12, scheduled_column="m9")
    assert error.value.field == "column_id"
    with pytest.raises(ValidationError):
        column_for(age_months=True)
    with pytest.raises(ValidationError):
        column_for(age_months=12.0)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- screening


def test_no_positive_item_and_no_regression_means_no_referral() -> None:
    result = screen("m18", negatives("m18"))
    assert not result.positive
    assert not result.autism_referral
    assert result.positive_items == ()
    assert result.refer_to is None
    assert result.referral_within_days is None
    assert result.instrument == "warning_signs@2026.2"


def test_any_positive_item_refers() -> None:
    """S5 (digest §2, V): any positive item in the column → refer; S6: and for 复筛."""
    answers = negatives("m18") | {"m18_3": True}
    result = screen("m18", answers)
    assert result.positive
    assert result.positive_items == ("m18_3",)
    assert result.autism_referral
    assert result.refer_to == "县级妇幼保健机构"
    assert result.referral_within_days == 30


def test_regression_alone_refers_for_autism_but_is_not_a_positive_screen() -> None:
    """S6 (digest §3, V): language or social regression at any age → 复筛."""
    result = screen("y4", negatives("y4"), regression=True)
    assert not result.positive
    assert result.positive_items == ()
    assert result.regression
    assert result.autism_referral
    assert result.referral_within_days == 30


def test_a_missing_answer_names_the_item() -> None:
    answers = negatives("m18")
    del answers["m18_3"]
    with pytest.raises(ValidationError) as error:
        screen("m18", answers)
    assert error.value.field == "answers[m18_3]"
    assert "m18_3" in str(error.value)
    assert "与人无目光交流" in error.value.rule


def test_unknown_and_other_column_items_are_refused() -> None:
    with pytest.raises(ValidationError) as error:
        screen("m18", negatives("m18") | {"m18_5": False})
    assert error.value.field == "answers[m18_5]"
    # An earlier column's item is recorded elsewhere, never scored here (D).
    with pytest.raises(ValidationError) as error:
        screen("m18", negatives("m18") | {"m12_1": True})
    assert error.value.field == "answers[m12_1]"
    assert "m12" in error.value.rule


@pytest.mark.parametrize("bad", [1, 0, "yes", None, "是"])
def test_answers_must_be_bool(bad: object) -> None:
    answers: dict[str, object] = dict(negatives("m6"))
    answers["m6_2"] = bad
    with pytest.raises(ValidationError) as error:
        screen("m6", answers)  # type: ignore[arg-type]
    assert error.value.field == "answers[m6_2]"


def test_bad_column_and_regression() -> None:
    with pytest.raises(ValidationError):
        screen("m9", {})
    with pytest.raises(ValidationError) as error:
        screen("m6", negatives("m6"), regression=1)  # type: ignore[arg-type]
    assert error.value.field == "regression"


@st.composite
def screens(draw: st.DrawFn) -> tuple[str, dict[str, bool], bool]:
    column = draw(st.sampled_from(DATA.columns))
    answers = {item_id: draw(st.booleans()) for item_id in column.item_ids}
    return column.id, answers, draw(st.booleans())


@given(screens(), st.data())
def test_adding_a_positive_answer_never_clears_a_referral(
    case: tuple[str, dict[str, bool], bool], data: st.DataObject
) -> None:
    column_id, answers, regression = case
    before = screen(column_id, answers, regression=regression)
    assert before.positive == any(answers.values())
    assert before.autism_referral == (before.positive or regression)
    item_id = data.draw(st.sampled_from(sorted(answers)))
    after = screen(column_id, answers | {item_id: True}, regression=regression)
    assert after.positive
    assert after.autism_referral
    assert set(before.positive_items) <= set(after.positive_items)


# --------------------------------------------------------------------------- region files


def _write(tmp_path: Path, text: str, name: str = "region.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# An item override restates its source: the text's (S5) and the area's (LOCAL).
M3_3 = (
    '{ override = true, id = "m3_3", area = "fine_motor", area_evidence = "LOCAL", '
    'source = ["S5 (digest §2)", "LOCAL (市卫健委通知 附件)"], evidence = "V" }'
)
OVERRIDE = f"""
[instrument]
extends = "warning_signs"
id = "warning_signs-zj"
version = "2026.1-zj"
title = "预警征象筛查表（本市）"

[sources.LOCAL]
title = "市卫健委通知"

[rules.referral_deadline]
override = true
referral_within_days = 14
text = "初筛阳性后转诊复筛的期限（天）"
source = "LOCAL (市卫健委通知 第3条)"
evidence = "LOCAL"

[[columns]]
id = "m3"
override = true
source = "S5 (digest §2)"
evidence = "V"
items = [
  {M3_3},
]
"""


def test_a_region_overrides_the_deadline_and_an_area(tmp_path: Path) -> None:
    data = load_warning_signs(_write(tmp_path, OVERRIDE))
    assert data.header.label == "warning_signs-zj@2026.1-zj"
    assert data.referral_within_days.value == 14
    assert data.referral_within_days.evidence is Evidence.LOCAL
    assert data.item("m3_3").area is Area.FINE_MOTOR
    assert data.item("m3_3").text == "不注视人脸，不追视移动人或物品"  # the rest is kept
    assert len([i for c in data.columns for i in c.items]) == 44
    result = screen("m3", negatives("m3", data) | {"m3_1": True}, data=data)
    assert result.referral_within_days == 14
    assert result.instrument == "warning_signs-zj@2026.1-zj"
    # The packaged data is untouched.
    assert load_warning_signs().referral_within_days.value == 30


def test_an_override_must_name_its_own_source(tmp_path: Path) -> None:
    text = OVERRIDE.replace('source = "LOCAL (市卫健委通知 第3条)"\n', "")
    path = _write(tmp_path, text)
    with pytest.raises(ProtocolError) as error:
        load_warning_signs(path)
    assert error.value.file == str(path)
    assert error.value.field == "rules.referral_deadline.source"


def test_an_override_must_extend_this_instrument(tmp_path: Path) -> None:
    path = _write(tmp_path, OVERRIDE.replace('extends = "warning_signs"', 'extends = "anaemia"'))
    with pytest.raises(ProtocolError) as error:
        load_warning_signs(path)
    assert error.value.field == "instrument.extends"


M8_2 = 'id = "m8_2", text = "不会区分生人和熟人", area = "social_emotional", area_evidence = "V", '


@pytest.mark.parametrize(
    ("change", "item", "field"),
    [
        (('text = "不会画方形"', 'text = ""'), "y6_3", "text"),
        (
            (
                'id = "y6_3", text = "不会画方形", area = "fine_motor"',
                'id = "y6_3", text = "不会画方形", area = "drawing"',
            ),
            "y6_3",
            "items.area",
        ),
        (
            (
                M8_2 + 'source = "S5 (digest §2)", evidence = "V"',
                M8_2 + 'source = "S5 (digest §2)", evidence = "X"',
            ),
            "m8_2",
            "evidence",
        ),
        (
            (
                'referral_within_days = { rule = "autism_rescreen_referral", offset = "due" }',
                'referral_within_days = "30"',
            ),
            None,
            "rules.referral_deadline.referral_within_days",
        ),
        (
            (
                'source = "S5 (digest §2)", evidence = "V" },\n]\n\n[[columns]]\nid = "y6"',
                'source = "S99 (digest §2)", evidence = "V" },\n]\n\n[[columns]]\nid = "y6"',
            ),
            "y5_4",
            "source",
        ),
    ],
)
def test_a_broken_replacement_names_file_item_and_field(
    tmp_path: Path, change: tuple[str, str], item: str | None, field: str
) -> None:
    packaged = Path(warning_signs.__file__).parent / "data" / "warning_signs.toml"
    original = packaged.read_text(encoding="utf-8")
    old, new = change
    assert old in original
    path = _write(tmp_path, original.replace(old, new, 1))
    with pytest.raises(ProtocolError) as error:
        load_warning_signs(path)
    assert error.value.file == str(path)
    assert error.value.rule_id == item
    assert error.value.field is not None
    assert error.value.field.endswith(field)


def test_an_override_is_a_new_version(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        OVERRIDE.replace('version = "2026.1-zj"', 'version = "2026.2"').replace(
            'id = "warning_signs-zj"', 'id = "warning_signs"'
        ),
    )
    with pytest.raises(ProtocolError) as error:
        load_warning_signs(path)
    assert error.value.field == "instrument.version"
    path = _write(tmp_path, OVERRIDE.replace('title = "预警征象筛查表（本市）"\n', ""))
    with pytest.raises(ProtocolError) as error:
        load_warning_signs(path)
    assert error.value.field == "instrument.title"


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError) as error:
        load_warning_signs(tmp_path / "missing.toml")
    assert "cannot read" in error.value.problem
    path = _write(tmp_path, "[instrument\n")
    with pytest.raises(ProtocolError) as error:
        load_warning_signs(path)
    assert "not valid TOML" in error.value.problem
    path = _write(tmp_path, 'title = "x"\n')
    with pytest.raises(ProtocolError) as error:
        load_warning_signs(path)
    assert error.value.field == "instrument"


# --------------------------------------------------------------------------- documentation


def test_markdown_lists_every_item_with_source_and_evidence() -> None:
    text = markdown()
    assert text.startswith("## 儿童心理行为发育问题预警征象筛查表 (`warning_signs@2026.2`)")
    for column in DATA.columns:
        for item in column.items:
            assert f"| `{item.id}` | {column.label_zh} | {item.text} |" in text
    assert "30 days" in text
    assert "Sources: S1 " in text
    assert markdown() == text  # deterministic
