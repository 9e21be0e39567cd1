"""The coverage job: indicators for a period and an area, read from the store."""

from __future__ import annotations

import pendulum

from yiyu.coverage import IndicatorResult, coverage
from yiyu.dates import Period
from yiyu.domain import Child
from yiyu.protocol import Protocol
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

    Reads only the obligations whose window closes in the period, and the children.
    """
    stored = repo.obligations(
        ObligationFilter(
            township=township,
            closes_from=period.start,
            closes_by=period.end,
            include_withdrawn=True,
        )
    )
    children: dict[str, Child] = {}
    for ref in repo.subjects():
        if ref.kind == "child":
            child = repo.get_child(ref.id)
            if child is not None and (township is None or child.township == township):
                children[ref.id] = child
    return coverage(
        stored, period=period, as_of=as_of, protocol=protocol, children=children, area=township
    )
