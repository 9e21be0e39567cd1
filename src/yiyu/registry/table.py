"""A registry file as a table: its header and its records, each with its line.

:func:`read_csv` decodes the bytes (:mod:`yiyu.registry.encoding`) and splits them.
The first non-blank line is the header; blank lines (every cell empty) are skipped. A
quote that is not closed or is misplaced fails the whole file (at its line): the cells
after it cannot be told apart.
"""

from __future__ import annotations

import csv
import io
from typing import Final

import attrs

from yiyu.registry.encoding import decode
from yiyu.registry.errors import ImportFileError

__all__ = ["CsvRow", "CsvTable", "read_csv"]

_BOM: Final = "\ufeff"


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
    text, encoding = decode(data)
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
