"""a child's guardian: name (家长姓名) and phone (联系电话), printed on its records

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Both nullable: a child stored before had no guardian recorded, and that is what
    # reading it back gives (the facts hash leaves the empty fields out, so the stored
    # hashes stay right and nothing is re-planned).
    with op.batch_alter_table("child", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("guardian_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("guardian_phone", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite 3.35 and later), never batch mode's copy of the
    # table: the tables that refer to child would block dropping it.
    with op.batch_alter_table("child", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("guardian_phone")
        batch_op.drop_column("guardian_name")
