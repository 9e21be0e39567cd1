"""The registries' CSV exports: reading, checking and parsing them, pure.

Children, daycares and enrolments come from the registries as CSV files. This package
turns a file's bytes into values and rejected rows, without the store or the clock: the
import job (:mod:`yiyu.jobs.importing`) reads the file, passes what is stored, saves the
good rows and writes the report.

A file of any size is read in bounded memory: its bytes in chunks, in two passes, the
first judging its encoding and keeping nothing (:func:`scan_file`), the second yielding
its records one by one (:func:`read_records`); the parsers (:class:`ChildrenParser`, …)
take them a batch at a time, keeping across batches only the first line of each
identity. :func:`read_csv` and :func:`parse_children` (…) do the same for a file held
whole.

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

Every column of every file, with its format and an example, is in
:data:`~yiyu.registry.columns.COLUMNS` (the import guide's tables are made from it by
:mod:`~yiyu.registry.docs`).

Children (儿童)
    Required: ``id`` 编号, ``name`` 姓名, ``sex`` 性别 (``M``/``F`` or ``男``/``女``),
    ``birth_date`` 出生日期 (``YYYY-MM-DD``). Optional: ``gestational_weeks`` 孕周
    (``36`` or ``36+5``), ``birth_weight_g`` 出生体重 (grams, a whole number),
    ``discharge_date`` 出院日期, ``resident_id`` 身份证号 (checked against GB 11643),
    ``township`` 镇街 (created if not yet known), ``family_doctor`` 签约医生,
    ``categories`` 类别 (entries separated by ``;`` or ``；``), ``registered_on``
    登记日期, ``guardian_name`` 家长姓名, ``guardian_phone`` 联系电话 (7–15 digits; a
    rejected phone is shown masked, never in full). Dates are ``YYYY-MM-DD``.

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

    A phone number (``guardian_phone`` 联系电话) is never shown in full in a rejection:
    its cell, and on a children file the cells past the header an unquoted comma pushed
    out, are masked (``138****8000``), since the report and the command's output are
    mailed and kept.

    A quote that is not closed or is misplaced fails the whole file (at its line): the
    cells after it cannot be told apart.

Modules: :mod:`~yiyu.registry.encoding` (which encoding), :mod:`~yiyu.registry.table`
(header and records with their lines), :mod:`~yiyu.registry.columns` (each file's
columns, and where a table has them), :mod:`~yiyu.registry.rows` (the row loop every
file shares), :mod:`~yiyu.registry.parse` (children, daycares, enrolments) and
:mod:`~yiyu.registry.docs` (the guide's tables).
"""

from yiyu.registry.columns import (
    CHILD_COLUMNS,
    COLUMNS,
    DAYCARE_COLUMNS,
    EARLIEST_BIRTH_YEARS,
    ENROLMENT_COLUMNS,
    Column,
)
from yiyu.registry.errors import ImportFileError
from yiyu.registry.parse import (
    ChildrenParser,
    DaycaresParser,
    EnrolmentsParser,
    parse_children,
    parse_daycares,
    parse_enrolments,
)
from yiyu.registry.rows import Parsed, RejectedRow
from yiyu.registry.table import CsvHeader, CsvRow, CsvTable, read_csv, read_records, scan_file

__all__ = [
    "CHILD_COLUMNS",
    "COLUMNS",
    "DAYCARE_COLUMNS",
    "EARLIEST_BIRTH_YEARS",
    "ENROLMENT_COLUMNS",
    "ChildrenParser",
    "Column",
    "CsvHeader",
    "CsvRow",
    "CsvTable",
    "DaycaresParser",
    "EnrolmentsParser",
    "ImportFileError",
    "Parsed",
    "RejectedRow",
    "parse_children",
    "parse_daycares",
    "parse_enrolments",
    "read_csv",
    "read_records",
    "scan_file",
]
