"""Planner statistics for the tables yiyu fills in bulk, on a PostgreSQL server whose
autovacuum is off.

PostgreSQL chooses how to run each query from its statistics of the tables (``ANALYZE``).
Autovacuum, on by default, gathers them as a table grows. With it off, a table that
yiyu has filled has none, and the planner takes it for a few rows. Measured on such a
server at 100,000 children: the first full plan saved 43,000 subjects in 18 minutes,
reading each batch's stored obligations by a scan of the whole growing table; after one
``ANALYZE``, the other 58,000 took 105 s.

So on such a server the store analyzes a group of tables itself, after a transaction
commits, once its table has doubled in size since it was last analyzed (by any process:
the server keeps each table's size at its last analysis, ``pg_class.relpages``). A
process asks only after writing :data:`ANALYZE_AFTER_ROWS` more rows to the group, so the
question costs one catalog read per few batches. A table filled from empty to 12 million
rows is analyzed about 11 times, each time in about a second, however many workers or
hosts fill it: counted per process, two plan workers analyzed it twice as often as one.
Where autovacuum is on it is left to do this, and SQLite plans without such statistics.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["ANALYZE_AFTER_ROWS", "TABLE_GROUPS", "Statistics", "grown"]

LOGGER = logging.getLogger("yiyu.store")

# Rows a process writes to a group of tables before it asks whether the group needs
# analyzing (a yiyu default): one batch of a plan writes about 5,000 obligations.
ANALYZE_AFTER_ROWS = 10_000

# What a bulk job writes, and the tables analyzed for it together: an import's children
# (the rows a child is stored in), a plan's obligations and plan states.
TABLE_GROUPS: Mapping[str, tuple[str, ...]] = {
    "child": ("child", "child_category", "life_event", "care_case", "referral"),
    "obligation": ("obligation", "plan_state"),
}


def grown(pages: int, at_last: int) -> bool:
    """Whether a table needs analyzing: ``pages`` its size now, ``at_last`` its size when
    last analyzed (0 if never). Once it has doubled, so the analyses thin out as it grows
    (autovacuum's rule is alike: a tenth of the table changed)."""
    return pages >= 2 * at_last


class Statistics:
    """What this process has written to each group of tables of one database since it
    last asked whether the group needs analyzing. Shared by the threads using one
    repository."""

    def __init__(self, *, autovacuum: bool | None = None) -> None:
        """``autovacuum``: the server's setting, if known; else it is read once, when a
        group first needs analyzing."""
        self._lock = threading.Lock()
        self._written: dict[str, int] = {}
        self._asked: dict[str, int] = {}
        self._autovacuum = autovacuum

    def committed(self, engine: Engine, written: Mapping[str, int]) -> list[str]:
        """Count the rows of a committed transaction and analyze the groups that need
        it (PostgreSQL with autovacuum off only). Returns the groups analyzed."""
        if not written or engine.dialect.name != "postgresql":
            return []
        with self._lock:
            for group, rows in written.items():
                self._written[group] = self._written.get(group, 0) + rows
            wanted = [
                group
                for group, total in self._written.items()
                if total - self._asked.get(group, 0) >= ANALYZE_AFTER_ROWS
            ]
            if not wanted or self._autovacuum_on(engine):
                return []
            for group in wanted:  # counted as asked before asking: one thread does it
                self._asked[group] = self._written[group]
        wanted = [group for group in wanted if _grown(engine, TABLE_GROUPS[group][0])]
        if wanted:
            _analyze(engine, (table for group in wanted for table in TABLE_GROUPS[group]))
        return wanted

    def _autovacuum_on(self, engine: Engine) -> bool:
        if self._autovacuum is None:
            from sqlalchemy import text
            from sqlalchemy.exc import SQLAlchemyError

            try:
                with engine.connect() as connection:
                    setting = connection.execute(text("SELECT current_setting('autovacuum')"))
                    self._autovacuum = setting.scalar() == "on"
            except SQLAlchemyError as error:
                # What was written is committed: asked again after the next commit.
                LOGGER.warning("could not read the autovacuum setting: %s", type(error).__name__)
                return True
        return self._autovacuum


def _grown(engine: Engine, table: str) -> bool:
    """Whether ``table`` (of the store's schema) has doubled since it was last analyzed,
    by this process or another: its size now, and the size the server recorded then."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    query = text(
        "SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint, c.relpages "
        "FROM pg_class c WHERE c.oid = to_regclass(:table)"
    )
    try:
        with engine.connect() as connection:
            sizes = connection.execute(query, {"table": table}).one_or_none()
    except SQLAlchemyError as error:
        # What was written is committed: asked again once as many rows more are written.
        LOGGER.warning("could not read the size of %s: %s", table, type(error).__name__)
        return False
    return sizes is not None and grown(int(sizes[0]), max(int(sizes[1]), 0))


def _analyze(engine: Engine, tables: Iterable[str]) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    names = ", ".join(tables)  # yiyu's own tables (TABLE_GROUPS), in the store's schema
    try:
        # Its own transaction, after the writer's commit: the job's is not held open.
        with engine.begin() as connection:
            connection.execute(text(f"ANALYZE {names}"))
    except SQLAlchemyError as error:
        # What was written is committed: the job goes on, only slower to read.
        LOGGER.warning("could not analyze %s: %s", names, type(error).__name__)
