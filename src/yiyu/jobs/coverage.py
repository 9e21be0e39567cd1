"""The coverage job: indicators for a period and an area, read from the store in batches."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

import attrs
import pendulum

from yiyu.coverage import IndicatorResult, Shortfall, coverage, year_to_date
from yiyu.dates import Period
from yiyu.domain import Child
from yiyu.domain._convert import whole_number
from yiyu.errors import ValidationError
from yiyu.jobs.collector import collector_paused
from yiyu.jobs.processes import MAX_WORKERS, process_pool, shared_url
from yiyu.protocol import Protocol, SubjectKind
from yiyu.scheduling import Obligation
from yiyu.scheduling.obligation import key_subject_kind
from yiyu.store import ObligationFilter, Repository, SubjectRange, SubjectRef
from yiyu.store.database import make_engine
from yiyu.store.sql import SqlRepository

__all__ = [
    "COVERAGE_BATCH",
    "WORKER_MIN_BATCHES",
    "ShortfallDetails",
    "coverage_report",
    "shortfall_details",
]

# Subjects counted at a time (a yiyu default): memory grows with the batch, not with the
# province. 5,000 children hold about 100 MB of obligations, visits and facts.
COVERAGE_BATCH = 5_000
# A store of fewer batches than this is counted in the calling process even when workers
# are asked for; a yiyu default. On the benchmark machine (2 cores, SQLite) starting two
# workers took about 1.2 s, and each batch of 5,000 counted by them saved about 0.18 s
# (100k children, 21 batches: 7.96 s in one process, 5.16 s with two, the start
# included): they gain from about 7 batches on. At 10k (3 batches) two workers took
# 1.66 s, one process 0.95 s.
WORKER_MIN_BATCHES = 8


def coverage_report(
    repo: Repository,
    protocol: Protocol,
    *,
    period: Period,
    as_of: pendulum.Date,
    township: str | None = None,
    batch_size: int = COVERAGE_BATCH,
    shortfall: int | None = None,
    workers: int = 1,
) -> list[IndicatorResult]:
    """Every indicator for ``period`` in ``township`` (``None``: the whole city).

    Counts the subjects in batches of ``batch_size`` in the order of their ids: for each,
    the obligations around the period, the visits of the year so far and the children
    (those the obligations name, and every child living in the area, since the
    indicators over resident children — the yearly rates, 家庭医生签约率, the 科学育儿
    proxy — count children with nothing due). Each subject is counted on its own, so the
    batches' results add up to the area's (:meth:`~yiyu.coverage.IndicatorResult.added`),
    whatever the batch size or the number of workers; a shortfall list is in order of
    subject id and obligation key.

    Args:
        repo: the store.
        protocol: for the targets.
        period: the month, quarter, half-year or year.
        as_of: today: windows that have not closed yet are not judged.
        township: a township, or ``None`` for the whole city.
        batch_size: subjects per batch (:data:`COVERAGE_BATCH`, a yiyu default).
        shortfall: list only the first this many shortfalls of each indicator (in order
            of subject id and key) and count the others
            (:attr:`~yiyu.coverage.IndicatorResult.shortfall_more`): a report printing a
            few then holds a few, not a province's (half a million at 100,000 children
            with few visits recorded). ``None``: list them all.
        workers: processes counting the batches (1 to
            :data:`~yiyu.jobs.processes.MAX_WORKERS`). With more than one, each opens
            ``repo``'s database itself (so ``repo`` must be a
            :class:`~yiyu.store.sql.SqlRepository` on a database file or server) and
            counts whole batches; the results are the same as with one. A store of fewer
            than :data:`WORKER_MIN_BATCHES` batches of subjects is counted in this
            process: starting the workers would cost more than they save.

    Returns:
        One result per indicator of :data:`yiyu.coverage.INDICATORS`.

    Raises:
        ValidationError: naming the argument, if ``batch_size``, ``shortfall`` or
            ``workers`` is not what it should be (more than one worker on a store other
            processes cannot open).
    """
    batch_size = whole_number("batch_size", batch_size, minimum=1, maximum=1_000_000)
    if shortfall is not None:
        shortfall = whole_number("shortfall", shortfall, minimum=0, maximum=1_000_000_000)
    whole_number("workers", workers, minimum=1, maximum=MAX_WORKERS)
    url = shared_url(repo) if workers > 1 else None
    if url is not None and repo.subject_count() < WORKER_MIN_BATCHES * batch_size:
        url = None  # a few batches: the workers' start would cost more than they save
    job = _CountJob(
        protocol=protocol, period=period, as_of=as_of, township=township, shortfall=shortfall
    )
    batches = _batches(repo, batch_size)
    if url is None:
        counted: Iterable[list[IndicatorResult]] = (job.count(repo, b) for b in batches)
    else:
        counted = _in_workers(url, job, batches, workers)
    total: list[IndicatorResult] | None = None
    for batch in counted:
        total = batch if total is None else [t.added(b) for t, b in zip(total, batch, strict=True)]
        if shortfall is not None:  # the first of each part's first are the whole's first
            total = [result.keeping(shortfall) for result in total]
    if total is None:  # an empty store: the figures of nothing
        total = coverage([], period=period, as_of=as_of, protocol=protocol, children={},
                         encounters=[], area=township)  # fmt: skip
    return [
        attrs.evolve(result, shortfall=tuple(sorted(result.shortfall, key=_subject_order)))
        for result in total
    ]


def _subject_order(shortfall: Shortfall) -> tuple[str, str]:
    return shortfall.subject_id, shortfall.key or ""


def _batches(repo: Repository, size: int) -> Iterator[SubjectRange]:
    """Every subject, a page of ids at a time, as the range of the page's ids."""
    for kind in SubjectKind:
        after: str | None = None
        while ids := repo.subject_ids(kind, after=after, limit=size):
            yield SubjectRange(kind=kind, first=ids[0], last=ids[-1])
            after = ids[-1]


@attrs.frozen(kw_only=True)
class _CountJob:
    """What every batch of a report is counted with; sent to each worker process once."""

    protocol: Protocol
    period: Period
    as_of: pendulum.Date
    township: str | None
    shortfall: int | None

    def count(self, repo: Repository, subjects: SubjectRange) -> list[IndicatorResult]:
        """The figures of one batch of subjects (its first shortfalls, if only those are
        kept: a worker then sends a few, not a batch's thousands)."""
        with collector_paused():  # a batch's values hold no cycles (jobs.collector)
            return self._count(repo, subjects)

    def _count(self, repo: Repository, batch: SubjectRange) -> list[IndicatorResult]:
        period, as_of, township = self.period, self.as_of, self.township
        first, last = year_to_date(period, as_of)
        # Loosely: everything whose window touches the period or closed within a year
        # before it (a visit done in the period for a window that closed earlier); the
        # indicators apply the exact rules. Of the windows that closed before both the
        # period and the year began (half the rows at 100,000 children), an indicator
        # counts only those visited or skipped since (guidance given in the period; a
        # visit skipped as done elsewhere this year) or tracking a referral, whose result
        # completes it: the store reads only those (tests/jobs/test_coverage.py compares
        # the report with one counted over every obligation).
        stored = repo.obligations(
            ObligationFilter(
                subjects=batch,
                township=township,
                opens_by=period.end,
                closes_from=period.start.subtract(years=1),
                acted_since=min(period.start, first),
                include_withdrawn=True,
            )
        )
        children: dict[str, Child] = {}
        if batch.kind is SubjectKind.CHILD:
            named = {s.obligation.subject_id for s in stored}
            children = {
                child_id: child
                for child_id, child in repo.children_in(batch).items()
                if township is None or child.township == township or child_id in named
            }
        # The yearly rates count the visits of the year so far, and a screen recorded at
        # a check due this year, which may have been done before 1 January, once its
        # window opened.
        opened = min((s.obligation.opens for s in stored), default=first)
        encounters = repo.encounters_between(min(first, opened), last, subjects=batch)
        return coverage(
            stored,
            period=period,
            as_of=as_of,
            protocol=self.protocol,
            children=children,
            encounters=encounters,
            area=township,
            shortfall=self.shortfall,
        )


def _in_workers(
    url: str, job: _CountJob, batches: Iterator[SubjectRange], workers: int
) -> Iterator[list[IndicatorResult]]:
    """The batches counted by ``workers`` processes, each reading its own batches.

    The ids are listed here, a page at a time, as the workers take them; the results
    come back in the batches' order (their sum does not depend on it)."""
    with process_pool(workers, _worker_start, (url, job), preload=__name__) as pool:
        yield from pool.imap(_worker_count, batches)


_WORKER: tuple[SqlRepository, _CountJob] | None = None


def _worker_start(url: str, job: _CountJob) -> None:
    global _WORKER
    # A worker only reads: on SQLite its reads need not wait for the write lock that every
    # transaction of yiyu's otherwise begins with (``reader`` changes nothing elsewhere).
    _WORKER = SqlRepository(make_engine(url, reader=True)), job


def _worker_count(subjects: SubjectRange) -> list[IndicatorResult]:
    assert _WORKER is not None, "started by _worker_start"
    repo, job = _WORKER
    return job.count(repo, subjects)


@attrs.frozen(kw_only=True)
class ShortfallDetails:
    """What a printed report needs to name its shortfalls: subject id → name, and
    obligation key → the obligation (its service name and due date)."""

    names: Mapping[str, str]
    obligations: Mapping[str, Obligation]


def shortfall_details(
    repo: Repository,
    by_area: Mapping[str, Sequence[IndicatorResult]],
    *,
    shown: int | None = None,
) -> ShortfallDetails:
    """The names and obligations of the shortfalls a coverage report prints.

    Only the lines printed are read (``shown`` per indicator and area, by default
    :data:`yiyu.reports.coverage.SHORTFALL_SHOWN`), so a city's report reads a few hundred
    subjects, not every one that fell short.
    """
    if shown is None:
        from yiyu.reports.coverage import SHORTFALL_SHOWN

        shown = SHORTFALL_SHOWN
    keys: dict[SubjectRef, set[str]] = {}
    unkeyed: set[str] = set()
    for results in by_area.values():
        for result in results:
            for item in result.shortfall[:shown]:
                kind = _obligation_kind(item.key)
                if item.key is None or kind is None:  # a child, or a case by its id
                    unkeyed.add(item.subject_id)
                    continue
                keys.setdefault(SubjectRef(kind=kind, id=item.subject_id), set()).add(item.key)
    names: dict[str, str] = {}
    for kind in SubjectKind:
        ids = sorted({ref.id for ref in keys if ref.kind is kind} | unkeyed)
        names.update({sid: listed.name for sid, listed in repo.listed(kind, ids).items()})
    obligations: dict[str, Obligation] = {}
    for ref, wanted in sorted(keys.items(), key=lambda pair: (pair[0].kind.value, pair[0].id)):
        for entry in repo.obligations(ObligationFilter(subject=ref, include_withdrawn=True)):
            if entry.obligation.key in wanted:
                obligations[entry.obligation.key] = entry.obligation
    return ShortfallDetails(names=names, obligations=obligations)


def _obligation_kind(key: str | None) -> SubjectKind | None:
    """The subject kind of an obligation's key; ``None`` for no key or another kind of
    key (an open case's shortfall carries the case's id)."""
    if key is None:
        return None
    try:
        return key_subject_kind(key)
    except ValidationError:
        return None
