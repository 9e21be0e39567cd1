"""Rendering many documents: a process pool, resumable, with progress, and print bundles.

:func:`render_batch` writes one PDF per job into a folder. It uses one worker process
per core (WeasyPrint is neither thread-safe nor fast enough to share one process); each
worker builds its font configuration, stylesheet, templates and fetcher once, renders
many documents with them, and removes its temporary font copies when it ends.

It can be killed at any moment and run again: a file is written under a temporary name
and renamed when complete, so a file that exists is finished and is not rendered again.
With ``bundles=True`` it also writes one PDF per township and day (``bundles/``), for
printing a day's visits in one go.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.util
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Final

import attrs

from yiyu.reports.context import PrintDocument
from yiyu.reports.errors import RenderError

__all__ = ["BUNDLE_FOLDER", "BatchResult", "RenderJob", "render_batch"]

BUNDLE_FOLDER: Final = "bundles"
_NAME: Final = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff][0-9A-Za-z\u4e00-\u9fff._@-]{0,150}$")
_UNSAFE: Final = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff._-]+")
_PART: Final = ".part"


def _check_name(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _NAME.match(value) or ".." in value:
        raise RenderError(
            f"job name {value!r}: letters, digits, Chinese, '.', '_', '-' and '@' only "
            "(it becomes a file name)"
        )


@attrs.frozen(kw_only=True)
class RenderJob:
    """One PDF to write: ``<out_dir>/<name>.pdf``.

    Attributes:
        name: the file's name without ``.pdf``: unique within a batch, and stable (a
            rerun skips a name whose file exists), e.g. the encounter's id.
        document: from one of the ``*_document`` functions of :mod:`yiyu.reports`.
    """

    name: str = attrs.field(validator=_check_name)
    document: PrintDocument


@attrs.frozen(kw_only=True)
class BatchResult:
    """What a batch did.

    Attributes:
        rendered: the files written by this run.
        skipped: the files that already existed (finished by an earlier run).
        bundles: the township-and-day bundles written by this run.
        failed: job name (or bundle file name) → the error, for what could not be
            rendered; run the batch again after fixing it.
    """

    rendered: tuple[Path, ...]
    skipped: tuple[Path, ...]
    bundles: tuple[Path, ...]
    failed: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.failed


@attrs.frozen
class _Task:
    jobs: tuple[RenderJob, ...]
    out_dir: str
    bundle: str | None
    bundle_title: str


@attrs.frozen
class _Done:
    rendered: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]
    bundle: str | None


# --- the worker side ----------------------------------------------------------------------------

_worker_renderer: object | None = None


def _init_worker(templates: tuple[str, ...], scratch: str) -> None:
    """Build this worker's renderer once; its font copies go to the batch's scratch
    folder, and are removed when the worker ends (and with the folder, by the parent)."""
    folder = Path(scratch) / f"worker-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    tempfile.tempdir = str(folder)
    from yiyu.reports.render import Renderer

    renderer = Renderer(templates=templates)
    multiprocessing.util.Finalize(None, renderer.close, exitpriority=10)
    global _worker_renderer
    _worker_renderer = renderer


def _write_atomically(path: Path, data: bytes) -> None:
    part = path.with_name(path.name + _PART)
    with open(part, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(part, path)


def _render_task(task: _Task) -> _Done:
    from yiyu.reports.render import Renderer

    renderer = _worker_renderer
    assert isinstance(renderer, Renderer), "the worker was not initialised"
    out = Path(task.out_dir)
    rendered: list[str] = []
    failed: list[tuple[str, str]] = []
    for job in task.jobs:
        path = out / f"{job.name}.pdf"
        if path.exists():
            continue
        try:
            _write_atomically(path, renderer.render(job.document))
        except Exception as error:  # one bad record must not stop the others
            failed.append((job.name, f"{type(error).__name__}: {error}"))
        else:
            rendered.append(job.name)
    bundle: str | None = None
    if task.bundle is not None:
        target = Path(task.bundle)
        try:
            data = renderer.render_bundle(
                [job.document for job in task.jobs], title=task.bundle_title
            )
            _write_atomically(target, data)
        except Exception as error:
            failed.append((target.name, f"{type(error).__name__}: {error}"))
        else:
            bundle = str(target)
    return _Done(rendered=tuple(rendered), failed=tuple(failed), bundle=bundle)


# --- the parent side ----------------------------------------------------------------------------


def _workers_context() -> multiprocessing.context.BaseContext:
    """Where the workers come from: a fork server that has imported WeasyPrint.

    Not forked from the caller, which may hold connections, threads and a large heap:
    the server is a clean process, started on the first call and kept by
    ``multiprocessing`` for the caller's life, so the imports (1.35 s measured, most of
    a worker's start) are paid once per process, not once per worker and call: a host
    rendering each township's day in turn starts its workers at once after the first.
    If the caller's jobs started the server first, its workers import WeasyPrint
    themselves, as spawned ones would. Where there is no fork server (Windows), they
    are spawned.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["yiyu.reports.render"])
    return context


def _bundle_key(document: PrintDocument) -> tuple[str, str]:
    return document.day.isoformat(), document.township or "未分镇街"


def _safe_file_part(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("._") or "_"


def render_batch(
    jobs: Iterable[RenderJob],
    out_dir: str | os.PathLike[str],
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    bundles: bool = False,
    templates: Sequence[str | os.PathLike[str]] = (),
) -> BatchResult:
    """Render many documents to ``<out_dir>/<name>.pdf`` in worker processes.

    Args:
        jobs: what to render; names must be unique.
        out_dir: the folder (created if missing).
        workers: how many processes; ``None``: one per core. Never more than there is
            work for.
        progress: called in this process as ``progress(done, total)`` (jobs), first with
            the jobs an earlier run finished, then as each worker reports.
        bundles: also write ``<out_dir>/bundles/<day>_<township>.pdf``: each township's
            documents of a day in one PDF for printing (a bundle that exists is kept).
        templates: host template directories, as for :class:`~yiyu.reports.Renderer`.

    Returns:
        What was rendered, skipped and bundled, and what failed (with the error). A
        failed job leaves no file, so running the batch again retries it.

    Raises:
        RenderError: for a job name given twice or not usable as a file name.
    """
    job_list = list(jobs)
    names = [job.name for job in job_list]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise RenderError(f"job names given twice: {', '.join(twice)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    total = len(job_list)

    groups: dict[tuple[str, str], list[RenderJob]] = {}
    for index, job in enumerate(job_list):
        key = _bundle_key(job.document) if bundles else (str(index), "")
        groups.setdefault(key, []).append(job)

    skipped = [out / f"{name}.pdf" for name in names if (out / f"{name}.pdf").exists()]
    tasks: list[_Task] = []
    for (day, township), group in groups.items():
        bundle_path: Path | None = None
        if bundles:
            bundle_path = out / BUNDLE_FOLDER / f"{day}_{_safe_file_part(township)}.pdf"
            if bundle_path.exists():
                bundle_path = None
        pending = any(not (out / f"{job.name}.pdf").exists() for job in group)
        if pending or bundle_path is not None:
            tasks.append(
                _Task(
                    jobs=tuple(group),
                    out_dir=str(out),
                    bundle=str(bundle_path) if bundle_path else None,
                    bundle_title=f"{township} {day} 打印汇总",
                )
            )
    if bundles:
        (out / BUNDLE_FOLDER).mkdir(exist_ok=True)

    done = len(skipped)
    if progress is not None:
        progress(done, total)
    rendered: list[Path] = []
    made_bundles: list[Path] = []
    failed: dict[str, str] = {}
    if not tasks:
        return BatchResult(rendered=(), skipped=tuple(skipped), bundles=(), failed={})

    count = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    scratch = tempfile.mkdtemp(prefix="yiyu-render-")
    try:
        with ProcessPoolExecutor(
            max_workers=count,
            mp_context=_workers_context(),
            initializer=_init_worker,
            initargs=(tuple(str(Path(t).resolve()) for t in templates), scratch),
        ) as pool:
            futures: dict[Future[_Done], _Task] = {
                pool.submit(_render_task, task): task for task in tasks
            }
            for future in as_completed(futures):
                task = futures[future]
                pending_names = [
                    job.name for job in task.jobs if (out / f"{job.name}.pdf") not in skipped
                ]
                try:
                    result = future.result()
                except (BrokenProcessPool, Exception) as error:
                    for name in pending_names:
                        if not (out / f"{name}.pdf").exists():
                            failed[name] = f"{type(error).__name__}: {error}"
                else:
                    rendered.extend(out / f"{name}.pdf" for name in result.rendered)
                    failed.update(result.failed)
                    if result.bundle is not None:
                        made_bundles.append(Path(result.bundle))
                done += len(pending_names)
                if progress is not None:
                    progress(done, total)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    order = {name: index for index, name in enumerate(names)}
    rendered.sort(key=lambda path: order.get(path.stem, len(order)))
    return BatchResult(
        rendered=tuple(rendered),
        skipped=tuple(skipped),
        bundles=tuple(sorted(made_bundles)),
        failed=dict(sorted(failed.items())),
    )
