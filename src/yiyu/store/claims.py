"""Claims on a piece of work (a batch of a plan run), taken without a coordinator.

On PostgreSQL a claim is a session advisory lock (``pg_try_advisory_lock``) on a number
derived from the claim's key and the session's schema (one store's claims never stand in
another's way): every host on the same database sees it, a claim held by
another session is refused at once rather than waited for (as ``SKIP LOCKED`` would skip
it), and a claim dies with its session, so a killed worker leaves nothing to clean up. No
table is needed.

SQLite is one host's file: its claims are kept in the process (threads of one process
share them). Processes on one SQLite file do not share claims; their writes still take
turns under SQLite's write lock, and saving a plan locks its subjects, so what they store
is the same, only work may be done twice.

A turn (:func:`take_turn`) is the other kind of lock here: one that is waited for, held
until the transaction ends. On PostgreSQL it keeps a transaction that locks subjects in an
order of its own (an import, batch by batch in the file's order) apart from the others
that lock many subjects, which would otherwise deadlock with it; SQLite gives every
writing transaction its turn already (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the memory store uses in_process: importing SQLAlchemy is not cheap
    from sqlalchemy import Connection, Engine

__all__ = ["SUBJECT_WRITES", "claim", "take_turn"]

_HELD: set[tuple[str, str]] = set()
_HELD_LOCK = threading.Lock()


@contextmanager
def claim(engine: Engine, key: str) -> Iterator[bool]:
    """Whether this caller holds the claim on ``key`` until the block ends (``False``: another
    holds it now; the block should leave that work alone)."""
    if engine.dialect.name == "postgresql":
        with _advisory(engine, key) as mine:
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


# The lock's number, in the database: advisory locks are the whole database's, and two
# stores in two schemas of one database (or two test runs) must not take each other's
# claims, so the number covers the session's schema as well as the key: 64 bits of
# md5(schema || ':' || key), signed as bigint. Computed with the lock, in one round trip.
_NUMBER = "('x' || substr(md5(current_schema() || ':' || :key), 1, 16))::bit(64)::bigint"
_TRY = f"SELECT number, pg_try_advisory_lock(number) FROM (SELECT {_NUMBER} AS number) AS claimed"

# The turn of transactions that lock many subjects (a claim's key names a batch: never this).
SUBJECT_WRITES = "turn:subject-writes"


def take_turn(connection: Connection, key: str, *, alone: bool) -> None:
    """Wait for the turn named ``key`` and hold it until ``connection``'s transaction ends.

    ``alone``: no other holder at all (an import); otherwise only holders that are not
    alone (plan batches, which lock their subjects in one order and may run side by
    side). PostgreSQL's transaction advisory locks; elsewhere nothing (SQLite has one
    writer at a time, the memory store one thread).
    """
    if connection.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    function = "pg_advisory_xact_lock" if alone else "pg_advisory_xact_lock_shared"
    connection.execute(text(f"SELECT {function}({_NUMBER})"), {"key": key})


@contextmanager
def _advisory(engine: Engine, key: str) -> Iterator[bool]:
    from sqlalchemy import text

    # A connection of its own, held for the claim: a session lock outlives transactions,
    # so the work inside may commit as often as it likes.
    with engine.connect() as connection:
        number, mine = connection.execute(text(_TRY), {"key": key}).one()
        connection.commit()
        try:
            yield bool(mine)
        finally:
            if mine:  # before the connection goes back to the pool still holding it
                connection.execute(text("SELECT pg_advisory_unlock(:n)"), {"n": number})
                connection.commit()
