"""Finding each file's columns by its English or Chinese header (#4)."""

from __future__ import annotations

import pendulum
import pytest

import yiyu
from registry.csvfiles import shape, table
from yiyu.registry import ImportFileError, parse_children

D = pendulum.Date


def test_headers_match_without_spaces_bom_or_case() -> None:
    parsed = parse_children(
        table("\ufeff ID , Name ,SEX,Birth_Date , 登记日期 ", "C1,王小明,m,2024-01-31,2024-03-01")
    )
    assert parsed.rejected == ()
    assert parsed.values[0].registered_on == D(2024, 3, 1)


def test_a_rejection_names_the_column_as_the_file_writes_it() -> None:
    parsed = parse_children(table("编号,姓名,性别,出生日期", "C1,王小明,男,2024/01/31"))
    assert shape(parsed.rejected) == [(2, "出生日期", "2024/01/31")]


def test_unknown_columns_are_reported_not_imported() -> None:
    parsed = parse_children(
        table("id,name,备注,sex,birth_date,Phone,", "C1,王小明,双胞胎,M,2024-01-31,138,")
    )
    assert parsed.unknown_columns == ("备注", "Phone")
    assert parsed.rejected == ()
    assert parsed.values == (yiyu.Child(id="C1", name="王小明", sex="M", birth_date="2024-01-31"),)


def test_a_nameless_column_with_values_is_reported() -> None:
    parsed = parse_children(table("id,name,sex,birth_date,,", "C1,王小明,M,2024-01-31,?,"))
    assert parsed.unknown_columns == ("(column 5)",)
    # Trailing padding a spreadsheet writes under no header is not a problem.
    padded = parse_children(table("id,name,sex,birth_date,,", "C1,王小明,M,2024-01-31,,"))
    assert padded.unknown_columns == ()
    assert padded.rejected == ()


def test_a_missing_required_column_fails_the_whole_file() -> None:
    with pytest.raises(ImportFileError, match=r"birth_date \(出生日期\)") as raised:
        parse_children(table("编号,姓名,性别", "C1,王小明,男"))
    assert raised.value.line == 1


def test_a_column_given_twice_fails_the_whole_file() -> None:
    with pytest.raises(ImportFileError, match="given twice"):
        parse_children(table("id,编号,name,sex,birth_date", "C1,C1,王小明,M,2024-01-31"))
