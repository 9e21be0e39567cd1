"""What every job does with its run record when it fails."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from yiyu.store import Repository

__all__ = ["finish_failed"]


def finish_failed(
    repo: Repository,
    run_id: int,
    error: BaseException,
    counts: Mapping[str, Any] | None = None,
) -> None:
    """Record the run as failed, with what it had done (``counts``); if even that fails
    (the caller's own transaction has failed, the database is gone), the error that
    stopped the job is the one to see, so this one is dropped."""
    with contextlib.suppress(Exception):
        repo.finish_run(run_id, status="failed", counts=dict(counts or {}), error=error)
