"""The province run in resumable stages (#14): ``run.py --province``.

At 1.2 million children every job takes minutes and the run about an hour and a half per
backend, longer than a machine can be counted on. The run is therefore a list of named
stages (``run.py`` defines them); each writes its figures to a state directory as it
finishes, with what the next ones need (the baselines measured so far, the stores' paths
or schemas, the commit measured). Running the same command again resumes after the last
finished stage; ``--restart`` starts over. A stage's figures are kept only once it has
finished: a stage that was interrupted or failed runs again from its start.

This module is the bookkeeping (the state file, which stages are done, the page); the
measurements are ``run.py``'s, the same functions the 10k and 100k page runs.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_report import Page, Result, load_average, write_json, write_markdown

ROOT = Path(__file__).resolve().parent.parent
STATE_ROOT = Path(__file__).resolve().parent / ".province"  # git-ignored
FORMAT = 1  # of the state file: a state of another format is not resumed


def fingerprint() -> dict[str, str]:
    """The commit measured, and a digest of what the figures depend on: yiyu's source and
    the harness, committed or not (a resumed run must measure the same code)."""
    digest = hashlib.sha256()
    files = sorted([*(ROOT / "src").rglob("*"), *(ROOT / "benchmarks").glob("*.py")])
    for path in files:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {"commit": commit, "source": digest.hexdigest()[:16]}


class StateError(Exception):
    """The state directory cannot be resumed by this command (another size, other code)."""


@dataclass(frozen=True)
class Stage:
    """One resumable step. ``action`` measures and adds its figures to the run; it may read
    and change ``State.values`` (kept only if it finishes)."""

    name: str
    action: Callable[[StageRun], None]
    what: str  # for the page's list of stages


@dataclass(frozen=True)
class StageRun:
    """What a stage is told: the state, and whether an earlier run was interrupted in it
    (it may have left the store half changed)."""

    state: State
    interrupted: bool


class State:
    """The state directory: ``state.json`` (atomically replaced) and the stores' files."""

    def __init__(self, directory: Path, data: dict[str, Any]) -> None:
        self.directory = directory
        self.data = data

    @classmethod
    def open(
        cls, directory: Path, *, size: int, restart: bool, drop: Callable[[dict[str, Any]], None]
    ) -> State:
        """The state in ``directory``, or a new one. ``drop`` removes a recorded store
        (on ``--restart``: PostgreSQL schemas live outside the directory)."""
        path = directory / "state.json"
        current = fingerprint()
        if restart and path.exists():
            old = json.loads(path.read_text(encoding="utf-8"))
            for store in old.get("stores", {}).values():
                drop(store)
            shutil.rmtree(directory)
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or data.get("size") != size:
                raise StateError(
                    f"{directory} holds a run of {data.get('size')} children (state format "
                    f"{data.get('format')}), not {size}: pass --restart or another --state"
                )
            if data["source"] != current["source"]:
                raise StateError(
                    f"{directory} was measured at commit {data['commit']} and yiyu's source or "
                    "the harness has changed since: the figures would mix two versions; "
                    "pass --restart to measure this one"
                )
            return cls(directory, data)
        directory.mkdir(parents=True, exist_ok=True)
        data = {
            "format": FORMAT,
            "size": size,
            **current,
            "started": _now(),
            "machine": None,
            "stores": {},
            "values": {},
            "stages": {},
        }
        state = cls(directory, data)
        state.save()
        return state

    @property
    def values(self) -> dict[str, Any]:
        """What later stages need from earlier ones (baselines, counts)."""
        values: dict[str, Any] = self.data["values"]
        return values

    @property
    def stores(self) -> dict[str, Any]:
        """The stores made so far, by role: how to open each (saved as soon as changed:
        a store exists whether or not the stage that made it finishes)."""
        stores: dict[str, Any] = self.data["stores"]
        return stores

    def save(self) -> None:
        path = self.directory / "state.json"
        partial = path.with_suffix(".json.partial")
        partial.write_text(json.dumps(self.data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(partial, path)  # never a half-written state

    def record(self, name: str) -> dict[str, Any] | None:
        record: dict[str, Any] | None = self.data["stages"].get(name)
        return record

    def done(self, name: str) -> bool:
        record = self.record(name)
        return record is not None and record["status"] == "done"


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _result(data: dict[str, Any]) -> Result:
    return Result(**data)


def run_stages(
    state: State,
    stages: Sequence[Stage],
    run: Any,
    *,
    stop_after: str | None = None,
    skip: Sequence[str] = (),
    log: Callable[[str], None] = print,
) -> None:
    """Each stage not yet done, in order; a done stage's figures are added to ``run`` (its
    ``results``, ``facts`` and ``why``) as they were recorded. Stops after ``stop_after``.
    A stage that raises is recorded as failed (its error) and the exception goes on."""
    names = [s.name for s in stages]
    for name in [stop_after, *skip]:
        if name is not None and name not in names:
            raise StateError(f"no stage {name!r}: the stages are {', '.join(names)}")
    for stage in stages:
        record = state.record(stage.name)
        if record is not None and record["status"] == "done":
            run.results.extend(_result(r) for r in record["results"])
            run.facts.extend(record["facts"])
            run.why.update(record["why"])
            continue
        if stage.name in skip:
            log(f"stage {stage.name}: skipped (--skip)")
            continue
        interrupted = record is not None and record["status"] == "running"
        log(f"stage {stage.name}" + (" (again: interrupted before)" if interrupted else ""))
        values = copy.deepcopy(state.values)
        counts = len(run.results), len(run.facts)
        why = dict(run.why)
        started, load_before = time.perf_counter(), load_average()
        state.data["stages"][stage.name] = {"status": "running", "started": _now()}
        state.save()
        try:
            stage.action(StageRun(state=state, interrupted=interrupted))
        except BaseException as error:
            state.data["values"] = values  # what the stage measured is not kept
            del run.results[counts[0] :], run.facts[counts[1] :]
            run.why.clear()
            run.why.update(why)
            if isinstance(error, KeyboardInterrupt):
                raise  # stays "running": the next run knows it was interrupted here
            state.data["stages"][stage.name] = {
                "status": "failed",
                "started": state.data["stages"][stage.name]["started"],
                "seconds": time.perf_counter() - started,
                "error": f"{type(error).__name__}: {error}",
            }
            state.save()
            raise
        state.data["stages"][stage.name] = {
            "status": "done",
            "started": state.data["stages"][stage.name]["started"],
            "finished": _now(),
            "seconds": time.perf_counter() - started,
            "load_before": load_before,
            "load_after": load_average(),
            "results": [dataclasses.asdict(r) for r in run.results[counts[0] :]],
            "facts": run.facts[counts[1] :],
            "why": {k: v for k, v in run.why.items() if why.get(k) != v},
        }
        state.save()
        log(f"stage {stage.name}: done in {state.data['stages'][stage.name]['seconds']:.1f} s")
        if stage.name == stop_after:
            log(f"stopped after {stop_after} (--stop-after); the same command resumes")
            return


def stage_lines(state: State, stages: Sequence[Stage]) -> list[str]:
    """The page's table of stages: what each did, whether it is done, how long it took
    and the machine's load average around it."""
    lines = [
        "| stage | what | status | time | load average before / after (1 min) | finished |",
        "|---|---|---|---|---|---|",
    ]
    for stage in stages:
        record = state.record(stage.name) or {"status": "not run"}
        status = record["status"]
        if status == "failed":
            status = f"**failed**: {record['error']}"
        minutes = _duration(record["seconds"]) if "seconds" in record else "–"
        loads = (
            f"{record['load_before'].split(' / ')[0]} / {record['load_after'].split(' / ')[0]}"
            if "load_before" in record
            else "–"
        )
        lines.append(
            f"| `{stage.name}` | {stage.what} | {status} | {minutes} | {loads} "
            f"| {record.get('finished', '–')} |"
        )
    return lines


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def write_page(
    state: State,
    stages: Sequence[Stage],
    run: Any,
    *,
    command: str,
    settings: Sequence[str],
    misses: Sequence[str],
    skipped: Sequence[str],
    out: Path,
    stem: str,
) -> tuple[Path, Path]:
    """``<stem>.md`` and ``<stem>.json`` in ``out``: the figures of every finished stage."""
    records = [state.record(s.name) for s in stages]
    done = [r for r in records if r is not None and r["status"] == "done"]
    seconds = sum(r["seconds"] for r in done)
    complete = len(done) == len(stages)
    size = state.data["size"]
    trial = "" if size == 1_200_000 else f" (a trial of the stages at {size:,} children)"
    intro = [
        "Every figure below comes from the province run of `benchmarks/run.py --province`:",
        f"every job at {size:,} children, measured in stages that each wrote their",
        "figures as they finished (the table of stages says when, how long each took and",
        "the machine's load average around it; a run resumed later shows here). At this",
        "size each figure is **one run of each job**, not a median. Each is set against a",
        "baseline measured in the same run on the same machine, as on",
        "[the 10k and 100k page](benchmarks.md): `ratio` is the cost against it (value ÷",
        "baseline for times and sizes, baseline ÷ value for rates), lower is better except",
        f"for the two-worker speed-up. The same results are in `{stem}.json` beside this page.",
    ]
    if not complete:
        intro += ["", "**Not every stage has finished**: see the table of stages."]
    machine = state.data["machine"] or {}
    page = Page(
        command=command,
        machine=machine,
        seconds=seconds,
        load_before=done[0]["load_before"] if done else "unknown",
        load_after=done[-1]["load_after"] if done else "unknown",
        settings=[
            f"Commit measured: {state.data['commit']} (source digest {state.data['source']}); "
            f"first stage started {state.data['started']}.",
            *settings,
        ],
        facts=list(run.facts),
        misses=list(misses),
        skipped=list(skipped),
        title="Benchmarks at province size" + trial,
        intro=intro,
        generated_by="`nox -s bench -- --province` (benchmarks/run.py)",
        elapsed="of stages in all",
        sections=[("Stages", stage_lines(state, stages))],
    )
    out.mkdir(parents=True, exist_ok=True)
    markdown, figures = out / f"{stem}.md", out / f"{stem}.json"
    write_json(run.results, figures)
    write_markdown(run.results, page, markdown)
    return markdown, figures
