"""the checks of a managed case (its course), for the trend rules of 专案管理

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A case stored before has no recorded course: the trend rules start from its next check.
    with op.batch_alter_table("care_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("course", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("care_case", schema=None) as batch_op:
        batch_op.drop_column("course")
