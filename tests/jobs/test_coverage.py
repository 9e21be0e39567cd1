"""The coverage job's printing side: the names and obligations a report's shortfall
lines print, read for those lines only."""

from __future__ import annotations

from typing import Any

import attrs
import pendulum
import pytest

import yiyu
from yiyu.coverage import IndicatorResult, Shortfall
from yiyu.jobs.coverage import coverage_report, shortfall_details
from yiyu.jobs.planning import plan
from yiyu.store import MemoryRepository
from yiyu.testing import make_child


def test_shortfall_details_name_the_service_and_the_due_date_of_the_lines_printed() -> None:
    repo = MemoryRepository()
    repo.save_children([make_child("C1", name="王小红", born="2026-01-31", township="城关街道")])
    protocol = yiyu.load_protocol()
    plan(repo, protocol, as_of=pendulum.Date(2026, 2, 1), horizon_days=400)
    results = coverage_report(
        repo, protocol, period=yiyu.Period.parse("2026Q2"), as_of=pendulum.Date(2026, 7, 15)
    )
    keyed = [s for r in results for s in r.shortfall if s.key and s.key.startswith("child:")]
    assert keyed, "the child missed its checks: some shortfall names an obligation"
    details = shortfall_details(repo, {"全市": results})
    assert details.names == {"C1": "王小红"}
    for shortfall in keyed:
        obligation = details.obligations[shortfall.key]  # type: ignore[index]
        assert obligation.subject_id == "C1"
        assert obligation.name  # 3月龄健康检查 …, not a rule id
    # An open case's shortfall carries the case's id, not an obligation key: named, not read.
    case = attrs.evolve(results[0], shortfall=(Shortfall(subject_id="C1", key="anaemia@2026-03-01",
                                                         reason="open"),))  # fmt: skip
    assert shortfall_details(repo, {"全市": [case]}).obligations == {}
    # Only the lines printed are read.
    assert shortfall_details(repo, {"全市": results}, shown=0).obligations == {}


def _cohort() -> MemoryRepository:
    """Forty children and their daycares, with a few visits: many fall short."""
    from yiyu.synthetic import CohortSpec, generate_cohort

    repo = MemoryRepository()
    made = generate_cohort(CohortSpec(children=40, seed=3, as_of=pendulum.Date(2026, 6, 30)))
    repo.save_daycares(list(made.daycares))
    repo.save_children(list(made.children()))
    plan(repo, yiyu.load_protocol(), as_of=pendulum.Date(2026, 1, 1), horizon_days=400)
    return repo


@pytest.mark.parametrize("batch_size", [1, 7, 5_000])
def test_a_report_keeping_the_first_shortfalls_lists_the_whole_lists_first(
    batch_size: int,
) -> None:
    """``shortfall=N``: the first N of each indicator's whole list (in order of subject id
    and key) and the count of the rest, whatever the batches; the figures unchanged."""
    repo, protocol = _cohort(), yiyu.load_protocol()
    kwargs: dict[str, Any] = {"period": yiyu.Period.parse("2026Q2"),
                              "as_of": pendulum.Date(2026, 7, 15)}  # fmt: skip
    whole = coverage_report(repo, protocol, **kwargs)
    assert max(len(r.shortfall) for r in whole) > 5
    for kept in (0, 5):
        short = coverage_report(repo, protocol, batch_size=batch_size, shortfall=kept, **kwargs)
        for full, part in zip(whole, short, strict=True):
            assert part.shortfall == full.shortfall[:kept]
            assert part.shortfall_count == len(full.shortfall)
            assert part.shortfall_more == max(0, len(full.shortfall) - kept)
            assert attrs.evolve(part, shortfall=(), shortfall_more=0) == attrs.evolve(
                full, shortfall=(), shortfall_more=0
            )


def test_a_printed_report_counts_the_shortfalls_it_does_not_list() -> None:
    from yiyu.reports.coverage import SHORTFALL_SHOWN, coverage_document

    repo, protocol = _cohort(), yiyu.load_protocol()
    kwargs: dict[str, Any] = {"period": yiyu.Period.parse("2026Q2"),
                              "as_of": pendulum.Date(2026, 7, 15)}  # fmt: skip
    whole = coverage_report(repo, protocol, **kwargs)
    kept = coverage_report(repo, protocol, shortfall=SHORTFALL_SHOWN, **kwargs)

    def shortfalls(results: list[IndicatorResult]) -> Any:
        document = coverage_document({"全市": results}, period="2026Q2", as_of=kwargs["as_of"],
                                     institution="测试社区卫生服务中心")  # fmt: skip
        return document.context["areas"][0]["shortfalls"]

    assert shortfalls(kept) == shortfalls(whole)
    assert any(section["more"] for section in shortfalls(kept))


@pytest.mark.parametrize("value", [-1, "5", 1.5])
def test_the_shortfalls_kept_are_a_count(value: object) -> None:
    with pytest.raises(yiyu.ValidationError, match="shortfall"):
        coverage_report(
            MemoryRepository(),
            yiyu.load_protocol(),
            period=yiyu.Period.parse("2026Q2"),
            as_of=pendulum.Date(2026, 7, 15),
            shortfall=value,  # type: ignore[arg-type]
        )
