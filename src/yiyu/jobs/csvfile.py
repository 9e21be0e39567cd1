"""The one CSV writer: every CSV file yiyu writes goes through it, with cells a
spreadsheet cannot run.

Why one writer
    yiyu's CSV files (the work lists a nightly job writes, the coverage table, the
    import's report of rejected rows) are opened by clinicians in Excel or WPS. A
    spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula,
    and a leading tab or carriage return can smuggle one past the eye. The text in those
    files comes from registry exports (children's names, townships, the cells of
    rejected rows), which whoever edits a registry controls: a name such as
    ``=HYPERLINK("http://…","点击查看")`` or ``=cmd|' /C calc'!A0`` would act on the
    clinician's machine (CSV or formula injection). Writing every file through one
    function means a new export cannot forget the rule.

The rule (OWASP's, "CSV Injection")
    A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return, also after leading whitespace, is written with ``'`` in front: spreadsheets
    take the cell as text, and the rest of it is kept as it was, so it still reads as
    written (``'=1+1``). Numbers yiyu writes as numbers (``int``, ``float``,
    ``Decimal``: a count, a rate, ``-0.5``) are not text and are written as they are;
    the same characters in text (``"-2"``) are escaped. ``None`` is an empty cell; any
    other value is written as its ``str()``, escaped like text. Cells holding commas,
    quotes or line breaks are quoted by the csv module, so a cell cannot spill into the
    next one.

Files
    :func:`write_csv_file` writes UTF-8 with a BOM, which Excel needs to read a CSV as
    UTF-8 (without it, Chinese text is garbled in a Chinese Windows' default code
    page), and leaves line ends to the csv module (``\\r\\n``).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Final, TextIO

__all__ = ["Row", "csv_text", "safe_cell", "write_csv", "write_csv_file"]

Row = Mapping[str, object] | Sequence[object]
"""A row: a mapping from column name to value, or the values in column order."""

ENCODING: Final = "utf-8-sig"

_FORMULA_STARTS: Final = ("=", "+", "-", "@")
_CONTROL_STARTS: Final = ("\t", "\r")


def safe_cell(value: object) -> object:
    """A value as a spreadsheet-safe CSV cell (see the module docstring for the rule).

    Args:
        value: the cell's value.

    Returns:
        A number (``int``, ``float``, ``Decimal``, ``bool``) unchanged; ``""`` for
        ``None``; otherwise the value's text, with ``'`` in front if a spreadsheet
        would take it as a formula.
    """
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return value
    text = value if isinstance(value, str) else str(value)
    # The tab and carriage return are checked before stripping, since lstrip removes
    # them; a formula character after spaces or line breaks still starts a formula.
    if text.startswith(_CONTROL_STARTS) or text.lstrip().startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def _cells(row: Row, header: Sequence[str] | None) -> list[object]:
    if isinstance(row, Mapping):
        if header is None:
            raise ValueError("rows given as mappings need a header to order their cells")
        return [safe_cell(row.get(name)) for name in header]
    if isinstance(row, str | bytes):
        # A string is a sequence too; written as one it would become a cell per letter.
        raise TypeError(f"a row is a mapping or a sequence of cells, not {type(row).__name__}")
    return [safe_cell(value) for value in row]


def write_csv(stream: TextIO, rows: Iterable[Row], *, header: Sequence[str] | None = None) -> int:
    """Write rows as CSV to a text stream, every cell spreadsheet-safe.

    Args:
        stream: where to write; a file should be opened with ``newline=""`` so the csv
            module's line ends are kept as they are.
        rows: mappings (cells taken by the header's names; a missing name is an empty
            cell, a key outside the header is not written) or sequences of cells.
        header: the header line; without one, mapping rows are written in the order of
            the first row's keys and sequence rows are written without a header.

    Returns:
        How many rows were written, the header not counted.

    Raises:
        TypeError: if a row is a string rather than a mapping or a sequence.
        ValueError: if a mapping row follows sequence rows without a header.
    """
    writer = csv.writer(stream)
    iterator = iter(rows)
    first = next(iterator, None)
    if header is None and isinstance(first, Mapping):
        header = list(first)
    if header is not None:
        writer.writerow([safe_cell(name) for name in header])
    if first is None:
        return 0
    writer.writerow(_cells(first, header))
    count = 1
    for row in iterator:
        writer.writerow(_cells(row, header))
        count += 1
    return count


def csv_text(rows: Iterable[Row], *, header: Sequence[str] | None = None) -> str:
    """The rows as CSV text, as :func:`write_csv` writes them (for printing).

    Args:
        rows: as for :func:`write_csv`.
        header: as for :func:`write_csv`.

    Returns:
        The CSV text, lines ending in ``\\r\\n``.

    Raises:
        TypeError: if a row is a string rather than a mapping or a sequence.
    """
    buffer = io.StringIO(newline="")
    write_csv(buffer, rows, header=header)
    return buffer.getvalue()


def write_csv_file(
    path: str | os.PathLike[str], rows: Iterable[Row], *, header: Sequence[str] | None = None
) -> Path:
    """Write rows to a CSV file in UTF-8 with a BOM, as :func:`write_csv` writes them.

    Args:
        path: the file; it is replaced.
        rows: as for :func:`write_csv`.
        header: as for :func:`write_csv`.

    Returns:
        The path written.

    Raises:
        OSError: if the file cannot be written.
        TypeError: if a row is a string rather than a mapping or a sequence.
    """
    target = Path(path)
    with target.open("w", encoding=ENCODING, newline="") as stream:
        write_csv(stream, rows, header=header)
    return target
