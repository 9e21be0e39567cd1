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

import attrs
import pendulum

from yiyu.dates import to_date
from yiyu.domain import Child, Daycare
from yiyu.jobs.csvfile import write_csv_file
from yiyu.protocol import SubjectKind
from yiyu.scheduling import (
    CalendarBasis,
    HolidayCalendar,
    Obligation,
    Reschedule,
    Status,
    Suggestion,
    status,
    suggest_date,
    tracked_referral,
)
from yiyu.store import ObligationFilter, Repository

__all__ = ["WorklistItem", "worklist", "write_worklist_csv"]


@attrs.frozen(kw_only=True)
class WorklistItem:
    """One line of a work list."""

    obligation: Obligation
    status: Status
    subject_name: str
    township: str | None
    assignee: str | None
    suggested: Suggestion | None
    days_overdue: int

    def as_row(self) -> dict[str, str]:
        """The item as plain text columns (CSV, JSON, the printed list)."""
        ob = self.obligation
        return {
            "key": ob.key,
            "status": self.status.value,
            "status_zh": self.status.label_zh,
            "rule": ob.rule,
            "name": ob.name,
            "subject_id": ob.subject_id,
            "subject_name": self.subject_name,
            "township": self.township or "",
            "assignee": self.assignee or "",
            "role": ob.role.value,
            "opens": ob.opens.isoformat(),
            "due": ob.due.isoformat(),
            "closes": ob.closes.isoformat(),
            "suggested": self.suggested.date.isoformat() if self.suggested else "",
            # The window holds no working day any more: the date is after it (late).
            "suggested_outside_window": (
                "true" if self.suggested and self.suggested.outside_window else "false"
            ),
            "days_overdue": str(self.days_overdue),
            "contents": "、".join((*ob.contents, *ob.tests)),
        }


def _suggested(
    moved: Reschedule | None, ob: Obligation, as_of: pendulum.Date, calendar: HolidayCalendar
) -> Suggestion | None:
    """A clinician's reschedule beats the computed suggestion while it is still ahead."""
    if moved is not None and moved.to >= as_of:
        return Suggestion(date=moved.to, basis=CalendarBasis.OFFICIAL)
    return suggest_date(ob, as_of=as_of, calendar=calendar)


def worklist(
    repo: Repository,
    *,
    as_of: pendulum.Date,
    clinician: str | None = None,
    township: str | None = None,
    daycare: str | None = None,
    role: str | None = None,
) -> list[WorklistItem]:
    """What is due or overdue on ``as_of`` (window open, not done, skipped or cancelled)."""
    as_of = to_date(as_of, field="as_of")
    calendar = repo.holiday_calendar()  # once for the whole list, not per item
    stored = repo.obligations(
        ObligationFilter(
            township=township,
            assignee=clinician,
            daycare_id=daycare,
            role=role,
            opens_by=as_of,
            closes_from=as_of,
        )
    )
    ids = {
        kind: sorted({e.obligation.subject_id for e in stored if e.obligation.subject is kind})
        for kind in SubjectKind
    }
    children = repo.get_children(ids[SubjectKind.CHILD])
    daycares = repo.get_daycares(ids[SubjectKind.DAYCARE])
    items: list[WorklistItem] = []
    for entry in stored:
        ob = entry.obligation
        subject: Child | Daycare | None = (
            children.get(ob.subject_id)
            if ob.subject is SubjectKind.CHILD
            else daycares.get(ob.subject_id)
        )
        # A referral's tracking is done by its result, not by a visit (#17).
        referral = tracked_referral(ob, subject if isinstance(subject, Child) else None)
        done_on = entry.done_on if referral is None else referral.closed_on
        state = status(ob, done_on=done_on, skipped=entry.skip, as_of=as_of)
        if state not in (Status.DUE, Status.OVERDUE):
            continue
        items.append(
            WorklistItem(
                obligation=ob,
                status=state,
                subject_name=subject.name if subject is not None else ob.subject_id,
                township=entry.township,
                assignee=entry.assignee,
                suggested=_suggested(entry.rescheduled, ob, as_of, calendar),
                days_overdue=max(0, (as_of - ob.due).days),
            )
        )
    items.sort(
        key=lambda item: (
            item.status is not Status.OVERDUE,
            item.obligation.due,
            item.obligation.key,
        )
    )
    return items


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
