"""Work lists: what is due and overdue on a date, for a clinician, township, daycare or role.

Status is derived when the list is read (``yiyu.status``), never stored. Overdue items
come first, oldest due date first; then what is due, soonest first. Suggested dates use
the operator's holiday years from the store (``yiyu holidays add``), read once per list.
:func:`write_worklist_csv` writes a list as a CSV file for a spreadsheet, its cells
(names and townships from the registries) unable to run as formulas.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

import pendulum

from yiyu.dates import to_date
from yiyu.domain import Referral, Role
from yiyu.domain._convert import parse_enum, whole_number
from yiyu.jobs.collector import collector_paused
from yiyu.jobs.csvfile import ENCODING, write_csv
from yiyu.protocol import SubjectKind
from yiyu.scheduling import (
    HolidayCalendar,
    ListedSubject,
    StoredObligation,
    WorklistItem,
    worklist_item,
    worklist_order,
)
from yiyu.scheduling.status import tracks_another_record
from yiyu.store import ObligationFilter, Repository

# WorklistItem is a value of the core (yiyu.scheduling); still named here, where hosts
# found it.
__all__ = [
    "WORKLIST_PAGE",
    "WorklistItem",
    "iter_worklist",
    "listed_subjects",
    "tracked_referrals",
    "worklist",
    "write_worklist",
    "write_worklist_csv",
]


# Lines read at a time (a yiyu default): a list's memory grows with the page, not with
# the township; a province's largest township lists a quarter of a million lines.
WORKLIST_PAGE = 2_000


def worklist(
    repo: Repository,
    *,
    as_of: pendulum.Date,
    clinician: str | None = None,
    township: str | None = None,
    daycare: str | None = None,
    role: Role | str | None = None,
) -> list[WorklistItem]:
    """What is due or overdue on ``as_of`` (window open, not done, skipped or cancelled).

    ``role`` is a :class:`yiyu.Role`, its value (``"family_doctor"``) or its Chinese label
    (``"签约家庭医生"``); another is a :class:`yiyu.ValidationError` naming ``role``.
    The whole list: :func:`iter_worklist` gives the same lines a page at a time.
    """
    items = list(iter_worklist(repo, as_of=as_of, clinician=clinician, township=township,
                               daycare=daycare, role=role))  # fmt: skip
    # Ties on a due date in Python's order of keys, whatever the database's collation.
    items.sort(key=worklist_order)
    return items


def iter_worklist(
    repo: Repository,
    *,
    as_of: pendulum.Date,
    clinician: str | None = None,
    township: str | None = None,
    daycare: str | None = None,
    role: Role | str | None = None,
    page: int = WORKLIST_PAGE,
) -> Iterator[WorklistItem]:
    """The lines of :func:`worklist`, in its order, read from the store ``page`` lines at
    a time: a host writing a long list to a file holds one page, not the list.

    The store gives the obligations in order of due date, then key, and a line is
    overdue exactly when its due date is before ``as_of``: so the pages, one after the
    other, are in the list's order (keys with the same due date in the order of the
    database's collation, which for PostgreSQL's non-C locales may differ from
    :func:`worklist`'s). A line written to the store while the list is read may be
    missed or listed once more.

    Raises:
        ValidationError: naming the argument, as :func:`worklist`, or ``page``.
    """
    # Checked here, not when the first line is asked for: a bad argument fails the call.
    as_of = to_date(as_of, field="as_of")
    role = None if role is None else parse_enum(Role, role, "role").value
    page = whole_number("page", page, minimum=1, maximum=1_000_000)
    where = ObligationFilter(
        township=township,
        assignee=clinician,
        daycare_id=daycare,
        role=role,
        opens_by=as_of,
        closes_from=as_of,
        to_do_on=as_of,  # the store drops what is done, skipped or cancelled
    )
    return _pages(repo, where, as_of, page)


def _pages(
    repo: Repository, where: ObligationFilter, as_of: pendulum.Date, page: int
) -> Iterator[WorklistItem]:
    calendar = repo.holiday_calendar()  # once for the whole list, not per item
    after: tuple[pendulum.Date, str] | None = None
    while True:
        with collector_paused():  # a page's values hold no cycles (jobs.collector)
            # Names in the same query: the list prints them, and only them.
            stored = repo.obligations_due(where, after=after, limit=page, names=True)
            items = _lines(repo, stored, as_of, calendar)
        yield from items  # the caller's code runs with the collector on
        if len(stored) < page:
            return
        last = stored[-1].obligation
        if after is not None and (last.due, last.key) <= after:
            # A store that pages wrongly would list the same lines forever.
            raise AssertionError(f"the store's page after {after} did not move on")
        after = (last.due, last.key)


def _lines(
    repo: Repository,
    stored: Sequence[StoredObligation],
    as_of: pendulum.Date,
    calendar: HolidayCalendar,
) -> list[WorklistItem]:
    """The lines of one page: each obligation still to do, with its subject's name and
    referrals."""
    referrals = tracked_referrals(repo, stored)
    items: list[WorklistItem] = []
    for entry in stored:
        ob = entry.obligation
        subject = ListedSubject(
            name=entry.subject_name or ob.subject_id,
            referrals=referrals.get(ob.subject_id, ()) if ob.subject is SubjectKind.CHILD else (),
        )
        item = worklist_item(entry, subject, as_of=as_of, calendar=calendar)
        if item is not None:
            items.append(item)
    return items


def tracked_referrals(
    repo: Repository, stored: Iterable[StoredObligation]
) -> dict[str, tuple[Referral, ...]]:
    """The referrals of the children whose obligations may track one, by child id.

    Only an obligation that tracks another record can track a referral
    (:func:`yiyu.scheduling.status.tracks_another_record`): the other children's referrals are not
    read, so a township's list reads a few children's, not every one it names."""
    ids = {
        entry.obligation.subject_id
        for entry in stored
        if entry.obligation.subject is SubjectKind.CHILD and tracks_another_record(entry.obligation)
    }
    listed = repo.listed(SubjectKind.CHILD, sorted(ids))
    return {child_id: subject.referrals for child_id, subject in listed.items()}


def listed_subjects(
    repo: Repository, stored: Iterable[StoredObligation]
) -> dict[SubjectKind, dict[str, ListedSubject]]:
    """The subjects these obligations name, by kind and id, as a list names them: their
    names and a child's referrals (``Repository.listed``), not whole children. By kind,
    since a child and a daycare may share an id."""
    ids: dict[SubjectKind, set[str]] = {kind: set() for kind in SubjectKind}
    for entry in stored:
        ids[entry.obligation.subject].add(entry.obligation.subject_id)
    return {kind: repo.listed(kind, sorted(ids[kind])) for kind in SubjectKind}


def write_worklist_csv(path: str | os.PathLike[str], items: Iterable[WorklistItem]) -> Path:
    """Write a work list as a CSV file (UTF-8 with a BOM), one line per item.

    The columns are :meth:`WorklistItem.as_row`'s; cells are written through
    :mod:`yiyu.jobs.csvfile`, so a registry name such as ``=HYPERLINK(…)`` is text in
    the spreadsheet, not a formula.

    Args:
        path: the file; it is replaced.
        items: the list, as :func:`worklist` or :func:`iter_worklist` gives it (the
            lines are written as they come).

    Returns:
        The path written.

    Raises:
        OSError: if the file cannot be written.
    """
    target = Path(path)
    with target.open("w", encoding=ENCODING, newline="") as stream:
        write_worklist(stream, items)
    return target


def write_worklist(stream: TextIO, items: Iterable[WorklistItem]) -> int:
    """Write a work list as CSV to a text stream (:func:`write_worklist_csv`'s columns
    and cells), each line as it comes: :func:`iter_worklist`'s pages are not held.

    Returns:
        How many lines were written, the header not counted.
    """
    lines = iter(items)
    first = next(lines, None)
    # An empty list still gets a header line, so the file is recognisably a work list.
    header = list(first.as_row()) if first is not None else ["key"]
    rows = (item.as_row() for item in itertools.chain([first] if first else [], lines))
    return write_csv(stream, rows, header=header)
