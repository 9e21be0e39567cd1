"""Add a year's official holidays and 调休 working days to the store, from its TOML file.

The file is read and validated whole before anything is written (the format is in
:mod:`yiyu.scheduling.holidays` and the jobs guide); the year is then stored, replacing
the same year if it was there, and audited, in one transaction. Work lists read the
stored years when they suggest dates.
"""

from __future__ import annotations

import os
from pathlib import Path

import attrs

from yiyu.errors import ValidationError
from yiyu.scheduling import HolidayYear, parse_holiday_year
from yiyu.store import Repository, SaveCounts

__all__ = ["AddedHolidays", "add_holidays"]


@attrs.frozen(kw_only=True)
class AddedHolidays:
    """What :func:`add_holidays` stored: the year, and whether it was new (``created``),
    replaced an earlier version (``updated``) or was already stored (``unchanged``)."""

    year: HolidayYear
    counts: SaveCounts


def _text(source: str | os.PathLike[str] | bytes) -> str:
    name = "<bytes>" if isinstance(source, bytes) else os.fspath(source)
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        return raw.decode("utf-8-sig")  # a BOM from Windows editors is not an error
    except UnicodeDecodeError as error:
        raise ValidationError(
            "file", name, f"not UTF-8 text (byte {error.start}): save it as UTF-8"
        ) from None


def add_holidays(
    repo: Repository, source: str | os.PathLike[str] | bytes, *, actor: str = "holidays"
) -> AddedHolidays:
    """Store the year a holidays file describes, replacing that year if it was stored.

    Args:
        repo: the store.
        source: the TOML file's path, or its bytes.
        actor: who did it, for the audit trail.

    Returns:
        The year and what the store did with it.

    Raises:
        ValidationError: naming the field and the value, if the file is not UTF-8 TOML
            or breaks a rule of :func:`yiyu.parse_holiday_year`; nothing is stored then.
    """
    year = parse_holiday_year(_text(source))
    with repo.transaction():
        counts = repo.save_holiday_year(year)
        if counts.unchanged == 0:
            repo.audit(
                actor,
                "replace" if counts.updated else "add",
                "holiday_year",
                str(year.year),
                {
                    "source": year.source,
                    "holidays": len(year.holidays),
                    "workdays": len(year.workdays),
                },
            )
    return AddedHolidays(year=year, counts=counts)
