"""A registry file as a table: its header and its records, each with its line.

A file is read in two passes over its bytes, given in chunks of any size, keeping
nothing of the first: :func:`scan_file` judges its encoding
(:mod:`yiyu.registry.encoding`) and looks for NUL characters; :func:`read_records` then
decodes it and yields its records one by one, so that a file of any size is read in
bounded memory. :func:`read_csv` does both for a file held in memory and keeps every
record.

The first non-blank line is the header; blank lines (every cell empty) are skipped. A
quote that is not closed or is misplaced fails the whole file (at its line): the cells
after it cannot be told apart.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Final

import attrs

from yiyu.registry.encoding import UTF8, UTF8_BOM, detect_encoding, physical_lines
from yiyu.registry.errors import ImportFileError

__all__ = ["CsvHeader", "CsvRow", "CsvTable", "read_csv", "read_records", "scan_file"]

_BOM: Final = "\ufeff"


@attrs.frozen(kw_only=True)
class CsvRow:
    """One record of a CSV file: the line it starts on and its cells, as written."""

    line: int
    cells: tuple[str, ...]


@attrs.frozen(kw_only=True)
class CsvHeader:
    """A decoded CSV file's header.

    Attributes:
        encoding: ``utf-8``, ``utf-8-sig`` (UTF-8 with a BOM) or ``gb18030``.
        headers: the header cells, stripped of spaces and BOMs, in file order.
        header_line: the line the header is on.
    """

    encoding: str
    headers: tuple[str, ...]
    header_line: int


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

    @property
    def header(self) -> CsvHeader:
        """The table's header, as :func:`read_records` gives it."""
        return CsvHeader(encoding=self.encoding, headers=self.headers, header_line=self.header_line)


def _header_name(cell: str) -> str:
    # A BOM can survive decoding (a GB18030 BOM, a file saved twice with one); it and
    # the spaces around it are not part of the name.
    return cell.replace(_BOM, "").strip()


def scan_file(chunks: Iterable[bytes]) -> str:
    """The first pass over a file: its encoding, judged line by line, keeping nothing.

    Args:
        chunks: the file's bytes, in pieces of any size.

    Returns:
        ``utf-8``, ``utf-8-sig`` or ``gb18030``, for :func:`read_records`.

    Raises:
        ImportFileError: if the file is neither UTF-8 nor GB18030 or mixes them (at the
            first line that disagrees with an earlier one), or contains NUL characters
            (not a text file; at the first line with one).
    """
    nul_line: int | None = None

    def watched() -> Iterator[bytes]:
        nonlocal nul_line
        for number, line in enumerate(physical_lines(chunks), 1):
            # A NUL byte is a NUL character in both encodings (no multi-byte character
            # has a zero byte); the encoding is judged first, as when a file is decoded.
            if nul_line is None and b"\x00" in line:
                nul_line = number
            yield line

    encoding = detect_encoding(watched())
    if nul_line is not None:
        raise ImportFileError(
            "the file contains NUL characters: it is not a CSV text file", line=nul_line
        )
    return encoding


def _text_lines(lines: Iterable[bytes], encoding: str) -> Iterator[str]:
    """Each physical line decoded: a line never cuts a character (encoding.py)."""
    codec = UTF8 if encoding == UTF8_BOM else encoding
    for number, line in enumerate(lines, 1):
        # Only the file's first bytes are a BOM to drop, as when the file is decoded whole.
        yield line.decode(encoding if number == 1 else codec)


def _non_blank_records(lines: Iterable[str]) -> Iterator[CsvRow]:
    # Physical lines with their ends, as io's newline="" gives them: quoted cells keep
    # their line ends and line_num counts physical lines; strict turns a stray quote
    # into an error instead of silently swallowing the rest of the file into one cell.
    reader = csv.reader(lines, strict=True)
    consumed = 0
    while True:
        start = consumed + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportFileError(
                f"malformed CSV ({error}): a quote is not closed or is misplaced", line=start
            ) from None
        consumed = reader.line_num
        if any(cell.strip() for cell in cells):
            yield CsvRow(line=start, cells=tuple(cells))


def read_records(chunks: Iterable[bytes], encoding: str) -> tuple[CsvHeader, Iterator[CsvRow]]:
    """The second pass over a file: its header, and its records one by one.

    Args:
        chunks: the file's bytes, in pieces of any size (the same as :func:`scan_file`
            read).
        encoding: what :func:`scan_file` found.

    Returns:
        The header, read at once, and an iterator over the non-blank records after it,
        each with the physical line it starts on (a quoted cell may span lines); it
        raises :class:`ImportFileError` at a malformed quote when it reaches it.

    Raises:
        ImportFileError: if the file has no header, or a malformed quote before its end.
    """
    records = _non_blank_records(_text_lines(physical_lines(chunks), encoding))
    first = next(records, None)
    if first is None:
        raise ImportFileError("the file is empty: a header line is required")
    header = CsvHeader(
        encoding=encoding,
        headers=tuple(_header_name(cell) for cell in first.cells),
        header_line=first.line,
    )
    return header, records


def read_csv(data: bytes) -> CsvTable:
    """Decode a CSV file and split it into a header and records with their lines.

    The whole file at once: an import reads it in two passes (:func:`scan_file`,
    :func:`read_records`), holding no more than a batch of records.

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
    encoding = scan_file((data,))
    header, records = read_records((data,), encoding)
    return CsvTable(
        encoding=encoding,
        headers=header.headers,
        header_line=header.header_line,
        rows=tuple(records),
    )
