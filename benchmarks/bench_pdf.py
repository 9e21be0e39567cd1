"""Printed records: yiyu's renderer against bare WeasyPrint on the same HTML.

The records are real ones: the sample's simulated visits replayed through ``yiyu.record``
(each with the child as it was before the visit and its earlier visits, for the growth
charts), so the forms carry what a township's day of visits carries.
"""

from __future__ import annotations

import json
import pickle
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_report import LONG_SECONDS

import yiyu
from yiyu.domain import Child, Encounter
from yiyu.outcomes import ChildRecord
from yiyu.synthetic import History


@dataclass
class Visit:
    record: ChildRecord
    child: Child  # as it was before the visit
    earlier: tuple[Encounter, ...]


INSTITUTION = "城关街道社区卫生服务中心"


def visits(
    sample: Sequence[tuple[Child, History]], protocol: yiyu.Protocol, count: int
) -> list[Visit]:
    """``count`` recorded visits, taken in turn from the sample's children (again from
    the first when there are fewer: a repeat costs what the first rendering did)."""
    per_child: list[list[Visit]] = []
    for child, history in sample:
        current = child
        done: list[Visit] = []
        for index, encounter in enumerate(history.encounters):
            result = yiyu.record(encounter, current, protocol, as_of=encounter.on)
            assert isinstance(result, ChildRecord)
            done.append(Visit(result, current, history.encounters[:index]))
            current = result.child
        per_child.append(done[::-1])  # latest first: the fullest growth charts
    chosen: list[Visit] = []
    while len(chosen) < count and any(per_child):
        for group in per_child:
            if group and len(chosen) < count:
                chosen.append(group.pop(0))
    distinct = len(chosen)
    while chosen and len(chosen) < count:
        chosen.append(chosen[len(chosen) % distinct])
    return chosen


@dataclass
class PdfFigures:
    records: int
    library_seconds: float  # per record, median
    bare_seconds: float
    document_seconds: float  # building the form's context and charts
    pdfa_seconds: float  # bare WeasyPrint writing PDF/A-3b
    library_bytes_per_page: float
    bare_bytes_per_page: float
    pages: int
    day_records: int
    separate_seconds: float  # the day's records, one file each
    bundle_seconds: float  # the day's records in one PDF
    separate_bytes: int
    bundle_bytes: int
    bundle_pages: int
    batch_docs: int
    batch_seconds: dict[int, float]  # workers → seconds
    start_up_first: float  # a worker's start-up on the process's first call: the fork
    # server's imports, the fork, the renderer
    start_up: float  # on later calls (as in the timed batches): the fork, the renderer


def measure(
    visits_: Sequence[Visit],
    *,
    single: int,
    day: int,
    batch: int,
    repeat: int,
    batch_runner: Callable[[Sequence[Any]], dict[str, Any]],
) -> PdfFigures:
    """Per-record time against bare WeasyPrint; a day's bundle against separate files;
    ``render_batch`` with two workers against one."""
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]
    from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

    from yiyu.reports import default_renderer, encounter_document
    from yiyu.reports.environment import read_stylesheet, template_dirs
    from yiyu.reports.fonts import FONT_URLS, font_files

    renderer = default_renderer()
    documents = [
        encounter_document(v.record, v.child, institution=INSTITUTION, earlier=v.earlier)
        for v in visits_
    ]
    html = [renderer.html(d) for d in documents]

    # Bare WeasyPrint: the same HTML and stylesheet, the font from its file, one warm
    # font configuration, the default fetcher, no PDF/A, no attachment.
    dirs = template_dirs()
    css_text, css_dir = read_stylesheet(dirs)
    for font_id, url in FONT_URLS.items():
        css_text = css_text.replace(url, font_files()[font_id].as_uri())
    font_config = FontConfiguration()
    stylesheet = CSS(string=css_text, base_url=css_dir.as_uri() + "/", font_config=font_config)
    base = dirs[-1].as_uri() + "/"

    def bare_document(page: str) -> Any:
        return HTML(string=page, base_url=base).render(
            stylesheets=[stylesheet], font_config=font_config
        )

    def bare(page: str) -> bytes:
        pdf: bytes = bare_document(page).write_pdf()
        return pdf

    def pdfa(page: str) -> bytes:
        pdf: bytes = bare_document(page).write_pdf(pdf_variant="pdf/a-3b")
        return pdf

    def library(v: Visit) -> bytes:
        from yiyu.reports import encounter_document, render

        return render(
            encounter_document(v.record, v.child, institution=INSTITUTION, earlier=v.earlier)
        )

    few = list(visits_[:single])
    library(few[0])  # warm: the renderer, its fonts and templates
    bare(html[0])
    # Block by block (each block renders every record once), the order rotating from one
    # repetition to the next: each renderer stays warm within its block, and other work
    # on the machine falls on all of them alike. Per record: the median block's mean.
    blocks: dict[str, list[float]] = {"library": [], "bare": [], "pdfa": []}
    work: dict[str, Callable[[int], object]] = {
        "library": lambda i: library(few[i]),
        "bare": lambda i: bare(html[i]),
        "pdfa": lambda i: pdfa(html[i]),
    }
    order = list(blocks)
    for rep in range(repeat):
        for name in order[rep % 3 :] + order[: rep % 3]:
            started = time.perf_counter()
            for index in range(len(few)):
                work[name](index)
            blocks[name].append((time.perf_counter() - started) / len(few))
    started = time.perf_counter()
    for v in few:
        encounter_document(v.record, v.child, institution=INSTITUTION, earlier=v.earlier)
    document_seconds = (time.perf_counter() - started) / len(few)

    pages = sum(len(renderer.layout(d).pages) for d in documents[: len(few)])
    bare_pages = sum(len(bare_document(page).pages) for page in html[: len(few)])
    library_bytes = sum(len(library(v)) for v in few)
    bare_bytes = sum(len(bare(page)) for page in html[: len(few)])

    # A township's day: one file per record, or one PDF of them all.
    today = documents[:day]
    started = time.perf_counter()
    separate_bytes = sum(len(renderer.render(d)) for d in today)
    separate_seconds = time.perf_counter() - started
    started = time.perf_counter()
    bundle = renderer.render_bundle(today, title="城关街道 打印汇总")
    bundle_seconds = time.perf_counter() - started
    bundle_pages = sum(len(renderer.layout(d).pages) for d in today)

    # render_batch, as the nightly job calls it, in a process of its own (this one's
    # fork server may have been started by another job's workers): start-up included.
    batches = batch_runner(documents[:batch])
    library_seconds = statistics.median(blocks["library"])
    starts = [seconds - library_seconds for seconds in batches["one_record"]]
    batch_seconds = {int(workers): s for workers, s in batches["batch_seconds"].items()}

    return PdfFigures(
        records=len(few),
        library_seconds=statistics.median(blocks["library"]),
        bare_seconds=statistics.median(blocks["bare"]),
        document_seconds=document_seconds,
        pdfa_seconds=statistics.median(blocks["pdfa"]),
        library_bytes_per_page=library_bytes / pages,
        bare_bytes_per_page=bare_bytes / bare_pages,
        pages=pages,
        day_records=len(today),
        separate_seconds=separate_seconds,
        bundle_seconds=bundle_seconds,
        separate_bytes=separate_bytes,
        bundle_bytes=len(bundle),
        bundle_pages=bundle_pages,
        batch_docs=len(documents[:batch]),
        batch_seconds=batch_seconds,
        start_up_first=starts[0],
        start_up=starts[1],
    )


def batch_runs(documents: Sequence[Any], *, repeat: int, workdir: Path) -> dict[str, Any]:
    """``render_batch`` as a nightly job calls it (:func:`main`, in a process of its
    own): two calls of one record (the first starts the fork server that imports
    WeasyPrint, the second forks from it), then all of ``documents`` with one worker and
    with two, the seconds of each (medians of ``repeat``, one run if it takes long)."""
    from yiyu.reports import RenderJob, render_batch

    jobs = [RenderJob(name=f"record-{i:03d}", document=d) for i, d in enumerate(documents)]

    def timed(chosen: Sequence[Any], workers: int) -> float:
        out = Path(tempfile.mkdtemp(prefix=f"batch{workers}-", dir=workdir))
        started = time.perf_counter()
        result: Any = render_batch(chosen, out, workers=workers)
        seconds = time.perf_counter() - started
        if not result.ok or len(result.rendered) != len(chosen):
            raise AssertionError(f"render_batch failed: {result.failed}")
        shutil.rmtree(out)
        return seconds

    one_record = [timed(jobs[:1], 1) for _ in range(2)]
    batch_seconds: dict[int, float] = {}
    for workers in (1, 2):
        runs: list[float] = []
        for _ in range(repeat):
            runs.append(timed(jobs, workers))
            if runs[0] > LONG_SECONDS:
                break
        batch_seconds[workers] = statistics.median(runs)
    return {"one_record": one_record, "batch_seconds": batch_seconds}


def main(argv: Sequence[str]) -> int:
    """``bench_pdf.py FILE REPEAT WORKDIR``: :func:`batch_runs` of the pickled documents,
    its figures as JSON on stdout (``run.py``'s ``batch_subprocess``)."""
    with open(argv[0], "rb") as source:
        documents = pickle.load(source)  # the benchmark's own file
    figures = batch_runs(documents, repeat=int(argv[1]), workdir=Path(argv[2]))
    print(json.dumps({**figures, "peak_mb": None}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
