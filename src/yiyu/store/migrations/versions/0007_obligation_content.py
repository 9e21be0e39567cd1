"""an obligation's content (name, contents, tests, checklist, sources, evidence) stored once
per distinct value in obligation_content, the obligation referring to it by digest

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-21 12:00:00.000000
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The content columns, in the order the digest takes them; the JSON ones are lists.
_FIELDS = ("name", "contents", "tests", "checklist", "sources", "evidence", "window_evidence")
_JSON = frozenset({"contents", "tests", "sources"})
_BATCH = 1000

# The tables as this revision knows them (never the current models: they move on). The
# JSON columns are read and compared as their stored text: PostgreSQL's json type has no
# equality, and the text is what the rows hold.
_obligation = sa.table(
    "obligation",
    *(sa.column(name, sa.Text) for name in _FIELDS),
    sa.column("content", sa.BigInteger),
)
_content = sa.table(
    "obligation_content",
    sa.column("digest", sa.BigInteger),
    *(sa.column(name, sa.JSON if name in _JSON else sa.String) for name in _FIELDS),
)
# The distinct contents found, as their stored text, with their digests: the UPDATE that
# fills obligation.content looks each row's content up here.
_found = sa.table(
    "_yiyu_content_found",
    sa.column("digest", sa.BigInteger),
    *(sa.column(name, sa.Text) for name in _FIELDS),
)


def _digest(values: list[Any]) -> int:
    # yiyu.store.rows.content_digest as of this revision (a later change there would only
    # store an equal content twice, under two digests: reads stay right).
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


def _type(name: str) -> Any:
    """A content column's type as the models declare it."""
    return sa.JSON() if name in _JSON else sqlmodel.sql.sqltypes.AutoString()


def _as_text(name: str) -> Any:
    column = _obligation.c[name]
    return sa.cast(column, sa.Text) if name in _JSON else column


# The tables whose rows refer to an obligation (foreign keys).
_REFERRING = ("skip", "reschedule")


@contextmanager
def _rebuilt_obligations() -> Iterator[Any]:
    """``batch_alter_table("obligation")``, with the rows that refer to obligations set
    aside meanwhile on SQLite. SQLite rebuilds the table (copy, drop, rename), and its
    DROP fails the foreign keys of the skips and reschedules that refer to it (checked on
    the spot, or deferred to a commit that still counts them: the rows went to the copy,
    not to the table the keys name). Set aside in SQL, never loaded."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for table in _REFERRING:
            op.execute(f"CREATE TEMP TABLE _yiyu_{table} AS SELECT * FROM {table}")
            op.execute(f"DELETE FROM {table}")
    with op.batch_alter_table("obligation", schema=None) as batch_op:
        yield batch_op
    if sqlite:
        for table in _REFERRING:
            op.execute(f"INSERT INTO {table} SELECT * FROM _yiyu_{table}")
            op.execute(f"DROP TABLE _yiyu_{table}")


def upgrade() -> None:
    op.create_table(
        "obligation_content",
        sa.Column("digest", sa.BigInteger(), autoincrement=False, nullable=False),
        *(sa.Column(name, _type(name), nullable=name == "checklist") for name in _FIELDS),
        sa.PrimaryKeyConstraint("digest"),
    )
    with op.batch_alter_table("obligation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content", sa.BigInteger(), nullable=True))
    op.create_table(
        "_yiyu_content_found",
        sa.Column("digest", sa.BigInteger(), nullable=False),
        *(sa.Column(name, sa.Text(), nullable=name == "checklist") for name in _FIELDS),
    )
    op.create_index("_ix_yiyu_content_found", "_yiyu_content_found", ["name", "evidence"])
    _move_contents()
    op.drop_table("_yiyu_content_found")
    with _rebuilt_obligations() as batch_op:
        batch_op.alter_column("content", existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_foreign_key(
            "fk_obligation_content_obligation_content",
            "obligation_content",
            ["content"],
            ["digest"],
        )
        for name in _FIELDS:
            batch_op.drop_column(name)


def _move_contents() -> None:
    """Each distinct content into obligation_content, and its digest into the rows that
    hold it. The database finds the distinct values (a few hundred: one per rule version,
    and per set of tests a catch-up check missed) and updates the rows in one statement:
    the obligations are never loaded."""
    connection = op.get_bind()
    distinct = sa.select(*(_as_text(name).label(name) for name in _FIELDS)).distinct()
    found: list[dict[str, Any]] = []
    contents: dict[int, dict[str, Any]] = {}
    for row in connection.execute(distinct):
        text = dict(zip(_FIELDS, row, strict=True))
        values = {n: json.loads(v) if n in _JSON else v for n, v in text.items()}
        digest = _digest([values[name] for name in _FIELDS])
        found.append({"digest": digest, **text})
        contents.setdefault(digest, {"digest": digest, **values})  # one content, two texts
    rows = list(contents.values())
    for start in range(0, len(found), _BATCH):
        connection.execute(_found.insert(), found[start : start + _BATCH])
    for start in range(0, len(rows), _BATCH):
        connection.execute(_content.insert(), rows[start : start + _BATCH])
    # ``=`` where the database can use the index; the checklist may be NULL on both sides.
    match = [
        _found.c[n].is_not_distinct_from(_as_text(n)) if n == "checklist" else
        _found.c[n] == _as_text(n)
        for n in _FIELDS
    ]  # fmt: skip
    found_digest = sa.select(_found.c.digest).where(*match).limit(1).scalar_subquery()
    connection.execute(_obligation.update().values(content=found_digest))


def downgrade() -> None:
    with op.batch_alter_table("obligation", schema=None) as batch_op:
        for name in _FIELDS:
            batch_op.add_column(sa.Column(name, _type(name), nullable=True))
    held = _content.c.digest == _obligation.c.content
    values = {n: sa.select(_content.c[n]).where(held).scalar_subquery() for n in _FIELDS}
    op.execute(_obligation.update().values(values))
    with _rebuilt_obligations() as batch_op:
        batch_op.drop_constraint("fk_obligation_content_obligation_content", type_="foreignkey")
        batch_op.drop_column("content")
        for name in _FIELDS:
            if name != "checklist":
                batch_op.alter_column(name, existing_type=_type(name), nullable=False)
    op.drop_table("obligation_content")
