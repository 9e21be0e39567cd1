"""Children, daycares and enrolments from a registry file's table.

Each parser turns a :class:`~yiyu.registry.table.CsvTable` into values and rejected
rows, merging each row with what is stored (a function from an id to the stored value,
so the parsing stays pure: the import job passes the store's reads). See
:mod:`yiyu.registry` for the columns and the rules.

For a file read a batch at a time, :class:`ChildrenParser`, :class:`DaycaresParser`
and :class:`EnrolmentsParser` parse it batch by batch with the same rules, keeping only
what the rules need across batches (the first line of each identity); each says which
stored subjects a batch names, so that the job reads those at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Final, Generic, TypeVar

import attrs
import pendulum

from yiyu.dates import to_date
from yiyu.domain import Category, CategoryKind, Child, Daycare, Enrolment
from yiyu.errors import ValidationError
from yiyu.registry.columns import (
    CHILD_COLUMNS,
    DAYCARE_COLUMNS,
    EARLIEST_BIRTH_YEARS,
    ENROLMENT_COLUMNS,
)
from yiyu.registry.rows import Parsed, Row, RowLoop, whole_number
from yiyu.registry.table import CsvHeader, CsvRow, CsvTable

__all__ = [
    "EARLIEST_BIRTH_YEARS",
    "ChildrenParser",
    "DaycaresParser",
    "EnrolmentsParser",
    "birth_bounds",
    "parse_children",
    "parse_daycares",
    "parse_enrolments",
]

_CATEGORY_SEPARATORS: Final = re.compile(r"[;；]")


def _parse_categories(row: Row, stored: Sequence[Category]) -> tuple[Category, ...]:
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


def birth_bounds(
    as_of: pendulum.Date | None, earliest_birth: pendulum.Date | None
) -> tuple[pendulum.Date | None, pendulum.Date | None, str]:
    """The latest and earliest birth dates a children file may give, checked, and how
    the earliest came about (for the rejection's reason).

    Raises:
        ValidationError: if ``as_of`` or ``earliest_birth`` is not a date, or
            ``earliest_birth`` is after ``as_of``.
    """
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


def _id(row: Row) -> str | None:
    return row.get("id") or None


_Value = TypeVar("_Value")


class _BatchParser(Generic[_Value]):
    """What every file's parser shares: the row loop over the file's batches, and the
    unknown columns it has met."""

    def __init__(self, loop: RowLoop[_Value]) -> None:
        self._loop: RowLoop[_Value] = loop

    @property
    def unknown_columns(self) -> tuple[str, ...]:
        """The file's unknown columns, as far as the batches parsed so far tell."""
        return self._loop.unknown_columns


class _SubjectParser(_BatchParser[_Value]):
    def ids(self, records: Sequence[CsvRow]) -> list[str]:
        """The ids a batch names: what :meth:`parse` may ask ``existing`` for."""
        return self._loop.cells(records, "id")


class ChildrenParser(_SubjectParser[Child]):
    """A children file's records parsed batch by batch (:func:`parse_children`, for a
    file read a batch at a time; see :class:`~yiyu.registry.rows.RowLoop`).

    Args:
        header: the file's header.
        as_of: the import's date: a row born after it is rejected. Without it (and
            without ``earliest_birth``) birth dates are not bounded.
        earliest_birth: a row born before it is rejected; by default
            :data:`EARLIEST_BIRTH_YEARS` years before ``as_of`` (a yiyu default).

    Raises:
        ImportFileError: if a required column is missing or a column is given twice.
        ValidationError: if ``as_of`` or ``earliest_birth`` is not a date, or
            ``earliest_birth`` is after ``as_of``.
    """

    def __init__(
        self,
        header: CsvHeader,
        *,
        as_of: pendulum.Date | None = None,
        earliest_birth: pendulum.Date | None = None,
    ) -> None:
        self._latest, self._earliest, self._why_earliest = birth_bounds(as_of, earliest_birth)
        super().__init__(RowLoop(header, CHILD_COLUMNS, _id))

    def parse(
        self,
        records: Iterable[CsvRow],
        *,
        existing: Callable[[str], Child | None] = lambda _: None,
    ) -> Parsed[Child]:
        """A batch of records, merged with the stored children ``existing`` returns (its
        facts the file does not carry, and its fields whose columns the file lacks, are
        kept).

        Returns:
            The batch's children to save and rejected rows; the unknown columns so far.
        """
        return self._loop.parse(records, lambda row: self._build(row, existing))

    def _build(self, row: Row, existing: Callable[[str], Child | None]) -> Child:
        latest, earliest = self._latest, self._earliest
        values = row.required_cells("id", "name", "sex", "birth_date")
        # Checked before anything else about the child: a mistyped year is the problem
        # to report, not the stored case it would now put before birth.
        birth = to_date(values["birth_date"], field="birth_date")
        if latest is not None and birth > latest:
            raise row.reject(
                "birth_date",
                f"after {latest}, the date of the import: a birth cannot be in the future",
            )
        if earliest is not None and birth < earliest:
            raise row.reject("birth_date", f"before {earliest} ({self._why_earliest})")
        stored = existing(values["id"])
        if row.has("gestational_weeks"):
            # A Chinese input method writes the plus full-width: 36＋5.
            weeks = row.get("gestational_weeks").replace("＋", "+")
            values["gestational_age"] = weeks or None
        if row.has("birth_weight_g"):
            values["birth_weight_g"] = whole_number(row, "birth_weight_g", "grams, e.g. 3200")
        values.update(
            row.optional_cells(
                "discharge_date",
                "resident_id",
                "township",
                "family_doctor",
                "registered_on",
                "guardian_name",
                "guardian_phone",
            )
        )
        if row.has("categories"):
            values["categories"] = _parse_categories(
                row, () if stored is None else stored.categories
            )
        if stored is None:
            return Child(**values)
        return attrs.evolve(stored, **values)


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
    parser = ChildrenParser(table.header, as_of=as_of, earliest_birth=earliest_birth)
    return parser.parse(table.rows, existing=existing)


class DaycaresParser(_SubjectParser[Daycare]):
    """A daycares file's records parsed batch by batch (:func:`parse_daycares`, for a
    file read a batch at a time).

    Raises:
        ImportFileError: if a required column is missing or a column is given twice.
    """

    def __init__(self, header: CsvHeader) -> None:
        super().__init__(RowLoop(header, DAYCARE_COLUMNS, _id))

    def parse(
        self,
        records: Iterable[CsvRow],
        *,
        existing: Callable[[str], Daycare | None] = lambda _: None,
    ) -> Parsed[Daycare]:
        """A batch of records, merged with the stored daycares ``existing`` returns (its
        corrections, and its fields whose columns the file lacks, are kept)."""

        def build(row: Row) -> Daycare:
            values = row.required_cells("id", "name", "opened_on")
            if row.has("capacity"):
                values["capacity"] = whole_number(row, "capacity", "places")
            values.update(row.optional_cells("township", "health_instructor", "closed_on"))
            stored = existing(values["id"])
            if stored is None:
                return Daycare(**values)
            return attrs.evolve(stored, **values)

        return self._loop.parse(records, build)


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
    return DaycaresParser(table.header).parse(table.rows, existing=existing)


def _enrolment_key(row: Row) -> str | None:
    parts = (row.get("child_id"), row.get("daycare_id"), row.get("start"))
    return "\x1f".join(parts) if all(parts) else None


class EnrolmentsParser(_BatchParser[Enrolment]):
    """An enrolments file's records parsed batch by batch (:func:`parse_enrolments`,
    for a file read a batch at a time).

    A batch is checked against the children as ``child`` gives them: for a later batch
    to agree with the enrolments of the earlier ones, those are saved first and
    ``child`` reads the children as saved.

    Raises:
        ImportFileError: if a required column is missing or a column is given twice.
    """

    def __init__(self, header: CsvHeader) -> None:
        super().__init__(RowLoop(header, ENROLMENT_COLUMNS, _enrolment_key))

    def child_ids(self, records: Sequence[CsvRow]) -> list[str]:
        """The children a batch names: what :meth:`parse` may ask ``child`` for."""
        return self._loop.cells(records, "child_id")

    def daycare_ids(self, records: Sequence[CsvRow]) -> list[str]:
        """The daycares a batch names: what :meth:`parse` may ask ``daycare`` for."""
        return self._loop.cells(records, "daycare_id")

    def parse(
        self,
        records: Iterable[CsvRow],
        *,
        child: Callable[[str], Child | None] | None = None,
        daycare: Callable[[str], Daycare | None] | None = None,
    ) -> Parsed[Enrolment]:
        """A batch of records, checked against the children and daycares they name
        (``None`` instead of a function skips the check); see :func:`parse_enrolments`."""
        # Children as they will be once this batch's earlier rows are saved: a later row
        # must agree with them, not just with the store.
        children: dict[str, Child] = {}

        def build(row: Row) -> Enrolment:
            values = row.required_cells("child_id", "daycare_id", "start")
            values.update(row.optional_cells("end"))
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

        return self._loop.parse(records, build)


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
    return EnrolmentsParser(table.header).parse(table.rows, child=child, daycare=daycare)
