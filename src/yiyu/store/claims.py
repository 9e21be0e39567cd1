"""Claims on a piece of work (a batch of a plan run), taken without a coordinator.

On PostgreSQL a claim is a session advisory lock (``pg_try_advisory_lock``) on a number
derived from the claim's key: every host on the same database sees it, a claim held by
another session is refused at once rather than waited for (as ``SKIP LOCKED`` would skip
it), and a claim dies with its session, so a killed worker leaves nothing to clean up. No
table is needed.

SQLite is one host's file: its claims are kept in the process (threads of one process
share them). Processes on one SQLite file do not share claims; their writes still take
turns under SQLite's write lock, and saving a plan locks its subjects, so what they store
is the same, only work may be done twice.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the memory store uses in_process: importing SQLAlchemy is not cheap
    from sqlalchemy import Engine

__all__ = ["claim", "claim_number"]

_HELD: set[tuple[str, str]] = set()
_HELD_LOCK = threading.Lock()


def claim_number(key: str) -> int:
    """The advisory lock's number for ``key``: 64 bits of its SHA-256, signed as bigint."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


@contextmanager
def claim(engine: Engine, key: str) -> Iterator[bool]:
    """Whether this caller holds the claim on ``key`` until the block ends (``False``: another
    holds it now; the block should leave that work alone)."""
    if engine.dialect.name == "postgresql":
        with _advisory(engine, claim_number(key)) as mine:
            yield mine
        return
    with in_process(str(engine.url), key, _HELD) as mine:
        yield mine


@contextmanager
def in_process(scope: str, key: str, held: set[tuple[str, str]]) -> Iterator[bool]:
    """A claim kept in ``held``, a set shared by the threads of one process."""
    with _HELD_LOCK:
        mine = (scope, key) not in held
        if mine:
            held.add((scope, key))
    try:
        yield mine
    finally:
        if mine:
            with _HELD_LOCK:
                held.discard((scope, key))


@contextmanager
def _advisory(engine: Engine, number: int) -> Iterator[bool]:
    from sqlalchemy import text

    # A connection of its own, held for the claim: a session lock outlives transactions,
    # so the work inside may commit as often as it likes.
    with engine.connect() as connection:
        mine = bool(
            connection.execute(text("SELECT pg_try_advisory_lock(:n)"), {"n": number}).scalar()
        )
        connection.commit()
        try:
            yield mine
        finally:
            if mine:  # before the connection goes back to the pool still holding it
                connection.execute(text("SELECT pg_advisory_unlock(:n)"), {"n": number})
                connection.commit()
