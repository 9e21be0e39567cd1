"""Fault injection: kill -9 and concurrency against the store, counting what was lost.

    python benchmarks/faults.py [--children 20000] [--backends sqlite,postgresql] [--out docs]

``nox -s bench -- --faults`` runs it at 20,000 children and writes ``docs/faults.md`` and
``docs/faults.json``; the test suite runs the same code at a small size on both backends
(``tests/jobs/test_faults.py``), so CI fails if a fault loses a row.

Each fault is run on a fresh store (a SQLite file, or a PostgreSQL schema of its own) and
compared with what a quiet, sequential run stores:

* ``plan killed``: a plan is killed with SIGKILL halfway (``os._exit`` from its progress
  callback, after half the subjects), then planned again, as the nightly job would be;
* ``import killed``: a registry import is killed with SIGKILL while it runs, then run
  again;
* ``two plans``: two full plans of the same store at once, in two processes;
* ``two imports``: two imports of the same new file at once, in two processes: both
  must succeed.

Reported per fault: rows expected, rows stored, **rows lost** (expected keys missing),
**duplicate keys** (rows beyond the distinct keys), extra keys, failed processes, and the
seconds it took. Every figure must be 0 but the counts of rows.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pendulum
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_store  # the helper beside this script

import yiyu
from yiyu.domain import Child
from yiyu.synthetic import CohortSpec, generate_cohort

SEED = 2026
AS_OF = pendulum.Date(2026, 6, 30)
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FIELDS = (
    "id", "name", "sex", "birth_date", "gestational_weeks", "birth_weight_g",
    "discharge_date", "resident_id", "township", "family_doctor", "registered_on",
)  # fmt: skip


@dataclass
class Outcome:
    """One fault on one backend."""

    fault: str
    backend: str
    children: int
    expected: int
    stored: int
    lost: int
    duplicates: int
    extra: int
    failed_processes: int
    seconds: float
    note: str = ""

    @property
    def clean(self) -> bool:
        return (
            self.lost == 0
            and self.duplicates == 0
            and self.extra == 0
            and (self.failed_processes == 0)
        )


def cohort(children: int) -> tuple[list[Child], list[Any]]:
    generated = generate_cohort(CohortSpec(children=children, seed=SEED, as_of=AS_OF))
    return list(generated.children()), list(generated.daycares)


def registry_csv(children: Sequence[Child]) -> bytes:
    """The children as the registry would export them (UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIELDS)
    for child in children:
        writer.writerow(
            [
                child.id, child.name, child.sex.value, child.birth_date.isoformat(),
                "" if child.gestational_age is None else str(child.gestational_age),
                "" if child.birth_weight_g is None else child.birth_weight_g,
                "" if child.discharge_date is None else child.discharge_date.isoformat(),
                child.resident_id or "", child.township or "", child.family_doctor or "",
                "" if child.registered_on is None else child.registered_on.isoformat(),
            ]
        )  # fmt: skip
    return buffer.getvalue().encode("utf-8")


# --- what the subprocesses do -------------------------------------------------------------


def child_main(argv: Sequence[str]) -> int:
    """``faults.py --child plan|plan-kill|import …``: one job in a process of its own."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", required=True, choices=["plan", "plan-kill", "import"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--schema")
    parser.add_argument("--file")
    args = parser.parse_args(argv)
    from yiyu.jobs.importing import import_children
    from yiyu.jobs.planning import plan
    from yiyu.store.sql import SqlRepository

    repo = SqlRepository(bench_store.engine_for(args.url, args.schema))
    if args.child == "import":
        import_children(repo, Path(args.file))
        return 0

    def die_halfway(done: int, total: int) -> None:
        if done >= total // 2:
            os._exit(9)  # SIGKILL's effect: no cleanup, nothing in flight committed

    progress = die_halfway if args.child == "plan-kill" else None
    plan(repo, yiyu.load_protocol(), as_of=AS_OF, full=True, batch_size=50, progress=progress)
    return 0


def _finish(processes: Sequence[subprocess.Popen[bytes]]) -> tuple[int, str]:
    """Wait for ``processes``: how many failed, and the last line each failure wrote."""
    failed, why = 0, []
    for process in processes:
        _, err = process.communicate()  # also closes the pipe
        if process.returncode != 0:
            failed += 1
            lines = err.decode("utf-8", "replace").strip().splitlines()
            why.append(lines[-1] if lines else f"exit {process.returncode}")
    return failed, "; ".join(why)


def _spawn(store: bench_store.Store, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, __file__, *args, *store.child_args()],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


# --- the faults ------------------------------------------------------------------------------


def _keys(store: bench_store.Store, table: str, key: str) -> tuple[set[str], int]:
    """The distinct keys of ``table`` and its row count."""
    with store.engine.connect() as connection:
        rows = [r[0] for r in connection.execute(text(f"SELECT {key} FROM {table}"))]
    return set(rows), len(rows)


def _outcome(
    fault: str,
    store: bench_store.Store,
    children: int,
    expected: set[str],
    table: str,
    key: str,
    failed: int,
    started: float,
) -> Outcome:
    found, rows = _keys(store, table, key)
    return Outcome(
        fault=fault,
        backend=store.backend,
        children=children,
        expected=len(expected),
        stored=rows,
        lost=len(expected - found),
        duplicates=rows - len(found),
        extra=len(found - expected),
        failed_processes=failed,
        seconds=round(time.perf_counter() - started, 1),
    )


def _drop(store: bench_store.Store) -> None:
    store.drop()
    if store.admin is not None:
        store.admin.dispose()  # no connection left open behind the dropped schema


def _wait_for_run(store: bench_store.Store, job: str, process: subprocess.Popen[bytes]) -> None:
    """Until ``process`` has started its ``job`` run (or ended)."""
    while process.poll() is None:
        with store.engine.connect() as connection:
            started = connection.execute(
                text("SELECT count(*) FROM job_run WHERE job = :job"), {"job": job}
            ).scalar()
        if started:
            return
        time.sleep(0.02)


def _loaded(backend: str, name: str, run: Run) -> bench_store.Store:
    store = bench_store.open_store(
        backend, name, workdir=run.workdir, postgres_url=run.postgres_url
    )
    store.repo.save_daycares(run.daycares)
    store.repo.save_children(run.children)
    return store


@dataclass
class Run:
    children: list[Child]
    daycares: list[Any]
    workdir: Path
    postgres_url: str
    registry: Path


def faults_on(backend: str, run: Run) -> list[Outcome]:
    from yiyu.jobs.planning import plan

    size = len(run.children)
    outcomes = []
    reference = _loaded(backend, "ref", run)
    plan(reference.repo, yiyu.load_protocol(), as_of=AS_OF, full=True)
    expected_keys, _ = _keys(reference, "obligation", "key")
    _drop(reference)

    started = time.perf_counter()
    store = _loaded(backend, "kill", run)
    killed = _spawn(store, "--child", "plan-kill")
    killed.communicate()
    failed = 0 if killed.returncode == 9 else 1  # it must have died where it was told
    plan(store.repo, yiyu.load_protocol(), as_of=AS_OF)  # the next night's run
    outcomes.append(
        _outcome("plan killed", store, size, expected_keys, "obligation", "key", failed, started)
    )
    _drop(store)

    started = time.perf_counter()
    store = _loaded(backend, "two", run)
    failed, why = _finish([_spawn(store, "--child", "plan") for _ in range(2)])
    outcomes.append(
        _outcome("two plans", store, size, expected_keys, "obligation", "key", failed, started)
    )
    outcomes[-1].note = why
    _drop(store)

    ids = {child.id for child in run.children}
    started = time.perf_counter()
    store = bench_store.open_store(
        backend, "ikill", workdir=run.workdir, postgres_url=run.postgres_url
    )
    importing = _spawn(store, "--child", "import", "--file", str(run.registry))
    _wait_for_run(store, "import_children", importing)
    time.sleep(0.0001 * size)  # into the file's rows (2 s at 20,000 children)
    importing.send_signal(signal.SIGKILL)
    importing.communicate()
    code = importing.returncode
    from yiyu.jobs.importing import import_children

    import_children(store.repo, run.registry)  # run again
    killed = _outcome("import killed", store, size, ids, "child", "id", 0, started)
    killed.note = "killed while importing" if code == -signal.SIGKILL else "done before the kill"
    outcomes.append(killed)
    _drop(store)

    started = time.perf_counter()
    store = bench_store.open_store(
        backend, "itwo", workdir=run.workdir, postgres_url=run.postgres_url
    )
    failed, why = _finish(
        [_spawn(store, "--child", "import", "--file", str(run.registry)) for _ in range(2)]
    )
    outcomes.append(_outcome("two imports", store, size, ids, "child", "id", failed, started))
    outcomes[-1].note = why
    _drop(store)
    return outcomes


def run_faults(
    children: int, backends: Sequence[str], *, postgres_url: str = DEFAULT_POSTGRES
) -> list[Outcome]:
    """Every fault on every backend, at ``children`` children."""
    cohort_children, daycares = cohort(children)
    with tempfile.TemporaryDirectory(prefix="yiyu-faults-") as folder:
        workdir = Path(folder)
        registry = workdir / "children.csv"
        registry.write_bytes(registry_csv(cohort_children))
        run = Run(cohort_children, daycares, workdir, postgres_url, registry)
        return [outcome for backend in backends for outcome in faults_on(backend, run)]


def page(outcomes: Sequence[Outcome]) -> str:
    lines = [
        "# Fault injection",
        "",
        "<!-- Generated by `nox -s bench -- --faults` (benchmarks/faults.py). -->",
        "",
        "Each fault runs on a fresh store and is compared with a quiet, sequential run: rows",
        "lost, duplicate keys and extra keys must all be 0, and every process that should",
        "succeed must. The suite runs the same code at a small size on both backends",
        "(tests/jobs/test_faults.py).",
        "",
        "| fault | backend | children | rows expected | rows stored | lost | duplicate keys "
        "| extra | failed processes | seconds | note |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        lines.append(
            f"| {o.fault} | {o.backend} | {o.children:,} | {o.expected:,} | {o.stored:,} | "
            f"{o.lost} | {o.duplicates} | {o.extra} | {o.failed_processes} | {o.seconds} "
            f"| {o.note} |"
        )
    return "\n".join([*lines, ""])


def main(argv: Sequence[str]) -> int:
    if argv and argv[0] == "--child":
        return child_main(argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--out", default="docs")
    args = parser.parse_args(argv)
    postgres_url = os.environ.get("YIYU_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    outcomes = run_faults(args.children, args.backends.split(","), postgres_url=postgres_url)
    out = Path(args.out)
    (out / "faults.md").write_text(page(outcomes), encoding="utf-8")
    (out / "faults.json").write_text(
        json.dumps([asdict(o) for o in outcomes], indent=2) + "\n", encoding="utf-8"
    )
    for o in outcomes:
        print(f"{o.fault:14} {o.backend:10} lost={o.lost} duplicates={o.duplicates} "
              f"extra={o.extra} failed={o.failed_processes} {o.seconds}s")  # fmt: skip
    return 0 if all(o.clean for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
