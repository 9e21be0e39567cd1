"""yiyu at province size, measured against what the machine and its dependencies allow.

    python benchmarks/run.py [--sizes 10000,100000] [--backends sqlite,postgresql] \
        [--out docs]
    python benchmarks/run.py --province [--province-size N] [--backends sqlite] \
        [--state DIR] [--restart] [--stop-after STAGE] [--skip STAGES]

``nox -s bench`` runs it (``nox -s bench -- --faults`` runs the fault injection of
``faults.py`` instead). It writes ``docs/benchmarks.md`` and ``docs/benchmarks.json``;
see ``bench_report`` for what a ratio means. Every measured job runs in a fresh
subprocess, which reports its peak resident memory (``VmHWM``: C allocations included,
which ``tracemalloc`` would miss).

``--province`` measures every job at 1.2 million children instead, one run each, in
resumable stages (``province.py``; the stages are ``Province.stages`` below, on the same
measurement functions as the 10k and 100k page): ``docs/benchmarks-province.md`` and
``.json``. The same command again resumes after the last finished stage.

PostgreSQL is the one of ``YIYU_BENCH_POSTGRES_URL`` (default: the test database on
127.0.0.1:5432, user ``postgres``); each store is a schema of its own, dropped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import dataclasses
import io
import itertools
import json
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import Any, cast

import attrs
import pendulum

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_exchange
import bench_pdf  # the helpers beside this script
import bench_store
from bench_report import (
    LONG_SECONDS,
    Page,
    Result,
    Stopwatch,
    cost,
    judge,
    load_average,
    machine,
    paired_cost,
    repeated,
    rounds,
    write_json,
    write_markdown,
)
from province import ROOT, STATE_ROOT, Stage, StageRun, State, StateError, run_stages, write_page
from sqlalchemy import text

import yiyu
from yiyu.dates import Period, to_date
from yiyu.jobs.coverage import COVERAGE_BATCH
from yiyu.jobs.coverage import WORKER_MIN_BATCHES as COVERAGE_WORKER_MIN_BATCHES
from yiyu.store import ObligationFilter, Repository
from yiyu.store.database import head_revision, schema_revision
from yiyu.synthetic import CohortSpec, History, generate_cohort, simulate_history

SEED = 2026
AS_OF = pendulum.Date(2026, 6, 30)
QUARTER = "2026Q2"  # the last quarter closed on AS_OF: every window in it is judged
PROVINCE = 1_200_000
SAMPLE_MAX = 300  # children whose visits are simulated (74 children/s)
PDF_DAY = 24  # a township's day of visit records
PDF_BATCH = 240  # records for render_batch (#14: >= 240); a county-level city: ~400 a day
PDF_SINGLE = 12  # records timed one by one against bare WeasyPrint
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


LOADS: list[float] = []  # the 1-minute load average at each log line


def log(message: str) -> None:
    LOADS.append(os.getloadavg()[0])
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def label(size: int) -> str:
    if size >= 1_000_000 and size % 100_000 == 0:
        return f"{size / 1_000_000:g}M"
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


# --- the measured plan, in a subprocess ---------------------------------------------------------


def child_plan(argv: Sequence[str]) -> int:
    """``run.py --child-plan``: one plan run, its figures as JSON on stdout."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--schema")
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    from yiyu.jobs.planning import plan
    from yiyu.store.database import make_engine
    from yiyu.store.sql import SqlRepository

    if args.workers > 1 and args.schema:  # the workers open the store from its URL alone
        engine = make_engine(bench_store.url_with_schema(args.url, args.schema))
    else:
        engine = bench_store.engine_for(args.url, args.schema)
    protocol = yiyu.load_protocol()
    started = time.perf_counter()
    result = plan(SqlRepository(engine), protocol, as_of=to_date(args.as_of), full=args.full,
                  workers=args.workers)  # fmt: skip
    seconds = time.perf_counter() - started
    engine.dispose()
    counts = result.obligations
    peak = peak_rss_mb()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "subjects": result.subjects,
                "planned": result.planned,
                "skipped": result.skipped,
                "created": counts.created,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
                "peak_mb": peak,
            }
        )
    )
    return 0


def _store_args(argv: Sequence[str], *required: str) -> argparse.Namespace:
    """A measured job's arguments: the store (``--url``, ``--schema``), ``--as-of`` and
    the job's own ``required`` options."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--schema")
    parser.add_argument("--as-of", required=True)
    for option in required:
        parser.add_argument(option, required=True)
    return parser.parse_args(argv)


def child_coverage(argv: Sequence[str]) -> int:
    """``run.py --child-coverage``: one coverage run, its time and peak memory as JSON."""
    args = _store_args(argv, "--period")
    from yiyu.jobs.coverage import coverage_report
    from yiyu.store.sql import SqlRepository

    engine = bench_store.engine_for(args.url, args.schema)
    started = time.perf_counter()
    from yiyu.reports.coverage import SHORTFALL_SHOWN

    coverage_report(SqlRepository(engine), yiyu.load_protocol(),
                    period=Period.parse(args.period), as_of=to_date(args.as_of),
                    shortfall=SHORTFALL_SHOWN)  # fmt: skip
    seconds = time.perf_counter() - started
    engine.dispose()
    print(json.dumps({"seconds": seconds, "peak_mb": peak_rss_mb()}))
    return 0


def child_worklist(argv: Sequence[str]) -> int:
    """``run.py --child-worklist``: one township's work list written as CSV, as ``yiyu
    worklist --format csv`` writes it (a page at a time), its time and peak memory."""
    args = _store_args(argv, "--township")
    from yiyu.jobs.worklist import iter_worklist, write_worklist
    from yiyu.store.sql import SqlRepository

    engine = bench_store.engine_for(args.url, args.schema)
    started = time.perf_counter()
    lines = iter_worklist(SqlRepository(engine), as_of=to_date(args.as_of),
                          township=args.township)  # fmt: skip
    with open(os.devnull, "w", encoding="utf-8", newline="") as sink:
        count = write_worklist(sink, lines)
    seconds = time.perf_counter() - started
    engine.dispose()
    print(json.dumps({"seconds": seconds, "items": count, "peak_mb": peak_rss_mb()}))
    return 0


def child_import(argv: Sequence[str]) -> int:
    """``run.py --child-import``: one registry file imported, its time and peak memory."""
    args = _store_args(argv, "--file")
    from yiyu.jobs.importing import import_file
    from yiyu.store.sql import SqlRepository

    engine = bench_store.engine_for(args.url, args.schema)
    started = time.perf_counter()
    result = import_file(SqlRepository(engine), "children", Path(args.file),
                         as_of=to_date(args.as_of))  # fmt: skip
    seconds = time.perf_counter() - started
    engine.dispose()
    print(json.dumps({"seconds": seconds, "read": result.rows_read,
                      "created": result.imported.created, "rejected": len(result.rejected),
                      "peak_mb": peak_rss_mb()}))  # fmt: skip
    return 0


def child_render(argv: Sequence[str]) -> int:
    """``run.py --child-render FILE``: a township's day of records (pickled documents)
    rendered one by one and as one bundle, the time and peak memory."""
    import pickle

    from yiyu.reports import default_renderer

    with open(argv[0], "rb") as source:
        documents = pickle.load(source)
    renderer = default_renderer()
    started = time.perf_counter()
    pages = sum(len(renderer.layout(d).pages) for d in documents)
    size = sum(len(renderer.render(d)) for d in documents)
    size += len(renderer.render_bundle(documents, title="打印汇总"))
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "pages": pages, "bytes": size,
                      "peak_mb": peak_rss_mb()}))  # fmt: skip
    return 0


def batch_subprocess(run: Run, documents: Sequence[Any]) -> dict[str, Any]:
    """:func:`bench_pdf.batch_runs` for ``documents``, in a process of its own, as a
    host's nightly job calls ``render_batch``."""
    import pickle

    path = run.workdir / "batch.pickle"
    path.write_bytes(pickle.dumps(list(documents)))
    # Its own small script: a worker process imports its parent's main module again, and
    # this one's imports (the store, SQLAlchemy, the jobs) would be a second of each start.
    command = [sys.executable, bench_pdf.__file__, str(path), str(run.args.repeat),
               str(run.workdir)]  # fmt: skip
    try:
        return job_subprocess(command, "render_batch")
    finally:
        path.unlink(missing_ok=True)


def peak_rss_mb() -> float | None:
    """This process's peak resident memory since it started (Linux ``VmHWM``).

    Not ``ru_maxrss``: a child's counts the parent's pages between fork and exec, so it
    reads the parent's size whenever the parent is the bigger (measured: 810 MB for a
    child of 9 MB whose parent held 800 MB).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def plan_subprocess(store: bench_store.Store, *, full: bool, workers: int = 1) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child-plan", *store.child_args()]
    command += ["--as-of", AS_OF.isoformat(), *(["--full"] if full else [])]
    command += ["--workers", str(workers)]
    return job_subprocess(command, "plan")


def coverage_subprocess(store: bench_store.Store) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child-coverage", *store.child_args()]
    command += ["--as-of", AS_OF.isoformat(), "--period", QUARTER]
    return job_subprocess(command, "coverage")


def job_subprocess(command: Sequence[str], job: str) -> dict[str, Any]:
    """Run one job in a fresh process; its figures, with its peak resident memory."""
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, stdout=out)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError(f"the {job} subprocess failed ({process.returncode})")
        out.seek(0)
        figures: dict[str, Any] = json.loads(out.read())
    if figures["peak_mb"] is None:  # no /proc: ru_maxrss, an upper bound (see above)
        figures["peak_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
    return figures


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Run:
    args: argparse.Namespace
    protocol: yiyu.Protocol
    workdir: Path
    postgres_url: str
    results: list[Result] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    profile: str = ""
    first_peaks: dict[str, float] = field(default_factory=dict)  # "job.backend" → MB
    pdf_sample: list[tuple[yiyu.Child, History]] = field(default_factory=list)
    why: dict[str, str] = field(default_factory=dict)  # result name → why it missed
    backends: list[str] = field(default_factory=list)
    province: bool = False  # a province run: one size, in stages (province.py)

    def peak_against(self) -> str:
        """What a peak memory is set against: the same job's at the run's smallest size;
        a province run measures one size, so a peak is its own baseline there."""
        if self.province:
            return "itself (a province run measures one size; 10k and 100k: benchmarks.md)"
        return f"the same at {label(min(self.args.sizes))} children"

    def add_peak(self, job: str, tag: str, peak: float, what: str, limit: int = 1024) -> None:
        """A job's peak resident memory, against the same job's at the smallest size;
        the target is ``limit`` MB (the issue's: 1 GB for every job at 1.2 M children,
        200 MB for the largest township's work list, 500 MB for coverage)."""
        backend = tag.split(".")[0]
        first = self.first_peaks.setdefault(f"{job}.{backend}", peak)
        smallest = label(min(self.args.sizes))
        self.add(
            cost(f"{job}.peak_memory.{tag}", peak, first, "MB", target=f"value < {limit}",
                 what=f"peak resident memory of {what} (its `VmHWM`)",
                 against=self.peak_against()),
            why=f"the process's peak grew from {first:.0f} MB at {smallest} children to "
            f"{peak:.0f} MB" if peak != first else f"the process's peak was {peak:.0f} MB",
        )  # fmt: skip

    def add(self, result: Result, why: str = "") -> None:
        self.results.append(result)
        if why:
            self.why[result.name] = why
        log(f"{result.name}: {result.value:.4g} {result.unit} (ratio {result.ratio})")


def raw_write(backend: str, *, sqlite_detail: str = "") -> str:
    """What the plan's figures are set against: the raw write of the same rows."""
    if backend == "sqlite":
        return "raw `sqlite3.executemany` of the same rows into an identical empty table" + (
            sqlite_detail
        )
    return "psycopg `cursor.copy` (`COPY`) of the same rows into an identical empty table"


def full_two_workers(bench: Bench, plans: PlanRounds) -> None:
    """``plan --full --workers 2`` against the one-worker full plan (measured in the same
    rounds, or, in a province run, in the stage before), and against the raw write of the
    same rows (the plan on both cores)."""
    run, store, tag, base = bench.run, bench.store, bench.tag, bench.base
    obligations = base.obligations
    twos = plans.seconds(2)
    ones = plans.seconds(1)  # side by side: each round's speed-up
    against_one = "the same with 1 worker, measured in the same rounds"
    if not ones:
        assert base.full_seconds is not None, "the one-worker plan is the baseline"
        ones = [base.full_seconds] * len(twos)
        against_one = "the same with 1 worker, measured in the stage before"
    seconds, one_worker = statistics.median(twos), statistics.median(ones)
    speedup = statistics.median(one / two for one, two in zip(ones, twos, strict=True))
    run.add(
        Result(
            name=f"plan.full_2_workers.{tag}",
            value=obligations / seconds,
            unit="obligations/s",
            baseline=obligations / one_worker,
            ratio=speedup,
            target="ratio >= 1.8",
            met=judge(0, speedup, "ratio >= 1.8"),
            what=f"`plan(full=True, workers=2)` on an empty store ({plans.said}, start-up "
            "included); ratio is the speed-up, higher is better",
            against=against_one,
        ),
        why=(f"{seconds:.1f} s with two workers against {one_worker:.1f} s with one: the "
             "writes do not divide (SQLite: one writer, the parent; PostgreSQL: the "
             "workers' transactions share the server, which runs on the same 2 cores), "
             "and the workers' start-up (the fork server, imports) is paid in every run"),
    )  # fmt: skip
    raw = plans.raw_seconds(base)
    run.add(
        paired_cost(f"plan.full_both_cores.{tag}", [obligations / t for t in twos],
                    [obligations / t for t in raw], "obligations/s", throughput=True,
                    target="ratio <= 2",
                    what=f"`plan(full=True, workers=2)` on an empty store, {obligations:,} "
                    f"obligations in {seconds:.1f} s (the run above): the plan on both cores",
                    against=raw_write(store.backend, sqlite_detail=", one transaction")
                    + plans.raw_said),
        why=(f"the workers schedule and prepare the rows, the writer writes: "
             f"{seconds:.1f} s against {statistics.median(raw):.1f} s for the rows alone"),
    )  # fmt: skip


IN_ROUNDS = "in the same rounds (each round the job, then this)"


def round_count(run: Run) -> int:
    """Rounds of a job beside its baseline: the run's ``--repeat`` however long they take
    (the issue's medians of 3 up to 100k), one in a province run (one run of each job)."""
    return 1 if run.province else run.args.repeat


def runs(count: int) -> str:
    return "one run" if count == 1 else f"median of {count} runs"


def sample_histories(spec: CohortSpec, protocol: yiyu.Protocol) -> list[tuple[yiyu.Child, History]]:
    """About 1 % of the children (at most 300, spread over the ids) with simulated visits."""
    count = min(SAMPLE_MAX, max(10, spec.children // 100))
    step = max(1, spec.children // count)
    chosen = []
    for index, child in enumerate(generate_cohort(spec).children()):
        if index % step == 0:
            chosen.append(child)
            if len(chosen) == count:
                break
    return [(child, simulate_history(child, protocol, spec=spec)) for child in chosen]


def engine_profile(spec: CohortSpec, protocol: yiyu.Protocol) -> str:
    children = list(itertools.islice(generate_cohort(spec).children(), 10_000))
    until = AS_OF.add(days=210)
    profiler = cProfile.Profile()
    profiler.enable()
    for child in children:
        yiyu.schedule(child, protocol, until=until)
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(15)
    text = stream.getvalue()
    text = re.sub(r"/\S*/site-packages/", "", text)
    text = re.sub(r"/\S*/src/yiyu/", "yiyu/", text)
    text = re.sub(r"/\S*/lib/python3\.\d+/", "", text)
    lines = [line for line in text.splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if "function calls" in line)
    return "\n".join(line.rstrip() for line in lines[start:])


def run_size(run: Run, size: int, backends: Sequence[str]) -> None:
    """Every measurement at one size, on each backend (the 10k and 100k page)."""
    name = label(size)
    spec = CohortSpec(children=size, seed=SEED, as_of=AS_OF)
    cohort = generate_cohort(spec)
    histories = [h for _, h in simulate_sample(run, spec)]

    def children() -> Iterator[yiyu.Child]:
        return bench_store.with_histories(cohort.children(), histories)

    raw: dict[str, bench_store.Store] = {}
    spool = run.workdir / f"rows-{name}.pickle"
    try:
        limit = write_limit(run, size, children, cohort.daycares, backends, raw, spool=spool)
        if size == min(run.args.sizes) and not run.profile:
            run.profile = engine_profile(spec, run.protocol)
        for backend in backends:
            store = bench_store.open_store(
                backend, f"s{name}", workdir=run.workdir, postgres_url=run.postgres_url
            )
            bench = Bench(run=run, size=size, spec=spec, store=store, children=children,
                          daycares=cohort.daycares, histories=histories,
                          base=limit.baselines(backend), spool=spool)  # fmt: skip
            try:
                measure_store(bench, raw.get(backend))
            finally:
                store.drop()
    finally:
        for store in raw.values():
            store.drop()
        spool.unlink(missing_ok=True)


def simulate_sample(run: Run, spec: CohortSpec) -> list[tuple[yiyu.Child, History]]:
    """The visits of about 1 % of the children (at most 300), said in the run's facts;
    the first dozen are the PDF's sample."""
    started = time.perf_counter()
    sample = sample_histories(spec, run.protocol)
    encounters = sum(len(h.encounters) for _, h in sample)
    run.facts.append(
        f"{label(spec.children)}: {len(sample)} children's visits simulated ({encounters} "
        f"encounters, {time.perf_counter() - started:.0f} s), stored with their cases and "
        "referrals."
    )
    if not run.pdf_sample:
        run.pdf_sample = sample[:12]
    return sample


@dataclass
class Baselines:
    """What one store's measurements are set against, measured before them: the write
    limit and the engine's rate (``write_limit``), the load (``measure_load``) and the full
    plan (``measure_full_plan``). A province run keeps them in its state file."""

    subjects: int
    obligations: int
    limit: float  # the raw write's obligations per second on this backend
    engine_rate: float  # pure schedule()'s obligations per second
    raw_bytes: float | None = None  # SQLite: the raw write's file per obligation
    loaded: float | None = None  # seconds to load the cohort
    full_seconds: float | None = None  # the full plan's (median) seconds


@dataclass
class WriteLimit:
    rows: bench_store.RowsPass
    limit: dict[str, float]
    engine_rate: float
    raw_bytes: float | None

    def baselines(self, backend: str) -> Baselines:
        return Baselines(subjects=self.rows.subjects, obligations=self.rows.obligations,
                         limit=self.limit[backend], engine_rate=self.engine_rate,
                         raw_bytes=self.raw_bytes if backend == "sqlite" else None)  # fmt: skip


@dataclass
class Bench:
    """One store under measurement and what its measurements need."""

    run: Run
    size: int
    spec: CohortSpec
    store: bench_store.Store
    children: Callable[[], Iterator[yiyu.Child]]
    daycares: Sequence[yiyu.Daycare]
    histories: Sequence[History]
    base: Baselines
    spool: Path | None = None  # the raw write's rows (``rows_pass``), to write them again

    @property
    def tag(self) -> str:
        return f"{self.store.backend}.{label(self.size)}"

    @property
    def stream(self) -> bool:
        """Whether the SQL baselines stream their rows (at province size, or in a province
        run's trial): a list of every row of a quarter would take gigabytes."""
        return self.run.province or self.size > 100_000


def write_limit(
    run: Run,
    size: int,
    children: Callable[[], Iterator[yiyu.Child]],
    daycares: Sequence[yiyu.Daycare],
    backends: Sequence[str],
    raw: dict[str, bench_store.Store],
    *,
    spool: Path | None = None,
) -> WriteLimit:
    """The engine alone and the write limit of each backend, in one pass over the cohort.
    PostgreSQL's raw store stays in ``raw`` (``seed_statistics`` needs it); SQLite's is
    measured and dropped. With ``spool``, the rows are kept there, for the plan's rounds
    to write them raw again beside each plan (:func:`raw_rewrite`)."""
    name = label(size)
    for backend in backends:
        raw[backend] = bench_store.open_store(
            backend, f"raw{name}", workdir=run.workdir, postgres_url=run.postgres_url
        )
    sinks: list[bench_store.Sink] = [
        bench_store.SqliteSink(store) if b == "sqlite" else bench_store.CopySink(store)
        for b, store in raw.items()
        if b in backends
    ]
    log(f"{name}: engine and write limit ({', '.join(backends)})")
    rows = bench_store.rows_pass(
        children(), daycares, run.protocol, as_of=AS_OF, sinks=sinks, spool=spool
    )
    raw_bytes = None
    if "sqlite" in backends:  # only PostgreSQL's is needed later (seed_statistics)
        alone = bench_store.sqlite_footprint(raw["sqlite"])
        raw_bytes = alone.file_bytes / alone.obligations
        raw.pop("sqlite").drop()
    limit = {b: count / seconds for b, (seconds, count) in rows.sinks.items()}
    engine_rate = rows.obligations / rows.schedule_seconds
    run.facts.append(
        f"{name}: {rows.subjects:,} subjects ({len(daycares)} daycares), "
        f"{rows.obligations:,} obligations within the plan's horizon "
        f"({rows.obligations / rows.subjects:.1f} per subject)."
    )
    first = "sqlite" if "sqlite" in limit else next(iter(limit))
    if not any(r.name == f"engine.schedule.{name}" for r in run.results):
        run.add(
            cost(f"engine.schedule.{name}", engine_rate, limit[first], "obligations/s",
                 throughput=True, target="ratio <= 1",
                 what=f"pure `schedule()` over the cohort ({rows.obligations:,} obligations), "
                 f"as `plan` runs it: {bench_store.PLAN_BATCH} subjects at a time, Python's "
                 "cyclic collector paused for each (`yiyu.jobs.collector`)",
                 against=f"raw write rate of the same rows ({first}); target derived from "
                 "the plan's: the plan cannot be within 2x of the write limit if scheduling "
                 "alone takes longer than the raw write"),
            why=(f"scheduling alone runs at {engine_rate:,.0f} obligations/s on one core and "
                 f"takes {limit[first] / engine_rate:.1f}x as long as writing the rows raw"),
        )  # fmt: skip
        seconds, count = bench_store.schedule_pass(children(), daycares, run.protocol, as_of=AS_OF)
        run.add(
            cost(f"engine.schedule_collector_on.{name}", count / seconds, limit[first],
                 "obligations/s", throughput=True, target=None,
                 what="`schedule()` of each subject in turn, nothing kept, with the collector "
                 "running: as a host calling it child by child runs it, in this process "
                 "(whose cohorts and samples each of the collector's passes walks)",
                 against=f"raw write rate of the same rows ({first})"),
        )  # fmt: skip
    return WriteLimit(rows=rows, limit=limit, engine_rate=engine_rate, raw_bytes=raw_bytes)


def measure_store(bench: Bench, raw: bench_store.Store | None) -> None:
    """Every job on one store, in the order of the page."""
    measure_load(bench, raw)
    path = bench.run.workdir / f"registry-{bench.tag}.csv"
    write_registry(bench.spec, path)
    measure_import(bench.run, bench.store.backend, bench.spec, bench.base, path)
    path.unlink()
    plans = plan_rounds(bench, (1, 2))
    measure_full_plan(bench, plans)
    if bench.store.backend == "sqlite" and bench.base.raw_bytes is not None:
        measure_footprint(bench.run, bench.store, bench.tag, bench.base.raw_bytes)
    full_two_workers(bench, plans)
    measure_incremental(bench)
    measure_worklist(bench)
    measure_coverage(bench)
    measure_export(bench)


def measure_load(bench: Bench, raw: bench_store.Store | None) -> None:
    """The cohort into the store (the benchmark's own load, not a measured job): its time
    is the import's baseline."""
    log(f"{bench.tag}: loading")
    started = time.perf_counter()
    bench_store.load(bench.store, bench.children(), bench.daycares, bench.spec.townships,
                     bench.histories)  # fmt: skip
    bench.base.loaded = time.perf_counter() - started
    if raw is not None:
        bench_store.seed_statistics(bench.store, raw)
    bench.run.facts.append(
        f"{bench.tag}: cohort loaded in {bench.base.loaded:.0f} s (Core inserts of yiyu's rows)."
    )


def write_registry(spec: CohortSpec, path: Path) -> int:
    """The cohort's registry file, as ``yiyu import children`` reads it."""
    return bench_store.write_registry_csv(generate_cohort(spec).children(), path)


def measure_import(
    run: Run, backend: str, spec: CohortSpec, base: Baselines, registry: Path
) -> None:
    """The registry file imported into an empty store, against the benchmark's load."""
    assert base.loaded is not None, "the load is the import's baseline: measure it first"
    tag = f"{backend}.{label(spec.children)}"
    seconds, peak, count, runs_ = import_children(run, backend, tag, spec, registry)
    run.add(
        cost(f"import.children.{tag}", seconds, base.loaded, "s", target=None,
             what=f"`import_file(repo, \"children\", …)` of the cohort's registry file "
             f"({count:,} rows, {count / seconds:,.0f} rows/s) into an empty store "
             f"({runs(runs_)})",
             against="the same children written as yiyu's rows by Core inserts (the "
             "benchmark's own load: no parsing, no checks, no audit)"),
    )  # fmt: skip
    run.add_peak("import", tag, peak, f"an import process ({count:,} children)")


@dataclass
class PlanRounds:
    """Full plans in rounds (:func:`plan_rounds`): each round's raw write of the same rows
    (none in a province run: its raw stage measured the write limit once) and each
    round's plan figures for each number of workers."""

    raw: list[float]
    plans: dict[int, list[dict[str, Any]]]

    def seconds(self, workers: int) -> list[float]:
        return [float(f["seconds"]) for f in self.plans.get(workers, [])]

    @property
    def count(self) -> int:
        """How many rounds ran."""
        return len(next(iter(self.plans.values())))

    def raw_seconds(self, base: Baselines) -> list[float]:
        """Each round's raw write, or the write limit measured once."""
        return self.raw or [base.obligations / base.limit] * self.count

    @property
    def said(self) -> str:
        return runs(self.count)

    @property
    def raw_said(self) -> str:
        if self.raw:
            return (
                " (again in each round, just before the plans; the ratio is the median "
                "of the rounds')"
            )
        return " (measured once, in the raw stage)"


def raw_rewrite(bench: Bench) -> float:
    """The raw write of the plan's rows again (:func:`bench_store.rewrite`), into a new
    identical empty table: the seconds of its driver calls and commit."""
    assert bench.spool is not None
    backend = bench.store.backend
    raw = bench_store.open_store(backend, f"rw{label(bench.size)}", workdir=bench.run.workdir,
                                 postgres_url=bench.run.postgres_url)  # fmt: skip
    try:
        sink = bench_store.SqliteSink(raw) if backend == "sqlite" else bench_store.CopySink(raw)
        seconds, count = bench_store.rewrite(bench.spool, sink)
    finally:
        raw.drop()
    if count != bench.base.obligations:
        raise AssertionError(f"{bench.tag}: the raw write wrote {count} obligations, "
                             f"the first {bench.base.obligations}")  # fmt: skip
    return seconds


def plan_rounds(bench: Bench, workers: Sequence[int]) -> PlanRounds:
    """Full plans on the empty store with each number of ``workers``, in rounds (the run's
    ``--repeat``, however long a plan takes; one in a province run), each round after the
    raw write of the same rows again when the run kept them (``Bench.spool``)."""
    run, store, tag, base = bench.run, bench.store, bench.tag, bench.base
    log(f"{tag}: full plans ({', '.join(map(str, workers))} workers)")
    if store.scalar("SELECT count(*) FROM plan_state"):  # a run interrupted in this stage
        bench_store.clear_plans(store)
    result = PlanRounds(raw=[], plans={w: [] for w in workers})
    planned = False

    def plan(count: int) -> float:
        nonlocal planned
        if planned:
            bench_store.clear_plans(store)
        figures = plan_subprocess(store, full=True, workers=count)
        planned = True
        if figures["created"] != base.obligations:
            raise AssertionError(
                f"{tag}: the plan ({count} workers) wrote {figures['created']} obligations, "
                f"the write-limit baseline {base.obligations}: the baseline does not write "
                "the same rows"
            )
        result.plans[count].append(figures)
        return float(figures["seconds"])

    def raw() -> float:
        seconds = raw_rewrite(bench)
        result.raw.append(seconds)
        return seconds

    steps = ([raw] if bench.spool is not None else []) + [partial(plan, w) for w in workers]
    rounds(steps, round_count(run))
    return result


def measure_full_plan(bench: Bench, plans: PlanRounds) -> None:
    """Full plan: obligations written per second against the raw write of the same rows."""
    run, store, tag, base = bench.run, bench.store, bench.tag, bench.base
    times = plans.seconds(1)
    full_seconds = base.full_seconds = statistics.median(times)
    raw = plans.raw_seconds(base)
    write_share = 1 - base.obligations / base.engine_rate / full_seconds
    run.add(
        paired_cost(f"plan.full.{tag}", [base.obligations / t for t in times],
                    [base.obligations / t for t in raw], "obligations/s", throughput=True,
                    target="ratio <= 2",
                    what=f"`plan(full=True)` on an empty store, {base.obligations:,} "
                    f"obligations in {full_seconds:.1f} s ({plans.said})",
                    against=raw_write(store.backend) + plans.raw_said),
        why=(f"scheduling is {1 - write_share:.0%} of the plan's time (one core: "
             f"{base.engine_rate:,.0f} obligations/s) and reading, reconciling and writing "
             f"the other {write_share:.0%}, on one core"),
    )  # fmt: skip
    run.add_peak("plan", tag, max(f["peak_mb"] for f in plans.plans[1]),
                 "the full-plan process")  # fmt: skip


def measure_incremental(bench: Bench, *, settle: bool = False) -> None:
    """Incremental plan after 1 % of the children changed, against the full plan.
    ``settle``: first re-plan what an interrupted run left changed (not measured)."""
    run, store, tag = bench.run, bench.store, bench.tag
    assert bench.base.full_seconds is not None, "the full plan is the baseline: measure it first"
    full_seconds = bench.base.full_seconds
    if settle:
        plan_subprocess(store, full=False)
    log(f"{tag}: incremental plan")
    offsets = iter(range(100))
    incremental_peaks: list[float] = []

    def incremental_plan() -> float:
        changed = bench_store.change_one_percent(store, next(offsets), AS_OF)
        figures = plan_subprocess(store, full=False)
        if figures["planned"] != changed:
            raise AssertionError(
                f"{tag}: {changed} children changed but the plan re-planned {figures['planned']}"
            )
        incremental_peaks.append(figures["peak_mb"])
        return float(figures["seconds"])

    store.analyze()  # as a database in service has its statistics (autovacuum)
    incremental = repeated(incremental_plan, run.args.repeat)
    inc = statistics.median(incremental)
    run.add(
        cost(f"plan.incremental.{tag}", inc, full_seconds, "s", target="ratio <= 0.05",
             what=f"`plan()` after 1 % of the children changed ({runs(len(incremental))})",
             against="the full plan"),
        why=(f"re-planning the 1 % costs about {full_seconds / 100:.1f} s (1 % of the full "
             f"plan); the store lists the stale subjects (`subjects_to_plan`) and the run "
             f"reads only those, so the other {max(0.0, inc - full_seconds / 100):.1f} s are "
             "the query, the run's records and saving the changed subjects' plans"),
    )  # fmt: skip

    run.add_peak("incremental", tag, max(incremental_peaks),
                 "an incremental-plan process (1 % of the children changed)")  # fmt: skip


def measure_worklist(bench: Bench) -> None:
    """Work list of the largest township, against SQL returning the same rows."""
    from yiyu.jobs.worklist import WORKLIST_PAGE, worklist

    run, store, tag = bench.run, bench.store, bench.tag
    store.analyze()
    repo = store.repo
    township = bench.spec.townships[0]
    log(f"{tag}: work list")
    job = Stopwatch(lambda: worklist(repo, as_of=AS_OF, township=township))
    sql = Stopwatch(lambda: bench_store.worklist_sql(store, township=township, as_of=AS_OF))
    wl_times, sql_times = zip(*rounds([job, sql], round_count(run)), strict=True)
    items, sql_rows = job.result, sql.result
    if [i.obligation.key for i in items] != [r.key for r in sql_rows]:
        raise AssertionError(
            f"{tag}: the work-list SQL returned {len(sql_rows)} rows, the work list "
            f"{len(items)}: the baseline does not return the same rows"
        )
    count = len(items)
    del items, sql_rows, job, sql  # the subprocess below should not share the machine
    run.add(
        paired_cost(f"worklist.{tag}", wl_times, sql_times, "s", target="ratio <= 2",
                    what=f"`worklist()` for {township} on {AS_OF} ({count:,} items; "
                    f"{runs(len(wl_times))})",
                    against="one SQL query returning the same obligations in the same "
                    f"order, {IN_ROUNDS}"),
        why=("the job does what the query does not: it builds each line's obligation, "
             "derives its status (a referral's tracking by its result) and suggests a "
             "working day for it"),
    )  # fmt: skip

    command = [sys.executable, __file__, "--child-worklist", *store.child_args(),
               "--as-of", AS_OF.isoformat(), "--township", township]  # fmt: skip
    figures = job_subprocess(command, "work list")
    if figures["items"] != count:
        raise AssertionError(f"{tag}: the work-list process listed {figures['items']} items")
    run.add_peak("worklist", tag, figures["peak_mb"],
                 f"a work-list process writing {township}'s {count:,} lines as CSV "
                 f"(`iter_worklist`, pages of {WORKLIST_PAGE:,}, as `yiyu worklist --format "
                 "csv` does)", limit=200)  # fmt: skip


def measure_coverage(bench: Bench) -> None:
    """Coverage of a quarter for the whole province, against SQL returning what it read."""
    from yiyu.jobs.coverage import coverage_report
    from yiyu.reports.coverage import SHORTFALL_SHOWN
    from yiyu.store.database import make_engine
    from yiyu.store.sql import SqlRepository

    run, tag = bench.run, bench.tag
    store = bench.store
    store.analyze()
    log(f"{tag}: coverage")
    period = Period.parse(QUARTER)
    recording = bench_store.Recording(store.repo)
    # As a printed report runs it: the first shortfalls of each indicator listed, the
    # rest counted (the JSON output lists them all).
    one = Stopwatch(lambda: coverage_report(
        cast(Repository, recording), run.protocol, period=period, as_of=AS_OF,
        shortfall=SHORTFALL_SHOWN,
    ))  # fmt: skip
    # The baseline reads what the job read: the obligations of the filter it passed (in
    # batches of subjects, whose ranges together are every subject; the job runs first in
    # each round), and every child's rows.

    @cache  # found once, not in every round's timed baseline
    def where() -> ObligationFilter:
        wheres = {attrs.evolve(w, subjects=None) for w in recording.filters}
        if len(wheres) != 1:
            raise AssertionError(f"{tag}: coverage read with {len(wheres)} different filters")
        return wheres.pop()

    source = cast(bench_store.Store, StreamedStore(store)) if bench.stream else store
    sql = Stopwatch(
        lambda: (bench_store.obligations_sql(source, where()), bench_store.children_sql(source))
    )
    # The same report on both cores (``workers=2``): the workers open the store from its
    # URL alone (so the URL names the schema), and the recording repository, which only
    # counted the rows, is not theirs.
    shared = SqlRepository(make_engine(bench_store.url_with_schema(store.url, store.schema)))
    both = Stopwatch(lambda: coverage_report(
        shared, run.protocol, period=period, as_of=AS_OF, shortfall=SHORTFALL_SHOWN,
        workers=2,
    ))  # fmt: skip
    cov_times, sql_times, both_times = zip(*rounds([one, sql, both], round_count(run)),
                                           strict=True)  # fmt: skip
    shared.engine.dispose()
    cov_runs = len(cov_times)
    read = recording.obligations_read // cov_runs
    children_read = recording.children_read // cov_runs
    obligations, child_tables = sql.result
    if len(obligations) != read:
        raise AssertionError(
            f"{tag}: the coverage SQL returned {len(obligations)} obligations, coverage read "
            f"{read} (in {len(recording.filters) // cov_runs} batches): the baseline does not "
            "return the same rows"
        )
    if len(child_tables[0]) != children_read:
        raise AssertionError(
            f"{tag}: the coverage SQL returned {len(child_tables[0])} children, coverage read "
            f"{children_read}: the baseline does not return the same rows"
        )
    del obligations, child_tables, sql
    streamed = "; the rows streamed, not kept" if bench.stream else ""
    run.add(
        paired_cost(f"coverage.{tag}", cov_times, sql_times, "s", target="ratio <= 2",
                    what=f"`coverage_report(shortfall={SHORTFALL_SHOWN})` for {QUARTER}, "
                    f"whole province ({read:,} obligations, {children_read:,} children; the "
                    f"first {SHORTFALL_SHOWN} shortfalls of each indicator listed, as a "
                    f"printed report does; {runs(cov_runs)})",
                    against=f"SQL returning the same obligations and the children's rows, "
                    f"{IN_ROUNDS}{streamed}"),
        why=("the job builds every child and every obligation as the core's values and "
             "counts 20 indicators over them in Python, where the baseline only returns the "
             "rows"),
    )  # fmt: skip
    batches = len(recording.filters) // cov_runs
    both_seconds, cov_seconds = statistics.median(both_times), statistics.median(cov_times)
    alone = (f"; below {COVERAGE_WORKER_MIN_BATCHES} batches it counts in one process, as "
             "the one above" if batches < COVERAGE_WORKER_MIN_BATCHES else "")  # fmt: skip
    run.add(
        paired_cost(f"coverage.both_cores.{tag}", both_times, sql_times, "s",
                    target="ratio <= 2",
                    what=f"`coverage_report(shortfall={SHORTFALL_SHOWN}, workers=2)` for "
                    f"{QUARTER}, whole province ({batches} batches of at most "
                    f"{COVERAGE_BATCH:,} subjects, the workers' start included{alone}; "
                    f"{runs(len(both_times))})",
                    against=f"the SQL of `coverage.{tag}`, {IN_ROUNDS}{streamed}"),
        why=(f"{batches} batches, fewer than {COVERAGE_WORKER_MIN_BATCHES}: the report starts "
             f"no workers and counts in one process, as `coverage.{tag}` does"
             if alone else
             f"{both_seconds:.1f} s on two workers against {cov_seconds:.1f} s in one: the "
             "workers share the 2 cores with the parent listing the ids and, on PostgreSQL, "
             "with the server"),
    )  # fmt: skip
    figures = coverage_subprocess(store)
    first_peak = run.first_peaks.setdefault(f"coverage.{store.backend}", figures["peak_mb"])
    run.add(
        cost(f"coverage.peak_memory.{tag}", figures["peak_mb"], first_peak, "MB",
             target="value < 500",
             what=f"peak resident memory of a coverage process for {QUARTER}, whole "
             f"province (its `VmHWM`; {len(recording.filters) // cov_runs} batches of at most "
             f"{COVERAGE_BATCH:,} subjects; the first {SHORTFALL_SHOWN} shortfalls of each "
             "indicator kept, as a printed report does)",
             against=run.peak_against()),
    )  # fmt: skip


def measure_export(bench: Bench) -> None:
    log(f"{bench.tag}: FHIR export")
    bench_exchange.exchange_speed(bench.run, bench.store, bench.tag)


class StreamedStore:
    """A store whose SQL baselines stream their rows and keep none: ``.all()`` reads every
    row and returns as many ``None`` (what the checks count), so that the baseline's
    memory stays flat at province size while its SQL stays ``bench_store``'s."""

    def __init__(self, store: bench_store.Store) -> None:
        self.store = store
        self.engine = self

    @contextlib.contextmanager
    def connect(self) -> Iterator[_StreamedConnection]:
        with self.store.engine.connect() as connection:
            yield _StreamedConnection(connection.execution_options(yield_per=5000))


class _StreamedConnection:
    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def execute(self, *args: Any, **kwargs: Any) -> _Counted:
        return _Counted(self.connection.execute(*args, **kwargs))


class _Counted:
    def __init__(self, result: Any) -> None:
        self.result = result

    def all(self) -> list[None]:
        return [None] * sum(1 for _ in self.result)


def import_children(
    run: Run, backend: str, tag: str, spec: CohortSpec, path: Path
) -> tuple[float, float, int, int]:
    """The registry file ``path`` imported into an empty store, each run in a fresh store
    and process: median seconds, peak memory (MB), rows and runs."""
    count = spec.children
    log(f"{tag}: import ({count:,} rows)")
    peaks: list[float] = []

    def once() -> float:
        store = bench_store.open_store(
            backend, f"imp{label(spec.children)}", workdir=run.workdir,
            postgres_url=run.postgres_url,
        )  # fmt: skip
        try:
            command = [sys.executable, __file__, "--child-import", *store.child_args(),
                       "--as-of", AS_OF.isoformat(), "--file", str(path)]  # fmt: skip
            figures = job_subprocess(command, "import")
        finally:
            store.drop()
        if figures["created"] != count or figures["rejected"]:
            raise AssertionError(
                f"{tag}: the import created {figures['created']} of {count} children and "
                f"rejected {figures['rejected']}: the registry file is not the cohort"
            )
        peaks.append(figures["peak_mb"])
        return float(figures["seconds"])

    times = repeated(once, run.args.repeat)
    return statistics.median(times), max(peaks), count, len(times)


def measure_footprint(run: Run, store: bench_store.Store, tag: str, raw_bytes: float) -> None:
    """The database's size per obligation once planned (SQLite: one file)."""
    footprint = bench_store.sqlite_footprint(store)
    count = footprint.obligations
    per = footprint.file_bytes / count
    own = None if footprint.obligation_bytes is None else footprint.obligation_bytes / count
    run.add(
        cost(f"store.bytes_per_obligation.{tag}", per, raw_bytes, "bytes",
             target="value <= 300",
             what=f"the SQLite file after the full plan, compacted (`VACUUM INTO` a copy), "
             f"per obligation ({count:,} obligations, {footprint.file_bytes / 1e6:,.0f} MB"
             + ("" if own is None else f"; the obligation table, its contents and their "
                f"indexes {own:,.0f} bytes per obligation") + ")",
             against="the plan's rows alone, the same way (the write-limit baseline's "
             "file: no children, plan states or encounters)"),
        why=(f"the obligations themselves take {own:,.0f} bytes each (the row and its five "
             "indexes: the key, the subject, township and due date, assignee and due date, "
             "daycare), the children, plan states and encounters the rest"
             if own is not None else ""),
    )  # fmt: skip


def render_peak(run: Run, day: Sequence[bench_pdf.Visit]) -> None:
    """The peak memory of a process rendering a township's day of records."""
    import pickle

    from yiyu.reports import encounter_document

    documents = [
        encounter_document(v.record, v.child, institution=bench_pdf.INSTITUTION, earlier=v.earlier)
        for v in day
    ]
    path = run.workdir / "day.pickle"
    path.write_bytes(pickle.dumps(documents))
    figures = job_subprocess([sys.executable, __file__, "--child-render", str(path)], "render")
    first = figures["peak_mb"]
    run.add(
        cost("render.peak_memory", figures["peak_mb"], first, "MB", target="value < 1024",
             what=f"peak resident memory of a process rendering a township's day "
             f"({len(documents)} records, {figures['pages']} pages) one by one and as one "
             f"bundle, in {figures['seconds']:.1f} s (its `VmHWM`)",
             against="itself (a render's memory does not grow with the area's size)"),
    )  # fmt: skip


def run_pdf(run: Run) -> None:
    log("pdf")
    visits = bench_pdf.visits(run.pdf_sample, run.protocol, PDF_BATCH)
    figures = bench_pdf.measure(visits, single=PDF_SINGLE, day=PDF_DAY, batch=PDF_BATCH,
                                repeat=run.args.repeat,
                                batch_runner=partial(batch_subprocess, run))  # fmt: skip
    render_peak(run, visits[:PDF_DAY])
    over = (figures.library_seconds - figures.bare_seconds) * 1000
    pdfa_cost = (figures.pdfa_seconds - figures.bare_seconds) * 1000
    rest = over - pdfa_cost - figures.document_seconds * 1000
    run.add(
        cost("pdf.record.seconds", figures.library_seconds, figures.bare_seconds, "s",
             target="ratio <= 1.1",
             what="`render(encounter_document(…))` per visit record "
             f"(median over {figures.records} records x {run.args.repeat}, "
             "interleaved with the baseline)",
             against="bare WeasyPrint `write_pdf` of the same HTML and stylesheet with a "
             "warm font configuration"),
        why=(f"of the {over:.0f} ms a record over bare WeasyPrint, writing PDF/A-3b (which yiyu "
             f"must) accounts for {pdfa_cost:.0f} ms and building the form's context and charts "
             f"for {figures.document_seconds * 1000:.1f} ms; the other {rest:.0f} ms are the "
             "renderer's own (its fetcher, the embedded JSON, the output-intent profile) and "
             "run-to-run noise"),
    )  # fmt: skip
    run.add(
        cost("pdf.record.seconds_vs_pdfa", figures.library_seconds, figures.pdfa_seconds, "s",
             target=None,
             what="`render(encounter_document(…))` per visit record, as above",
             against="bare WeasyPrint writing the same HTML as PDF/A-3b, as yiyu does"),
    )  # fmt: skip
    run.add(
        cost("pdf.record.bytes_per_page", figures.library_bytes_per_page,
             figures.bare_bytes_per_page, "bytes", target=None,
             what=f"size of a visit record per page ({figures.pages} pages)",
             against="bare WeasyPrint's PDF of the same HTML"),
    )  # fmt: skip
    run.facts.append(
        f"PDF, per visit record (medians): `render(encounter_document(…))` "
        f"{figures.library_seconds * 1000:.0f} ms, of which building the form's context and "
        f"charts {figures.document_seconds * 1000:.1f} ms; bare WeasyPrint "
        f"{figures.bare_seconds * 1000:.0f} ms, and {figures.pdfa_seconds * 1000:.0f} ms when "
        "it writes PDF/A-3b as yiyu does."
    )
    speedup = figures.batch_seconds[1] / figures.batch_seconds[2]
    work = figures.batch_docs * figures.library_seconds
    bound = (figures.start_up + work) / (figures.start_up + work / 2)
    run.facts.append(
        f"PDF: a render worker starts in {figures.start_up_first:.1f} s on a process's "
        "first `render_batch` (its fork server imports WeasyPrint) and in "
        f"{figures.start_up:.2f} s on later ones, as in the timed runs; `render_batch` took "
        f"{figures.batch_seconds[1]:.1f} s with one worker and {figures.batch_seconds[2]:.1f} s "
        f"with two for {figures.batch_docs} records ({figures.batch_docs // PDF_DAY} townships' "
        "days; a county-level city records about 400 visits a working day)."
    )
    run.add(
        Result(
            name="pdf.batch.speedup_2_workers",
            value=figures.batch_docs / figures.batch_seconds[2],
            unit="records/s",
            baseline=figures.batch_docs / figures.batch_seconds[1],
            ratio=speedup,
            target="ratio >= 1.9",
            met=judge(0, speedup, "ratio >= 1.9"),
            what=f"`render_batch()` of {figures.batch_docs} records with 2 worker processes "
            "(start-up included); ratio is the speed-up, higher is better",
            against="the same with 1 worker",
        ),
        why=(f"each worker's start-up (a fork from the server, the renderer: "
             f"{figures.start_up:.2f} s; {figures.start_up_first:.1f} s on a process's first "
             f"call) is paid in both runs; with {figures.library_seconds:.2f} s a record the best "
             f"two workers can do on {figures.batch_docs} records is "
             f"{bound:.2f}x, and the machine's 2 cores also serve the parent process and "
             "whatever else runs (see the load average)"),
    )  # fmt: skip
    run.add(
        cost("pdf.day_bundle.seconds", figures.bundle_seconds, figures.separate_seconds, "s",
             target=None,
             what=f"a township's day ({figures.day_records} records, {figures.bundle_pages} "
             f"pages) rendered as one PDF ({figures.bundle_bytes / figures.bundle_pages:,.0f} "
             "bytes per page)",
             against=f"the same records as separate files "
             f"({figures.separate_bytes / figures.bundle_pages:,.0f} bytes per page)"),
    )  # fmt: skip
    run.add(
        cost("pdf.day_bundle.bytes", figures.bundle_bytes, figures.separate_bytes, "bytes",
             target=None, what="size of the day's bundle", against="the separate files"),
    )  # fmt: skip


# --- the province, in resumable stages (province.py keeps the state) ---------------------------


class Province:
    """The stages of a province run, on the measurement functions above, and the stores
    they share: kept in the state directory, reopened by a resumed run, rebuilt (not
    measured again) when they are gone."""

    def __init__(self, run: Run, state: State, size: int, backends: Sequence[str]) -> None:
        self.run, self.state, self.size, self.backends = run, state, size, list(backends)
        self.name = label(size)
        self.spec = CohortSpec(children=size, seed=SEED, as_of=AS_OF)
        self.cohort = generate_cohort(self.spec)
        self._sample: list[tuple[yiyu.Child, History]] | None = None
        self.state.values.setdefault("base", {})

    # what the stages share

    def histories(self) -> list[History]:
        if self._sample is None:  # deterministic: simulated again by a resumed run
            self._sample = sample_histories(self.spec, self.run.protocol)
            self.run.pdf_sample = self._sample[:12]
        return [h for _, h in self._sample]

    def fresh(self, stem: str) -> None:
        """No SQLite file ``stem`` left by an interrupted run (``open_store`` would open
        it, rows and all)."""
        for suffix in ("", "-wal", "-shm"):
            (self.state.directory / f"{stem}.db{suffix}").unlink(missing_ok=True)

    def children(self) -> Iterator[yiyu.Child]:
        return bench_store.with_histories(self.cohort.children(), self.histories())

    @property
    def registry(self) -> Path:
        return self.state.directory / f"registry-{self.name}.csv"

    def bench(self, store: bench_store.Store) -> Bench:
        base = Baselines(**self.state.values["base"][store.backend])
        return Bench(run=self.run, size=self.size, spec=self.spec, store=store,
                     children=self.children, daycares=self.cohort.daycares,
                     histories=self.histories(), base=base)  # fmt: skip

    def keep(self, bench: Bench) -> None:
        """The baselines measured, for the stages after this one."""
        self.state.values["base"][bench.store.backend] = dataclasses.asdict(bench.base)

    # the stores

    def _record(self, role: str, store: bench_store.Store, **extra: Any) -> None:
        self.state.stores[role] = {"backend": store.backend, "url": store.url,
                                   "schema": store.schema,
                                   "path": None if store.path is None else str(store.path),
                                   **extra}  # fmt: skip
        self.state.save()

    def _reopen(self, role: str, table: str, count: int | None) -> bench_store.Store | None:
        """The recorded store, if it is still there, at the code's schema revision and
        with ``count`` rows in ``table`` (any, if None); else None."""
        info = self.state.stores.get(role)
        if info is None:
            return None
        store = reopen_store(info, self.run.postgres_url)
        if store is None:
            return None
        try:
            rows = store.scalar(f"SELECT count(*) FROM {table}")
            current = schema_revision(store.engine) == head_revision()
        except Exception:  # a schema half made, a file that is not a database
            rows, current = None, False
        if current and rows and (count is None or rows == count):
            return store
        store.drop()
        return None

    def new_store(self, backend: str) -> bench_store.Store:
        old = self.state.stores.pop(backend, None)
        if old is not None:
            drop_store(old, self.run.postgres_url)
        self.fresh(f"s{self.name}")
        store = bench_store.open_store(backend, f"s{self.name}", workdir=self.state.directory,
                                       postgres_url=self.run.postgres_url)  # fmt: skip
        self._record(backend, store, planned=False)
        return store

    def raw_store(self, backend: str) -> bench_store.Store | None:
        """PostgreSQL's write-limit store (``seed_statistics`` copies its statistics),
        written again, unmeasured, if it is gone."""
        if backend != "postgresql":
            return None
        role = f"raw.{backend}"
        store = self._reopen(role, "obligation", None)
        if store is None:
            log(f"{backend}.{self.name}: the write-limit store is gone: writing it again")
            store = bench_store.open_store(backend, f"raw{self.name}", workdir=self.state.directory,
                                           postgres_url=self.run.postgres_url)  # fmt: skip
            self._record(role, store)
            bench_store.rows_pass(self.children(), self.cohort.daycares, self.run.protocol,
                                  as_of=AS_OF, sinks=[bench_store.CopySink(store)])  # fmt: skip
        return store

    def drop_raw(self, backend: str) -> None:
        info = self.state.stores.pop(f"raw.{backend}", None)
        if info is not None:
            drop_store(info, self.run.postgres_url)
            self.state.save()

    def store(self, backend: str, stage: str, *, planned: bool) -> bench_store.Store:
        """The loaded store (and planned, if ``planned``); rebuilt if it is gone (another
        machine, a store of another schema revision): loaded, and planned unmeasured."""
        store = self._reopen(backend, "child", self.size)
        if store is None:
            log(f"{backend}.{self.name}: the store is gone: loading it again for {stage}")
            store = self.new_store(backend)
            bench_store.load(store, self.children(), self.cohort.daycares,
                             self.spec.townships, self.histories())  # fmt: skip
            raw = self.raw_store(backend)
            if raw is not None:
                bench_store.seed_statistics(store, raw)
                self.drop_raw(backend)
            self.run.facts.append(
                f"{backend}.{self.name}: the store was gone when `{stage}` began (a run "
                "resumed on another machine, or a new schema): loaded again"
                + (" and planned (not measured)" if planned else "")
                + "; the stages before it measured the first one."
            )
        if planned and not self.state.stores[backend].get("planned"):
            log(f"{backend}.{self.name}: planning the store (not measured) for {stage}")
            if store.scalar("SELECT count(*) FROM plan_state"):
                bench_store.clear_plans(store)
            plan_subprocess(store, full=True)
            self.planned(backend)
        return store

    def clean_up(self) -> None:
        """Every stage done: the stores and the registry file go (gigabytes at 1.2 M;
        PostgreSQL's schemas are in a shared database); the figures stay in the state."""
        for role in list(self.state.stores):
            drop_store(self.state.stores.pop(role), self.run.postgres_url)
        self.state.save()
        self.registry.unlink(missing_ok=True)
        log(f"every stage done: the stores are dropped, the figures kept in {self.state.directory}")

    def planned(self, backend: str, planned: bool = True) -> None:
        """Whether the store holds a whole plan (a stage that replans it unsets this
        first: interrupted, it leaves half a plan)."""
        self.state.stores[backend]["planned"] = planned
        self.state.save()

    # the stages

    def stages(self, *, pdf: bool) -> list[Stage]:
        stages = [Stage("cohort", self.stage_cohort,
                        "the sample's visits simulated, the registry file written")]  # fmt: skip
        for b in self.backends:
            stages += [
                Stage(f"raw.{b}", partial(self.stage_raw, b),
                      "the engine alone and the raw write of the plan's rows (the write limit)"),
                Stage(f"load.{b}", partial(self.stage_load, b),
                      "the cohort loaded into a new store (the import's baseline)"),
                Stage(f"import.{b}", partial(self.stage_import, b),
                      "the registry file imported into an empty store (time, peak memory)"),
                Stage(f"plan.{b}", partial(self.stage_plan, b),
                      "the full plan (rate against the write limit, peak memory)"),
                *([Stage(f"footprint.{b}", partial(self.stage_footprint, b),
                         "the database's size per obligation (`VACUUM INTO` a copy)")]
                  if b == "sqlite" else []),
                Stage(f"workers.{b}", partial(self.stage_workers, b),
                      "the full plan with 2 workers (speed-up over 1)"),
                Stage(f"incremental.{b}", partial(self.stage_incremental, b),
                      "an incremental plan after 1 % of the children changed (peak memory)"),
                Stage(f"worklist.{b}", partial(self.stage_worklist, b),
                      "the largest township's work list against its SQL (peak memory)"),
                Stage(f"coverage.{b}", partial(self.stage_coverage, b),
                      f"coverage for {QUARTER} against its SQL (peak memory)"),
                Stage(f"export.{b}", partial(self.stage_export, b),
                      "the FHIR export (mapping rate; the whole job timed)"),
            ]  # fmt: skip
        if pdf:
            stages.append(Stage("render", self.stage_render,
                                "a township's day of records rendered (peak memory)"))  # fmt: skip
        return stages

    def stage_cohort(self, _: StageRun) -> None:
        self._sample = simulate_sample(self.run, self.spec)
        started = time.perf_counter()
        count = write_registry(self.spec, self.registry)
        self.run.facts.append(
            f"{self.name}: the registry file of {count:,} children written for the import "
            f"({self.registry.stat().st_size / 1e6:,.0f} MB, "
            f"{time.perf_counter() - started:.0f} s)."
        )

    def stage_raw(self, backend: str, _: StageRun) -> None:
        raw: dict[str, bench_store.Store] = {}
        self.fresh(f"raw{self.name}")
        limit = write_limit(self.run, self.size, self.children, self.cohort.daycares,
                            [backend], raw)  # fmt: skip
        if backend in raw:
            self._record(f"raw.{backend}", raw[backend])
        self.state.values["base"][backend] = dataclasses.asdict(limit.baselines(backend))

    def stage_load(self, backend: str, _: StageRun) -> None:
        store = self.new_store(backend)
        bench = self.bench(store)
        measure_load(bench, self.raw_store(backend))
        self.drop_raw(backend)
        self.keep(bench)

    def stage_import(self, backend: str, _: StageRun) -> None:
        self.fresh(f"imp{self.name}")  # the import's own store, if left behind
        if not self.registry.exists():
            log(f"{self.name}: the registry file is gone: writing it again")
            write_registry(self.spec, self.registry)
        base = Baselines(**self.state.values["base"][backend])  # the store is not needed
        measure_import(self.run, backend, self.spec, base, self.registry)

    def stage_plan(self, backend: str, _: StageRun) -> None:
        bench = self.bench(self.store(backend, "plan", planned=False))
        self.planned(backend, False)
        measure_full_plan(bench, plan_rounds(bench, (1,)))
        self.planned(backend)
        self.keep(bench)

    def stage_footprint(self, backend: str, _: StageRun) -> None:
        bench = self.bench(self.store(backend, "footprint", planned=True))
        assert bench.base.raw_bytes is not None
        measure_footprint(self.run, bench.store, bench.tag, bench.base.raw_bytes)

    def stage_workers(self, backend: str, _: StageRun) -> None:
        bench = self.bench(self.store(backend, "workers", planned=False))
        self.planned(backend, False)
        full_two_workers(bench, plan_rounds(bench, (2,)))
        self.planned(backend)

    def stage_incremental(self, backend: str, step: StageRun) -> None:
        bench = self.bench(self.store(backend, "incremental", planned=True))
        measure_incremental(bench, settle=step.interrupted)

    def stage_worklist(self, backend: str, _: StageRun) -> None:
        measure_worklist(self.bench(self.store(backend, "worklist", planned=True)))

    def stage_coverage(self, backend: str, _: StageRun) -> None:
        measure_coverage(self.bench(self.store(backend, "coverage", planned=True)))

    def stage_export(self, backend: str, _: StageRun) -> None:
        measure_export(self.bench(self.store(backend, "export", planned=True)))

    def stage_render(self, _: StageRun) -> None:
        self.histories()
        visits = bench_pdf.visits(self.run.pdf_sample, self.run.protocol, PDF_DAY)
        render_peak(self.run, visits)
        (self.run.workdir / "day.pickle").unlink(missing_ok=True)


def reopen_store(info: dict[str, Any], postgres_url: str) -> bench_store.Store | None:
    """A store recorded in the state, if its file or schema still exists."""
    url, schema, path = info["url"], info["schema"], info["path"]
    if info["backend"] == "sqlite":
        if path is None or not Path(path).exists():
            return None
        return bench_store.Store("sqlite", url, None, bench_store.engine_for(url, None),
                                 path=Path(path))  # fmt: skip
    from yiyu.store.database import make_engine

    admin = make_engine(postgres_url)
    with admin.connect() as connection:
        found = connection.execute(
            text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"), {"s": schema}
        ).scalar()
    if not found:
        admin.dispose()
        return None
    return bench_store.Store("postgresql", url, schema, bench_store.engine_for(url, schema),
                             admin=admin)  # fmt: skip


def drop_store(info: dict[str, Any], postgres_url: str) -> None:
    try:
        store = reopen_store(info, postgres_url)
    except Exception as error:  # PostgreSQL not reachable from here: say what is left
        log(f"could not drop the store {info['schema']} ({type(error).__name__}): drop it by hand")
        return
    if store is not None:
        store.drop()


# What would close each missed target (the page says so beside the figures).
CLOSE = {
    "engine.schedule": (
        "run the engine on both cores, as the plan's workers do (`plan.full_both_cores`): "
        "it is pure, subjects in, obligations out. In one process, the children with only "
        "their birth recorded are planned once per schedule shape (`yiyu.scheduling."
        "shapes`), the others from the first's windows; the shapes are about as many at "
        "any size, so a smaller cohort gains less and a province more. What is left is the "
        "first child of each shape and the children with a category, enrolment, case or "
        "referral (18 % at 100k), planned rule by rule: the enrolled ones (12 %) could have "
        "shapes too, their daycares' days in the shape. A host calling `schedule()` child "
        "by child also pays the collector's passes over its own heap "
        "(`engine.schedule_collector_on`); `plan` pauses the collector per batch"
    ),
    "plan.full": (
        "little in one process: on SQLite it schedules and writes on one core, and "
        "scheduling alone takes about as long as the raw write (`engine.schedule`), so the "
        "target is for the plan on both cores (`plan.full_both_cores`); on PostgreSQL one "
        "process already saves each batch from a thread while it plans the next (the "
        "server works meanwhile: 32.7–33.1 s to 24.6–26.6 s at 100k, 2026-12-02)"
    ),
    "plan.full_both_cores": (
        "on SQLite, less work for its one writer, which every batch waits for: the workers "
        "give way to it (`SQLITE_WORKER_NICENESS`: 28.1 s to 24.4 s at 100k) and send each "
        "day as one object (to 21.5 s), measured when this was written; what is left is "
        "its `executemany` sharing the two cores with the workers (17.4 s of a plan at "
        "100k beside them, 11.1 s alone). On PostgreSQL the workers schedule and write and "
        "the server shares the same two cores, which the three kept about 80 % busy "
        "(`top`, 100k); larger batches (2,000 subjects: 24.3 s against 25.9 s) or three "
        "workers (18.7–19.3 s against 19.4–21.2 s for two) filled a little of the rest; "
        "measured again, a third worker did not (22.1 s against 21.5–22.2 s for two, "
        "2026-12-02), nor did each worker saving a batch in parts while it planned the "
        "next (24.7–26.2 s): the cores are busy, so what is left is less work per "
        "obligation"
    ),
    "store.bytes_per_obligation": (
        "store the dates as day numbers, not ISO text (the window's three, the "
        "cancellation and withdrawal, and the due date in two indexes): about 40 bytes a "
        "row, estimated; the protocol, version and role already live with the content, "
        "the update time is an integer (revision 0010) and the assignee and daycare "
        "indexes hold only the rows that have one (revision 0011)"
    ),
    "plan.incremental": (
        "smaller fixed costs of a run: profiled at 10k on PostgreSQL (1 % changed, "
        "0.35 s in all, 2026-12-01), listing the stale subjects took about 0.13 s and "
        "saving their plans, a chunk of subjects at a time, about 0.16 s; the rest "
        "scales with the 1 %"
    ),
    "worklist": (
        "build the lines from plain rows, without an obligation value per line, and derive "
        "the status in SQL (on PostgreSQL each page already reads only its own rows, "
        "bitmap scans off)"
    ),
    "coverage": (
        "less Python for each row and child: the values read are made without their "
        "checks (`trusted_maker`) and a batch's children are read by its range of ids "
        "(`Repository.children_in`), so what is left is making those values and the "
        "passes of 20 indicators over them; or count in SQL per indicator and township, "
        "with the core's rules given a second, SQL form tested against the first"
    ),
    "coverage.both_cores": (
        "count in SQL what can be counted there (see `coverage`); on PostgreSQL the "
        "server shares the two cores with the workers"
    ),
    "plan.peak_memory": (
        "read the subject references from the store batch by batch instead of listing "
        "them all before the first batch"
    ),
    "pdf.record.seconds": (
        "little on yiyu's side (see `pdf.record.seconds_vs_pdfa`): PDF/A-3b is a "
        "requirement, so the fair limit is WeasyPrint writing PDF/A-3b; the renderer's own "
        "remainder could shrink by building the output-intent profile once per renderer "
        "if WeasyPrint allowed reusing it"
    ),
    "plan.full_2_workers": (
        "on SQLite, nothing while it has one writer: one worker's plan schedules and "
        "writes in series and two divide only the scheduling (32.2 s and 21.5 s at 100k "
        "when this was written, the write alone about 13 s); on PostgreSQL one process "
        "already keeps the server busy while it plans (`plan.full`), so two workers gain "
        "less over it, and the two cores are busy with them (`plan.full_both_cores`): "
        "less work per obligation, or the workers on another host than the server"
    ),
    "export.fhir": (
        "the ratio moves with the machine more than with the code: on 2026-12-02 the "
        "code of 2026-12-01 and this run's mapped the benchmark's 100k SQLite sample at "
        "2.03–2.25x `json.dumps` alike (alternating processes, 3 rounds each), where the "
        "page of 2026-12-01 had 1.69x. Less Python per resource would: the mapping builds "
        "each resource's nested dicts afresh, where the parts shared by every resource of a "
        "kind (codings, profiles, the rule's texts) could be built once and reused"
    ),
    "pdf.batch.speedup_2_workers": (
        "the workers already fork from a server that has imported WeasyPrint, kept for "
        "the process (a later call's start-up is a tenth of the first's): what is left is "
        "the workers sharing the two cores with the parent and whatever else runs (see the "
        "load average; a pure-Python loop in two processes ran 1.98x one on this machine, "
        "2026-12-02); chunks of records rather than one task per record would save the "
        "parent a little"
    ),
}


def kind_of(name: str) -> str:
    """What a result measures, without its backend and size: ``plan.full.sqlite.10k`` →
    ``plan.full``, ``worklist.postgresql.100k`` → ``worklist``."""
    parts = name.split(".")
    if parts[0] == "pdf":
        return name
    kind: list[str] = []
    for part in parts:
        if part in ("sqlite", "postgresql") or re.fullmatch(r"\d+(\.\d+)?[kM]?", part):
            break
        kind.append(part)
    return ".".join(kind)


def misses(run: Run) -> list[str]:
    """One paragraph per kind of missed target: the figures, why, what would close it."""
    kinds: dict[str, list[Result]] = {}
    for result in run.results:
        if result.met is False:
            kinds.setdefault(kind_of(result.name), []).append(result)
    lines: list[str] = []
    for kind, missed in kinds.items():
        figures = ", ".join(f"`{r.name}` {r.ratio:.3g}" for r in missed if r.ratio is not None)
        why = run.why.get(missed[-1].name, "")
        lines.append(
            f"- **{kind}** (target {missed[0].target}): {figures}."
            + (f" Why: {why}." if why else "")
            + (f" What would close it: {CLOSE[kind]}." if kind in CLOSE else "")
        )
    return lines


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="10000,100000",
        help="cohort sizes, comma-separated (default 10000,100000)",
    )
    parser.add_argument(
        "--backends",
        help="comma-separated (default sqlite,postgresql; with --province: sqlite)",
    )
    parser.add_argument(
        "--out",
        help="where the two files go (default docs; with --province at another size than "
        f"{PROVINCE:,}: the state directory, so that a trial does not replace the page)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="repetitions of short measurements (medians; at least 3)",
    )
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF measurements")
    parser.add_argument(
        "--faults",
        action="store_true",
        help="instead: the fault-injection runs at 20,000 children (benchmarks/faults.py), "
        "written to faults.md and faults.json",
    )
    province = parser.add_argument_group(
        "the province run",
        f"--province: instead, every job at {PROVINCE:,} children (one run of each) in "
        "resumable stages, written to benchmarks-province.md and .json; the same command "
        "again resumes after the last finished stage",
    )
    province.add_argument("--province", action="store_true", help="the province run")
    province.add_argument(
        "--province-size",
        type=int,
        default=PROVINCE,
        metavar="N",
        help=f"children (default {PROVINCE:,}; e.g. 20000 tries the stages in minutes)",
    )
    province.add_argument(
        "--state",
        type=Path,
        help=f"the state directory (default {STATE_ROOT.relative_to(ROOT)}/<size>): "
        "the figures so far, the stores, what a resumed run needs",
    )
    province.add_argument(
        "--restart", action="store_true", help="start over: forget the state and its stores"
    )
    province.add_argument("--stop-after", metavar="STAGE", help="stop once STAGE has finished")
    province.add_argument(
        "--skip", default="", metavar="STAGES", help="comma-separated stages not to run now"
    )
    args = parser.parse_args(argv)  # fmt: skip
    args.sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    default = "sqlite" if args.province else "sqlite,postgresql"
    args.backends = [b.strip() for b in (args.backends or default).split(",") if b.strip()]
    unknown = set(args.backends) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    args.skip = [s.strip() for s in args.skip.split(",") if s.strip()]
    if args.province:
        if args.province_size < 100:
            parser.error("--province-size: at least 100 children")
        args.state = args.state or STATE_ROOT / label(args.province_size)
        if args.out is None:
            args.out = "docs" if args.province_size == PROVINCE else str(args.state)
    elif args.out is None:
        args.out = "docs"
    return args


def main(argv: Sequence[str]) -> int:
    if argv and argv[0] == "--child-plan":
        return child_plan(argv[1:])
    if argv and argv[0] == "--child-coverage":
        return child_coverage(argv[1:])
    if argv and argv[0] == "--child-worklist":
        return child_worklist(argv[1:])
    if argv and argv[0] == "--child-import":
        return child_import(argv[1:])
    if argv and argv[0] == "--child-render":
        return child_render(argv[1:])
    args = parse_args(argv)
    if args.faults:
        import faults

        return faults.main(
            ["--children", "20000", "--backends", ",".join(args.backends), "--out", args.out]
        )
    if args.province:
        return run_province(args, argv)
    started = time.perf_counter()
    load_before = load_average()
    postgres_url = os.environ.get("YIYU_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    postgres = bench_store.postgres_version(postgres_url) if "postgresql" in args.backends else None
    info = machine(postgres)  # now: the source's commit as the run starts
    workdir = Path(tempfile.mkdtemp(prefix="yiyu-bench-"))
    run = Run(args=args, protocol=yiyu.load_protocol(), workdir=workdir,
              postgres_url=postgres_url)  # fmt: skip
    backends = run.backends = list(args.backends)
    if "postgresql" in backends and postgres is None:
        backends.remove("postgresql")
        run.skipped.append(f"PostgreSQL: not reachable at {postgres_url}.")
    phases: dict[str, float] = {}
    try:
        for size in args.sizes:
            log(f"--- {size:,} children")
            phase = time.perf_counter()
            run_size(run, size, backends)
            phases[label(size)] = time.perf_counter() - phase
        if not args.no_pdf:
            phase = time.perf_counter()
            run_pdf(run)
            phases["PDF"] = time.perf_counter() - phase
        else:
            run.skipped.append("PDF rendering: run without --no-pdf.")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    out = Path(args.out)
    if PROVINCE not in args.sizes:
        where = (
            ": its figures are on [the province page](benchmarks-province.md)"
            if (out / "benchmarks-province.md").exists()
            else ""
        )
        run.skipped.append(
            f"{PROVINCE:,} children (Zhejiang): every job, in resumable stages, by "
            f"`nox -s bench -- --province`{where}."
        )
    seconds = time.perf_counter() - started
    command = "python benchmarks/run.py " + " ".join(argv) if argv else "python benchmarks/run.py"
    page = Page(
        command=command.strip(),
        machine=info,
        seconds=seconds,
        load_before=load_before,
        load_after=load_average(),
        settings=[
            f"Cohort: `yiyu.synthetic.generate_cohort`, seed {SEED}, as of {AS_OF}; sizes "
            f"{', '.join(f'{s:,}' for s in args.sizes)}; plan horizon 180 + 30 days.",
            f"Repetitions: the median of {args.repeat} runs for each measurement, except "
            f"that one taking more than {LONG_SECONDS:.0f} s runs once (the table says "
            "which); a job with a target runs in rounds beside its baseline (each round the "
            "job, then the baseline: the full plans after the raw write of the same rows), "
            f"{args.repeat} rounds however long, and its ratio is the median of the rounds' "
            "ratios, so that the machine's drift over the run sways job and baseline alike.",
            f"Coverage is for {QUARTER}; the work list is for the largest township.",
            "Time by part: "
            + ", ".join(f"{part} {seconds / 60:.1f} min" for part, seconds in phases.items())
            + ".",
        ],
        facts=run.facts,
        profile=run.profile,
        misses=misses(run),
        skipped=run.skipped,
    )
    out.mkdir(parents=True, exist_ok=True)
    write_json(run.results, out / "benchmarks.json")
    write_markdown(run.results, page, out / "benchmarks.md")
    log(f"done in {seconds / 60:.1f} min: {out / 'benchmarks.md'}")
    return 0


def run_province(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """``--province``: the stages not yet done, then the province page (also when a stage
    fails or the run stops early: it shows what is done)."""
    size, backends = args.province_size, list(args.backends)
    postgres_url = os.environ.get("YIYU_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    postgres = bench_store.postgres_version(postgres_url) if "postgresql" in backends else None
    if "postgresql" in backends and postgres is None:
        log(f"PostgreSQL is not reachable at {postgres_url}")
        return 2
    args.repeat, args.sizes = 1, [size]  # one run of each job, at one size

    def drop(info: dict[str, Any]) -> None:
        drop_store(info, postgres_url)

    try:
        state = State.open(args.state, size=size, restart=args.restart, drop=drop)
    except StateError as error:
        log(str(error))
        return 2
    info = machine(postgres)
    if state.data["machine"] is None:
        state.data["machine"] = info
    elif {k: v for k, v in info.items() if k != "postgresql"} != {
        k: v for k, v in state.data["machine"].items() if k != "postgresql"
    }:
        state.data.setdefault("other_machines", []).append(info)
    if postgres is not None:  # the first stages may have run without PostgreSQL
        state.data["machine"]["postgresql"] = postgres
    state.save()
    run = Run(args=args, protocol=yiyu.load_protocol(), workdir=state.directory,
              postgres_url=postgres_url, backends=backends, province=True)  # fmt: skip
    province = Province(run, state, size, backends)
    stages = province.stages(pdf=not args.no_pdf)
    log(
        f"--- the province run: {size:,} children, {', '.join(backends)}; "
        f"state in {state.directory}"
    )
    failed: BaseException | None = None
    try:
        run_stages(state, stages, run, stop_after=args.stop_after, skip=args.skip, log=log)
    except StateError as error:
        log(str(error))
        return 2
    except Exception as error:  # recorded in the state; the page shows it
        failed = error
    finally:
        markdown, _ = province_page(run, state, stages, args)
        log(f"the province page: {markdown}")
    if failed is not None:
        raise failed
    if all(state.done(stage.name) for stage in stages):
        province.clean_up()
    return 0


def province_page(
    run: Run, state: State, stages: Sequence[Stage], args: argparse.Namespace
) -> tuple[Path, Path]:
    """The province page, from the stages done so far (kept in the state)."""
    size = state.data["size"]
    skipped = []
    for stage in stages:
        record = state.record(stage.name)
        if record is None or record["status"] != "done":
            status = "not run yet" if record is None else record["status"]
            skipped.append(f"`{stage.name}` ({stage.what}): {status}; the same command runs it.")
    if "postgresql" not in run.backends:
        skipped.append(
            "PostgreSQL: add it with `--backends sqlite,postgresql` (its stages run after "
            "SQLite's; about as long again)."
        )
    skipped.append(
        "The engine's profile, the 10k and 100k medians and PDF batch rendering (whose "
        "cost does not grow with the province): [the main page](benchmarks.md)."
    )
    for other in state.data.get("other_machines", []):
        skipped.append(
            f"Some stages ran on another machine: {other['platform']}, {other['cpus']} CPUs, "
            f"{other['memory_gb']} GB."
        )
    command = (
        "python benchmarks/run.py --province"
        + (f" --province-size {size}" if size != PROVINCE else "")
        + (f" --backends {','.join(run.backends)}" if run.backends != ["sqlite"] else "")
    )
    settings = [
        f"Cohort: `yiyu.synthetic.generate_cohort`, seed {SEED}, as of {AS_OF}; {size:,} "
        "children; plan horizon 180 + 30 days.",
        "Repetitions: **one run of each job** (at this size a median of 3 would take hours; "
        "the 10k and 100k figures on the main page are medians).",
        f"Coverage is for {QUARTER}; the work list is for the largest township.",
    ]
    return write_page(state, stages, run, command=command, settings=settings,
                      misses=misses(run), skipped=skipped, out=Path(args.out),
                      stem="benchmarks-province")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
