"""Rendering in batches: worker processes, progress, resuming after a crash, bundles (#5)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import attrs
import pikepdf
import pytest

from reports.pdfcheck import Poppler, need_renderer

pytestmark = pytest.mark.usefixtures("_renderable")


@pytest.fixture
def _renderable() -> None:
    need_renderer()


def _jobs(copies: int = 1) -> list[Any]:
    from yiyu.reports import RenderJob, samples

    documents = samples.documents()
    return [
        RenderJob(name=f"{name}-{copy}", document=document)
        for copy in range(copies)
        for name, document in documents.items()
    ]


def test_a_batch_renders_every_job_with_progress(
    tmp_path: Path, renderer: Any, poppler: Poppler
) -> None:
    from yiyu.reports import render_batch

    jobs = _jobs()
    calls: list[tuple[int, int]] = []
    result = render_batch(
        jobs, tmp_path / "out", workers=2, progress=lambda d, t: calls.append((d, t))
    )
    assert result.ok
    assert [p.name for p in result.rendered] == [f"{job.name}.pdf" for job in jobs]
    assert result.skipped == ()
    assert calls[0] == (0, len(jobs))
    assert calls[-1] == (len(jobs), len(jobs))
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    # A worker process renders the same bytes as this process does.
    for job in jobs[:3]:
        assert (tmp_path / "out" / f"{job.name}.pdf").read_bytes() == renderer.render(job.document)
    assert not list((tmp_path / "out").glob("*.part"))


def test_a_rerun_renders_only_what_is_missing(tmp_path: Path) -> None:
    from yiyu.reports import render_batch

    jobs = _jobs()[:4]
    out = tmp_path / "out"
    render_batch(jobs, out, workers=1)
    stamps = {path.name: path.stat().st_mtime_ns for path in out.glob("*.pdf")}
    (out / f"{jobs[1].name}.pdf").unlink()
    calls: list[tuple[int, int]] = []
    result = render_batch(jobs, out, workers=2, progress=lambda d, t: calls.append((d, t)))
    assert [p.name for p in result.rendered] == [f"{jobs[1].name}.pdf"]
    assert len(result.skipped) == 3
    assert calls == [(3, 4), (4, 4)]
    for path in out.glob("*.pdf"):
        if path.name != f"{jobs[1].name}.pdf":
            assert path.stat().st_mtime_ns == stamps[path.name]
    # Nothing left to do: no worker is even started.
    again = render_batch(jobs, out, progress=lambda d, t: calls.append((d, t)))
    assert again.rendered == ()
    assert calls[-1] == (4, 4)


def test_killed_mid_batch_it_resumes_without_rendering_finished_files(tmp_path: Path) -> None:
    from yiyu.reports import render_batch

    out = tmp_path / "out"
    jobs = _jobs(copies=3)
    script = textwrap.dedent(
        f"""
        import sys
        from yiyu.reports import RenderJob, render_batch, samples
        docs = samples.documents()
        jobs = [RenderJob(name=f"{{n}}-{{c}}", document=d)
                for c in range(3) for n, d in docs.items()]
        if __name__ == "__main__":
            render_batch(jobs, {str(out)!r}, workers=1,
                         progress=lambda d, t: print(d, t, flush=True))
        """
    )
    (tmp_path / "batch.py").write_text(script, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, str(tmp_path / "batch.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the workers die with it
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        deadline = time.monotonic() + 60
        while len(list(out.glob("*.pdf"))) < 3:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the batch made no progress"
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the group this test started
        process.communicate(timeout=30)
    finished = {path.name: path.stat().st_mtime_ns for path in out.glob("*.pdf")}
    assert 3 <= len(finished) < len(jobs)

    result = render_batch(jobs, out, workers=2)
    assert result.ok
    assert {p.name for p in result.skipped} == set(finished)
    assert {p.name for p in result.rendered} == {f"{j.name}.pdf" for j in jobs} - set(finished)
    for name, stamp in finished.items():
        assert (out / name).stat().st_mtime_ns == stamp
    assert sorted(p.name for p in out.glob("*.pdf")) == sorted(f"{j.name}.pdf" for j in jobs)
    for path in out.glob("*.pdf"):
        assert path.read_bytes().rstrip().endswith(b"%%EOF")


def test_bundles_one_pdf_per_township_and_day(tmp_path: Path, poppler: Poppler) -> None:
    from yiyu.reports import render_batch

    jobs = _jobs()
    # Two visits on one day in one township, one of them in another township.
    newborn = next(job for job in jobs if job.name.startswith("newborn"))
    same_day = [
        attrs.evolve(newborn, name="day-a"),
        attrs.evolve(
            newborn,
            name="day-b",
            document=attrs.evolve(newborn.document, title="另一份"),
        ),
        attrs.evolve(
            newborn,
            name="day-c",
            document=attrs.evolve(newborn.document, township="城西/街道"),
        ),
    ]
    result = render_batch(same_day, tmp_path, workers=2, bundles=True)
    assert result.ok
    assert [p.name for p in result.bundles] == [
        "2026-02-27_城东街道.pdf",
        "2026-02-27_城西_街道.pdf",
    ]
    bundle = result.bundles[0].read_bytes()
    single = (tmp_path / "day-a.pdf").read_bytes()
    assert poppler.pages(bundle) == 2 * poppler.pages(single)
    assert poppler.info(bundle)["Title"] == "城东街道 2026-02-27 打印汇总"
    with pikepdf.open(poppler.file(bundle)) as opened:
        names = opened.Root.Names.EmbeddedFiles.Names  # [name, file spec, …]
        assert len(names) == 2 * 2  # each bundled document's data
    again = render_batch(same_day, tmp_path, bundles=True)
    assert again.bundles == ()
    assert len(again.skipped) == 3


def test_one_bad_job_does_not_stop_the_others(tmp_path: Path) -> None:
    from yiyu.reports import render_batch

    jobs = _jobs()[:3]
    broken = attrs.evolve(
        jobs[0], name="broken", document=attrs.evolve(jobs[0].document, template="missing.html")
    )
    result = render_batch([*jobs, broken], tmp_path, workers=2)
    assert not result.ok
    assert list(result.failed) == ["broken"]
    assert "missing.html" in result.failed["broken"]
    assert not (tmp_path / "broken.pdf").exists()
    assert len(result.rendered) == 3


def test_job_names_are_safe_file_names_and_unique(tmp_path: Path) -> None:
    from yiyu.reports import RenderError, RenderJob, render_batch

    job = _jobs()[0]
    for bad in ("../escape", "a/b", "", ".hidden", "x" * 200):
        with pytest.raises(RenderError):
            RenderJob(name=bad, document=job.document)
    with pytest.raises(RenderError, match="twice"):
        render_batch([job, job], tmp_path)


def test_workers_leave_no_temporary_font_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yiyu.reports import render_batch

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    render_batch(_jobs()[:2], tmp_path / "out", workers=2)
    assert list(scratch.iterdir()) == []


def _run_script(tmp_path: Path, body: str) -> str:
    """``body`` run in a fresh Python process (its own fork server): its output."""
    (tmp_path / "script.py").write_text(textwrap.dedent(body), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(tmp_path / "script.py")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads /proc (Linux)")
def test_later_batches_fork_their_workers_from_a_server_holding_weasyprint(
    tmp_path: Path,
) -> None:
    # The imports are most of a worker's start: a host rendering each township's day in
    # turn pays them once, in the fork server the first batch starts, not every call.
    out = _run_script(
        tmp_path,
        f"""
        from pathlib import Path
        from yiyu.reports import RenderJob, render_batch, samples

        def servers():
            # This process's children that have Pango loaded: the workers have ended.
            pids = set()
            for task in Path("/proc/self/task").iterdir():
                pids.update((task / "children").read_text().split())
            return sorted(p for p in pids if "libpango" in Path(f"/proc/{{p}}/maps").read_text())

        if __name__ == "__main__":
            jobs = [RenderJob(name=n, document=d) for n, d in samples.documents().items()][:2]
            for call in range(2):
                assert render_batch(jobs, {str(tmp_path)!r} + f"/out{{call}}", workers=2).ok
                print(servers(), flush=True)
        """,
    )
    first, second = out.splitlines()
    assert first == second != "[]"  # one server, kept, holding Pango, between the calls


def test_a_batch_renders_where_another_job_started_the_fork_server(tmp_path: Path) -> None:
    # The plan's workers start the fork server with their own module preloaded: a batch
    # after them in the same process forks workers that import WeasyPrint themselves.
    out = _run_script(
        tmp_path,
        f"""
        import multiprocessing
        from yiyu.reports import RenderJob, render_batch, samples

        if __name__ == "__main__":
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["yiyu.jobs.planning"])
            with context.Pool(1) as pool:
                assert pool.apply(sum, ([1, 2],)) == 3
            jobs = [RenderJob(name=n, document=d) for n, d in samples.documents().items()]
            result = render_batch(jobs, {str(tmp_path / "out")!r}, workers=2)
            print(result.ok, len(result.rendered) == len(jobs))
        """,
    )
    assert out.split() == ["True", "True"]
