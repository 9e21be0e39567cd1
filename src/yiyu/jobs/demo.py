"""The demo: the whole library at work on a synthetic cohort, in one command.

On a fresh SQLite file: generate a seeded cohort (``yiyu.synthetic``), import it, simulate
the past year of visits through :func:`yiyu.record` (so findings open cases and
referrals), plan, write the work lists, render a sample of visit records, the work lists
and the coverage report as PDFs, and report coverage against the plan's targets.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pendulum

import yiyu
from yiyu.coverage import IndicatorResult
from yiyu.dates import Period, PeriodKind
from yiyu.domain import Child, Encounter
from yiyu.jobs.coverage import ShortfallDetails, coverage_report, shortfall_details
from yiyu.jobs.planning import plan
from yiyu.jobs.worklist import worklist, write_worklist_csv
from yiyu.outcomes import ChildRecord, DaycareRecord
from yiyu.scheduling import WorklistItem
from yiyu.store import Repository
from yiyu.store.database import make_engine, upgrade
from yiyu.store.sql import SqlRepository
from yiyu.synthetic import CohortSpec, generate_cohort, simulate_daycare_visits, simulate_history

__all__ = ["DEMO_INSTITUTION", "DemoResult", "run_demo", "summary"]

# The demo's invented institutions: a clinic's own forms take the name from yiyu.toml or
# --institution, never from a default (yiyu.jobs.settings).
DEMO_INSTITUTION = "示范镇卫生院（演示）"
DEMO_BUREAU = "示范市卫生健康局（演示）"

Step = Callable[[str, int, int], None]


@attrs.frozen(kw_only=True)
class DemoResult:
    """What the demo made, and where."""

    database: Path
    out: Path
    as_of: pendulum.Date
    children: int
    daycares: int
    encounters: int
    obligations: int
    cases_opened: int
    referrals: int
    period: Period
    coverage: tuple[IndicatorResult, ...]
    files: tuple[Path, ...]
    seconds: float


def _save_in_batches(repo: Repository, histories: list[Any], size: int = 500) -> int:
    """Store each subject as it is after its visits, with the visits themselves."""
    encounters = 0
    for start in range(0, len(histories), size):
        batch = histories[start : start + size]
        with repo.transaction():
            children = [h.child for h in batch if hasattr(h, "child")]
            daycares = [h.daycare for h in batch if hasattr(h, "daycare")]
            if daycares:
                repo.save_daycares(daycares)
            if children:
                repo.save_children(children)
            for history in batch:
                for encounter in history.encounters:
                    repo.save_encounter(encounter, [])
                    encounters += 1
    return encounters


def _replay(
    child: Child, encounters: tuple[Encounter, ...], protocol: yiyu.Protocol
) -> list[ChildRecord]:
    """The records of a child's visits, recomputed in order (for printing a sample)."""
    records = []
    for encounter in encounters:
        result = yiyu.record(encounter, child, protocol, as_of=encounter.on)
        assert isinstance(result, ChildRecord)
        records.append(result)
        child = result.child
    return records


def _last_complete_quarter(as_of: pendulum.Date) -> Period:
    current = Period.containing(PeriodKind.QUARTER, as_of)
    return Period.containing(PeriodKind.QUARTER, current.start.subtract(days=1))


def run_demo(
    *,
    out: Path,
    children: int = 1000,
    seed: int = 2026,
    as_of: pendulum.Date,
    render: bool = True,
    step: Step | None = None,
) -> DemoResult:
    """Run the demo into ``out`` (created; a database from an earlier demo is replaced).

    Args:
        out: the folder for the database, the CSV work lists and the PDFs.
        children: the cohort's size.
        seed: the cohort's seed (same seed, same demo).
        as_of: the demo's today.
        render: also render the PDFs (needs WeasyPrint's system libraries).
        step: called with (what, done, total) as the demo goes, for a progress display.
    """
    started = time.perf_counter()
    report: Step = step or (lambda what, done, total: None)
    out.mkdir(parents=True, exist_ok=True)
    database = out / "yiyu-demo.db"
    for stale in out.glob("yiyu-demo.db*"):
        stale.unlink()
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    repo = SqlRepository(engine)
    protocol = yiyu.load_protocol()
    spec = CohortSpec(children=children, seed=seed, as_of=as_of)
    cohort = generate_cohort(spec)
    # A year of visits, and at least every window of the reported year: its yearly rates
    # count the checks due from 1 January, whose windows open up to a few months before.
    year_start = pendulum.Date(_last_complete_quarter(as_of).start.year, 1, 1)
    since = min(as_of.subtract(years=1), year_start.subtract(months=6))

    repo.save_daycares(list(cohort.daycares))
    people = list(cohort.children())
    histories: list[Any] = []
    for index, child in enumerate(people, 1):
        histories.append(simulate_history(child, protocol, spec=spec, since=since))
        if index % 100 == 0 or index == len(people):
            report("simulate visits (yiyu.record)", index, len(people))
    for index, daycare in enumerate(cohort.daycares, 1):
        histories.append(simulate_daycare_visits(daycare, protocol, spec=spec))
        report("simulate daycare visits", index, len(cohort.daycares))
    encounters = _save_in_batches(repo, histories)
    planned = plan(
        repo, protocol, as_of=as_of, progress=lambda d, t: report("plan", d, t), full=True
    )

    files: list[Path] = []
    lists = out / "worklists"
    lists.mkdir(exist_ok=True)
    by_township: dict[str, list[WorklistItem]] = {}
    for township in spec.townships:
        items = worklist(repo, as_of=as_of, township=township)
        by_township[township] = items
        files.append(write_worklist_csv(lists / f"{township}.csv", items))
    period = _last_complete_quarter(as_of)
    results = coverage_report(repo, protocol, period=period, as_of=as_of)
    coverage_path = out / f"coverage-{period.label}.json"
    coverage_path.write_text(
        json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2), encoding="utf-8"
    )
    files.append(coverage_path)
    if render:
        by_area = {"全市": results}
        for township in spec.townships:
            by_area[township] = coverage_report(
                repo, protocol, period=period, as_of=as_of, township=township
            )
        details = shortfall_details(repo, by_area)
        files += _render(
            out, people, histories, by_township, by_area, protocol, as_of, report, details
        )
    child_histories = [h for h in histories if hasattr(h, "child")]
    engine.dispose()
    return DemoResult(
        database=database,
        out=out,
        as_of=as_of,
        children=len(people),
        daycares=len(cohort.daycares),
        encounters=encounters,
        obligations=planned.obligations.created + planned.obligations.unchanged,
        cases_opened=sum(len(h.child.cases) for h in child_histories),
        referrals=sum(len(h.child.referrals) for h in child_histories),
        period=period,
        coverage=tuple(results),
        files=tuple(files),
        seconds=time.perf_counter() - started,
    )


def _render(
    out: Path,
    people: list[Child],
    histories: list[Any],
    by_township: dict[str, list[WorklistItem]],
    by_area: dict[str, list[IndicatorResult]],
    protocol: yiyu.Protocol,
    as_of: pendulum.Date,
    report: Step,
    details: ShortfallDetails,
) -> list[Path]:
    """PDFs: a sample of visit records (those with findings first), work lists, coverage."""
    from yiyu import reports

    pdfs = out / "pdf"
    pdfs.mkdir(exist_ok=True)
    written: list[Path] = []
    originals = {child.id: child for child in people}
    sample: list[ChildRecord | DaycareRecord] = []
    for history in histories:
        if not hasattr(history, "child") or not history.encounters:
            continue
        records = _replay(originals[history.child.id], history.encounters, protocol)
        sample += [r for r in records if r.findings][:2]
        if len(sample) >= 8:
            break
    total = len(sample) + len(by_township) + 1
    done = 0
    for record in sample:
        path = pdfs / f"record-{record.encounter.id.replace('/', '_').replace(':', '_')}.pdf"
        subject = record.child if isinstance(record, ChildRecord) else record.daycare
        document = reports.encounter_document(record, subject, institution=DEMO_INSTITUTION)
        path.write_bytes(reports.render(document))
        written.append(path)
        done += 1
        report("render PDFs", done, total)
    for township, items in by_township.items():
        path = pdfs / f"worklist-{township}.pdf"
        document = reports.worklist_document(
            items, title=f"{township} 工作清单", as_of=as_of, institution=DEMO_INSTITUTION
        )
        path.write_bytes(reports.render(document))
        written.append(path)
        done += 1
        report("render PDFs", done, total)
    period = next(iter(by_area.values()))[0].period
    path = pdfs / f"coverage-{period}.pdf"
    names = {**{child.id: child.name for child in people}, **details.names}
    document = reports.coverage_document(
        by_area, period=period, as_of=as_of, institution=DEMO_BUREAU, names=names,
        obligations=details.obligations,
    )  # fmt: skip
    path.write_bytes(reports.render(document))
    written.append(path)
    report("render PDFs", total, total)
    return written


def summary(result: DemoResult) -> dict[str, Any]:
    """The demo's result as plain data (printed by the CLI)."""
    return {
        "database": str(result.database),
        "as_of": result.as_of.isoformat(),
        "children": result.children,
        "daycares": result.daycares,
        "encounters": result.encounters,
        "obligations": result.obligations,
        "cases": result.cases_opened,
        "referrals": result.referrals,
        "period": result.period.label,
        "coverage": [
            {k: v for k, v in r.as_dict().items() if k != "shortfall"} for r in result.coverage
        ],
        "files": [str(p) for p in result.files],
        "seconds": round(result.seconds, 1),
    }
