"""Results, the machine they were measured on, and the two files they are written to.

Every result is a ratio against a baseline measured in the same run on the same machine,
so a figure read in review means the same on a laptop and on a server. ``ratio`` is
``value / baseline`` for times, sizes and memory (lower is better) and
``baseline / value`` for throughputs, so that it always reads "how many times the cost
of the baseline"; the one exception, the speed-up of two render workers over one, is
said on the page (higher is better there).
"""

from __future__ import annotations

import json
import math
import os
import platform
import sqlite3
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any


@dataclass
class Result:
    """One measured figure. Only the first seven fields go to ``benchmarks.json``."""

    name: str
    value: float
    unit: str
    baseline: float | None
    ratio: float | None
    target: str | None  # e.g. "ratio <= 2", "value < 1024"; None: informational
    met: bool | None
    what: str = ""  # the page's description of the value
    against: str = ""  # the page's description of the baseline
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": _round(self.value),
            "unit": self.unit,
            "baseline": None if self.baseline is None else _round(self.baseline),
            "ratio": None if self.ratio is None else _round(self.ratio),
            "target": self.target,
            "met": self.met,
        }


def _round(value: float) -> float:
    """Three significant figures: enough to see a regression, few enough to read a diff."""
    if value == 0 or not math.isfinite(value):
        return value
    digits = 2 - math.floor(math.log10(abs(value)))
    return round(value, max(digits, 0)) if digits > 0 else float(round(value, digits))


def judge(value: float, ratio: float | None, target: str | None) -> bool | None:
    """Whether a target such as ``"ratio <= 2"`` or ``"value < 1024"`` holds."""
    if target is None:
        return None
    subject, op, limit_text = target.split()
    number = ratio if subject == "ratio" else value
    if number is None:
        return None
    limit = float(limit_text)
    checks: dict[str, Callable[[float, float], bool]] = {
        "<=": lambda a, b: a <= b,
        "<": lambda a, b: a < b,
        ">=": lambda a, b: a >= b,
        ">": lambda a, b: a > b,
    }
    return checks[op](number, limit)


def cost(
    name: str,
    value: float,
    baseline: float,
    unit: str,
    *,
    target: str | None,
    what: str,
    against: str,
    throughput: bool = False,
    note: str = "",
) -> Result:
    """A result whose ratio is its cost relative to the baseline (lower is better)."""
    ratio = _ratio(value, baseline, throughput)
    return Result(
        name=name,
        value=value,
        unit=unit,
        baseline=baseline,
        ratio=ratio,
        target=target,
        met=judge(value, ratio, target),
        what=what,
        against=against,
        note=note,
    )


def paired_cost(
    name: str,
    values: Sequence[float],
    baselines: Sequence[float],
    unit: str,
    *,
    target: str | None,
    what: str,
    against: str,
    throughput: bool = False,
    note: str = "",
) -> Result:
    """:func:`cost` over :func:`rounds`: the value and the baseline are the medians of
    their rounds, the ratio the median of each round's own ratio (a job against the
    baseline measured beside it, so that the machine's drift sways both alike)."""
    if len(values) != len(baselines) or not values:
        raise ValueError(f"{name}: {len(values)} values against {len(baselines)} baselines")
    ratio = statistics.median(
        _ratio(v, b, throughput) for v, b in zip(values, baselines, strict=True)
    )
    medians = cost(name, statistics.median(values), statistics.median(baselines), unit,
                   target=target, what=what, against=against, throughput=throughput,
                   note=note)  # fmt: skip
    return replace(medians, ratio=ratio, met=judge(medians.value, ratio, target))


def _ratio(value: float, baseline: float, throughput: bool) -> float:
    return (baseline / value if value else math.inf) if throughput else value / baseline


def rounds(functions: Sequence[Callable[[], float]], count: int) -> list[tuple[float, ...]]:
    """``count`` rounds, each calling every function once, in order (each returns one
    measurement): a job and its baseline side by side. The machine's speed drifts over a
    run (by a third within minutes on a shared host), so a baseline measured once, apart
    from the job, can make the ratio by itself; a round's ratio cannot drift so far."""
    return [tuple(function() for function in functions) for _ in range(count)]


class Stopwatch:
    """A function to measure in :func:`rounds`: each call returns its wall time and keeps
    the function's result in ``result``."""

    def __init__(self, function: Callable[[], Any]) -> None:
        self.function = function
        self.result: Any = None

    def __call__(self) -> float:
        started = time.perf_counter()
        self.result = self.function()
        return time.perf_counter() - started


LONG_SECONDS = 10.0
"""A measurement that takes longer than this is not repeated (see :func:`repeated`)."""


def repeated(function: Callable[[], float], repeat: int) -> list[float]:
    """``repeat`` measurements (each call returns one), or a single one if it took more
    than :data:`LONG_SECONDS`: repetition is for short measurements, which noise sways."""
    values = [function()]
    while len(values) < repeat and values[0] <= LONG_SECONDS:
        values.append(function())
    return values


# --- the machine ----------------------------------------------------------------------------


def _memory_gb() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine(postgres_version: str | None) -> dict[str, Any]:
    memory = _memory_gb()
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gb": None if memory is None else round(memory, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version or "not measured",
        "sqlalchemy": _version("sqlalchemy"),
        "sqlmodel": _version("sqlmodel"),
        "psycopg": _version("psycopg"),
        "weasyprint": _version("weasyprint"),
        "pendulum": _version("pendulum"),
        "yiyu": _yiyu_version(),
        "compiled": _compiled(),
    }


def _compiled() -> str:
    """Whether yiyu and its dependencies run from compiled bytecode, as a deployment's do
    (``pip`` compiles at install, ``uv`` with ``UV_COMPILE_BYTECODE=1``): without it every
    process compiles what it imports, and a worker pool's start took 3x as long."""
    import importlib.util

    modules = ("yiyu.jobs.planning", "sqlalchemy.orm.session", "pendulum.date")
    found = [importlib.util.find_spec(name) for name in modules]
    cached = [
        spec is not None and spec.cached is not None and Path(spec.cached).exists()
        for spec in found
    ]
    if all(cached):
        return "yes"
    return "no (each process compiles the modules it imports: worker start-up is slower)"


def _yiyu_version() -> str:
    """The installed version, else the source tree's commit (a run from a checkout)."""
    version = _version("yiyu")
    if version != "not installed":
        return version
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "from source (no version)"
    return f"source at {commit}" + (" with uncommitted changes in src/" if dirty else "")


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


# --- the files ------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _met(result: Result) -> str:
    if result.met is None:
        return "–"
    return "yes" if result.met else "**no**"


def write_json(results: Sequence[Result], path: Path) -> None:
    path.write_text(
        json.dumps([r.as_json() for r in results], ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )


@dataclass
class Page:
    """What ``docs/benchmarks.md`` says besides the table."""

    command: str
    machine: dict[str, Any]
    seconds: float
    load_before: str
    load_after: str
    settings: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    profile: str = ""
    misses: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    # The province page (province.py) says these its own way; the defaults are the main
    # page's.
    title: str = "Benchmarks"
    intro: list[str] | None = None
    generated_by: str = "`nox -s bench` (benchmarks/run.py)"
    elapsed: str = "end to end"
    sections: list[tuple[str, list[str]]] = field(default_factory=list)  # after "The run"


INTRO = [
    "Every figure below comes from one run of `benchmarks/run.py` on the machine",
    "described here. Each is set against a baseline measured in the same run on the",
    "same machine: what the hardware and yiyu's dependencies allow without yiyu (a raw",
    "`executemany` or `COPY` of the same rows, a hand-written SQL query returning the",
    "same rows, bare WeasyPrint on the same HTML). `ratio` is the cost against that",
    "baseline (value ÷ baseline for times and sizes, baseline ÷ value for rates), so",
    "lower is better, except for the two-worker speed-up, where higher is better.",
    "The same results are in `docs/benchmarks.json` for review diffs.",
]


def write_markdown(results: Sequence[Result], page: Page, path: Path) -> None:
    m = page.machine
    lines = [
        f"# {page.title}",
        "",
        f"<!-- Generated by {page.generated_by}: do not edit by hand. -->",
        "",
        *(INTRO if page.intro is None else page.intro),
        "",
        "## The run",
        "",
        f"- Command: `{page.command}`, {page.seconds / 60:.1f} minutes {page.elapsed}.",
        f"- Machine: {m['platform']}, {m['processor']}, {m['cpus']} CPUs, "
        f"{m['memory_gb']} GB of memory.",
        f"- Load average (1/5/15 min) before: {page.load_before}; after: {page.load_after}"
        " (other work on the machine shows here, and in the figures).",
        f"- Versions: Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL "
        f"{m['postgresql']}, SQLAlchemy {m['sqlalchemy']}, SQLModel {m['sqlmodel']}, psycopg "
        f"{m['psycopg']}, WeasyPrint {m['weasyprint']}, pendulum {m['pendulum']}, yiyu "
        f"{m['yiyu']}.",
        f"- Modules run from compiled bytecode: {m.get('compiled', 'not recorded')}.",
        *[f"- {line}" for line in page.settings],
    ]
    for heading, section in page.sections:
        lines += ["", f"## {heading}", "", *section]
    lines += [
        "",
        "## Results",
        "",
        "| name | value | baseline | ratio | target | met | what is measured |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        what = r.what + (f"; baseline: {r.against}" if r.against else "")
        if r.note:
            what += f" ({r.note})"
        lines.append(
            f"| `{r.name}` | {_fmt(r.value)} {r.unit} | {_fmt(r.baseline)} | {_fmt(r.ratio)} "
            f"| {r.target or '–'} | {_met(r)} | {what} |"
        )
    if page.facts:
        lines += ["", "## What was run", "", *[f"- {fact}" for fact in page.facts]]
    if page.misses:
        lines += ["", "## Targets missed, and why", "", *page.misses]
    if page.skipped:
        lines += ["", "## Not measured in this run", "", *[f"- {s}" for s in page.skipped]]
    if page.profile:
        lines += [
            "",
            "## The schedule engine, profiled",
            "",
            "`cProfile` of `yiyu.schedule` over the first 10,000 children of the cohort",
            "(the top entries by own time):",
            "",
            "```",
            page.profile.rstrip(),
            "```",
        ]
    lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
