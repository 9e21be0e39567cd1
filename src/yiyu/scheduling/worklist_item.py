"""A work list's line, and which stored obligations make one on a date.

Pure: the work-list job (:func:`yiyu.jobs.worklist.worklist`) reads the stored
obligations, subjects and holiday years from the store and hands them here; printing a
list (``yiyu.reports``) takes the items without importing the store or the jobs.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs
import pendulum

from yiyu.domain import Child, Daycare, Referral
from yiyu.scheduling.appointments import CalendarBasis, Suggestion, suggest_date
from yiyu.scheduling.holidays import HolidayCalendar
from yiyu.scheduling.obligation import Obligation
from yiyu.scheduling.status import Status, referral_tracked, status
from yiyu.scheduling.stored import StoredObligation

__all__ = ["ListedSubject", "WorklistItem", "worklist_item", "worklist_order"]


@attrs.frozen(kw_only=True)
class ListedSubject:
    """What a work list needs of a subject it only names: the name, and a child's
    referrals, whose results complete the obligations that track them. Reading this
    instead of the whole child keeps a township's list small (#14)."""

    name: str
    referrals: tuple[Referral, ...] = ()

    @classmethod
    def of(cls, subject: Child | Daycare) -> ListedSubject:
        """The listed part of a whole child or daycare."""
        referrals = tuple(subject.referrals) if isinstance(subject, Child) else ()
        return cls(name=subject.name, referrals=referrals)


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


def suggested_for(
    entry: StoredObligation, *, as_of: pendulum.Date, calendar: HolidayCalendar | None
) -> Suggestion | None:
    """The date to book a stored obligation on: a clinician's reschedule beats the computed
    suggestion (:func:`suggest_date`) while it is still ahead."""
    moved = entry.rescheduled
    if moved is not None and moved.to >= as_of:
        return Suggestion(date=moved.to, basis=CalendarBasis.OFFICIAL)
    return suggest_date(entry.obligation, as_of=as_of, calendar=calendar)


def stored_status(
    entry: StoredObligation, referrals: Iterable[Referral], *, as_of: pendulum.Date
) -> tuple[Status, pendulum.Date | None]:
    """A stored obligation's status on ``as_of`` and the day it was done, if it was: the
    one rule for every reader (work lists, feeds, exports). An obligation that tracks one
    of the child's ``referrals`` is done by the referral's result, not by a visit (#17)."""
    referral = referral_tracked(entry.obligation, referrals)
    done_on = entry.done_on if referral is None else referral.closed_on
    return status(entry.obligation, done_on=done_on, skipped=entry.skip, as_of=as_of), done_on


def worklist_item(
    entry: StoredObligation,
    subject: Child | Daycare | ListedSubject | None,
    *,
    as_of: pendulum.Date,
    calendar: HolidayCalendar | None = None,
) -> WorklistItem | None:
    """The line ``entry`` makes on the work list of ``as_of``, or ``None`` if it makes none.

    Args:
        entry: the stored obligation.
        subject: its child or daycare, whole or as listed (``None`` if the store has
            none: the line then names the subject by its id).
        as_of: the list's date.
        calendar: the operator's holiday years, for the suggested date.

    Returns:
        The line, if the obligation is due or overdue on ``as_of``; ``None`` otherwise
        (not yet open, done, skipped, cancelled or missed).
    """
    ob = entry.obligation
    listed = ListedSubject.of(subject) if isinstance(subject, Child | Daycare) else subject
    state, _ = stored_status(entry, listed.referrals if listed is not None else (), as_of=as_of)
    if state not in (Status.DUE, Status.OVERDUE):
        return None
    return WorklistItem(
        obligation=ob,
        status=state,
        subject_name=listed.name if listed is not None else ob.subject_id,
        township=entry.township,
        assignee=entry.assignee,
        suggested=suggested_for(entry, as_of=as_of, calendar=calendar),
        days_overdue=max(0, as_of.toordinal() - ob.due.toordinal()),
    )


def worklist_order(item: WorklistItem) -> tuple[bool, pendulum.Date, str]:
    """A work list's order, as a sort key: overdue first, oldest due date first; then
    what is due, soonest first (the key breaks ties, so the order is stable)."""
    return (item.status is not Status.OVERDUE, item.obligation.due, item.obligation.key)
