"""The predictive score: trained models, and each lead's probability, reasons and the model that gave them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import revbridge.store.tables

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "predictive_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("trained_until", revbridge.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("description", JSON, nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("created_at", revbridge.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_predictive_models")),
        sa.UniqueConstraint("version", name=op.f("uq_predictive_models_version")),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("predicted_reasons", JSON, nullable=True))
        batch_op.add_column(sa.Column("predicted_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("predicted_at", revbridge.store.tables.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("predicted_at")
        batch_op.drop_column("predicted_version")
        batch_op.drop_column("predicted_reasons")
    op.drop_table("predictive_models")
