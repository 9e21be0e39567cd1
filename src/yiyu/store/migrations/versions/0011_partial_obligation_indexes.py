"""index an obligation by its assignee, or by its daycare, only where it has one

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 05:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# (name, columns): the two indexes this revision makes partial, as 0001 made them.
_INDEXES = (
    ("ix_obligation_assignee_due", ["assignee", "due"]),
    ("ix_obligation_daycare_id", ["daycare_id"]),
)


def upgrade() -> None:
    # A work list by assignee and a daycare's obligations select by these columns with
    # "=", which only rows that have them can match; most rows have neither (a plan's
    # obligations are a township's, with an assignee only where one is named, and only
    # a daycare's carry its id). Every row still cost an entry in each index: about 30
    # bytes an obligation in SQLite and a write for each one planned (#14: bytes per
    # obligation). Both databases use a partial index "c IS NOT NULL" for "c = ?".
    for name, columns in _INDEXES:
        where = sa.text(f"{columns[0]} IS NOT NULL")
        op.drop_index(name, table_name="obligation")
        op.create_index(
            name, "obligation", columns, unique=False, sqlite_where=where, postgresql_where=where
        )


def downgrade() -> None:
    for name, columns in _INDEXES:
        op.drop_index(name, table_name="obligation")
        op.create_index(name, "obligation", columns, unique=False)
