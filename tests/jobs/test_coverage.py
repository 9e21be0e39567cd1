"""The coverage job: what a batch reads, workers, and the printing side (the names and
obligations a report's shortfall lines print, read for those lines only)."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from sqlalchemy import Engine

import yiyu
from yiyu.coverage import IndicatorResult, Shortfall
from yiyu.coverage.indicators import GUIDANCE
from yiyu.domain import Referral
from yiyu.jobs import coverage as coverage_job
from yiyu.jobs.coverage import coverage_report, shortfall_details
from yiyu.jobs.planning import plan
from yiyu.protocol import SubjectKind
from yiyu.scheduling import Obligation, Skip, StoredObligation
from yiyu.store import MemoryRepository, ObligationFilter, Repository, SubjectRef
from yiyu.store.database import make_engine, upgrade
from yiyu.store.sql import SqlRepository
from yiyu.testing import make_child, make_encounter


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


QUARTER: dict[str, Any] = {
    "period": yiyu.Period.parse("2026Q2"),
    "as_of": pendulum.Date(2026, 7, 15),
}


def _cohort() -> MemoryRepository:
    """Forty children and their daycares, with a few visits: many fall short."""
    repo = MemoryRepository()
    _fill(repo)
    return repo


def _fill(repo: Repository) -> None:
    """:func:`_cohort`'s children and daycares saved and planned in ``repo``."""
    from yiyu.synthetic import CohortSpec, generate_cohort

    made = generate_cohort(CohortSpec(children=40, seed=3, as_of=pendulum.Date(2026, 6, 30)))
    repo.save_daycares(list(made.daycares))
    repo.save_children(list(made.children()))
    plan(repo, yiyu.load_protocol(), as_of=pendulum.Date(2026, 1, 1), horizon_days=400)


@pytest.mark.parametrize("batch_size", [1, 7, 5_000])
def test_a_report_keeping_the_first_shortfalls_lists_the_whole_lists_first(
    batch_size: int,
) -> None:
    """``shortfall=N``: the first N of each indicator's whole list (in order of subject id
    and key) and the count of the rest, whatever the batches; the figures unchanged."""
    repo, protocol = _cohort(), yiyu.load_protocol()
    kwargs = QUARTER
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
    kwargs = QUARTER
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


# --- more workers: the same batches counted by several processes ----------------------------


def _planned(url: str) -> SqlRepository:
    """The cohort of :func:`_cohort`, planned, in the database at ``url``, opened from its
    URL alone (as a worker opens it)."""
    repo = SqlRepository(make_engine(url))
    _fill(repo)
    return repo


@pytest.fixture
def planned_store(store: tuple[str, Engine]) -> Iterator[SqlRepository]:
    """:func:`_planned` on SQLite and on PostgreSQL."""
    repo = _planned(store[0])
    yield repo
    repo.engine.dispose()


@pytest.fixture
def planned_file(tmp_path: Path) -> Iterator[SqlRepository]:
    """:func:`_planned` in a SQLite file."""
    url = f"sqlite:///{tmp_path / 'yiyu.db'}"
    upgrade(make_engine(url))
    repo = _planned(url)
    yield repo
    repo.engine.dispose()


@pytest.mark.parametrize("township", [None, "城关街道"])
def test_two_workers_count_what_one_does(
    planned_store: SqlRepository, monkeypatch: pytest.MonkeyPatch, township: str | None
) -> None:
    """The figures, the shortfalls listed and those counted are one process's, on SQLite
    and PostgreSQL, for the city and for a township; here 41 subjects in 7 batches."""
    monkeypatch.setattr(coverage_job, "WORKER_MIN_BATCHES", 1)
    started = _started(monkeypatch)
    protocol = yiyu.load_protocol()
    for kept in (None, 5):
        one = coverage_report(planned_store, protocol, batch_size=7, shortfall=kept,
                              township=township, **QUARTER)  # fmt: skip
        two = coverage_report(planned_store, protocol, batch_size=7, shortfall=kept,
                              township=township, workers=2, **QUARTER)  # fmt: skip
        assert two == one
        assert sum(r.denominator for r in one) > 0
    assert started == [2, 2]


@pytest.mark.parametrize(("least", "started"), [(5, True), (6, False)])
def test_workers_start_only_for_enough_batches(
    planned_file: SqlRepository, monkeypatch: pytest.MonkeyPatch, least: int, started: bool
) -> None:
    """Workers are started for a store of 41 subjects, in batches of 7, only if
    ``WORKER_MIN_BATCHES`` batches' worth are fewer (5 × 7 = 35, not 6 × 7 = 42); either
    way the figures are one process's."""
    assert planned_file.subject_count() == 41
    monkeypatch.setattr(coverage_job, "WORKER_MIN_BATCHES", least)
    calls = _started(monkeypatch)
    protocol = yiyu.load_protocol()
    one = coverage_report(planned_file, protocol, batch_size=7, **QUARTER)
    assert coverage_report(planned_file, protocol, batch_size=7, workers=2, **QUARTER) == one
    assert calls == ([2] if started else [])


def _started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of workers each report started, as the report runs."""
    in_workers = coverage_job._in_workers
    calls: list[int] = []

    def counted(url: str, job: Any, batches: Any, workers: int) -> Any:
        calls.append(workers)
        return in_workers(url, job, batches, workers)

    monkeypatch.setattr(coverage_job, "_in_workers", counted)
    return calls


def test_more_workers_need_a_database_others_can_open() -> None:
    protocol = yiyu.load_protocol()
    for repo, workers in ((MemoryRepository(), 2), (SqlRepository(make_engine("sqlite://")), 2),
                          (MemoryRepository(), 0), (MemoryRepository(), 65)):  # fmt: skip
        with pytest.raises(yiyu.ValidationError) as refused:
            coverage_report(repo, protocol, workers=workers, **QUARTER)
        assert refused.value.field == "workers"


def test_yiyu_coverage_workers(
    planned_file: SqlRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from yiyu.cli import app

    monkeypatch.setattr(coverage_job, "WORKER_MIN_BATCHES", 0)
    started = _started(monkeypatch)
    url = planned_file.engine.url.render_as_string(hide_password=False)
    arguments = ["--db", url, "coverage", "--period", "2026Q2", "--as-of", "2026-07-15",
                 "--format", "json"]  # fmt: skip
    one = CliRunner().invoke(app, arguments)
    two = CliRunner().invoke(app, [*arguments, "--workers", "2"])
    assert one.exit_code == two.exit_code == 0, two.output
    assert json.loads(two.output) == json.loads(one.output)
    assert started == [2]
    refused = CliRunner().invoke(app, [*arguments, "--workers", "0"])
    assert refused.exit_code == 2


def test_a_report_pauses_the_collector_for_each_batch_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The collector is off while a batch is read and counted, on between batches and
    after the report; a host that turned it off keeps it off."""
    repo = _cohort()
    reads: list[bool] = []
    obligations = repo.obligations

    def read(*args: Any, **kwargs: Any) -> Any:
        reads.append(gc.isenabled())
        return obligations(*args, **kwargs)

    monkeypatch.setattr(repo, "obligations", read)
    ids = repo.subject_ids

    def listed(*args: Any, **kwargs: Any) -> Any:
        reads.append(gc.isenabled())
        return ids(*args, **kwargs)

    monkeypatch.setattr(repo, "subject_ids", listed)
    coverage_report(repo, yiyu.load_protocol(), batch_size=20, **QUARTER)
    assert gc.isenabled()
    # Listing a page of ids (collector on), then reading its obligations (off).
    assert reads[:4] == [True, False, True, False]
    gc.disable()
    try:
        reads.clear()
        coverage_report(repo, yiyu.load_protocol(), batch_size=20, **QUARTER)
        assert not gc.isenabled()
        assert not any(reads)
    finally:
        gc.enable()


# --- what a batch reads: windows closed before the period and the year only if acted on ------


def _acted_on_cohort(repo: Repository) -> dict[str, str]:
    """Children whose windows closed in 2025, acted on since or not, in ``repo``, planned:
    the keys of the obligations acted on, by what was done."""
    born = "2024-06-01"
    referral = Referral(kind="development", opened_on="2025-03-03", reason="预警征象阳性",
                        closed_on="2026-05-12", result="未见异常")  # fmt: skip
    repo.save_children([
        make_child("C0000001", born=born),  # visited late, in the period
        make_child("C0000002", born=born),  # skipped this year: done elsewhere
        make_child("C0000003", born=born),  # visited late, in 2025
        make_child("C0000004", born=born, referrals=[referral]),  # result this year
        make_child("C0000005", born=born),  # nothing since
    ])  # fmt: skip
    plan(repo, yiyu.load_protocol(), as_of=pendulum.Date(2024, 6, 2), horizon_days=800)
    closed = pendulum.Date(2026, 1, 1)

    def old_check(child_id: str) -> Obligation:
        entries = repo.obligations(
            ObligationFilter(subject=SubjectRef(kind=SubjectKind.CHILD, id=child_id))
        )
        return next(
            e.obligation
            for e in entries
            if e.obligation.closes < closed
            and e.obligation.occurrence is None
            and any(GUIDANCE in item for item in e.obligation.contents)
            and e.obligation.closes > pendulum.Date(2025, 4, 1)  # within the year read
        )

    late, skipped, early = old_check("C0000001"), old_check("C0000002"), old_check("C0000003")
    repo.save_encounter(make_encounter(late, on=pendulum.Date(2026, 5, 6)), [])
    repo.save_skip(skipped.key, Skip(on=pendulum.Date(2026, 3, 2), reason="done_elsewhere"))
    repo.save_encounter(make_encounter(early, on=early.closes.add(days=10)), [])
    return {"late": late.key, "skipped": skipped.key, "early": early.key}


def test_a_batch_reads_old_windows_only_if_acted_on_since(
    repo: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A window that closed before the period and the year began counts only through a
    visit or a skip recorded since, or a referral's result: coverage reads only those,
    and its figures and shortfalls are those of reading them all (memory, SQLite,
    PostgreSQL)."""
    keys = _acted_on_cohort(repo)
    protocol = yiyu.load_protocol()
    read: list[str] = []
    obligations = repo.obligations

    def reading(where: ObligationFilter, **kwargs: Any) -> list[StoredObligation]:
        entries = obligations(where, **kwargs)
        read.extend(e.obligation.key for e in entries)
        return entries

    monkeypatch.setattr(repo, "obligations", reading)
    narrow = coverage_report(repo, protocol, **QUARTER)
    narrow_read = set(read)
    read.clear()
    with monkeypatch.context() as wide:
        wide.setattr(
            coverage_job,
            "ObligationFilter",
            lambda **fields: ObligationFilter(**{**fields, "acted_since": None}),
        )
        everything = coverage_report(repo, protocol, **QUARTER)
    assert narrow == everything
    assert narrow_read < set(read)  # fewer read, none other
    assert {keys["late"], keys["skipped"]} <= narrow_read
    assert keys["early"] not in narrow_read
    assert any("@" in key for key in narrow_read)  # the referral's tracking
    by_id = {result.indicator: result for result in narrow}
    # The late visit in the period gave guidance; the skip this year saw the child.
    assert by_id["parenting_knowledge"].numerator >= 1
    assert by_id["child_health_management"].elsewhere >= 1
