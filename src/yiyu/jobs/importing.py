"""Import children, daycares and enrolments from the registries' CSV exports.

Parsing is pure and separate from I/O: :func:`read_csv` turns bytes into a
:class:`CsvTable`; :func:`parse_children`, :func:`parse_daycares` and
:func:`parse_enrolments` turn a table into values and rejected rows. The
``import_*`` functions add the store: they read the file, parse it against what is
stored, write the report of rejected rows and save the good rows in one transaction,
recording the run.

Files
    CSV, comma-separated, in UTF-8 (with or without BOM) or GB18030, the encoding
    Chinese spreadsheet programs export. The whole file is in one encoding: a file that
    decodes as UTF-8 is UTF-8; otherwise it is GB18030, unless a line of it reads as
    Chinese text in UTF-8 (or it starts with a UTF-8 BOM): such a file mixes encodings
    (two exports pasted together) and is refused at the first line that disagrees with
    an earlier one, since UTF-8 text usually decodes as GB18030 too, garbled. A line that
    is neither is refused at its line (:class:`ImportFileError`). The encoding used is
    reported.

    The first non-blank line is the header. Headers are matched after stripping spaces
    and BOMs, English ones case-insensitively; the Chinese header of each column is
    accepted as the same column. Columns nobody asked for are listed in
    :attr:`Parsed.unknown_columns` (their values are not imported); a missing required
    column is an error for the whole file. Blank lines (every cell empty) are skipped.

Children (儿童)
    Required: ``id`` 编号, ``name`` 姓名, ``sex`` 性别 (``M``/``F`` or ``男``/``女``),
    ``birth_date`` 出生日期 (``YYYY-MM-DD``). Optional: ``gestational_weeks`` 孕周
    (``36`` or ``36+5``), ``birth_weight_g`` 出生体重 (grams, a whole number),
    ``discharge_date`` 出院日期, ``resident_id`` 身份证号 (checked against GB 11643),
    ``township`` 镇街 (created if not yet known), ``family_doctor`` 签约医生,
    ``categories`` 类别 (entries separated by ``;`` or ``；``), ``registered_on``
    登记日期. Dates are ``YYYY-MM-DD``.

    A category entry is a kind in English or Chinese (``orphan``, ``孤儿``), optionally
    with dates: ``kind:YYYY-MM-DD`` (from that day) or ``kind:YYYY-MM-DD~YYYY-MM-DD``
    (from the first day to the last, inclusive; ``kind:~YYYY-MM-DD`` ends a category
    held since birth). Full-width ``：`` and ``～`` are accepted.

    A birth date after the import's date (``as_of``, by default today in Asia/Shanghai)
    or before the earliest accepted (``earliest_birth``, by default
    :data:`EARLIEST_BIRTH_YEARS` years before ``as_of``, a yiyu default) rejects the
    row: such a date is a typing error, and planning it would owe visits that cannot
    happen ("missed" ones back to 1901 for a child born in 1900).

Daycares (托育机构)
    ``id`` 编号, ``name`` 名称, ``opened_on`` 开办日期 (required); ``township`` 镇街,
    ``capacity`` 托位数, ``health_instructor`` 健康指导员, ``closed_on`` 停办日期.

Enrolments (入托)
    ``child_id`` 儿童编号, ``daycare_id`` 机构编号, ``start`` 入托日期 (required);
    ``end`` 离托日期. An enrolment is identified by its child, daycare and start.

Updating what is stored
    The file is the registry's truth for the columns it has, and only for those: an
    empty cell clears the field, a column the file does not have leaves the stored
    field as it is. Facts no registry file carries are always kept from the stored
    value: a child's cases, referrals, life events and enrolments, a daycare's
    corrections. Categories: a bare kind means "the child is in this category"; when
    the store already holds dated periods of that kind they are kept, otherwise the
    category holds since birth. A kind given with dates replaces the stored periods of
    that kind (keeping a stored period's reason when its start is the same). A kind the
    column no longer lists is removed (to end a category, give its end date instead).
    Every update writes an audit entry naming the fields that changed.

Rejected rows
    A row is rejected, with its line (the physical line of the file where the record
    starts, the header being line 1 in a file without leading blank lines), the field
    (the column's header as written in the file), the cell's value and the reason,
    when: a cell breaks a rule of the domain value (dates, identity numbers, ranges, …);
    a required cell is empty; the line has fewer cells than the header (cut short) or
    more (an unquoted comma); its id was already given on an earlier line (the later
    row is rejected, naming the first line, even if that first row was itself rejected:
    the file says two things about one subject and only a person can say which is
    right); an enrolment's child or daycare exists neither in the store nor earlier in
    the same import. One reason is given per row: the first problem found. Empty cells
    a spreadsheet pads a line with under header cells that have no name are not extra.

    A quote that is not closed or is misplaced fails the whole file (at its line): the
    cells after it cannot be told apart.

Report
    With ``report_path``, the rejected rows are written as CSV (``line, field, value,
    reason``) in UTF-8 with a BOM, which Excel needs to read UTF-8. It is written even
    when no row is rejected, so an old report is not taken for the new one. A cell that
    a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab
    or a carriage return) is prefixed with ``'`` (:mod:`yiyu.jobs.csvfile`).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Generic, TypeVar

import attrs
import pendulum

from yiyu.dates import local_today, to_date
from yiyu.domain import Category, CategoryKind, Child, Daycare, Enrolment
from yiyu.errors import ValidationError, YiyuError
from yiyu.jobs.csvfile import write_csv_file
from yiyu.store.api import Repository, SaveCounts

__all__ = [
    "CHILD_COLUMNS",
    "DAYCARE_COLUMNS",
    "EARLIEST_BIRTH_YEARS",
    "ENROLMENT_COLUMNS",
    "Column",
    "CsvRow",
    "CsvTable",
    "ImportFileError",
    "ImportResult",
    "Parsed",
    "RejectedRow",
    "import_children",
    "import_daycares",
    "import_enrolments",
    "parse_children",
    "parse_daycares",
    "parse_enrolments",
    "read_csv",
    "write_report",
]

T = TypeVar("T")

UTF8: Final = "utf-8"
UTF8_BOM: Final = "utf-8-sig"
GB18030: Final = "gb18030"
REPORT_COLUMNS: Final = ("line", "field", "value", "reason")
EARLIEST_BIRTH_YEARS: Final = 18
"""yiyu's default for the earliest birth date an import accepts: this many years before
the import's date. Not a rule of the standard (which serves children aged 0–6): wide
enough for anyone under age a registry lists, narrow enough to catch a mistyped year
(1900, or 2002 for 2020)."""

_BOM: Final = "\ufeff"
_WHOLE: Final = re.compile(r"^\d+(?:\.0*)?$")  # spreadsheets write 3200 as 3200.0 at times
_CATEGORY_SEPARATORS: Final = re.compile(r"[;；]")


class ImportFileError(YiyuError, ValueError):
    """A file cannot be imported at all: its encoding, its CSV structure or its header.

    Attributes:
        problem: what is wrong, in plain words.
        line: the line concerned, if one is.
    """

    def __init__(self, problem: str, *, line: int | None = None) -> None:
        self.problem = problem
        self.line = line
        super().__init__(problem if line is None else f"line {line}: {problem}")


@attrs.frozen(kw_only=True)
class CsvRow:
    """One record of a CSV file: the line it starts on and its cells, as written."""

    line: int
    cells: tuple[str, ...]


@attrs.frozen(kw_only=True)
class CsvTable:
    """A decoded CSV file.

    Attributes:
        encoding: ``utf-8``, ``utf-8-sig`` (UTF-8 with a BOM) or ``gb18030``.
        headers: the header cells, stripped of spaces and BOMs, in file order.
        header_line: the line the header is on.
        rows: the non-blank records after the header.
    """

    encoding: str
    headers: tuple[str, ...]
    header_line: int
    rows: tuple[CsvRow, ...]


@attrs.frozen(kw_only=True)
class RejectedRow:
    """A row that was not imported, and why.

    Attributes:
        line: the physical line of the file the record starts on (header = line 1).
        field: the column's header as the file writes it (or a field of the value
            when the problem is not one column's, such as a stored case that a new
            birth date would put before birth).
        value: the cell as written.
        reason: what is wrong, in plain words.
    """

    line: int
    field: str
    value: str
    reason: str


@attrs.frozen(kw_only=True)
class Parsed(Generic[T]):
    """What a file's rows became: values to save, rows rejected, columns not known."""

    values: tuple[T, ...] = ()
    rejected: tuple[RejectedRow, ...] = ()
    unknown_columns: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class ImportResult:
    """What an import did.

    Attributes:
        kind: ``children``, ``daycares`` or ``enrolments``.
        encoding: the file's encoding, as :attr:`CsvTable.encoding`.
        rows_read: the non-blank records after the header.
        imported: what the save did with the good rows.
        rejected: the rows not imported, in file order.
        unknown_columns: headers not known for this kind of file (not imported).
        townships_created: townships the file named that the store did not know.
        report_path: where the report of rejected rows was written, if asked.
    """

    kind: str
    encoding: str
    rows_read: int
    imported: SaveCounts
    rejected: tuple[RejectedRow, ...] = ()
    unknown_columns: tuple[str, ...] = ()
    townships_created: tuple[str, ...] = ()
    report_path: Path | None = None

    @property
    def partial(self) -> bool:
        """Some rows were rejected (the command line exits with 3)."""
        return bool(self.rejected)


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
_ATTRIBUTES: Final = {"gestational_weeks": "gestational_age"}


# --- reading ----------------------------------------------------------------------------


# Physical lines as the csv reader counts them (io newline=""). Neither encoding has
# CR or LF inside a multi-byte character (GB18030's second and fourth bytes are 0x30
# and up), so splitting the bytes is splitting the text.
_LINE_ENDS: Final = re.compile(rb"\r\n|\r|\n")
# What Chinese UTF-8 text is made of beyond ASCII: ideographs (with the rare ones in
# extension planes), CJK and full-width punctuation, “”—…, the middle dot of minority
# names (阿依古丽·买买提) and a BOM. GB18030 bytes that happen to be valid UTF-8 read as
# Latin, Greek or Cyrillic letters (女, C5 AE, is UTF-8 for Ů) and almost never as these
# alone, so only a line made of these is taken as evidence of UTF-8.
_NOT_CHINESE_TEXT: Final = re.compile(
    "[^\x00-\x7f\u00b7\u2000-\u206f\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\ufe30-\ufe4f\ufeff\uff00-\uffef\U00020000-\U0003ffff]"
)
_NON_ASCII: Final = re.compile("[^\x00-\x7f]")


def _not_utf8(line: bytes) -> str | None:
    """Why the line is not UTF-8 (its first bad byte), or ``None`` if it is."""
    try:
        line.decode(UTF8)
    except UnicodeDecodeError as error:
        return f"byte 0x{line[error.start]:02x} at byte {error.start + 1} of the line"
    return None


def _reads_as_chinese(text: str) -> bool:
    return _NON_ASCII.search(text) is not None and _NOT_CHINESE_TEXT.search(text) is None


def _check_one_encoding(data: bytes) -> None:
    """Refuse a file that is not UTF-8 throughout but has lines that are.

    Called when the file does not decode as UTF-8. A line of UTF-8 Chinese text is
    usually valid GB18030 too (as mojibake: 城东街道 reads 鍩庝笢琛楅亾), so decoding the
    whole file as GB18030 would import it garbled without a word. The file is GB18030
    only if no line reads as Chinese text in UTF-8 (ASCII lines are both); otherwise it
    mixes encodings and is refused at the first line that disagrees with an earlier one.
    A UTF-8 BOM promises UTF-8 for every line.
    """
    bom = data.startswith(b"\xef\xbb\xbf")
    utf8_line: int | None = 1 if bom else None
    gb_line: tuple[int, str] | None = None  # the first line that is not UTF-8, and why
    for number, line in enumerate(_LINE_ENDS.split(data), 1):
        if line.isascii():
            continue
        problem = _not_utf8(line)
        if problem is None:
            text = line.decode(UTF8)
            if not _reads_as_chinese(text):
                continue
            if gb_line is not None:
                raise ImportFileError(
                    f"the file mixes encodings: line {gb_line[0]} is GB18030 ({gb_line[1]} "
                    f"is not UTF-8), but this line is UTF-8 (it reads {text[:40]!r} as "
                    "UTF-8): save the whole file in one encoding, UTF-8",
                    line=number,
                )
            utf8_line = utf8_line or number
            continue
        try:
            line.decode(GB18030)
        except UnicodeDecodeError as error:
            raise ImportFileError(
                f"this line is neither UTF-8 ({problem}) nor GB18030 (byte "
                f"0x{line[error.start]:02x} at byte {error.start + 1}): save the file as "
                "CSV in UTF-8",
                line=number,
            ) from None
        if utf8_line is not None:
            said = "the file starts with a UTF-8 BOM" if bom else f"line {utf8_line} is UTF-8"
            raise ImportFileError(
                f"the file mixes encodings: {said}, but this line is not UTF-8 ({problem}; "
                "it may be GB18030): save the whole file in one encoding, UTF-8",
                line=number,
            )
        gb_line = gb_line or (number, problem)


def _decode(data: bytes) -> tuple[str, str]:
    # UTF-16 is what Excel's "Unicode text" writes; GB18030 would decode much of it
    # into nonsense rather than fail, so it is named and refused before guessing.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            "the file is UTF-16 (a BOM FF FE or FE FF): save it as CSV in UTF-8 or GB18030"
        )
    try:
        return data.decode(UTF8_BOM), UTF8_BOM if data.startswith(b"\xef\xbb\xbf") else UTF8
    except UnicodeDecodeError:
        # Line by line, so that the line at fault is named.
        _check_one_encoding(data)
        return data.decode(GB18030), GB18030


def _header_name(cell: str) -> str:
    # A BOM can survive decoding (a GB18030 BOM, a file saved twice with one); it and
    # the spaces around it are not part of the name.
    return cell.replace(_BOM, "").strip()


def read_csv(data: bytes) -> CsvTable:
    """Decode a CSV file and split it into a header and records with their lines.

    Args:
        data: the file's bytes.

    Returns:
        The table: its encoding, its header and its non-blank records, each with the
        physical line it starts on (a quoted cell may span lines).

    Raises:
        ImportFileError: if the file is neither UTF-8 nor GB18030 or mixes them (at
            the first line that disagrees with an earlier one), contains NUL
            characters (not a text file), has a malformed quote, or has no header.
    """
    text, encoding = _decode(data)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ImportFileError(
            "the file contains NUL characters: it is not a CSV text file", line=line
        )
    # newline="" leaves line ends to the csv module, so quoted cells keep theirs and
    # line_num counts physical lines; strict turns a stray quote into an error instead
    # of silently swallowing the rest of the file into one cell.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: tuple[str, ...] | None = None
    header_line = 0
    rows: list[CsvRow] = []
    consumed = 0
    while True:
        start = consumed + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise ImportFileError(
                f"malformed CSV ({error}): a quote is not closed or is misplaced", line=start
            ) from None
        consumed = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = tuple(_header_name(cell) for cell in cells)
            header_line = start
        else:
            rows.append(CsvRow(line=start, cells=tuple(cells)))
    if header is None:
        raise ImportFileError("the file is empty: a header line is required")
    return CsvTable(encoding=encoding, headers=header, header_line=header_line, rows=tuple(rows))


# --- parsing ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Layout:
    """Where each known column is in a table, and what the table has besides."""

    index: Mapping[str, int]  # column name → cell index
    header: Mapping[str, str]  # column name → header as written
    unknown: tuple[str, ...]
    named_width: int  # cells up to the last named header: fewer is a truncated line
    width: int  # every header cell, named or not (spreadsheets pad): more is overlong


def _layout(table: CsvTable, columns: Sequence[Column]) -> _Layout:
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
    return _Layout(
        index=index,
        header=header,
        unknown=tuple(unknown),
        named_width=max(named) + 1,
        width=len(table.headers),
    )


class _RejectError(Exception):
    """A row is rejected: raised inside a row's parsing, caught by the row loop."""

    def __init__(self, field: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.value = value
        self.reason = reason


@attrs.frozen(kw_only=True)
class _Row:
    """A record's cells by column name, stripped, with what is needed to report it."""

    line: int
    cells: Mapping[str, str]
    layout: _Layout

    def has(self, name: str) -> bool:
        return name in self.cells

    def get(self, name: str) -> str:
        return self.cells.get(name, "")

    def header(self, name: str) -> str:
        return self.layout.header.get(name, name)

    def required(self, name: str) -> str:
        value = self.get(name)
        if not value:
            raise _RejectError(self.header(name), "", "required: the cell is empty")
        return value

    def reject(self, name: str, reason: str) -> _RejectError:
        return _RejectError(self.header(name), self.get(name), reason)


def _cells(record: CsvRow, layout: _Layout) -> _Row:
    """The record's known cells, stripped; those a short line lacks are left out."""
    cells = record.cells
    return _Row(
        line=record.line,
        cells={
            name: cells[position].strip()
            for name, position in layout.index.items()
            if position < len(cells)
        },
        layout=layout,
    )


def _check_shape(record: CsvRow, layout: _Layout) -> None:
    """Reject a line cut short or one with more cells than the header."""
    count = len(record.cells)
    if count < layout.named_width:
        lacking = sorted(
            (position, name) for name, position in layout.index.items() if position >= count
        )
        field = layout.header[lacking[0][1]] if lacking else f"(column {count + 1})"
        raise _RejectError(
            field,
            "",
            f"the line has {count} cells, the header {layout.named_width}: it is cut short",
        )
    if count > layout.width:
        raise _RejectError(
            f"(column {layout.width + 1})",
            ",".join(record.cells[layout.width :]),
            f"the line has {count} cells, the header {layout.width}: "
            "a value with a comma must be in quotes",
        )


def _from_validation(
    row: _Row, error: ValidationError, attributes: Mapping[str, str] | None = None
) -> _RejectError:
    """A domain error as a rejection naming the file's column and the cell as written."""
    attributes = attributes or {}
    root = re.split(r"[.\[]", error.field, maxsplit=1)[0]
    column = next((c for c, a in attributes.items() if a == root), root)
    if row.has(column):
        reason = error.rule if error.field == root else f"{error.field}: {error.rule}"
        return _RejectError(row.header(column), row.get(column), reason)
    value = error.value.isoformat() if hasattr(error.value, "isoformat") else error.value
    return _RejectError(error.field, "" if value is None else str(value), error.rule)


def _whole_number(row: _Row, name: str, what: str) -> int | None:
    value = row.get(name)
    if not value:
        return None
    if not _WHOLE.match(value):
        raise row.reject(name, f"must be a whole number of {what}")
    return int(value.split(".", 1)[0])


def _optional(row: _Row, name: str) -> str | None:
    return row.get(name) or None


def _parse_rows(
    table: CsvTable,
    columns: Sequence[Column],
    key: Callable[[_Row], str | None],
    build: Callable[[_Row], T],
) -> Parsed[T]:
    """The row loop every kind shares: shape, duplicates, then the kind's own parsing.

    ``key`` gives a row's identity (``None`` when a cell of it is empty, which the
    kind's parsing then rejects); ``build`` makes the value or raises ``_RejectError`` or
    ``ValidationError``.
    """
    layout = _layout(table, columns)
    first_line: dict[str, tuple[int, bool]] = {}  # identity → (line, accepted)
    values: list[T] = []
    rejected: list[RejectedRow] = []
    for record in table.rows:
        row = _cells(record, layout)
        # Even a row rejected for its shape claims its identity: a later row with the
        # same one contradicts it, whichever of the two is right.
        identity = key(row)
        try:
            _check_shape(record, layout)
            if identity is not None and identity in first_line:
                line, accepted = first_line[identity]
                raise _RejectError(
                    row.header(columns[0].name),
                    row.get(columns[0].name),
                    f"given again: first on line {line}"
                    + ("" if accepted else " (rejected there)"),
                )
            try:
                values.append(build(row))
            except ValidationError as error:
                raise _from_validation(row, error, _ATTRIBUTES) from None
            if identity is not None:
                first_line[identity] = (record.line, True)
        except _RejectError as reject:
            if identity is not None and identity not in first_line:
                first_line[identity] = (record.line, False)
            rejected.append(
                RejectedRow(
                    line=record.line, field=reject.field, value=reject.value, reason=reject.reason
                )
            )
    return Parsed(values=tuple(values), rejected=tuple(rejected), unknown_columns=layout.unknown)


def _parse_categories(row: _Row, stored: Sequence[Category]) -> tuple[Category, ...]:
    """The categories cell, merged with the stored periods as the module docstring says."""
    result: list[Category] = []
    bare: set[CategoryKind] = set()
    dated: set[CategoryKind] = set()
    entries = [e.strip() for e in _CATEGORY_SEPARATORS.split(row.get("categories"))]
    for entry in (e for e in entries if e):
        kind_text, colon, dates = entry.replace("：", ":").partition(":")
        try:
            kind = CategoryKind.parse(kind_text)
            if not colon:
                if kind in bare:
                    continue  # given twice: one membership
                bare.add(kind)
                kept = [c for c in stored if c.kind is kind]
                result.extend(kept or [Category(kind=kind)])
                continue
            start, _, end = dates.replace("～", "~").partition("~")
            category = Category(kind=kind, start=start.strip() or None, end=end.strip() or None)
            dated.add(kind)
        except ValidationError as error:
            raise row.reject("categories", f"entry {entry!r}: {error.rule}") from None
        # The registry has no column for a category's reason: keep the stored one.
        same = next(
            (c for c in stored if c.kind is kind and c.start == category.start and c.reason),
            None,
        )
        result.append(category if same is None else attrs.evolve(category, reason=same.reason))
    both = bare & dated
    if both:
        # "孤儿;孤儿:2024-05-01" says since birth and since May at once.
        names = ", ".join(sorted(kind.label_zh for kind in both))
        raise row.reject("categories", f"{names} given both with and without dates")
    return tuple(result)


def _birth_bounds(
    as_of: pendulum.Date | None, earliest_birth: pendulum.Date | None
) -> tuple[pendulum.Date | None, pendulum.Date | None, str]:
    """The checked bounds, and how the earliest came about (for the rejection's reason)."""
    latest = None if as_of is None else to_date(as_of, field="as_of")
    if earliest_birth is not None:
        earliest = to_date(earliest_birth, field="earliest_birth")
        if latest is not None and earliest > latest:
            raise ValidationError("earliest_birth", earliest, f"must not be after as_of ({latest})")
        return latest, earliest, "the earliest birth date accepted"
    if latest is None:
        return None, None, ""
    return (
        latest,
        latest.subtract(years=EARLIEST_BIRTH_YEARS),
        f"{EARLIEST_BIRTH_YEARS} years before {latest}, the earliest birth date yiyu "
        "accepts by default",
    )


def parse_children(
    table: CsvTable,
    *,
    existing: Callable[[str], Child | None] = lambda _: None,
    as_of: pendulum.Date | None = None,
    earliest_birth: pendulum.Date | None = None,
) -> Parsed[Child]:
    """Children from a table, merged with the stored ones ``existing`` returns.

    Args:
        table: the file, as :func:`read_csv` gives it.
        existing: the stored child with an id, or ``None``; its facts the file does not
            carry (and its fields whose columns the file lacks) are kept.
        as_of: the import's date: a row born after it is rejected. Without it (and
            without ``earliest_birth``) birth dates are not bounded.
        earliest_birth: a row born before it is rejected; by default
            :data:`EARLIEST_BIRTH_YEARS` years before ``as_of`` (a yiyu default).

    Returns:
        The children to save, the rejected rows and the unknown columns.

    Raises:
        ImportFileError: if a required column is missing or a column is given twice.
        ValidationError: if ``as_of`` or ``earliest_birth`` is not a date, or
            ``earliest_birth`` is after ``as_of``.
    """
    latest, earliest, why_earliest = _birth_bounds(as_of, earliest_birth)

    def build(row: _Row) -> Child:
        values: dict[str, Any] = {
            "id": row.required("id"),
            "name": row.required("name"),
            "sex": row.required("sex"),
            "birth_date": row.required("birth_date"),
        }
        # Checked before anything else about the child: a mistyped year is the problem
        # to report, not the stored case it would now put before birth.
        birth = to_date(values["birth_date"], field="birth_date")
        if latest is not None and birth > latest:
            raise row.reject(
                "birth_date",
                f"after {latest}, the date of the import: a birth cannot be in the future",
            )
        if earliest is not None and birth < earliest:
            raise row.reject("birth_date", f"before {earliest} ({why_earliest})")
        stored = existing(values["id"])
        if row.has("gestational_weeks"):
            # A Chinese input method writes the plus full-width: 36＋5.
            weeks = row.get("gestational_weeks").replace("＋", "+")
            values["gestational_age"] = weeks or None
        if row.has("birth_weight_g"):
            values["birth_weight_g"] = _whole_number(row, "birth_weight_g", "grams, e.g. 3200")
        for name in ("discharge_date", "resident_id", "township", "family_doctor", "registered_on"):
            if row.has(name):
                values[name] = _optional(row, name)
        if row.has("categories"):
            values["categories"] = _parse_categories(
                row, () if stored is None else stored.categories
            )
        if stored is None:
            return Child(**values)
        return attrs.evolve(stored, **values)

    return _parse_rows(table, CHILD_COLUMNS, lambda row: row.get("id") or None, build)


def parse_daycares(
    table: CsvTable, *, existing: Callable[[str], Daycare | None] = lambda _: None
) -> Parsed[Daycare]:
    """Daycares from a table, merged with the stored ones ``existing`` returns.

    Args:
        table: the file, as :func:`read_csv` gives it.
        existing: the stored daycare with an id, or ``None``; its corrections (and its
            fields whose columns the file lacks) are kept.

    Returns:
        The daycares to save, the rejected rows and the unknown columns.

    Raises:
        ImportFileError: if a required column is missing or a column is given twice.
    """

    def build(row: _Row) -> Daycare:
        values: dict[str, Any] = {
            "id": row.required("id"),
            "name": row.required("name"),
            "opened_on": row.required("opened_on"),
        }
        if row.has("capacity"):
            values["capacity"] = _whole_number(row, "capacity", "places")
        for name in ("township", "health_instructor", "closed_on"):
            if row.has(name):
                values[name] = _optional(row, name)
        stored = existing(values["id"])
        if stored is None:
            return Daycare(**values)
        return attrs.evolve(stored, **values)

    return _parse_rows(table, DAYCARE_COLUMNS, lambda row: row.get("id") or None, build)


def parse_enrolments(
    table: CsvTable,
    *,
    child: Callable[[str], Child | None] | None = None,
    daycare: Callable[[str], Daycare | None] | None = None,
) -> Parsed[Enrolment]:
    """Enrolments from a table, checked against the children and daycares they name.

    Args:
        table: the file, as :func:`read_csv` gives it.
        child: the child with an id (stored, or parsed earlier in the same import), or
            ``None`` if there is none; ``None`` instead of a function skips the check.
        daycare: the same for daycares.

    Returns:
        The enrolments to save, the rejected rows and the unknown columns. With
        ``child`` given, an enrolment that would break its child's rules (starting
        before birth) is rejected here rather than failing the whole save.

    Raises:
        ImportFileError: if a required column is missing or a column is given twice.
    """
    # Children as they will be once this file's earlier rows are saved: a later row
    # must agree with them, not just with the store.
    children: dict[str, Child] = {}

    def build(row: _Row) -> Enrolment:
        values: dict[str, Any] = {
            "child_id": row.required("child_id"),
            "daycare_id": row.required("daycare_id"),
            "start": row.required("start"),
        }
        if row.has("end"):
            values["end"] = _optional(row, "end")
        enrolment = Enrolment(**values)
        subject = None
        if child is not None:
            subject = children.get(enrolment.child_id) or child(enrolment.child_id)
            if subject is None:
                raise row.reject("child_id", "no such child (in the store or this import)")
        if daycare is not None and daycare(enrolment.daycare_id) is None:
            raise row.reject("daycare_id", "no such daycare (in the store or this import)")
        if subject is None:
            return enrolment
        stored = {e.id: e for e in subject.enrolments}
        if not row.has("end") and enrolment.id in stored:
            enrolment = attrs.evolve(enrolment, end=stored[enrolment.id].end)
        if enrolment.start < subject.birth_date:
            raise row.reject("start", f"before the child's birth ({subject.birth_date})")
        stored[enrolment.id] = enrolment
        try:
            children[subject.id] = attrs.evolve(subject, enrolments=tuple(stored.values()))
        except ValidationError as error:
            raise row.reject("start", f"{error.field}: {error.rule}") from None
        return enrolment

    def key(row: _Row) -> str | None:
        parts = (row.get("child_id"), row.get("daycare_id"), row.get("start"))
        return "\x1f".join(parts) if all(parts) else None

    return _parse_rows(table, ENROLMENT_COLUMNS, key, build)


# --- importing --------------------------------------------------------------------------


def _changed(old: Any, new: Any) -> list[str]:
    return [f.name for f in attrs.fields(type(new)) if getattr(old, f.name) != getattr(new, f.name)]


def write_report(path: str | os.PathLike[str], rejected: Iterable[RejectedRow]) -> Path:
    """Write rejected rows as CSV in UTF-8 with a BOM (Excel then reads it as UTF-8).

    Cells are written spreadsheet-safe (:mod:`yiyu.jobs.csvfile`).

    Args:
        path: where to write; the file is replaced.
        rejected: the rows.

    Returns:
        The path written.

    Raises:
        OSError: if the file cannot be written.
    """
    # Through the one CSV writer: a hostile or mistyped cell of the file, echoed in the
    # report, cannot run as a formula when the report is opened.
    return write_csv_file(
        path,
        ((row.line, row.field, row.value, row.reason) for row in rejected),
        header=REPORT_COLUMNS,
    )


def _source_bytes(source: str | os.PathLike[str] | bytes) -> bytes:
    return source if isinstance(source, bytes) else Path(source).read_bytes()


_Save = Callable[[Repository, CsvTable, str], tuple[Parsed[Any], SaveCounts, list[str]]]


def _run(
    repo: Repository,
    kind: str,
    source: str | os.PathLike[str] | bytes,
    report_path: str | os.PathLike[str] | None,
    actor: str,
    save: _Save,
    parameters: Mapping[str, Any] | None = None,
) -> ImportResult:
    """Read, parse, report and save one file as one recorded run."""
    run_id = repo.start_run(
        f"import_{kind}",
        parameters={
            "source": "<bytes>" if isinstance(source, bytes) else os.fspath(source),
            "report_path": None if report_path is None else os.fspath(report_path),
            "actor": actor,
            **(parameters or {}),
        },
    )
    try:
        table = read_csv(_source_bytes(source))
        # Parsing reads the stored values it merges with: inside the transaction, so
        # nothing saved meanwhile is overwritten with a stale merge.
        with repo.transaction():
            parsed, counts, created = save(repo, table, actor)
            # Written before the save commits: a report that cannot be written fails
            # the run with nothing saved, rather than leaving rejected rows unreported.
            written = None if report_path is None else write_report(report_path, parsed.rejected)
    except Exception as error:
        repo.finish_run(
            # The exception itself: the store keeps its class and where, never the
            # values a database error quotes (a name, a resident ID).
            run_id,
            status="failed",
            counts={},
            error=error,
        )
        raise
    result = ImportResult(
        kind=kind,
        encoding=table.encoding,
        rows_read=len(table.rows),
        imported=counts,
        rejected=parsed.rejected,
        unknown_columns=parsed.unknown_columns,
        townships_created=tuple(created),
        report_path=written,
    )
    repo.finish_run(
        run_id,
        status="partial" if result.partial else "succeeded",
        counts={
            "encoding": result.encoding,
            "rows_read": result.rows_read,
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "rejected": len(result.rejected),
            "unknown_columns": list(result.unknown_columns),
            "townships_created": list(result.townships_created),
        },
    )
    return result


def _townships(values: Iterable[Child | Daycare]) -> list[str]:
    return sorted({v.township for v in values if v.township})


def _audit_updates(
    repo: Repository,
    actor: str,
    entity: str,
    pairs: Iterable[tuple[str, Any, Any]],
) -> None:
    for entity_id, old, new in pairs:
        if old is not None and old != new:
            repo.audit(actor, "update", entity, entity_id, {"changed": _changed(old, new)})


def import_children(
    repo: Repository,
    source: str | os.PathLike[str] | bytes,
    *,
    report_path: str | os.PathLike[str] | None = None,
    actor: str = "import",
    as_of: pendulum.Date | None = None,
    earliest_birth: pendulum.Date | None = None,
) -> ImportResult:
    """Import a children file (see the module docstring for its columns and rules).

    Args:
        repo: the store.
        source: the file's path, or its bytes.
        report_path: where to write the rejected rows (CSV, UTF-8 with BOM), if given;
            written even when none are, so an old report is not mistaken for this one.
        actor: who imports, for the audit trail.
        as_of: the import's date (default: today in Asia/Shanghai); a row born after
            it is rejected.
        earliest_birth: a row born before it is rejected (default:
            :data:`EARLIEST_BIRTH_YEARS` years before ``as_of``, a yiyu default).

    Returns:
        What was read, saved, rejected and created; ``partial`` if rows were rejected.

    Raises:
        ImportFileError: if the file cannot be imported at all (encoding, structure,
            missing columns); nothing is saved and the run is recorded as failed.
        OSError: if the file cannot be read or the report cannot be written.
        ValidationError: if ``as_of`` or ``earliest_birth`` is not a date, or
            ``earliest_birth`` is after ``as_of``; nothing is read or recorded.
    """
    # Jobs read the clock; the parsing they call does not.
    day = local_today() if as_of is None else to_date(as_of, field="as_of")
    _, earliest, _ = _birth_bounds(day, earliest_birth)

    def save(
        repo: Repository, table: CsvTable, actor: str
    ) -> tuple[Parsed[Any], SaveCounts, list[str]]:
        parsed = parse_children(
            table, existing=repo.get_child, as_of=day, earliest_birth=earliest_birth
        )
        created = repo.ensure_townships(_townships(parsed.values))
        _audit_updates(
            repo, actor, "child", ((c.id, repo.get_child(c.id), c) for c in parsed.values)
        )
        return parsed, repo.save_children(parsed.values), created

    return _run(
        repo,
        "children",
        source,
        report_path,
        actor,
        save,
        {
            "as_of": day.isoformat(),
            "earliest_birth": None if earliest is None else earliest.isoformat(),
        },
    )


def import_daycares(
    repo: Repository,
    source: str | os.PathLike[str] | bytes,
    *,
    report_path: str | os.PathLike[str] | None = None,
    actor: str = "import",
) -> ImportResult:
    """Import a daycares file (see the module docstring for its columns and rules).

    Args:
        repo: the store.
        source: the file's path, or its bytes.
        report_path: where to write the rejected rows, if given.
        actor: who imports, for the audit trail.

    Returns:
        What was read, saved, rejected and created; ``partial`` if rows were rejected.

    Raises:
        ImportFileError: if the file cannot be imported at all; nothing is saved.
        OSError: if the file cannot be read or the report cannot be written.
    """

    def save(
        repo: Repository, table: CsvTable, actor: str
    ) -> tuple[Parsed[Any], SaveCounts, list[str]]:
        parsed = parse_daycares(table, existing=repo.get_daycare)
        created = repo.ensure_townships(_townships(parsed.values))
        _audit_updates(
            repo, actor, "daycare", ((d.id, repo.get_daycare(d.id), d) for d in parsed.values)
        )
        return parsed, repo.save_daycares(parsed.values), created

    return _run(repo, "daycares", source, report_path, actor, save)


def import_enrolments(
    repo: Repository,
    source: str | os.PathLike[str] | bytes,
    *,
    report_path: str | os.PathLike[str] | None = None,
    actor: str = "import",
) -> ImportResult:
    """Import an enrolments file (see the module docstring for its columns and rules).

    Args:
        repo: the store; the children and daycares named must be in it.
        source: the file's path, or its bytes.
        report_path: where to write the rejected rows, if given.
        actor: who imports, for the audit trail.

    Returns:
        What was read, saved and rejected; ``partial`` if rows were rejected.

    Raises:
        ImportFileError: if the file cannot be imported at all; nothing is saved.
        OSError: if the file cannot be read or the report cannot be written.
    """

    def save(
        repo: Repository, table: CsvTable, actor: str
    ) -> tuple[Parsed[Any], SaveCounts, list[str]]:
        parsed = parse_enrolments(table, child=repo.get_child, daycare=repo.get_daycare)

        def stored(enrolment: Enrolment) -> Enrolment | None:
            found = repo.get_child(enrolment.child_id)
            return None if found is None else {e.id: e for e in found.enrolments}.get(enrolment.id)

        _audit_updates(
            repo,
            actor,
            "enrolment",
            ((f"{e.child_id}/{e.id}", stored(e), e) for e in parsed.values),
        )
        return parsed, repo.save_enrolments(parsed.values), []

    return _run(repo, "enrolments", source, report_path, actor, save)
