"""why a managed case closed: by its criteria, or because the child moved out or died

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The tables as this revision knows them (never the current models: they move on).
_case = sa.table(
    "care_case",
    sa.column("child_id", sa.String),
    sa.column("opened_on", sa.Date),
    sa.column("closed_on", sa.Date),
    sa.column("close_reason", sa.String),
)
_event = sa.table(
    "life_event",
    sa.column("child_id", sa.String),
    sa.column("kind", sa.String),
    sa.column("on", sa.Date),
)
_LEFT = ("moved_out", "deceased")


def upgrade() -> None:
    with op.batch_alter_table("care_case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("close_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    # A case closed before was closed by a visit, by its criteria.
    op.execute(
        _case.update().where(_case.c.closed_on.is_not(None)).values(close_reason="criteria_met")
    )
    # A case still open when its child moved out or died is closed on that day with the
    # reason, as yiyu.Child derives it whenever a child is built (the first event; a
    # death before a move on one day). The facts hash leaves derived closings out, so
    # the stored hashes stay right.
    left_on = (
        sa.select(sa.func.min(_event.c.on))
        .where(_event.c.child_id == _case.c.child_id)
        .correlate(_case)  # the case being updated, also from within the EXISTS below
        .scalar_subquery()
    )
    death = _event.alias("death")
    died = (
        sa.exists()
        .where(death.c.child_id == _case.c.child_id)
        .where(death.c.kind == "deceased")
        .where(death.c.on == left_on)
    )
    op.execute(
        _case.update()
        .where(_case.c.closed_on.is_(None))
        .where(_case.c.opened_on <= left_on)
        .values(
            closed_on=left_on,
            close_reason=sa.case((died, "deceased"), else_="moved_out"),
        )
    )


def downgrade() -> None:
    # Before this revision a case stayed open when its child left.
    op.execute(
        _case.update()
        .where(_case.c.close_reason.in_(_LEFT))
        .values(closed_on=None, close_reason=None)
    )
    with op.batch_alter_table("care_case", schema=None) as batch_op:
        batch_op.drop_column("close_reason")
