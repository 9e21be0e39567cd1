"""Registry files for tests: CSV bytes as a spreadsheet writes them, and their tables."""

from __future__ import annotations

from yiyu.domain.ids import check_character
from yiyu.registry import CsvTable, RejectedRow, read_csv

EN_HEADER = (
    "id,name,sex,birth_date,gestational_weeks,birth_weight_g,discharge_date,resident_id,"
    "township,family_doctor,categories"
)
ZH_HEADER = "编号,姓名,性别,出生日期,孕周,出生体重,出院日期,身份证号,镇街,签约医生,类别"


def resident_id(birth: str, sequence: str = "001") -> str:
    body = "330102" + birth.replace("-", "") + sequence
    return body + check_character(body)


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    # Spreadsheets end lines with CRLF; the reader must count them as one line each.
    return "".join(line + "\r\n" for line in lines).encode(encoding)


def mixed_file(*parts: tuple[str, str]) -> bytes:
    """Lines each encoded on its own, as when two exports are pasted into one file."""
    return b"".join((line + "\r\n").encode(encoding) for line, encoding in parts)


def children_lines(header: str = EN_HEADER) -> tuple[str, ...]:
    return (
        header,
        f"C1,王小明,男,2024-01-31,36+5,2450,2024-02-03,{resident_id('2024-01-31')},城东街道,"
        "DR1,早产;低出生体重",
        "C2,李小红,女,2024-03-01,39,3200,,,城西镇,DR2,",
    )


def table(*lines: str) -> CsvTable:
    return read_csv(csv_bytes(*lines))


def shape(rejected: tuple[RejectedRow, ...]) -> list[tuple[int, str, str]]:
    return [(r.line, r.field, r.value) for r in rejected]
