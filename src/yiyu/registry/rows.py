"""Rows of a registry file: what each became, and the loop every kind of file shares.

A row is rejected, with its line, the field, the cell's value and the reason, when a
cell breaks a rule of the domain value, a required cell is empty, the line has fewer
cells than the header (cut short) or more (an unquoted comma), or its identity was
already given on an earlier line. One reason is given per row: the first problem found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Generic, TypeVar

import attrs

from yiyu.domain.masking import mask_phone, mask_resident_id
from yiyu.errors import ValidationError
from yiyu.registry.columns import ATTRIBUTES, Column, Layout, Personal, layout_of
from yiyu.registry.table import CsvHeader, CsvRow, CsvTable

__all__ = [
    "Parsed",
    "RejectError",
    "RejectedRow",
    "Row",
    "RowLoop",
    "parse_rows",
    "whole_number",
]

T = TypeVar("T")

_WHOLE: Final = re.compile(r"^\d+(?:\.0*)?$")  # spreadsheets write 3200 as 3200.0 at times


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


class RejectError(Exception):
    """A row is rejected: raised inside a row's parsing, caught by the row loop."""

    def __init__(self, field: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.value = value
        self.reason = reason


@attrs.frozen(kw_only=True)
class Row:
    """A record's cells by column name, stripped, with what is needed to report it."""

    line: int
    cells: Mapping[str, str]
    layout: Layout

    def has(self, name: str) -> bool:
        return name in self.cells

    def get(self, name: str) -> str:
        return self.cells.get(name, "")

    def header(self, name: str) -> str:
        return self.layout.header.get(name, name)

    def shown(self, name: str) -> str:
        """The cell as a rejection may show it: a phone masked, anything else as written."""
        value = self.get(name)
        personal = self.layout.personal.get(name)
        if personal is not None:
            return _masked(value, personal)
        return value

    def required(self, name: str) -> str:
        value = self.get(name)
        if not value:
            raise RejectError(self.header(name), "", "required: the cell is empty")
        return value

    def required_cells(self, *names: str) -> dict[str, Any]:
        """The cells of required columns, by name; the first empty one rejects the row."""
        return {name: self.required(name) for name in names}

    def optional_cells(self, *names: str) -> dict[str, Any]:
        """The cells of the optional columns the file has, by name: an empty cell is
        ``None`` (it clears the stored field), a column the file lacks is left out."""
        return {name: self.get(name) or None for name in names if self.has(name)}

    def reject(self, name: str, reason: str) -> RejectError:
        return RejectError(self.header(name), self.shown(name), reason)


def _known_cells(record: CsvRow, layout: Layout) -> Row:
    """The record's known cells, stripped; those a short line lacks are left out."""
    cells = record.cells
    return Row(
        line=record.line,
        cells={
            name: cells[position].strip()
            for name, position in layout.index.items()
            if position < len(cells)
        },
        layout=layout,
    )


def _masked(text: str, personal: Personal = Personal.PHONE) -> str:
    """``text`` masked as an identity number or a phone, its surrounding spaces kept as
    written (a report shows a formula behind spaces escaped, not hidden:
    yiyu.jobs.csvfile)."""
    stripped = text.strip()
    if not stripped:
        return text
    mask = mask_resident_id if personal is Personal.RESIDENT_ID else mask_phone
    start = text.index(stripped)
    return text[:start] + (mask(stripped) or "") + text[start + len(stripped) :]


def _check_shape(record: CsvRow, layout: Layout) -> None:
    """Reject a line cut short or one with more cells than the header."""
    count = len(record.cells)
    if count < layout.named_width:
        lacking = sorted(
            (position, name) for name, position in layout.index.items() if position >= count
        )
        field = layout.header[lacking[0][1]] if lacking else f"(column {count + 1})"
        raise RejectError(
            field,
            "",
            f"the line has {count} cells, the header {layout.named_width}: it is cut short",
        )
    if count > layout.width:
        overflow = ",".join(record.cells[layout.width :])
        if layout.personal:
            # An unquoted comma shifts every later cell right: the overflow may be a phone
            # or an identity number (its digits are masked as a phone's).
            overflow = _masked(overflow)
        raise RejectError(
            f"(column {layout.width + 1})",
            overflow,
            f"the line has {count} cells, the header {layout.width}: "
            "a value with a comma must be in quotes",
        )


def _from_validation(
    row: Row, error: ValidationError, attributes: Mapping[str, str] | None = None
) -> RejectError:
    """A domain error as a rejection naming the file's column and the cell as written."""
    attributes = attributes or {}
    root = re.split(r"[.\[]", error.field, maxsplit=1)[0]
    column = next((c for c, a in attributes.items() if a == root), root)
    if row.has(column):
        reason = error.rule if error.field == root else f"{error.field}: {error.rule}"
        return RejectError(row.header(column), row.shown(column), reason)
    value = error.value.isoformat() if hasattr(error.value, "isoformat") else error.value
    return RejectError(error.field, "" if value is None else str(value), error.rule)


def whole_number(row: Row, name: str, what: str) -> int | None:
    value = row.get(name)
    if not value:
        return None
    if not _WHOLE.match(value):
        raise row.reject(name, f"must be a whole number of {what}")
    return int(value.split(".", 1)[0])


class RowLoop(Generic[T]):
    """The row loop every kind shares, over a file's records in batches of any size.

    What the rules need across batches is kept: the first line of each identity (to
    reject a row given again) and the nameless columns someone wrote in (to report them
    as unknown). Nothing else of a batch is: a file of any size is parsed in the memory
    of a batch, and of its identities (about 130 bytes each).

    ``key`` gives a row's identity (``None`` when a cell of it is empty, which the
    kind's parsing then rejects).

    Raises:
        ImportFileError: if a required column is missing or a column is given twice.
    """

    def __init__(
        self, header: CsvHeader, columns: Sequence[Column], key: Callable[[Row], str | None]
    ) -> None:
        self.layout = layout_of(header, columns)
        self._columns = columns
        self._key = key
        # identity → the line it was first given on, negated if that row was rejected:
        # one small int per identity, not a tuple.
        self._first_line: dict[str, int] = {}
        self._written_nameless: set[int] = set()

    @property
    def unknown_columns(self) -> tuple[str, ...]:
        """The file's unknown columns, as far as the batches parsed so far tell."""
        return self.layout.unknown_columns(self._written_nameless)

    def cells(self, records: Iterable[CsvRow], name: str) -> list[str]:
        """The distinct non-empty cells of column ``name`` (stripped), in file order: the
        ids a batch names, so that what is stored of them is read at once."""
        position = self.layout.index.get(name)
        if position is None:
            return []
        cells = (r.cells[position].strip() for r in records if position < len(r.cells))
        return list(dict.fromkeys(cell for cell in cells if cell))

    def _note_nameless(self, record: CsvRow) -> None:
        for position in self.layout.nameless:
            if (
                position not in self._written_nameless
                and position < len(record.cells)
                and record.cells[position].strip()
            ):
                self._written_nameless.add(position)

    def parse(self, records: Iterable[CsvRow], build: Callable[[Row], T]) -> Parsed[T]:
        """One batch: shape, duplicates (with the earlier batches), then ``build``, the
        kind's own parsing, which makes the value or raises ``RejectError`` or
        ``ValidationError``.

        Returns:
            The batch's values and rejected rows, in file order, and the unknown columns
            as far as this batch and the earlier ones tell.
        """
        layout = self.layout
        first_line = self._first_line
        values: list[T] = []
        rejected: list[RejectedRow] = []
        for record in records:
            if layout.nameless:
                self._note_nameless(record)
            row = _known_cells(record, layout)
            # Even a row rejected for its shape claims its identity: a later row with the
            # same one contradicts it, whichever of the two is right.
            identity = self._key(row)
            try:
                _check_shape(record, layout)
                if identity is not None and identity in first_line:
                    line = first_line[identity]
                    name = self._columns[0].name
                    raise RejectError(
                        row.header(name),
                        row.get(name),
                        f"given again: first on line {abs(line)}"
                        + ("" if line > 0 else " (rejected there)"),
                    )
                try:
                    values.append(build(row))
                except ValidationError as error:
                    raise _from_validation(row, error, ATTRIBUTES) from None
                if identity is not None:
                    first_line[identity] = record.line
            except RejectError as reject:
                if identity is not None and identity not in first_line:
                    first_line[identity] = -record.line
                rejected.append(
                    RejectedRow(
                        line=record.line,
                        field=reject.field,
                        value=reject.value,
                        reason=reject.reason,
                    )
                )
        return Parsed(
            values=tuple(values), rejected=tuple(rejected), unknown_columns=self.unknown_columns
        )


def parse_rows(
    table: CsvTable,
    columns: Sequence[Column],
    key: Callable[[Row], str | None],
    build: Callable[[Row], T],
) -> Parsed[T]:
    """The row loop every kind shares, over a whole table (:class:`RowLoop` in one batch).

    ``key`` gives a row's identity (``None`` when a cell of it is empty, which the
    kind's parsing then rejects); ``build`` makes the value or raises ``RejectError`` or
    ``ValidationError``.
    """
    loop: RowLoop[T] = RowLoop(table.header, columns, key)
    return loop.parse(table.rows, build)
