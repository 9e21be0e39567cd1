"""A failed job's run record: failed, with its counts, and never hiding the job's error."""

from __future__ import annotations

from typing import Any

from yiyu.jobs.runs import finish_failed
from yiyu.store import MemoryRepository


def test_a_failed_run_is_recorded_with_what_it_had_done() -> None:
    repo = MemoryRepository()
    run_id = repo.start_run("export_fhir", parameters={})
    finish_failed(repo, run_id, RuntimeError("disk full"), {"Patient": 3})
    run = repo.runs()[0]
    assert run.status == "failed"
    assert run.counts["Patient"] == 3
    assert run.error is not None
    assert "RuntimeError" in run.error


def test_an_error_recording_the_failure_does_not_replace_the_jobs() -> None:
    class Broken(MemoryRepository):
        def finish_run(self, run_id: int, **kwargs: Any) -> None:
            raise ConnectionError("the database went away")

    repo = Broken()
    run_id = repo.start_run("render", parameters={})
    finish_failed(repo, run_id, ValueError("the job's own error"))  # does not raise
