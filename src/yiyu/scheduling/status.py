"""Status is derived, never stored: what an obligation is on a given date."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable

import attrs
import pendulum

from yiyu.dates import to_date
from yiyu.domain import Child, Referral, SkipReason
from yiyu.domain._convert import (
    check_type,
    date_value,
    keyword_errors,
    name_errors,
    optional_free_text,
    parse_enum,
)
from yiyu.scheduling.obligation import Obligation

__all__ = [
    "Reschedule",
    "Skip",
    "Status",
    "referral_tracked",
    "status",
    "tracked_referral",
    "tracks_another_record",
]


class Status(enum.Enum):
    """Where an obligation stands on a date.

    ``UPCOMING`` before its window opens; ``DUE`` while the window is open and the
    standard's date has not passed; ``OVERDUE`` past that date with the window still
    open; ``MISSED`` after the window closed undone; ``DONE``, ``SKIPPED`` (with a
    reason code) and ``CANCELLED`` (the child left or died while it was open).
    """

    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    MISSED = "missed"
    DONE = "done"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"

    @property
    def label_zh(self) -> str:
        return _STATUS_ZH[self]


_STATUS_ZH = {
    Status.UPCOMING: "未到期",
    Status.DUE: "应做",
    Status.OVERDUE: "已逾期",
    Status.MISSED: "已错过",
    Status.DONE: "已完成",
    Status.SKIPPED: "已跳过",
    Status.CANCELLED: "已取消",
}


def _skip_reason(value: SkipReason | str) -> SkipReason:
    return parse_enum(SkipReason, value)


@keyword_errors
@attrs.frozen(kw_only=True, field_transformer=name_errors)
class Skip:
    """A deliberate decision, on ``on``, not to do an obligation, with its reason code."""

    on: pendulum.Date = attrs.field(converter=date_value)
    reason: SkipReason = attrs.field(converter=_skip_reason)
    note: str | None = attrs.field(default=None, converter=optional_free_text)


@keyword_errors
@attrs.frozen(kw_only=True, field_transformer=name_errors)
class Reschedule:
    """An appointment moved to ``to`` for a reason; the clinical due date does not move.

    A rescheduled date is what a work list suggests; status still follows the window.
    """

    to: pendulum.Date = attrs.field(converter=date_value)
    reason: SkipReason = attrs.field(converter=_skip_reason)
    note: str | None = attrs.field(default=None, converter=optional_free_text)


def status(
    obligation: Obligation,
    *,
    done_on: dt.date | str | None = None,
    skipped: Skip | None = None,
    as_of: dt.date | str,
) -> Status:
    """The status of ``obligation`` on ``as_of``.

    Facts dated after ``as_of`` are ignored, so a report for a past date shows what
    was true then. Done wins over everything (a visit on the day a child moved out
    still happened); a skip wins over the calendar.

    Args:
        obligation: from :func:`yiyu.schedule`.
        done_on: the date of the encounter that fulfilled it, if any.
        skipped: the recorded skip, if any.
        as_of: the date to judge on.

    Dates may be given as ``datetime.date`` or ``YYYY-MM-DD``.

    Raises:
        ValidationError: naming the argument, if one is not what it should be.
    """
    check_type("obligation", obligation, Obligation, "an Obligation (from yiyu.schedule)")
    day = to_date(as_of, field="as_of")
    done = None if done_on is None else to_date(done_on, field="done_on")
    if skipped is not None:
        check_type("skipped", skipped, Skip, "a Skip or None")
    if done is not None and done <= day:
        return Status.DONE
    if skipped is not None and skipped.on <= day:
        return Status.SKIPPED
    if obligation.cancelled_on is not None and obligation.cancelled_on <= day:
        return Status.CANCELLED
    if day < obligation.opens:
        return Status.UPCOMING
    if day <= obligation.due:
        return Status.DUE
    if day <= obligation.closes:
        return Status.OVERDUE
    return Status.MISSED


def tracked_referral(obligation: Obligation, child: Child | None) -> Referral | None:
    """The referral of ``child`` that ``obligation`` tracks (its occurrence is the
    referral's id, as the engine labels a referral's tracking), if any.

    Such an obligation is done when the referral's result is recorded, on the referral's
    ``closed_on``: a visit that records no result has not re-screened the child, so its
    date is not a completion and the tracking stays on the work list. Pass
    ``done_on=referral.closed_on`` to :func:`status` for it, whatever the visits say.

    Raises:
        ValidationError: if ``obligation`` is not an obligation or ``child`` not a child.
    """
    check_type("obligation", obligation, Obligation, "an Obligation (from yiyu.schedule)")
    check_type("child", child, (Child, type(None)), "a Child or None")
    return None if child is None else referral_tracked(obligation, child.referrals)


def tracks_another_record(obligation: Obligation) -> bool:
    """Whether ``obligation``'s occurrence names a record it follows: a referral, a case or
    an enrolment, whose ids hold ``@``. Such an obligation may be completed by that
    record (a referral's tracking, by its result) rather than by a visit; only these can
    track a referral (:func:`referral_tracked`)."""
    return obligation.occurrence is not None and "@" in obligation.occurrence


def referral_tracked(obligation: Obligation, referrals: Iterable[Referral]) -> Referral | None:
    """The referral among ``referrals`` (a child's) that ``obligation`` tracks, if any: as
    :func:`tracked_referral`, for a caller that holds the referrals, not the child."""
    if obligation.occurrence is None:
        return None
    return next((r for r in referrals if r.id == obligation.occurrence), None)
