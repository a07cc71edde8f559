"""The tick's index holds the open clocks alone: ``(due_at, id) WHERE status = 'open'``.

It replaces ``(status, due_at)``, which held every clock ever opened. Closing a clock moved its entry
from among the open to among the closed; now it only drops it, and the index stays the size of the open
work however many clocks have closed. A backlog tick closing 100,000 clocks and opening as many fresh
ones spent a third of its writes on that index (``benchmarks/scoring.py --only tick``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 20:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.drop_index("ix_obligations_status_due", table_name="obligations")
    op.create_index(
        "ix_obligations_open_due",
        "obligations",
        ["due_at", "id"],
        unique=False,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("ix_obligations_open_due", table_name="obligations")
    op.create_index("ix_obligations_status_due", "obligations", ["status", "due_at"], unique=False)
