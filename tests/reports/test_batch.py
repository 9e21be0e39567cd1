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
