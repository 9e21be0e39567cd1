"""Claims on PostgreSQL are one store's: a batch claimed in one schema is free in another
schema of the same database (advisory locks are the whole database's)."""

from __future__ import annotations

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
