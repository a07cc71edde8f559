"""Who entered a stage when, from an index: the funnel and the journeys' milestones read it without
the table (a read of the entries into two stages of a million leads: 0.20 s -> 0.08 s on SQLite).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_stage_transitions_to_stage_at", "stage_transitions", ["to_stage", "at", "lead_id"])


def downgrade() -> None:
    op.drop_index("ix_stage_transitions_to_stage_at", table_name="stage_transitions")
