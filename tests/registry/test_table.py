"""A registry file as a table: physical lines, quotes, blank lines, its header (#4)."""

from __future__ import annotations

import pytest

from registry.csvfiles import csv_bytes
from yiyu.registry import ImportFileError, read_csv, read_records, scan_file


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


def test_records_read_in_chunks_are_the_table_s_rows() -> None:
    data = csv_bytes(
        "",
        "id,name,sex,birth_date",
        "C1,王小明,M,2024-01-31",
        ",,,",
        'C2,"李小红',
        '小名红红",F,2024-03-01',
        "C3,张三,M,2024-04-01",
        encoding="gb18030",
    )
    table = read_csv(data)
    for size in (1, 2, 3, 7):
        chunks = [data[start : start + size] for start in range(0, len(data), size)]
        header, records = read_records(chunks, scan_file(chunks))
        assert header == table.header
        assert tuple(records) == table.rows


def test_a_malformed_quote_is_found_when_the_records_reach_it() -> None:
    data = csv_bytes("id,name", "C1,王小明", 'C2,"李小红', "C3,张三")
    header, records = read_records([data], scan_file([data]))
    assert header.headers == ("id", "name")
    assert next(records).line == 2
    with pytest.raises(ImportFileError, match="quote") as raised:
        next(records)
    assert raised.value.line == 3
