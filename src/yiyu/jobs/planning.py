"""The nightly plan: materialise every subject's obligations up to a horizon.

Idempotent, resumable and safe to run twice at once:

* subjects are planned in batches, each saved in one transaction with the state every
  subject was planned from (facts hash, protocol, horizon), so a run killed halfway leaves
  every subject either planned or not, and the next run finishes the rest (SQLite, one
  writer, saves several batches to a transaction: commits there cost by the pages);
* a subject whose facts, protocol and horizon have not changed is skipped (incremental):
  the store lists the subjects that may need a new plan (``Repository.subjects_to_plan``:
  written since their plan, a daycare they attend written since, planned under another
  protocol, or short of the horizon) and only those are read, their hashes comparing
  what changed; ``full=True`` re-plans everything;
* saving reconciles on the stable keys (``yiyu.store.reconcile``) under a lock on the
  subject, so two runs on one PostgreSQL neither duplicate nor deadlock;
* on PostgreSQL a run in one process saves each batch from a thread of its own while it
  plans the next (the save is mostly the server's work);
* ``workers`` processes plan the batches at once, and runs on several hosts share them
  without a coordinator: each batch is claimed (``Repository.claim``, an advisory lock on
  PostgreSQL) while it is planned, and a batch another run holds is left to it.

A subject is planned a month further than asked (:data:`HORIZON_SLACK_DAYS`), so a
nightly run re-plans each unchanged subject about once a month rather than every night.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack

import attrs
import pendulum
from sqlalchemy import make_url

from yiyu.codec import SCHEMA_VERSION, facts_hash
from yiyu.dates import to_date
from yiyu.domain import Child, Daycare
from yiyu.domain._convert import check_type, whole_number
from yiyu.jobs.collector import collector_paused
from yiyu.jobs.processes import MAX_WORKERS, process_pool, shared_url
from yiyu.protocol import Protocol, SubjectKind
from yiyu.scheduling import schedule
from yiyu.scheduling.engine import DEFAULT_HORIZON_DAYS, check_horizon_days
from yiyu.store import PlanItem, PlanState, Repository, SaveCounts, SubjectRange, SubjectRef
from yiyu.store.api import CurrentPlan
from yiyu.store.database import make_engine
from yiyu.store.sql import SqlRepository

__all__ = [
    "DEFAULT_HORIZON_DAYS",
    "HORIZON_SLACK_DAYS",
    "PlanResult",
    "assignees_for",
    "plan",
    "plan_basis",
    "plan_digest",
    "plan_item",
]

HORIZON_SLACK_DAYS = 30
# How many obligations a plan saves in one transaction on SQLite (:func:`_saved_together`);
# a yiyu default. It holds SQLite's one write lock two to three seconds at a time (on the
# benchmark machine, one worker planning and saving): a visit recorded meanwhile waits.
SQLITE_ROWS_PER_COMMIT = 40_000
# Fewer batches than this are planned in the calling process even when workers are asked
# for; a yiyu default. Starting them (a fork server that imports yiyu, then each worker)
# took 1.4 s on the benchmark machine, and two workers saved about 0.09 s a batch on a
# full plan at 100k (SQLite 53.2 s -> 35.3 s over 205 batches): they gain from about 16
# batches on. A nightly run after 1 % of 10k children changed took 0.11 s in one process
# and 1.68 s with two workers.
WORKER_MIN_BATCHES = 16
# How much lower the priority of a plan's worker processes is on SQLite (``os.nice``); a
# yiyu default. There the parent is the one writer, which every batch waits for, and the
# workers plan the next batches on the same cores: given way to, it wrote a full plan at
# 100k children with two workers in 24.4 s instead of 28.1 (medians of 3, 2 cores). On
# PostgreSQL the workers write themselves and it made no difference (25.2 s, 25.3 s).
SQLITE_WORKER_NICENESS = 10

Progress = Callable[[int, int], None]


@attrs.frozen(kw_only=True)
class PlanResult:
    """What a plan run did."""

    run_id: int
    subjects: int
    planned: int
    skipped: int
    obligations: SaveCounts
    seconds: float


def assignees_for(
    subject: Child | Daycare, daycares: Mapping[str, Daycare]
) -> tuple[str | None, dict[str, str | None]]:
    """The township of a subject and who acts for each role on its obligations.

    A child's daycare obligations fall to each daycare's own health instructor
    (``health_instructor@<daycare id>``); ``daycares`` must hold the child's daycares.
    """
    if isinstance(subject, Daycare):
        return subject.township, {"health_instructor": subject.health_instructor}
    roles: dict[str, str | None] = {"family_doctor": subject.family_doctor}
    for enrolment in subject.enrolments:
        daycare = daycares.get(enrolment.daycare_id)
        roles[f"health_instructor@{enrolment.daycare_id}"] = (
            daycare.health_instructor if daycare is not None else None
        )
    return subject.township, roles


def plan_digest(subject: Child | Daycare, assignees: Mapping[str, str | None]) -> str:
    """What a plan depends on beyond the protocol: the subject's facts and who acts for
    it (a daycare's new health instructor re-plans its children too)."""
    return _digest(facts_hash(subject), assignees)


def _digest(subject_hash: str, assignees: Mapping[str, str | None]) -> str:
    people = "|".join(f"{role}={who}" for role, who in sorted(assignees.items()))
    return hashlib.sha256(f"{subject_hash}|{people}".encode()).hexdigest()


def plan_basis(protocol: Protocol) -> str:
    """What a stored plan was computed by, as its plan state records it: the protocol's
    layers (:attr:`~yiyu.Protocol.plan_label`) and the version of the facts hash. The
    store finds stale plans by comparing it (:meth:`~yiyu.store.api.Repository.
    subjects_to_plan`), so a yiyu whose facts hash changed re-plans every subject once."""
    return f"{protocol.plan_label} facts v{SCHEMA_VERSION}"


def plan_item(
    subject: Child | Daycare,
    protocol: Protocol,
    *,
    as_of: dt.date | str,
    horizon_days: int,
    known: PlanState | None,
    full: bool,
    daycares: Mapping[str, Daycare],
    subject_hash: str | None = None,
) -> PlanItem | None:
    """The fresh plan of one subject, or ``None`` if what is stored is still current.

    ``subject_hash`` is the hash of the subject's facts as the store keeps it
    (:meth:`~yiyu.store.api.Repository.facts_hashes`); without it they are hashed here.

    Raises:
        ValidationError: if ``as_of`` is not a date or ``horizon_days`` is not a
            horizon (0 to :data:`~yiyu.scheduling.engine.MAX_HORIZON_DAYS` days).
    """
    day = to_date(as_of, field="as_of")
    horizon = check_horizon_days(horizon_days)
    township, assignees = assignees_for(subject, daycares)
    if subject_hash is None:  # hashed once: the check and the stale-plan guard
        subject_hash = facts_hash(subject)
    digest = _digest(subject_hash, assignees)
    needed = _days_after(day, horizon)
    if (
        not full
        and known is not None
        and known.facts_hash == digest
        and known.protocol == plan_basis(protocol)
        and known.planned_until >= needed
    ):
        return None
    until = _days_after(needed, HORIZON_SLACK_DAYS)
    if known is not None and known.planned_until > until:
        until = known.planned_until  # never pull the horizon in: that would withdraw
    return PlanItem(
        ref=SubjectRef.of(subject),
        obligations=schedule(subject, protocol, until=until),
        state=PlanState(facts_hash=digest, protocol=plan_basis(protocol), planned_until=until),
        township=township,
        assignees=assignees,
        subject_hash=subject_hash,
    )


def _days_after(day: pendulum.Date, days: int) -> pendulum.Date:
    """``day.add(days=days)`` by ordinal: pendulum builds a duration for each ``add``,
    and :func:`plan_item` takes two steps for every subject planned."""
    return pendulum.Date.fromordinal(day.toordinal() + days)


def plan(
    repo: Repository,
    protocol: Protocol,
    *,
    as_of: dt.date | str,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    full: bool = False,
    subjects: Sequence[SubjectRef] | None = None,
    batch_size: int = 500,
    progress: Progress | None = None,
    workers: int = 1,
) -> PlanResult:
    """Plan every subject (or ``subjects``) as of ``as_of``.

    Args:
        repo: the store.
        protocol: from :func:`yiyu.load_protocol`.
        as_of: today (a ``datetime.date`` or ``YYYY-MM-DD``); the horizon counts
            from it.
        horizon_days: how far ahead obligations are materialised (180 by default; 0
            to :data:`~yiyu.scheduling.engine.MAX_HORIZON_DAYS`).
        full: re-plan every subject, not only those whose facts, protocol or horizon
            changed.
        subjects: only these (default: every child and daycare).
        batch_size: subjects read and planned at once.
        progress: called with (done, total) after each batch; an incremental run reads
            only the subjects the store lists as stale, and ends with (total, total).
        workers: processes planning the batches (1 to :data:`MAX_WORKERS`). With more
            than one, the same batches are planned by that many processes, each with its
            own connection to ``repo``'s database (so ``repo`` must be a
            :class:`~yiyu.store.sql.SqlRepository` on a database file or server); the
            result, and what is stored, is the same as with one. A run of fewer than
            :data:`WORKER_MIN_BATCHES` batches (a nightly run after a few changes) is
            planned in this process: starting the workers would cost more than they save.
            Whatever the number, a batch another run is planning at the same time is left
            to it (:meth:`~yiyu.store.api.Repository.claim`).

    Returns:
        Counts of subjects planned and skipped and of obligations written, with the run id.

    Raises:
        ValidationError: naming the argument, if ``protocol``, ``as_of``,
            ``horizon_days``, ``batch_size`` or ``workers`` is not what it should be (more
            than one worker on a store other processes cannot open); nothing is run or
            recorded then.
    """
    check_type("protocol", protocol, Protocol, "a Protocol (from yiyu.load_protocol)")
    day = to_date(as_of, field="as_of")
    check_horizon_days(horizon_days)
    whole_number("batch_size", batch_size, minimum=1, maximum=1_000_000)
    whole_number("workers", workers, minimum=1, maximum=MAX_WORKERS)
    url = shared_url(repo) if workers > 1 else None
    started = time.perf_counter()
    run_id = repo.start_run(
        "plan",
        parameters={"as_of": day.isoformat(), "horizon_days": horizon_days, "full": full,
                    "protocol": protocol.label},
    )  # fmt: skip
    needed = day.add(days=horizon_days)
    batches: Iterable[Sequence[SubjectRef]]
    if subjects is not None:
        refs = sorted(set(subjects))
        total, batches = len(refs), _slices(refs, batch_size)
    elif full:
        total, batches = repo.subject_count(), _listed(repo, batch_size)
    else:
        # Only the subjects the store finds stale are read; the others are counted as
        # skipped, as a reading of each would have found them unchanged.
        total = repo.subject_count()
        batches = _stale(repo, plan_basis(protocol), needed, batch_size)
    planned = skipped = done = 0
    counts = SaveCounts()
    job = _BatchJob(protocol=protocol, day=day.isoformat(), horizon_days=horizon_days, full=full)
    try:
        if url is not None:
            batches = listed = list(batches)
            if len(listed) < WORKER_MIN_BATCHES:  # the workers' start would cost more
                url = None
        if url is None and _one_writer(repo):
            runs = (functools.partial(job.run, repo, batch) for batch in batches)
            outcomes: Iterable[_Outcome] = _saved_together(repo, runs)
        elif url is None and _saves_alongside(repo):
            outcomes = _overlapped(repo, job, batches)
        elif url is None:
            outcomes = (job.run(repo, batch) for batch in batches)
        else:
            outcomes = _in_workers(repo, url, job, listed, workers)
        for size, fresh, saved in outcomes:
            skipped += size - fresh
            counts += saved
            planned += fresh
            done += size
            if progress is not None:
                progress(min(done, total), total)
        if progress is not None and done < total:  # the rest were found current
            progress(total, total)
    except BaseException as error:
        repo.finish_run(
            run_id,
            status="failed",
            counts={"planned": planned, "skipped": skipped},
            error=error,
        )
        raise
    total = max(total, done)  # subjects added while it ran may have been listed too
    skipped = total - planned
    result = PlanResult(
        run_id=run_id,
        subjects=total,
        planned=planned,
        skipped=skipped,
        obligations=counts,
        seconds=time.perf_counter() - started,
    )
    repo.finish_run(
        run_id,
        status="succeeded",
        counts={
            "subjects": result.subjects,
            "planned": planned,
            "skipped": skipped,
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "seconds": round(result.seconds, 3),
        },
    )
    return result


_Outcome = tuple[int, int, SaveCounts]  # subjects in the batch, planned, obligations saved


@attrs.frozen(kw_only=True)
class _BatchJob:
    """What every batch of a run is planned with; sent to each worker process once."""

    protocol: Protocol
    day: str
    horizon_days: int
    full: bool

    def run(self, repo: Repository, batch: Sequence[SubjectRef]) -> _Outcome:
        """Plan one batch and save it in one transaction, unless another run (another
        host's) is planning the same batch now: then it is left to that run."""
        with repo.claim(_claim_key(batch)) as mine:
            if not mine:
                return _left_to_another(batch)
            with collector_paused():  # a batch's values hold no cycles (jobs.collector)
                return self.save(repo, batch, self.items(repo, batch))

    def items(self, repo: Repository, batch: Sequence[SubjectRef]) -> list[PlanItem]:
        """The fresh plans of a batch (nothing written)."""
        day = to_date(self.day, field="as_of")
        return _plan_batch(repo, self.protocol, batch, day, self.horizon_days, self.full)

    def save(
        self, repo: Repository, batch: Sequence[SubjectRef], items: Sequence[PlanItem]
    ) -> _Outcome:
        """Save a batch's fresh plans in one transaction."""
        saved = repo.save_plans(items, as_of=to_date(self.day, field="as_of")) if items else None
        return len(batch), len(items), saved or SaveCounts()


def _left_to_another(batch: Sequence[SubjectRef]) -> _Outcome:
    """The outcome of a batch another run has claimed: none of it planned here."""
    return len(batch), 0, SaveCounts()


def _claim_key(batch: Sequence[SubjectRef]) -> str:
    """What two runs at once claim a batch by: runs listing the same subjects make the
    same batches. A batch left by a run because another held it is that run's to finish;
    once finished, an incremental run reading it again finds it current."""
    first, last = batch[0], batch[-1]
    return f"yiyu plan {first.kind.value}:{first.id}..{last.kind.value}:{last.id} {len(batch)}"


def _in_workers(
    repo: Repository, url: str, job: _BatchJob, batches: list[Sequence[SubjectRef]], workers: int
) -> Iterator[_Outcome]:
    """The batches planned by ``workers`` processes, outcomes in the batches' order.

    Not forked from the parent, which holds pooled connections: from a fork server. On
    PostgreSQL each worker claims, plans and saves its batches; each batch is one
    transaction under the subjects' locks (``save_plans``), so the workers' writes
    interleave as two runs at once do, and the end state is one worker's. SQLite has one
    writer at a time, and writers waiting on its lock sleep (``busy_timeout`` polls): there
    the workers plan and prepare the rows (``SqlRepository.prepare_plans``) and the parent
    saves the batches in order, several to a transaction, while they plan the next ones.
    """
    if not batches:  # nothing stale: no process to start
        return
    count = min(workers, len(batches))
    with process_pool(count, _worker_start, (url, job), preload=__name__) as pool:
        if not _one_writer(repo):
            yield from pool.imap(_worker_batch, batches)
        else:
            planned = zip(batches, pool.imap(_worker_items, batches), strict=True)
            saves = (functools.partial(job.save, repo, b, items) for b, items in planned)
            yield from _saved_together(repo, saves)


def _saves_alongside(repo: Repository) -> bool:
    """Whether a batch can be saved by another thread while this one plans the next: a
    PostgreSQL store, outside any transaction of the caller's (a save in another thread
    would not be part of it). SQLite has one writer at a time, and a plan there saves
    several batches to a transaction (:func:`_saved_together`)."""
    return (
        isinstance(repo, SqlRepository)
        and repo.engine.dialect.name == "postgresql"
        and not repo.in_transaction()
    )


def _overlapped(
    repo: Repository, job: _BatchJob, batches: Iterable[Sequence[SubjectRef]]
) -> Iterator[_Outcome]:
    """The batches planned in this thread and saved by another, each batch saved while
    the next is planned: a save is largely the server's work (the rows' ``COPY``, their
    index entries, the commit), which a plan in one process otherwise sat waiting for.
    Measured at 100k children on PostgreSQL, one process: a full plan took 32.7–33.1 s
    planning and saving in turn, 24.6–26.6 s overlapped. (Saving each batch in parts
    while planning the next part was slower, 34.8–38.6 s: a transaction's own costs.)

    What one run in turn does, in the same order: a batch is claimed before it is planned
    and released once saved (a run holds two claims at a time), its outcome is given once
    its transaction has committed, and the next batch is saved only after that (a caller
    that stops on an outcome stops before the next save). If planning or a save fails,
    the error is raised once nothing is being saved: a batch whose save had begun may be
    stored without being counted in the failed run's record, as current as any other.
    """
    pending: tuple[Future[_Outcome], ExitStack] | None = None
    with ExitStack() as held, ThreadPoolExecutor(1, thread_name_prefix="yiyu-plan-save") as saver:
        for batch in batches:
            claim = held.enter_context(ExitStack())  # closed once the batch is saved
            if not claim.enter_context(repo.claim(_claim_key(batch))):
                claim.close()  # another run's: left to it, in its place in the order
                if pending is not None:
                    yield _finished(*pending)
                    pending = None
                yield _left_to_another(batch)
                continue
            with collector_paused():  # a batch's values hold no cycles (jobs.collector)
                items = job.items(repo, batch)
            if pending is not None:
                yield _finished(*pending)
            pending = saver.submit(_save_paused, job, repo, batch, items), claim
        if pending is not None:
            yield _finished(*pending)


def _save_paused(
    job: _BatchJob, repo: Repository, batch: Sequence[SubjectRef], items: Sequence[PlanItem]
) -> _Outcome:
    # The collector is the process's: the planning thread may have let it run again while
    # this save still builds its rows.
    with collector_paused():
        return job.save(repo, batch, items)


def _finished(save: Future[_Outcome], claim: ExitStack) -> _Outcome:
    """A batch's outcome once its save has committed; its claim released."""
    try:
        return save.result()
    finally:
        claim.close()


def _one_writer(repo: Repository) -> bool:
    """Whether ``repo`` is a database with one writer at a time (SQLite)."""
    return isinstance(repo, SqlRepository) and repo.engine.dialect.name == "sqlite"


def _saved_together(
    repo: Repository, saves: Iterator[Callable[[], _Outcome]]
) -> Iterator[_Outcome]:
    """Batches saved by SQLite's one writer, several to a transaction: about
    :data:`SQLITE_ROWS_PER_COMMIT` obligations each (``saves`` save one batch each: the
    workers' plans, or a batch planned and saved in this process). A commit writes every
    page the transaction changed, and the obligation's indexes by township and by
    assignee take rows all over the table: at 100k children a commit per batch of 500
    was a third of the writer's time (17.6 s of 52 s, profiled) and eight batches to a
    commit took the plan from 53 s to 41 s. Each batch's outcome is given once its
    transaction has committed: a failed one takes the batches saved with it back, and
    none of them was counted."""
    while True:
        saved: list[_Outcome] = []
        rows = 0
        # The collector paused while the transaction's batches come and are written
        # (jobs.collector), from the wait for its first: the workers' rows are tuples,
        # which it tracks, unpickled by the pool's thread as they arrive and kept until
        # written. It runs between transactions.
        with collector_paused():
            first = next(saves, None)
            if first is None:
                return
            with repo.transaction():
                # The next batch may still be planning: the transaction waits for it.
                for save in itertools.chain((first,), saves):
                    saved.append(outcome := save())
                    rows += outcome[2].created + outcome[2].updated
                    if rows >= SQLITE_ROWS_PER_COMMIT:
                        break
        yield from saved


_WORKER: tuple[SqlRepository, _BatchJob] | None = None


def _worker_start(url: str, job: _BatchJob) -> None:
    global _WORKER
    # On SQLite the worker only reads (the parent writes): its reads need not wait for
    # the write lock that every SQLite transaction of yiyu's otherwise begins with.
    reader = make_url(url).get_backend_name() == "sqlite"
    if reader and hasattr(os, "nice"):  # not on Windows
        os.nice(SQLITE_WORKER_NICENESS)  # the writer first (SQLITE_WORKER_NICENESS)
    _WORKER = SqlRepository(make_engine(url, reader=reader)), job


def _worker_batch(batch: Sequence[SubjectRef]) -> _Outcome:
    assert _WORKER is not None, "started by _worker_start"
    repo, job = _WORKER
    return job.run(repo, batch)


def _worker_items(batch: Sequence[SubjectRef]) -> list[PlanItem]:
    assert _WORKER is not None, "started by _worker_start"
    repo, job = _WORKER
    # As the rows the parent writes: it then unpickles plain values and only writes them.
    with collector_paused():
        return repo.prepare_plans(job.items(repo, batch))


class _Page(tuple[SubjectRef, ...]):
    """A page of the store's own list of one kind's subjects (``Repository.subject_ids``):
    when it was listed, every subject of that kind with an id from its first to its last.
    Its children are read by that range (``Repository.children_in``), not by the list of
    their ids: the same rows, and on PostgreSQL a full plan read 100k children in 3.5–4.4
    s instead of 6.3–6.6 s (SQLite: 1.9–2.0 s instead of 2.4–2.8 s)."""

    __slots__ = ()


def _listed(repo: Repository, size: int) -> Iterator[_Page]:
    """Every subject, a page of each kind's ids at a time, in the store's order of ids
    (kinds in :class:`SubjectRef`'s order). A child added while the run goes on is planned
    if its page is listed after it was added, else by the next run."""
    for kind in sorted(SubjectKind, key=lambda kind: kind.value):
        after: str | None = None
        while ids := repo.subject_ids(kind, after=after, limit=size):
            yield _Page(SubjectRef(kind=kind, id=i) for i in ids)
            if len(ids) < size:
                break
            after = ids[-1]


def _slices(refs: Sequence[SubjectRef], size: int) -> Iterator[Sequence[SubjectRef]]:
    for start in range(0, len(refs), size):
        yield refs[start : start + size]


def _stale(
    repo: Repository, label: str, through: pendulum.Date, size: int
) -> Iterator[Sequence[SubjectRef]]:
    """The subjects the store finds stale, page by page: each page is read after the one
    before was planned (``after`` its last subject), so nothing is read twice."""
    after: SubjectRef | None = None
    current = CurrentPlan(protocol_label=label, planned_through=through)
    while page := repo.subjects_to_plan(current, after=after, limit=size):
        yield page
        if len(page) < size:
            return
        after = page[-1]


def _plan_batch(
    repo: Repository,
    protocol: Protocol,
    batch: Sequence[SubjectRef],
    day: dt.date,
    horizon_days: int,
    full: bool,
) -> list[PlanItem]:
    """The fresh plans of a batch of subjects: those whose plan is out of date (all of
    them if ``full``) and that still exist."""
    states = repo.plan_states(batch)
    # The hashes the store keeps: those a save's stale-plan guard compares (save_plans).
    hashes = repo.facts_hashes(batch)
    children = _children(repo, batch)
    wanted = {r.id for r in batch if r.kind is SubjectKind.DAYCARE}
    wanted |= {e.daycare_id for c in children.values() for e in c.enrolments}
    daycares = repo.get_daycares(sorted(wanted))
    items = []
    for ref in batch:
        subject: Child | Daycare | None = (
            children.get(ref.id) if ref.kind is SubjectKind.CHILD else daycares.get(ref.id)
        )
        if subject is None:
            continue  # removed since the list was read: skipped
        item = plan_item(
            subject,
            protocol,
            as_of=day,
            horizon_days=horizon_days,
            known=states.get(ref),
            full=full,
            daycares=daycares,
            subject_hash=hashes.get(ref),
        )
        if item is not None:
            items.append(item)
    return items


def _children(repo: Repository, batch: Sequence[SubjectRef]) -> dict[str, Child]:
    """The batch's children: a page of the store's list by its range (with any child added
    in it since, which the batch does not name and no one plans here), others by id."""
    if isinstance(batch, _Page) and batch and batch[0].kind is SubjectKind.CHILD:
        return repo.children_in(
            SubjectRange(kind=SubjectKind.CHILD, first=batch[0].id, last=batch[-1].id)
        )
    return repo.get_children([r.id for r in batch if r.kind is SubjectKind.CHILD])
