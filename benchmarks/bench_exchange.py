"""The FHIR export's speed: mapping yiyu's values to FHIR dicts and writing them as
NDJSON, against ``json.dumps`` of the same dicts alone (#16: at least half its rate, i.e.
the mapping and the writing cost at most twice the serialisation).

``exchange_speed(run, store, tag)`` is called by ``run.py`` for each store; the pages are
read from the store first (not timed: reading is the coverage benchmark's subject), then
``yiyu.jobs.export_fhir.page_resources`` maps them and writes the lines, as the job does.
The whole job (``export_fhir``, reading included) is timed once and reported as a fact.
"""

from __future__ import annotations

import gc
import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pendulum
from bench_report import cost

import yiyu
from yiyu.exchange import fhir
from yiyu.jobs.export_fhir import EXPORT_BATCH, Page, export_fhir, page_resources, read_page
from yiyu.protocol import SubjectKind
from yiyu.store import Repository, SubjectRange

AS_OF = pendulum.Date(2026, 6, 30)
SAMPLE_CHILDREN = 20_000  # children whose resources are timed (all of a smaller store)


def read_sample(repo: Repository, limit: int = SAMPLE_CHILDREN) -> list[Page]:
    """The first ``limit`` children (and every daycare), a page at a time."""
    pages: list[Page] = []
    for kind in SubjectKind:
        after: str | None = None
        taken = 0
        while taken < limit and (ids := repo.subject_ids(kind, after=after, limit=EXPORT_BATCH)):
            page = SubjectRange(kind=kind, first=ids[0], last=ids[-1])
            pages.append(read_page(repo, page, ids, AS_OF))
            after, taken = ids[-1], taken + len(ids)
    return pages


def map_and_write(pages: Sequence[Page], protocol: yiyu.Protocol, out: Path) -> tuple[float, int]:
    """Seconds to map every page to FHIR dicts and write them as NDJSON lines (one file
    per type, as the job writes), and how many resources."""
    naming = fhir.Naming()
    files: dict[str, Any] = {}
    count = 0
    started = time.perf_counter()
    try:
        for page in pages:
            for resource in page_resources(page, protocol, as_of=AS_OF, naming=naming):
                kind = resource["resourceType"]
                file = files.get(kind)
                if file is None:
                    file = files[kind] = (out / f"{kind}.ndjson").open("w", encoding="utf-8")
                file.write(fhir.dumps(resource) + "\n")
                count += 1
    finally:
        for file in files.values():
            file.close()
    return time.perf_counter() - started, count


def dumps_only(pages: Sequence[Page], protocol: yiyu.Protocol) -> tuple[float, int]:
    """Seconds to ``json.dumps`` the same dicts (the baseline), built beforehand a page at
    a time (not timed), and how many: no list of every resource stays alive, as none does
    in the job."""
    seconds, count = 0.0, 0
    for page in pages:
        resources = list(page_resources(page, protocol, as_of=AS_OF, naming=fhir.Naming()))
        started = time.perf_counter()
        for resource in resources:
            json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
        seconds += time.perf_counter() - started
        count += len(resources)
    return seconds, count


def exchange_speed(run: Any, store: Any, tag: str) -> None:
    """Measure and add ``export.fhir.<tag>`` to the run (see the module docstring)."""
    repo, protocol = store.repo, run.protocol
    pages = read_sample(repo)
    # The sample's values stay alive through every run (the job holds one page): frozen,
    # the collector does not walk them again at each collection the mapping's allocations
    # trigger, which would charge the mapping for the size of the sample.
    gc.collect()
    gc.freeze()
    mapped: list[float] = []
    baseline: list[float] = []
    resources = 0
    try:
        with tempfile.TemporaryDirectory() as folder:
            for _ in range(max(1, run.args.repeat)):
                seconds, count = map_and_write(pages, protocol, Path(folder))
                mapped.append(count / seconds)
                dumps_seconds, resources = dumps_only(pages, protocol)
                baseline.append(resources / dumps_seconds)
            started = time.perf_counter()
            done = export_fhir(repo, protocol, Path(folder) / "job", as_of=AS_OF)
            job_seconds = time.perf_counter() - started
    finally:
        gc.unfreeze()
    rate, dumps_rate = sorted(mapped)[len(mapped) // 2], sorted(baseline)[len(baseline) // 2]
    children = sum(len(p.children) for p in pages)
    run.facts.append(
        f"{tag}: the FHIR export job (`export_fhir`, the whole store, reading it in pages of "
        f"{EXPORT_BATCH:,} subjects) wrote {done.total:,} resources in {job_seconds:.1f} s "
        f"({done.total / job_seconds:,.0f} resources/s; one run)."
    )
    run.add(
        cost(
            f"export.fhir.{tag}",
            rate,
            dumps_rate,
            "resources/s",
            throughput=True,
            target="ratio <= 2",
            what=f"FHIR resources mapped from {children:,} children's stored values (the "
            f"first {SAMPLE_CHILDREN:,} of the store at most, with every daycare) "
            f"(`page_resources`: Patient, CarePlan, Task, Encounter, Observation, …) and "
            f"written as NDJSON, {resources:,} resources "
            f"({resources / max(children, 1):.0f} per child; median of {len(mapped)} runs)",
            against="`json.dumps` of the same dicts, built beforehand",
        ),
        why=(
            f"the whole job (`export_fhir`, reading the store in pages of {EXPORT_BATCH:,}) "
            f"wrote {done.total:,} resources in {job_seconds:.1f} s "
            f"({done.total / job_seconds:,.0f} resources/s)"
        ),
    )
