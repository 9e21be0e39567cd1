"""The coverage job's printing side: the names and obligations a report's shortfall
lines print, read for those lines only."""

from __future__ import annotations

import attrs
import pendulum

import yiyu
from yiyu.coverage import Shortfall
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
