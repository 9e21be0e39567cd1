"""The coverage job: indicators for a period and an area, read from the store."""

from __future__ import annotations

import pendulum

from yiyu.coverage import IndicatorResult, coverage, year_to_date
from yiyu.dates import Period
from yiyu.domain import Child
from yiyu.protocol import Protocol, SubjectKind
from yiyu.store import ObligationFilter, Repository

__all__ = ["coverage_report"]


def coverage_report(
    repo: Repository,
    protocol: Protocol,
    *,
    period: Period,
    as_of: pendulum.Date,
    township: str | None = None,
) -> list[IndicatorResult]:
    """Every indicator for ``period`` in ``township`` (``None``: the whole city).

    Reads the obligations around the period, the visits of the year so far and the
    children, in batches: the children the obligations name, and every child living in
    the area, since the indicators over resident children (the yearly rates, 家庭医生签约率,
    the 科学育儿 proxy) count children with nothing due.

    Args:
        repo: the store.
        protocol: for the targets.
        period: the month, quarter, half-year or year.
        as_of: today: windows that have not closed yet are not judged.
        township: a township, or ``None`` for the whole city.

    Returns:
        One result per indicator of :data:`yiyu.coverage.INDICATORS`.
    """
    # Loosely: everything whose window touches the period or closed within a year before
    # it (a visit done in the period for a window that closed earlier); the indicators
    # apply the exact rules.
    stored = repo.obligations(
        ObligationFilter(
            township=township,
            opens_by=period.end,
            closes_from=period.start.subtract(years=1),
            include_withdrawn=True,
        )
    )
    ids = sorted(
        {s.obligation.subject_id for s in stored if s.obligation.subject is SubjectKind.CHILD}
    )
    children: dict[str, Child] = repo.get_children(ids)
    if township is None:
        everyone = [r.id for r in repo.subjects() if r.kind is SubjectKind.CHILD]
        children.update(repo.get_children([i for i in everyone if i not in children]))
    else:
        everyone = [
            r.id for r in repo.subjects() if r.kind is SubjectKind.CHILD and r.id not in children
        ]
        children.update(
            {k: c for k, c in repo.get_children(everyone).items() if c.township == township}
        )
    # The yearly rates count the visits of the year so far, and a screen recorded at a
    # check due this year, which may have been done before 1 January, once its window
    # opened.
    first, last = year_to_date(period, as_of)
    opened = min((s.obligation.opens for s in stored), default=first)
    encounters = repo.encounters_between(min(first, opened), last)
    return coverage(
        stored,
        period=period,
        as_of=as_of,
        protocol=protocol,
        children=children,
        encounters=encounters,
        area=township,
    )
