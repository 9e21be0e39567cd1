"""A registry file's encoding: UTF-8 or GB18030 for the whole file, refused when mixed (#4)."""

from __future__ import annotations

from typing import Any

import pytest

from registry.csvfiles import ZH_HEADER, children_lines, csv_bytes, mixed_file
from yiyu.registry import ImportFileError, read_csv, scan_file
from yiyu.registry.encoding import physical_lines


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda text: text.encode("utf-8"), "utf-8"),
        (lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"), "utf-8-sig"),
        (lambda text: text.encode("gb18030"), "gb18030"),
    ],
)
def test_the_encoding_is_detected_and_reported(encode: Any, encoding: str) -> None:
    text = "\r\n".join(children_lines(ZH_HEADER)) + "\r\n"
    result = read_csv(encode(text))
    assert result.encoding == encoding
    assert result.headers[0] == "编号"  # no BOM left on the first header
    assert result.headers == tuple(ZH_HEADER.split(","))
    assert [row.line for row in result.rows] == [2, 3]
    assert result.rows[0].cells[1] == "王小明"
    assert result.rows[1].cells[8] == "城西镇"


def test_a_utf8_line_in_a_gb18030_file_is_refused_at_its_line() -> None:
    data = mixed_file(
        (ZH_HEADER, "gb18030"),
        ("C1,王小明,男,2024-01-31,,,,,城东街道,,", "gb18030"),
        ("C2,张三,F,2024-03-01,,,,,城关街道,,", "utf-8"),
        ("C3,李小红,女,2024-03-01,,,,,城西镇,,", "gb18030"),
    )
    assert "C2,寮犱笁,F" in data.decode("gb18030")  # no error, only nonsense
    with pytest.raises(ImportFileError, match="mixes encodings") as raised:
        read_csv(data)
    assert raised.value.line == 3
    assert "line 1 is GB18030" in str(raised.value)
    assert "张三" in str(raised.value)  # how the line reads in UTF-8


def test_a_utf8_bom_promises_utf8_for_every_line() -> None:
    data = b"\xef\xbb\xbf" + mixed_file(
        ("id,name,sex,birth_date", "ascii"),
        ("C1,Wang,M,2024-01-31", "ascii"),
        ("C2,李小红,F,2024-03-01", "gb18030"),
    )
    with pytest.raises(ImportFileError, match="BOM") as raised:
        read_csv(data)
    assert raised.value.line == 3


def test_a_gb18030_line_that_happens_to_be_valid_utf8_is_not_taken_for_utf8() -> None:
    # 女 in GB18030 is C5 AE, which is also UTF-8 (for Ů): such a line is no sign of
    # UTF-8 text, and a GB18030 file holding it is read as GB18030.
    assert "C2,Li,女,2024-03-01".encode("gb18030").decode("utf-8") == "C2,Li,Ů,2024-03-01"
    data = mixed_file(
        ("编号,姓名,性别,出生日期", "gb18030"),
        ("C1,王小明,男,2024-01-31", "gb18030"),
        ("C2,Li,女,2024-03-01", "gb18030"),
    )
    parsed = read_csv(data)
    assert parsed.encoding == "gb18030"
    assert parsed.rows[1].cells == ("C2", "Li", "女", "2024-03-01")


def test_bytes_valid_in_neither_encoding_are_refused() -> None:
    data = "编号,姓名\r\n".encode() + b"C1,\xff\xfe\x00\x81\r\n"
    with pytest.raises(ImportFileError, match=r"neither UTF-8 .* nor GB18030") as raised:
        read_csv(data)
    assert "0xff" in str(raised.value)
    assert raised.value.line == 2


def test_a_utf16_file_is_named_and_refused() -> None:
    with pytest.raises(ImportFileError, match="UTF-16"):
        read_csv("编号,姓名\r\n".encode("utf-16"))


def test_a_utf8_line_that_is_not_gb18030_in_a_gb18030_file_is_refused_at_its_line() -> None:
    # é’ is UTF-8 but not Chinese text, so no sign of a UTF-8 file; nor is it GB18030.
    # Decoding the file as GB18030 failed with a bare UnicodeDecodeError.
    data = mixed_file(
        ("编号,姓名,性别,出生日期", "gb18030"),
        ("C1,Dé’,M,2024-01-31", "utf-8"),
        ("C2,李小红,女,2024-03-01", "gb18030"),
    )
    with pytest.raises(ImportFileError, match="mixes encodings") as raised:
        read_csv(data)
    assert raised.value.line == 2
    assert "line 1 is GB18030" in str(raised.value)


FILES = {
    "utf-8": "\r\n".join(children_lines(ZH_HEADER)).encode("utf-8") + b"\r\n",
    "utf-8-sig": b"\xef\xbb\xbf" + "\n".join(children_lines(ZH_HEADER)).encode("utf-8"),
    "gb18030, CR line ends": "\r".join(children_lines(ZH_HEADER)).encode("gb18030"),
    "mixed": mixed_file(
        (ZH_HEADER, "gb18030"),
        ("C1,王小明,男,2024-01-31,,,,,城东街道,,", "gb18030"),
        ("C2,张三,F,2024-03-01,,,,,城关街道,,", "utf-8"),
    ),
    "NUL": csv_bytes("编号,姓名", "C1,王\x00小明"),
}


def _outcome(chunks: Any) -> Any:
    try:
        return scan_file(chunks)
    except ImportFileError as error:
        return (error.line, str(error))


@pytest.mark.parametrize("name", FILES)
def test_the_encoding_does_not_depend_on_where_the_chunks_fall(name: str) -> None:
    # The import reads a file in chunks: a chunk may end inside a CR LF or a character.
    data = FILES[name]
    whole = _outcome([data])
    for size in (1, 2, 3, 5, 8):
        chunks = [data[start : start + size] for start in range(0, len(data), size)]
        assert _outcome(chunks) == whole, size
    for cut in range(len(data)):
        assert _outcome([data[:cut], data[cut:]]) == whole, cut


def test_physical_lines_are_the_csv_reader_s() -> None:
    data = b"a\r\nb\rc\nd\r\r\ne"
    expected = [b"a\r\n", b"b\r", b"c\n", b"d\r", b"\r\n", b"e"]
    assert list(physical_lines([data])) == expected
    assert list(physical_lines([bytes([b]) for b in data])) == expected
