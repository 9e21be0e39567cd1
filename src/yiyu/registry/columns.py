"""The columns of each registry file, and where a table has them.

Headers are matched after stripping spaces and BOMs, English ones case-insensitively;
the Chinese header of each column is accepted as the same column. Columns nobody asked
for are reported (their values are not imported); a missing required column, or one
given twice, is an error for the whole file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import attrs

from yiyu.registry.errors import ImportFileError
from yiyu.registry.table import CsvTable

__all__ = [
    "ATTRIBUTES",
    "CHILD_COLUMNS",
    "DAYCARE_COLUMNS",
    "ENROLMENT_COLUMNS",
    "Column",
    "Layout",
    "layout_of",
]


@attrs.frozen(kw_only=True)
class Column:
    """A documented column: its English name, its Chinese header, whether required."""

    name: str
    zh: str
    required: bool = False


CHILD_COLUMNS: Final = (
    Column(name="id", zh="编号", required=True),
    Column(name="name", zh="姓名", required=True),
    Column(name="sex", zh="性别", required=True),
    Column(name="birth_date", zh="出生日期", required=True),
    Column(name="gestational_weeks", zh="孕周"),
    Column(name="birth_weight_g", zh="出生体重"),
    Column(name="discharge_date", zh="出院日期"),
    Column(name="resident_id", zh="身份证号"),
    Column(name="township", zh="镇街"),
    Column(name="family_doctor", zh="签约医生"),
    Column(name="categories", zh="类别"),
    Column(name="registered_on", zh="登记日期"),
)
DAYCARE_COLUMNS: Final = (
    Column(name="id", zh="编号", required=True),
    Column(name="name", zh="名称", required=True),
    Column(name="township", zh="镇街"),
    Column(name="capacity", zh="托位数"),
    Column(name="health_instructor", zh="健康指导员"),
    Column(name="opened_on", zh="开办日期", required=True),
    Column(name="closed_on", zh="停办日期"),
)
ENROLMENT_COLUMNS: Final = (
    Column(name="child_id", zh="儿童编号", required=True),
    Column(name="daycare_id", zh="机构编号", required=True),
    Column(name="start", zh="入托日期", required=True),
    Column(name="end", zh="离托日期"),
)

# Where a value's attribute is not named as its column.
ATTRIBUTES: Final = {"gestational_weeks": "gestational_age"}


@attrs.frozen(kw_only=True)
class Layout:
    """Where each known column is in a table, and what the table has besides."""

    index: Mapping[str, int]  # column name → cell index
    header: Mapping[str, str]  # column name → header as written
    unknown: tuple[str, ...]
    named_width: int  # cells up to the last named header: fewer is a truncated line
    width: int  # every header cell, named or not (spreadsheets pad): more is overlong


def layout_of(table: CsvTable, columns: Sequence[Column]) -> Layout:
    """Where ``table`` has each of ``columns``, and which of its headers are unknown.

    Raises:
        ImportFileError: if a required column is missing or a column is given twice.
    """
    by_key: dict[str, Column] = {}
    for known in columns:
        by_key[known.name.casefold()] = known
        by_key[known.zh.casefold()] = known
    index: dict[str, int] = {}
    header: dict[str, str] = {}
    unknown: list[str] = []
    for position, name in enumerate(table.headers):
        if not name:
            # A nameless column is spreadsheet padding unless someone wrote in it.
            if any(position < len(row.cells) and row.cells[position].strip() for row in table.rows):
                unknown.append(f"(column {position + 1})")
            continue
        column = by_key.get(name.casefold())
        if column is None:
            unknown.append(name)
        elif column.name in index:
            raise ImportFileError(
                f"the column {column.name} ({column.zh}) is given twice: "
                f"{header[column.name]!r} (column {index[column.name] + 1}) and {name!r} "
                f"(column {position + 1})",
                line=table.header_line,
            )
        else:
            index[column.name] = position
            header[column.name] = name
    missing = [f"{c.name} ({c.zh})" for c in columns if c.required and c.name not in index]
    if missing:
        found = ", ".join(repr(name) for name in table.headers)
        raise ImportFileError(
            f"required columns missing: {', '.join(missing)}; the header has {found}",
            line=table.header_line,
        )
    named = [position for position, name in enumerate(table.headers) if name]
    return Layout(
        index=index,
        header=header,
        unknown=tuple(unknown),
        named_width=max(named) + 1,
        width=len(table.headers),
    )
