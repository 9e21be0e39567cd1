"""an obligation's protocol, protocol version and role kept with its content (they change
with the rule version, not per row); its updated_at stored as milliseconds since the epoch

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 12:00:00.000000
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The content columns as 0007 made them, in the order the digest takes them; the JSON
# ones are lists. Then the three this revision moves from the obligation to its content.
_FIELDS = ("name", "contents", "tests", "checklist", "sources", "evidence", "window_evidence")
_JSON = frozenset({"contents", "tests", "sources"})
_MOVED = ("protocol", "protocol_version", "role")
_BATCH = 1000

# The tables as this revision knows them (never the current models: they move on).
_content = sa.table(
    "obligation_content",
    sa.column("digest", sa.BigInteger),
    *(sa.column(name, sa.JSON if name in _JSON else sa.String) for name in _FIELDS),
    *(sa.column(name, sa.String) for name in _MOVED),
)
_obligation = sa.table(
    "obligation",
    sa.column("content", sa.BigInteger),
    *(sa.column(name, sa.String) for name in _MOVED),
)
# Each old digest with the protocol, version and role of the rows that held it, and the
# digest of the content that now holds all four: the UPDATE of the obligations reads it.
_moved = sa.table(
    "_yiyu_content_moved",
    sa.column("old", sa.BigInteger),
    *(sa.column(name, sa.String) for name in _MOVED),
    sa.column("new", sa.BigInteger),
)
# An index on obligation.content while contents are replaced: each content row deleted
# (or dropped, on SQLite) makes the database look for the obligations that refer to it.
_CONTENT_INDEX = "_ix_yiyu_obligation_content"


def _digest(values: Sequence[Any]) -> int:
    # yiyu.store.rows.content_digest as of this revision: the fields of 0007, then the
    # protocol, its version and the role (a later change there would only store an equal
    # content twice, under two digests: reads stay right).
    text = json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


def _type(name: str) -> Any:
    """A content column's type as the models declare it."""
    return sa.JSON() if name in _JSON else sqlmodel.sql.sqltypes.AutoString()


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


# The tables whose rows refer to an obligation (foreign keys).
_REFERRING = ("skip", "reschedule")


@contextmanager
def _rebuilt_obligations() -> Iterator[Any]:
    """``batch_alter_table("obligation")``, with the rows that refer to obligations set
    aside meanwhile on SQLite (as revision 0007 does, for the same reason: SQLite's DROP
    of the table it rebuilds fails the foreign keys of the skips and reschedules)."""
    sqlite = _sqlite()
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


def _rebuild_contents(fields: Sequence[str]) -> None:
    """SQLite: ``obligation_content`` made again with just these columns, all but the
    checklist NOT NULL (SQLite cannot change a column in place). A copy renamed into its
    place would leave the obligations' foreign keys counting the dropped table's rows as
    missing at commit (the rows went to the copy, not to the table the keys name), so the
    rows are held aside and inserted again into the new table under its own name: each
    insert finds the obligations that refer to it, and the count falls back to zero. A
    few hundred rows, never the obligations."""
    op.execute("PRAGMA defer_foreign_keys = ON")
    op.execute("CREATE TEMP TABLE _yiyu_content_held AS SELECT * FROM obligation_content")
    op.drop_table("obligation_content")
    op.create_table(
        "obligation_content",
        sa.Column("digest", sa.BigInteger(), autoincrement=False, nullable=False),
        *(sa.Column(name, _type(name), nullable=name == "checklist") for name in fields),
        sa.PrimaryKeyConstraint("digest"),
    )
    names = ", ".join(("digest", *fields))
    op.execute(f"INSERT INTO obligation_content ({names}) SELECT {names} FROM _yiyu_content_held")
    op.execute("DROP TABLE _yiyu_content_held")
    op.execute("PRAGMA defer_foreign_keys = OFF")


def _create_moved() -> None:
    op.create_table(
        "_yiyu_content_moved",
        sa.Column("old", sa.BigInteger(), nullable=False),
        *(sa.Column(name, sa.Text(), nullable=True) for name in _MOVED),
        sa.Column("new", sa.BigInteger(), nullable=False),
    )


def _insert(table: Any, rows: Sequence[dict[str, Any]]) -> None:
    connection = op.get_bind()
    for start in range(0, len(rows), _BATCH):
        connection.execute(table.insert(), rows[start : start + _BATCH])


def _contents() -> dict[int, list[Any]]:
    """Every stored content (a few hundred), its 0007 fields by digest, lists as lists
    (a NULL list as an empty one, as yiyu reads it)."""
    columns = [_content.c[name] for name in _FIELDS]
    rows = op.get_bind().execute(sa.select(_content.c.digest, *columns)).all()
    return {digest: [_field(n, v) for n, v in zip(_FIELDS, rest, strict=True)]
            for digest, *rest in rows}  # fmt: skip


def _field(name: str, value: Any) -> Any:
    return (value or []) if name in _JSON else value


# --- upgrade --------------------------------------------------------------------------------


def upgrade() -> None:
    for name in _MOVED:
        op.add_column("obligation_content", sa.Column(name, _type(name), nullable=True))
    _create_moved()
    op.create_index("_ix_yiyu_content_moved", "_yiyu_content_moved", ["old", *_MOVED])
    _move_contents()
    op.drop_table("_yiyu_content_moved")
    op.create_index(_CONTENT_INDEX, "obligation", ["content"])  # after the UPDATE: not kept
    # The contents as 0007 stored them: no obligation refers to them any more.
    op.execute(_content.delete().where(_content.c.protocol.is_(None)))
    if _sqlite():
        _rebuild_contents((*_FIELDS, *_MOVED))
    else:
        for name in _MOVED:
            op.alter_column("obligation_content", name, existing_type=_type(name), nullable=False)
    op.drop_index(_CONTENT_INDEX, table_name="obligation")
    _obligations_without_moved_columns()


def _move_contents() -> None:
    """A content for each distinct (content, protocol, version, role) the obligations
    hold, under the digest of all of them, and that digest into the rows that hold it.
    The database finds the distinct values (one per rule version, and per set of tests a
    catch-up check missed) and updates the rows in one statement: the obligations are
    never loaded."""
    connection = op.get_bind()
    held = sa.select(_obligation.c.content, *(_obligation.c[n] for n in _MOVED)).distinct()
    contents = _contents()
    moved: list[dict[str, Any]] = []
    new: dict[int, dict[str, Any]] = {}
    for old, *values in connection.execute(held):
        fields = contents[old]
        digest = _digest([*fields, *values])
        moved.append({"old": old, **dict(zip(_MOVED, values, strict=True)), "new": digest})
        new.setdefault(
            digest,
            {"digest": digest, **dict(zip((*_FIELDS, *_MOVED), (*fields, *values), strict=True))},
        )
    _insert(_content, list(new.values()))
    _insert(_moved, moved)
    same = [_moved.c.old == _obligation.c.content,
            *(_moved.c[n] == _obligation.c[n] for n in _MOVED)]  # fmt: skip
    found = sa.select(_moved.c.new).where(*same).limit(1).scalar_subquery()
    connection.execute(_obligation.update().values(content=found))


# SQLite keeps a datetime as text (``YYYY-MM-DD HH:MM:SS.ffffff``): its seconds since the
# epoch, then the milliseconds of its fraction (none written: 0).
_SQLITE_MS = (
    "CAST(strftime('%s', substr(updated_at, 1, 19)) AS INTEGER) * 1000"
    " + CAST(substr(updated_at || '.000', 21, 3) AS INTEGER)"
)
_POSTGRESQL_MS = "floor(extract(epoch FROM updated_at) * 1000)::bigint"


def _obligations_without_moved_columns() -> None:
    """The three columns dropped from ``obligation``; ``updated_at`` made milliseconds,
    rounded down, in SQL."""
    if _sqlite():
        # In place first (the column's numeric affinity keeps an integer): the rebuild
        # then copies it through its CAST to BIGINT unchanged.
        op.execute(f"UPDATE obligation SET updated_at = {_SQLITE_MS}")
    with _rebuilt_obligations() as batch_op:
        for name in _MOVED:
            batch_op.drop_column(name)
        batch_op.alter_column(
            "updated_at",
            existing_type=sa.DateTime(timezone=True),
            type_=sa.BigInteger(),
            existing_nullable=False,
            postgresql_using=_POSTGRESQL_MS,
        )


# --- downgrade ------------------------------------------------------------------------------


def downgrade() -> None:
    for name in _MOVED:
        op.add_column("obligation", sa.Column(name, _type(name), nullable=True))
    held = _content.c.digest == _obligation.c.content
    values = {n: sa.select(_content.c[n]).where(held).scalar_subquery() for n in _MOVED}
    op.execute(_obligation.update().values(values))
    _create_moved()
    op.create_index("_ix_yiyu_content_moved", "_yiyu_content_moved", ["new"])
    _restore_contents()
    op.drop_table("_yiyu_content_moved")
    if _sqlite():
        _rebuild_contents(_FIELDS)
    else:
        for name in _MOVED:
            op.drop_column("obligation_content", name)
    op.drop_index(_CONTENT_INDEX, table_name="obligation")
    _obligations_with_moved_columns()


def _restore_contents() -> None:
    """Each content under its digest as 0007 computed it (contents that differed only in
    protocol, version or role become one), the obligations referring to those."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(_content.c.digest, *(_content.c[n] for n in _MOVED)))
    moved = {digest: rest for digest, *rest in rows}
    contents = _contents()
    pairs: list[dict[str, Any]] = []
    old: dict[int, dict[str, Any]] = {}
    for digest, fields in contents.items():
        before = _digest(fields)
        pairs.append({"old": before, "new": digest})
        # The moved columns are still NOT NULL here; they are dropped next.
        values = dict(zip((*_FIELDS, *_MOVED), (*fields, *moved[digest]), strict=True))
        old.setdefault(before, {"digest": before, **values})
    known = set(contents)
    _insert(_content, [row for digest, row in old.items() if digest not in known])
    _insert(_moved, pairs)
    found = sa.select(_moved.c.old).where(_moved.c.new == _obligation.c.content)
    connection.execute(_obligation.update().values(content=found.limit(1).scalar_subquery()))
    op.create_index(_CONTENT_INDEX, "obligation", ["content"])  # after the UPDATE: not kept
    op.execute(_content.delete().where(_content.c.digest.not_in(sa.select(_moved.c.old))))


_SQLITE_TEXT = (
    "strftime('%Y-%m-%d %H:%M:%S', updated_at / 1000, 'unixepoch')"
    " || printf('.%03d000', updated_at % 1000)"
)
_POSTGRESQL_TIME = "TIMESTAMP WITH TIME ZONE 'epoch' + updated_at * INTERVAL '1 millisecond'"


def _obligations_with_moved_columns() -> None:
    sqlite = _sqlite()
    if sqlite:
        # A new column: the rebuild's CAST of an integer to a datetime would keep a number.
        op.add_column(
            "obligation",
            sa.Column("_yiyu_updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        )
        op.execute(f"UPDATE obligation SET _yiyu_updated_at = {_SQLITE_TEXT}")
    with _rebuilt_obligations() as batch_op:
        for name in _MOVED:
            batch_op.alter_column(name, existing_type=_type(name), nullable=False)
        if sqlite:
            batch_op.drop_column("updated_at")
            batch_op.alter_column(
                "_yiyu_updated_at",
                new_column_name="updated_at",
                existing_type=sa.DateTime(timezone=True),
                nullable=False,
            )
        else:
            batch_op.alter_column(
                "updated_at",
                existing_type=sa.BigInteger(),
                type_=sqlmodel.sql.sqltypes.UTCDateTime(),
                existing_nullable=False,
                postgresql_using=_POSTGRESQL_TIME,
            )
