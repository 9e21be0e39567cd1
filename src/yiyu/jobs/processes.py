"""Worker processes for a job's batches: the store they open, and the pool they run in.

The plan and coverage both split their subjects into batches that need nothing from one
another, so ``workers=N`` hands the batches to N processes. Each opens the store itself
from its URL (a connection cannot cross a process), and the processes come from a fork
server, not from forking the caller, which holds pooled connections of its own.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.pool import Pool
from typing import Any

from yiyu.errors import ValidationError
from yiyu.store import Repository
from yiyu.store.sql import SqlRepository

__all__ = ["MAX_WORKERS", "process_pool", "shared_url"]

MAX_WORKERS = 64


def shared_url(repo: Repository) -> str:
    """The URL from which worker processes open ``repo``'s database themselves.

    Only the URL crosses to them: whatever the engine was given besides (a PostgreSQL
    ``search_path`` in ``connect_args``) must be in the URL too
    (``?options=-csearch_path%3Dyiyu``), or the workers open another schema.

    Raises:
        ValidationError: naming ``workers``, if ``repo`` is no database other processes
            can open (the in-memory store, SQLite in memory).
    """
    if not isinstance(repo, SqlRepository):
        raise ValidationError(
            "workers", type(repo).__name__, "more than one worker needs a database (SqlRepository)"
        )
    url = repo.engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise ValidationError(
            "workers", "sqlite in memory", "more than one worker needs a database file"
        )
    return url.render_as_string(hide_password=False)


@contextmanager
def process_pool(
    workers: int, start: Callable[..., None], arguments: tuple[Any, ...], *, preload: str
) -> Iterator[Pool]:
    """A pool of ``workers`` processes, each started with ``start(*arguments)``.

    The fork server imports ``preload`` (the job's module, and yiyu with it) and the
    caller's main module once, and forks each worker from that clean state: no engine of
    the caller's is copied, a worker does not import the main module again (as a spawned
    process does, to find the functions it is sent), and a second run starts at once.
    Left by an exception (a failed batch, or the caller stopped reading), the workers are
    stopped: what they were doing is moot.
    """
    context = multiprocessing.get_context("forkserver")
    # "__main__": the caller's script, imported as a spawned worker imports it (under
    # ``__mp_main__``, its ``if __name__ == "__main__"`` block not run).
    context.set_forkserver_preload(["__main__", preload])
    pool = context.Pool(workers, start, arguments)
    try:
        yield pool
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        pool.join()
