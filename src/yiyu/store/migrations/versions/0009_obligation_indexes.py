"""drop the obligation indexes no query reads: ``due`` alone and ``rule``

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 12:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The work list and coverage filter on township, assignee or daycare with the window
    # (the composite indexes), a subject's plan on (subject_kind, subject_id): nothing
    # selects by the due date alone or by rule. Each index cost about 25 bytes a row in
    # SQLite and a write for every obligation planned (#14: bytes per obligation).
    op.drop_index("ix_obligation_due", table_name="obligation")
    op.drop_index("ix_obligation_rule", table_name="obligation")


def downgrade() -> None:
    op.create_index("ix_obligation_rule", "obligation", ["rule"], unique=False)
    op.create_index("ix_obligation_due", "obligation", ["due"], unique=False)
