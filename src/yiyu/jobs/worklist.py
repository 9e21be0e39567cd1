"""Work lists: what is due and overdue on a date, for a clinician, township, daycare or role.

Status is derived when the list is read (``yiyu.status``), never stored. Overdue items
come first, oldest due date first; then what is due, soonest first. Suggested dates use
the operator's holiday years from the store (``yiyu holidays add``), read once per list.
:func:`write_worklist_csv` writes a list as a CSV file for a spreadsheet, its cells
(names and townships from the registries) unable to run as formulas.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pendulum

from yiyu.dates import to_date
from yiyu.domain import Referral, Role
from yiyu.domain._convert import parse_enum
from yiyu.jobs.csvfile import write_csv_file
from yiyu.protocol import SubjectKind
from yiyu.scheduling import (
    ListedSubject,
    StoredObligation,
    WorklistItem,
    worklist_item,
    worklist_order,
)
from yiyu.store import ObligationFilter, Repository

# WorklistItem is a value of the core (yiyu.scheduling); still named here, where hosts
# found it.
__all__ = [
    "WorklistItem",
    "listed_subjects",
    "tracked_referrals",
    "worklist",
    "write_worklist_csv",
]


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
    """
    as_of = to_date(as_of, field="as_of")
    role = None if role is None else parse_enum(Role, role, "role").value
    calendar = repo.holiday_calendar()  # once for the whole list, not per item
    stored = repo.obligations(
        ObligationFilter(
            township=township,
            assignee=clinician,
            daycare_id=daycare,
            role=role,
            opens_by=as_of,
            closes_from=as_of,
            to_do_on=as_of,  # the store drops what is done, skipped or cancelled
        ),
        names=True,  # in the same query: the list prints them, and only them
    )
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
    items.sort(key=worklist_order)
    return items


def tracked_referrals(
    repo: Repository, stored: Iterable[StoredObligation]
) -> dict[str, tuple[Referral, ...]]:
    """The referrals of the children whose obligations may track one, by child id.

    Only an obligation whose occurrence names something (``@``) can track a referral
    (:func:`yiyu.scheduling.referral_tracked`): the other children's referrals are not
    read, so a township's list reads a few children's, not every one it names."""
    ids = {
        entry.obligation.subject_id
        for entry in stored
        if entry.obligation.subject is SubjectKind.CHILD
        and entry.obligation.occurrence is not None
        and "@" in entry.obligation.occurrence
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
        items: the list, as :func:`worklist` returns it.

    Returns:
        The path written.

    Raises:
        OSError: if the file cannot be written.
    """
    rows = [item.as_row() for item in items]
    # An empty list still gets a header line, so the file is recognisably a work list.
    return write_csv_file(path, rows, header=list(rows[0]) if rows else ["key"])
