"""Who settled a disputed rejection, and when.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 16:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import revbridge.store.tables

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dispute_resolved_by", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("dispute_resolved_at", revbridge.store.tables.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_feedback_dispute_resolved_by_users"), "users", ["dispute_resolved_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_feedback_dispute_resolved_by_users"), type_="foreignkey")
        batch_op.drop_column("dispute_resolved_at")
        batch_op.drop_column("dispute_resolved_by")
