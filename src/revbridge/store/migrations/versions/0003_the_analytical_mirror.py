"""The analytical mirror: the event tables record the order their rows arrived in.

On PostgreSQL ``seq`` is filled from a sequence by default, so COPY and INSERT need not name it; rows
already there are numbered in their physical order. SQLite keeps it empty: its ``rowid`` already is that
order.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("touchpoints", "activities")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        op.add_column(table, sa.Column("seq", sa.BigInteger(), nullable=True))
        if postgres:
            op.execute(f"CREATE SEQUENCE {table}_seq_seq OWNED BY {table}.seq")
            op.execute(f"UPDATE {table} SET seq = nextval('{table}_seq_seq')")
            op.execute(f"ALTER TABLE {table} ALTER COLUMN seq SET DEFAULT nextval('{table}_seq_seq')")


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("seq")
