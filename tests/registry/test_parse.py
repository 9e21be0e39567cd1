"""Children, daycares and enrolments from a registry file's table, pure (#4)."""

from __future__ import annotations

import yiyu
from registry.csvfiles import (
    EN_HEADER,
    ZH_HEADER,
    children_lines,
    csv_bytes,
    resident_id,
    shape,
    table,
)
from yiyu.registry import parse_children, parse_daycares, parse_enrolments, read_csv


def test_good_rows_are_parsed_and_each_bad_row_reported() -> None:
    wrong_check = resident_id("2024-01-31")[:17] + (
        "0" if resident_id("2024-01-31")[17] != "0" else "1"
    )
    parsed = parse_children(
        table(
            EN_HEADER,  # 1
            "C1,王小明,M,2024-01-31,36+5,2450,2024-02-03,,城东街道,DR1,preterm",  # 2 good
            "C2,李小红,F,2024-02-30,39,3200,,,城西镇,DR2,",  # 3 no such day
            f"C3,张三,男,2024-01-31,39,3200,,{wrong_check},城西镇,DR2,",  # 4 check character
            "C4,,女,2024-01-31,39,3200,,,城西镇,DR2,",  # 5 empty name
            "C5,李四,男",  # 6 cut short
            "C6,王五,男,2024-01-31,39,3200,,,城西镇,DR2,,extra",  # 7 overlong
            "C7,赵六,女,2024-05-01,,,,,城西镇,,",  # 8 good
            "C8,钱七,女,2024-05-01,21+6,,,,城西镇,,",  # 9 gestational age out of range
            "C9,孙八,女,2024-05-01,39,3.2,,,城西镇,,",  # 10 weight in kg
            "C10,周九,X,2024-05-01,39,,,,城西镇,,",  # 11 sex
            "C11,吴十,男,2024-05-01,39,,,,城西镇,,不知道",  # 12 unknown category
        )
    )
    assert [c.id for c in parsed.values] == ["C1", "C7"]
    assert shape(parsed.rejected) == [
        (3, "birth_date", "2024-02-30"),
        (4, "resident_id", wrong_check[:6] + "********" + wrong_check[-4:]),  # masked
        (5, "name", ""),
        (6, "birth_date", ""),
        (7, "(column 12)", "extra"),
        (9, "gestational_weeks", "21+6"),
        (10, "birth_weight_g", "3.2"),
        (11, "sex", "X"),
        (12, "categories", "不知道"),
    ]
    reasons = [r.reason for r in parsed.rejected]
    assert "YYYY-MM-DD" in reasons[0]
    assert "GB 11643" in reasons[1]
    assert "required" in reasons[2]
    assert "cut short" in reasons[3]
    assert "quotes" in reasons[4]
    assert "22–45 weeks" in reasons[5]
    assert "whole number of grams" in reasons[6]
    assert "M/F" in reasons[7]
    assert "unknown category" in reasons[8]
    first = parsed.values[0]
    assert first.gestational_age == yiyu.GestationalAge(weeks=36, days=5)
    assert first.birth_weight_g == 2450
    assert first.township == "城东街道"
    assert first.categories == (yiyu.Category(kind="preterm"),)


def test_a_valid_identity_number_is_kept() -> None:
    number = resident_id("2024-01-31")
    parsed = parse_children(table(*children_lines()))
    assert parsed.rejected == ()
    assert parsed.values[0].resident_id == number


def test_chinese_headers_in_gb18030_give_the_same_children() -> None:
    english = parse_children(read_csv(csv_bytes(*children_lines(EN_HEADER))))
    chinese = parse_children(read_csv(csv_bytes(*children_lines(ZH_HEADER), encoding="gb18030")))
    assert chinese.values == english.values
    assert len(chinese.values) == 2
    assert chinese.unknown_columns == ()


def test_category_entries_bare_with_start_and_with_start_and_end() -> None:
    parsed = parse_children(
        table(
            "id,name,sex,birth_date,categories",
            "C1,王小明,M,2024-01-31,孤儿;disabled:2024-03-01;"
            "事实无人抚养:2024-02-01~2024-06-30；高危新生儿：2024-02-01～2024-03-01;",
            "C2,李小红,F,2024-01-31,orphan:~2024-06-30",
            "C3,张三,M,2024-01-31,孤儿:2024-13-01",
            "C4,李四,M,2024-01-31,残疾:2024-01-01",
            "C5,王五,M,2024-01-31,孤儿;孤儿:2024-03-01",
        )
    )
    assert parsed.values[0].categories == (
        yiyu.Category(kind="orphan"),
        yiyu.Category(kind="disabled", start="2024-03-01"),
        yiyu.Category(kind="de_facto_unsupported", start="2024-02-01", end="2024-06-30"),
        yiyu.Category(kind="high_risk_newborn", start="2024-02-01", end="2024-03-01"),
    )
    assert parsed.values[1].categories == (yiyu.Category(kind="orphan", end="2024-06-30"),)
    assert shape(parsed.rejected) == [
        (4, "categories", "孤儿:2024-13-01"),
        (5, "categories", "残疾:2024-01-01"),
        (6, "categories", "孤儿;孤儿:2024-03-01"),
    ]
    assert "before birth" in parsed.rejected[1].reason
    assert "with and without dates" in parsed.rejected[2].reason


def test_parse_daycares_without_a_store() -> None:
    parsed = parse_daycares(
        table("ID,Name,Opened_On,Remark", "K1,阳光,2023-09-01,x", "K1,阳光,2023-09-01,y")
    )
    assert [d.id for d in parsed.values] == ["K1"]
    assert parsed.unknown_columns == ("Remark",)
    assert shape(parsed.rejected) == [(3, "ID", "K1")]


def test_enrolments_can_name_children_parsed_earlier_in_the_same_import() -> None:
    children = parse_children(table(*children_lines()))
    by_id = {child.id: child for child in children.values}
    daycares = {"K1": yiyu.Daycare(id="K1", name="阳光托育园", opened_on="2023-09-01")}
    parsed = parse_enrolments(
        table(
            "child_id,daycare_id,start",
            "C1,K1,2025-09-01",
            "C2,K1,2025-09-01",
            "C3,K1,2025-09-01",
        ),
        child=by_id.get,
        daycare=daycares.get,
    )
    assert [e.child_id for e in parsed.values] == ["C1", "C2"]
    assert shape(parsed.rejected) == [(4, "child_id", "C3")]
    # Without lookups only the rows themselves are checked.
    assert len(parse_enrolments(table("child_id,daycare_id,start", "C3,K1,2025-09-01")).values) == 1


# --- the guardian (家长姓名, 联系电话) ------------------------------------------------------


def test_the_guardian_columns_are_read_in_english_or_chinese() -> None:
    chinese = parse_children(
        table(
            "编号,姓名,性别,出生日期,家长姓名,联系电话",
            "C1,王小明,男,2024-01-31,王建国,138 0013 8000",
        )
    )
    english = parse_children(
        table(
            "id,name,sex,birth_date,Guardian_Name,guardian_phone",
            "C1,王小明,M,2024-01-31,王建国,138 0013 8000",
        )
    )
    assert chinese.rejected == english.rejected == ()
    assert chinese.values == english.values
    [child] = chinese.values
    assert (child.guardian_name, child.guardian_phone) == ("王建国", "138 0013 8000")


def test_a_bad_phone_rejects_its_row_by_line_masked_and_good_rows_are_kept() -> None:
    parsed = parse_children(
        table(
            "编号,姓名,性别,出生日期,家长姓名,联系电话",
            "C1,王小明,男,2024-01-31,王建国,13800138000",
            "C2,李小红,女,2024-03-01,李华,1380013800099999",  # 16 digits
            "C3,张小强,男,2024-03-02,张伟,138-0013-80x0",
        )
    )
    assert [c.id for c in parsed.values] == ["C1"]
    # Neither the report nor the command's output may carry a phone in full: the cell is
    # shown masked, whatever the rule it broke.
    assert shape(parsed.rejected) == [
        (3, "联系电话", "138*********9999"),
        (4, "联系电话", "138-***3-80x0"),
    ]
    for row in parsed.rejected:
        assert "1380013800099999" not in repr(row)
        assert "7–15 digits" in row.reason


def test_an_empty_guardian_cell_clears_the_stored_one_and_a_missing_column_keeps_it() -> None:
    stored = yiyu.Child(
        id="C1",
        name="王小明",
        sex="M",
        birth_date="2024-01-31",
        guardian_name="王建国",
        guardian_phone="13800138000",
    )
    kept = parse_children(
        table("id,name,sex,birth_date", "C1,王小明,M,2024-01-31"), existing={"C1": stored}.get
    )
    assert kept.values == (stored,)
    cleared = parse_children(
        table("id,name,sex,birth_date,联系电话", "C1,王小明,M,2024-01-31,"),
        existing={"C1": stored}.get,
    )
    assert [(c.guardian_name, c.guardian_phone) for c in cleared.values] == [("王建国", None)]


def test_a_phone_pushed_past_the_header_by_an_unquoted_comma_is_masked() -> None:
    parsed = parse_children(
        table("编号,姓名,性别,出生日期,联系电话", "C1,王,小明,男,2024-01-31,13800138000")
    )
    [row] = parsed.rejected
    assert "13800138000" not in row.value
    assert row.value == "138****8000"
    assert "a value with a comma must be in quotes" in row.reason
