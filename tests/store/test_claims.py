"""Claims and turns on PostgreSQL are one store's: a batch claimed in one schema is free in
another schema of the same database (advisory locks are the whole database's)."""

from __future__ import annotations

import threading
from typing import Any

from yiyu.store.database import upgrade
from yiyu.store.sql import SqlRepository


def test_a_claim_holds_within_its_store_only(postgres: Any) -> None:
    one, other = postgres.engine(), postgres.engine()
    for engine in (one, other):
        upgrade(engine)
    first, same, elsewhere = SqlRepository(one), SqlRepository(one), SqlRepository(other)
    with first.claim("plan:batch-1") as mine:
        assert mine
        with same.claim("plan:batch-1") as again:
            assert not again  # the same store: left to its holder
        with elsewhere.claim("plan:batch-1") as theirs:
            assert theirs  # another schema's plan is not held up
    with same.claim("plan:batch-1") as after:
        assert after  # released with the block


def _turn_taken_within(repo: SqlRepository, seconds: float) -> bool:
    """Whether ``repo`` gets all the subjects' turn within ``seconds`` (in a thread of its
    own, whose transaction ends as soon as it has it)."""
    got = threading.Event()

    def take() -> None:
        with repo.transaction():
            repo.lock_all_subjects()
            got.set()

    thread = threading.Thread(target=take, daemon=True)
    thread.start()
    return got.wait(seconds)


def test_the_subjects_turn_is_held_within_its_store_until_the_transaction_ends(
    postgres: Any,
) -> None:
    one, other = postgres.engine(), postgres.engine()
    for engine in (one, other):
        upgrade(engine)
    first = SqlRepository(one)
    with first.transaction():
        first.lock_all_subjects()  # an import's, held to its end
        assert not _turn_taken_within(SqlRepository(one), 0.5)  # the same store: waits
        assert _turn_taken_within(SqlRepository(other), 5)  # another schema's: not held up
    assert _turn_taken_within(SqlRepository(one), 5)  # released when the transaction ended
