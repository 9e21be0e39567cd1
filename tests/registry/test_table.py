"""A registry file as a table: physical lines, quotes, blank lines, its header (#4)."""

from __future__ import annotations

import pytest

from registry.csvfiles import csv_bytes
from yiyu.registry import ImportFileError, read_csv


def test_nul_characters_are_not_a_text_file() -> None:
    with pytest.raises(ImportFileError, match="NUL") as raised:
        read_csv(b"id,name\r\nC1,a\x00b\r\n")
    assert raised.value.line == 2


def test_lines_are_physical_lines_of_the_file() -> None:
    data = csv_bytes(
        "",  # line 1: blank before the header
        "id,name,sex,birth_date",  # line 2
        "C1,王小明,M,2024-01-31",  # line 3
        ",,,",  # line 4: a spreadsheet's empty row, skipped
        'C2,"李小红',  # lines 5–6: a quoted name over two lines
        '小名红红",F,2024-03-01',
        "C3,张三,M,2024-04-01",  # line 7
    )
    result = read_csv(data)
    assert result.header_line == 2
    assert [row.line for row in result.rows] == [3, 5, 7]
    assert result.rows[1].cells[1] == "李小红\r\n小名红红"


def test_an_unclosed_quote_fails_the_file_at_its_line() -> None:
    with pytest.raises(ImportFileError, match="quote") as raised:
        read_csv(csv_bytes("id,name", 'C1,"王小明', "C2,李小红"))
    assert raised.value.line == 2


def test_an_empty_file_has_no_header() -> None:
    with pytest.raises(ImportFileError, match="header"):
        read_csv(b"\xef\xbb\xbf\r\n\r\n")
