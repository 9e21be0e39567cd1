"""The columns of each registry file, and where a table has them.

Headers are matched after stripping spaces and BOMs, English ones case-insensitively;
the Chinese header of each column is accepted as the same column. Columns nobody asked
for are reported (their values are not imported); a missing required column, or one
given twice, is an error for the whole file.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping, Sequence
from typing import Final

import attrs

from yiyu.domain.child import (
    BIRTH_WEIGHT_MAX_G,
    BIRTH_WEIGHT_MIN_G,
    GA_MAX_WEEKS,
    GA_MIN_WEEKS,
    PHONE_MAX_DIGITS,
    PHONE_MIN_DIGITS,
)
from yiyu.domain.limits import ID_MAX, NAME_MAX
from yiyu.registry.errors import ImportFileError
from yiyu.registry.table import CsvHeader

__all__ = [
    "ATTRIBUTES",
    "CHILD_COLUMNS",
    "COLUMNS",
    "DAYCARE_COLUMNS",
    "EARLIEST_BIRTH_YEARS",
    "ENROLMENT_COLUMNS",
    "Column",
    "Layout",
    "layout_of",
]


class Personal(enum.Enum):
    """Personal data a rejected row shows masked."""

    RESIDENT_ID = "resident_id"
    PHONE = "phone"


@attrs.frozen(kw_only=True)
class Column:
    """A documented column: its English name, its Chinese header, whether required, and
    what a cell holds, in both languages, with an example (the import guide's tables and
    ``yiyu import … --template`` are made from these, so they cannot drift).

    Attributes:
        name: the English header (matched case-insensitively).
        zh: the Chinese header.
        required: a row with this cell empty is rejected; a file without the column fails.
        format, format_zh: what a cell holds.
        example: a cell as a registry would write it.
        personal: an identity number or a phone: a rejection shows the cell masked
            (:func:`~yiyu.domain.masking.mask_resident_id`,
            :func:`~yiyu.domain.masking.mask_phone`), never in full, since the report
            and the command's output may be mailed or kept.
    """

    name: str
    zh: str
    required: bool = False
    format: str = ""
    format_zh: str = ""
    example: str = ""
    personal: Personal | None = None


EARLIEST_BIRTH_YEARS: Final = 18
"""yiyu's default for the earliest birth date an import accepts: this many years before
the import's date. Not a rule of the standard (which serves children aged 0–6): wide
enough for anyone under age a registry lists, narrow enough to catch a mistyped year
(1900, or 2002 for 2020)."""

_DATE = "a date, YYYY-MM-DD"
_DATE_ZH = "日期，YYYY-MM-DD"
_TOWNSHIP = ("the township or street (镇街); created if not yet known", "镇街；未登记的自动新建")

CHILD_COLUMNS: Final = (
    Column(
        name="id", zh="编号", required=True, example="C0000001",
        format=f"the registry's id of the child, at most {ID_MAX} characters",
        format_zh=f"登记系统的儿童编号，最多 {ID_MAX} 个字符",
    ),
    Column(
        name="name", zh="姓名", required=True, example="陈子睿",
        format=f"at most {NAME_MAX} characters", format_zh=f"最多 {NAME_MAX} 个字符",
    ),
    Column(
        name="sex", zh="性别", required=True, example="男",
        format="M or F, 男 or 女, male or female", format_zh="M 或 F，男 或 女，male 或 female",
    ),
    Column(name="birth_date", zh="出生日期", required=True, example="2025-03-14",
           format=f"{_DATE}; not after the import's date, nor more than "
                  f"{EARLIEST_BIRTH_YEARS} years before it",
           format_zh=f"{_DATE_ZH}；不晚于导入日期，不早于导入日期前 {EARLIEST_BIRTH_YEARS} 年"),
    Column(
        name="gestational_weeks", zh="孕周", example="36+5",
        format=f"weeks, or weeks+days ({GA_MIN_WEEKS}–{GA_MAX_WEEKS} weeks)",
        format_zh=f"周数，或 周+天（{GA_MIN_WEEKS}～{GA_MAX_WEEKS} 周；全角＋亦可）",
    ),
    Column(
        name="birth_weight_g", zh="出生体重", example="3300",
        format=f"grams, a whole number ({BIRTH_WEIGHT_MIN_G}–{BIRTH_WEIGHT_MAX_G})",
        format_zh=f"克，整数（{BIRTH_WEIGHT_MIN_G}～{BIRTH_WEIGHT_MAX_G}）",
    ),
    Column(name="discharge_date", zh="出院日期", example="2025-03-17",
           format=f"{_DATE}; empty for a home birth", format_zh=f"{_DATE_ZH}；在家出生的留空"),
    Column(
        name="resident_id", zh="身份证号", example="330102202503140014",
        personal=Personal.RESIDENT_ID,
        format="18 characters, checked against GB 11643: the birth date, the sex digit "
               "(odd for a boy) and the check digit must agree with the row",
        format_zh="18 位，按 GB 11643 校验：出生日期、性别位（男单女双）与校验码须与本行一致",
    ),
    Column(name="township", zh="镇街", example="城关街道",
           format=_TOWNSHIP[0], format_zh=_TOWNSHIP[1]),
    Column(name="family_doctor", zh="签约医生", example="FD-城关街道-1",
           format="the contracted family doctor's id", format_zh="签约家庭医生的编号"),
    Column(
        name="categories", zh="类别", example="早产；孤儿:2025-06-01",
        format="entries separated by ; (see the category syntax below)",
        format_zh="以 ; 或 ；分隔（写法见下文“类别”）",
    ),
    Column(name="registered_on", zh="登记日期", example="2025-03-20",
           format=f"{_DATE}: when the child was registered (a late one gets catch-up visits)",
           format_zh=f"{_DATE_ZH}：建档日期（晚建档的儿童补做仍有用的检查）"),
    Column(
        name="guardian_name", zh="家长姓名", example="陈建国",
        format=f"the parent or guardian printed on the records, at most {NAME_MAX} characters",
        format_zh=f"打印在记录表上的家长（监护人）姓名，最多 {NAME_MAX} 个字符",
    ),
    Column(
        name="guardian_phone", zh="联系电话", example="13800138000", personal=Personal.PHONE,
        format=f"{PHONE_MIN_DIGITS}–{PHONE_MAX_DIGITS} digits, with optional +, spaces, "
               "hyphens and brackets; printed masked",
        format_zh=f"{PHONE_MIN_DIGITS}～{PHONE_MAX_DIGITS} 位数字，可带 +、空格、连字符和括号；"
                  "打印时部分隐藏",
    ),
)  # fmt: skip
DAYCARE_COLUMNS: Final = (
    Column(name="id", zh="编号", required=True, example="D01",
           format=f"the registry's id of the daycare, at most {ID_MAX} characters",
           format_zh=f"登记系统的机构编号，最多 {ID_MAX} 个字符"),
    Column(name="name", zh="名称", required=True, example="城关街道阳光托育园",
           format=f"at most {NAME_MAX} characters", format_zh=f"最多 {NAME_MAX} 个字符"),
    Column(name="township", zh="镇街", example="城关街道",
           format=_TOWNSHIP[0], format_zh=_TOWNSHIP[1]),
    Column(name="capacity", zh="托位数", example="60",
           format="places, a whole number, at least 1", format_zh="托位数，整数，至少 1"),
    Column(name="health_instructor", zh="健康指导员", example="HI-01",
           format="the assigned health instructor's id", format_zh="负责的健康指导员编号"),
    Column(name="opened_on", zh="开办日期", required=True, example="2024-09-01",
           format=_DATE, format_zh=_DATE_ZH),
    Column(name="closed_on", zh="停办日期", example="",
           format=f"{_DATE}; empty while open", format_zh=f"{_DATE_ZH}；仍在开办的留空"),
)  # fmt: skip
ENROLMENT_COLUMNS: Final = (
    Column(name="child_id", zh="儿童编号", required=True, example="C0000001",
           format="a child stored or in an earlier children import",
           format_zh="已导入的儿童编号"),
    Column(name="daycare_id", zh="机构编号", required=True, example="D01",
           format="a daycare stored or in an earlier daycares import",
           format_zh="已导入的托育机构编号"),
    Column(name="start", zh="入托日期", required=True, example="2026-03-01",
           format=f"{_DATE}; not before the child's birth",
           format_zh=f"{_DATE_ZH}；不早于出生日期"),
    Column(name="end", zh="离托日期", example="",
           format=f"{_DATE}; empty while enrolled", format_zh=f"{_DATE_ZH}；仍在托的留空"),
)  # fmt: skip

COLUMNS: Final[Mapping[str, tuple[Column, ...]]] = {
    "children": CHILD_COLUMNS,
    "daycares": DAYCARE_COLUMNS,
    "enrolments": ENROLMENT_COLUMNS,
}
"""Each kind of registry file (``yiyu import KIND``) and its columns, in file order."""

# Where a value's attribute is not named as its column.
ATTRIBUTES: Final = {"gestational_weeks": "gestational_age"}


@attrs.frozen(kw_only=True)
class Layout:
    """Where each known column is in a table, and what the table has besides."""

    index: Mapping[str, int]  # column name → cell index
    header: Mapping[str, str]  # column name → header as written
    unknown: Mapping[int, str]  # cell index → header as written, of the unknown columns
    nameless: tuple[int, ...]  # cell indexes of the header cells without a name
    named_width: int  # cells up to the last named header: fewer is a truncated line
    width: int  # every header cell, named or not (spreadsheets pad): more is overlong
    personal: Mapping[str, Personal] = attrs.field(factory=dict)  # column → how it is masked

    def unknown_columns(self, written_nameless: Collection[int] = ()) -> tuple[str, ...]:
        """The unknown columns in file order: the named ones, and the nameless ones that
        someone wrote in (``written_nameless``; the others are spreadsheet padding)."""
        found = dict(self.unknown)
        found.update((p, f"(column {p + 1})") for p in self.nameless if p in written_nameless)
        return tuple(found[position] for position in sorted(found))


def layout_of(table: CsvHeader, columns: Sequence[Column]) -> Layout:
    """Where a file with this header has each of ``columns``, and which of its headers
    are unknown.

    Raises:
        ImportFileError: if a required column is missing or a column is given twice.
    """
    by_key: dict[str, Column] = {}
    for known in columns:
        by_key[known.name.casefold()] = known
        by_key[known.zh.casefold()] = known
    index: dict[str, int] = {}
    header: dict[str, str] = {}
    unknown: dict[int, str] = {}
    nameless: list[int] = []
    for position, name in enumerate(table.headers):
        if not name:
            # Spreadsheet padding unless someone wrote in it: the rows will tell.
            nameless.append(position)
            continue
        column = by_key.get(name.casefold())
        if column is None:
            unknown[position] = name
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
        unknown=unknown,
        nameless=tuple(nameless),
        named_width=max(named) + 1,
        width=len(table.headers),
        personal={c.name: c.personal for c in columns if c.personal is not None},
    )
