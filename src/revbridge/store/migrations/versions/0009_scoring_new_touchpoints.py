"""Scoring new touchpoints in batches: how far the scores have counted the touchpoints' arrivals.

``score_marks`` holds one row, ``touchpoints``: the highest arrival number (``seq`` on PostgreSQL,
``rowid`` on SQLite) whose touchpoints are in the leads' scores. It starts at the highest arrival
already stored: before this version a touchpoint stored without being scored waited for
``revbridge score --all``, and a store that was rescored holds them in its scores already, so only
what arrives from now on is scored by the worker. ``touchpoints.scored_on_arrival`` marks the rows
whose lead was scored as they were stored (``scoring.add_touchpoint``). On PostgreSQL ``seq`` gets a
BRIN index, which the worker's ``seq > mark`` needs on a large table and an import does not feel.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 18:40:45.610743
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import revbridge.store.tables

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    marks = op.create_table(
        "score_marks",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("last_arrival", sa.BigInteger(), nullable=False),
        sa.Column("moved_at", revbridge.store.tables.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_score_marks")),
    )
    key = "seq" if postgres else "rowid"
    highest = op.get_bind().exec_driver_sql(f"SELECT coalesce(max({key}), 0) FROM touchpoints").scalar_one()
    op.bulk_insert(marks, [{"name": "touchpoints", "last_arrival": int(highest), "moved_at": None}])
    # A nullable column without a default: no table rewrite on either database.
    op.add_column("touchpoints", sa.Column("scored_on_arrival", sa.Boolean(), nullable=True))
    if postgres:
        op.create_index(
            "ix_touchpoints_seq",
            "touchpoints",
            ["seq"],
            unique=False,
            postgresql_using="brin",
            postgresql_with={"autosummarize": "on"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_touchpoints_seq", table_name="touchpoints")
    with op.batch_alter_table("touchpoints", schema=None) as batch_op:
        batch_op.drop_column("scored_on_arrival")
    op.drop_table("score_marks")
