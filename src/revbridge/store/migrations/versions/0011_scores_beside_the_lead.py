"""A lead's scores move to a narrow table beside it, ``lead_scores``; the lead keeps what explains them.

Decay moves every lead's score every night, so a nightly rescoring rewrites every lead's scores. In the
``leads`` row (about 700 bytes, most of them the engagement state and the reasons) that rewrote every
page of the widest table, and most of a rescoring's time was SQLite doing so. ``lead_scores`` holds the
four values that change (fit, engagement, combined, scored at: about 40 bytes a lead); the state, the
reasons and the moment the state is referenced to stay on the lead, rewritten only when they change.
``leads.engagement_digest`` says which touchpoints and rules a state counts
(``domain.scoring.state_digest``), so that a rescoring can tell a state that only decayed from one that
changed without reading it. Rows already scored are copied across; their digest is left empty, so the
next rescoring writes each once more.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 23:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import revbridge.store.tables

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOVED = ("fit_score", "engagement_score", "score", "scored_at")


def upgrade() -> None:
    op.create_table(
        "lead_scores",
        sa.Column("lead_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("fit_score", sa.Double(), nullable=False),
        sa.Column("engagement_score", sa.Double(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("scored_at", revbridge.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name=op.f("fk_lead_scores_lead_id_leads")),
        sa.PrimaryKeyConstraint("lead_id", name=op.f("pk_lead_scores")),
    )
    op.execute(
        "INSERT INTO lead_scores (lead_id, fit_score, engagement_score, score, scored_at) "
        "SELECT id, fit_score, engagement_score, score, scored_at FROM leads WHERE scored_at IS NOT NULL"
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("engagement_digest", sa.BigInteger(), nullable=True))
        for name in MOVED:
            batch_op.drop_column(name)


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fit_score", sa.Double(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("engagement_score", sa.Double(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("score", sa.Double(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("scored_at", revbridge.store.tables.UtcDateTime(timezone=True), nullable=True))
        batch_op.drop_column("engagement_digest")
    for name in MOVED:
        op.execute(
            f"UPDATE leads SET {name} = (SELECT s.{name} FROM lead_scores s WHERE s.lead_id = leads.id) "
            "WHERE id IN (SELECT lead_id FROM lead_scores)"
        )
    op.drop_table("lead_scores")
