"""Coverage on a small cohort whose answer is known by hand (#6).

Period 2026Q2 (1 April – 30 June 2026), judged on 15 July 2026. Windows are the
protocol's (m3: 2 months – the day before 5 months; m6: 5 – 7 months).

| child | born | what happens | m3 window | m6 window |
|---|---|---|---|---|
| A | 2026-01-10 | m3 done 1 May | 03-10 … 06-09 (Q2): done | closes in Q3 |
| B | 2025-12-20 | m3 done 1 June, after its window | 02-20 … 05-19 (Q2): late | Q3 |
| C | 2025-11-15 | nothing; m6 refused | 01-15 … 04-14 (Q2): missed | 04-15 … 06-14: skipped |
| D | 2026-01-20 | moved out 1 April | cancelled: not counted | — |
| E | 2025-12-01 | registered 1 May; m6 done 10 June | before registration | 05-01 … 06-30: done |

Daycares: DC1 open all quarter, visited 10 May; DC2 opened 15 May, not visited; DC3
opened 20 June (11 days: not owed, min_days 30).
"""

from __future__ import annotations

import pendulum
import pytest

import yiyu
from yiyu.coverage import coverage
from yiyu.jobs.planning import plan
from yiyu.store import MemoryRepository, ObligationFilter

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()
Q2 = yiyu.Period.parse("2026Q2")
AS_OF = D(2026, 7, 15)


def kid(child_id: str, born: str, **extra: object) -> yiyu.Child:
    birth = yiyu.to_date(born)
    return yiyu.Child(
        id=child_id,
        name=f"儿童{child_id}",
        sex="F",
        birth_date=birth,
        discharge_date=birth.add(days=2),
        township="城关街道",
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def results() -> dict[str, yiyu.coverage.IndicatorResult]:
    repo = MemoryRepository()
    children = [
        kid("A", "2026-01-10"),
        kid("B", "2025-12-20"),
        kid("C", "2025-11-15"),
        kid("D", "2026-01-20", life_events=[yiyu.LifeEvent(kind="moved_out", on="2026-04-01")]),
        kid("E", "2025-12-01", registered_on="2026-05-01"),
    ]
    repo.save_children(children)
    repo.save_daycares(
        [
            yiyu.Daycare(id="DC1", name="一园", township="城关街道", opened_on="2026-01-01"),
            yiyu.Daycare(id="DC2", name="二园", township="城关街道", opened_on="2026-05-15"),
            yiyu.Daycare(id="DC3", name="三园", township="城关街道", opened_on="2026-06-20"),
        ]
    )
    plan(repo, PROTOCOL, as_of=D(2026, 1, 1), horizon_days=400)
    for encounter_id, key, day in [
        ("e1", "child:A/m3", "2026-05-01"),
        ("e2", "child:B/m3", "2026-06-01"),
        ("e3", "child:E/m6", "2026-06-10"),
        ("e4", "daycare:DC1/daycare_quarterly_visit/2026Q2", "2026-05-10"),
    ]:
        subject = key.split("/")[0].split(":")[1]
        repo.save_encounter(
            yiyu.Encounter(id=encounter_id, subject_id=subject, on=day, obligation_key=key), []
        )
    repo.save_skip("child:C/m6", yiyu.Skip(on="2026-05-01", reason="family_refused"))
    found = coverage(
        repo.obligations(ObligationFilter(include_withdrawn=True)),
        period=Q2,
        as_of=AS_OF,
        protocol=PROTOCOL,
        children={c.id: c for c in children},
    )
    return {r.indicator: r for r in found}


def test_developmental_screening(results: dict[str, yiyu.coverage.IndicatorResult]) -> None:
    r = results["dev_screening_0_3"]
    # A.m3 done, E.m6 done | B.m3 late, C.m3 missed, C.m6 skipped; D cancelled, E.m3 before
    # registration: not counted.
    assert (r.numerator, r.denominator, r.late, r.skipped) == (2, 5, 1, 1)
    assert r.rate == pytest.approx(0.4)
    assert (r.target, r.met) == (0.95, False)
    reasons = {(s.subject_id, s.key, s.reason) for s in r.shortfall}
    assert reasons == {
        ("B", "child:B/m3", "late"),
        ("C", "child:C/m3", "missed"),
        ("C", "child:C/m6", "skipped"),
    }


def test_infant_health_management(results: dict[str, yiyu.coverage.IndicatorResult]) -> None:
    r = results["infant_health_management"]
    # Under 3 and here during Q2: A, B, C, E (D left on its first day). Seen: A, B, E.
    assert (r.numerator, r.denominator) == (3, 4)
    assert [s.subject_id for s in r.shortfall] == ["C"]
    assert r.target == 0.95
    assert r.target_strict  # "超过95%"
    assert r.met is False


def test_systematic_management(results: dict[str, yiyu.coverage.IndicatorResult]) -> None:
    r = results["under3_systematic_management"]
    assert (r.numerator, r.denominator) == (2, 4)  # A and E had all theirs on time


def test_daycares_opening_mid_quarter(results: dict[str, yiyu.coverage.IndicatorResult]) -> None:
    r = results["daycare_quarterly_visit"]
    assert (r.numerator, r.denominator) == (1, 2)  # DC3 opened too late in June to owe one
    assert [s.subject_id for s in r.shortfall] == ["DC2"]
    assert (r.target, r.met) == (1.0, False)


def test_json_shape(results: dict[str, yiyu.coverage.IndicatorResult]) -> None:
    data = results["newborn_visit"].as_dict()
    assert set(data) >= {
        "indicator", "name", "area", "period", "numerator", "denominator", "rate", "target",
        "definition",
    }  # fmt: skip
    assert data["period"] == "2026Q2"
    assert data["area"] == "全市"
    assert data["rate"] is None or 0 <= data["rate"] <= 1


def test_an_empty_area_has_no_rate() -> None:
    [r, *_] = coverage([], period=Q2, as_of=AS_OF, protocol=PROTOCOL, children={}, area="东城街道")
    assert (r.denominator, r.rate, r.met) == (0, None, None)


def test_coverage_page_is_current() -> None:
    from pathlib import Path

    page = Path(__file__).resolve().parents[1] / "docs" / "coverage.md"
    assert page.read_text(encoding="utf-8") == yiyu.coverage.indicators_markdown(PROTOCOL), (
        "docs/coverage.md is stale: run `nox -s docs` and commit the result"
    )
