"""The audit log's rows: written one per write request, read newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.store.engine import writing
from revbridge.store.tables import AuditRow, UserRow, table_of

AUDIT = table_of(AuditRow)
USERS = table_of(UserRow)


def user_id(engine: Engine, email: str) -> int | None:
    """The id of the person with this e-mail (any case), or None."""
    query = sa.select(USERS.c.id).where(sa.func.lower(USERS.c.email) == email.strip().lower())
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def insert_entry(engine: Engine, entry: dict[str, Any]) -> None:
    with writing(engine).begin() as conn:
        conn.execute(sa.insert(AUDIT).values(**entry))


def entries(
    engine: Engine,
    *,
    limit: int,
    before_id: int | None = None,
    email: str | None = None,
    since: datetime | None = None,
) -> list[dict[str, Any]]:
    """The newest ``limit`` entries (before ``before_id``, to page on), with the person's e-mail."""
    query = (
        sa.select(AUDIT, USERS.c.email)
        .outerjoin(USERS, USERS.c.id == AUDIT.c.user_id)
        .order_by(AUDIT.c.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(AUDIT.c.id < before_id)
    if email is not None:
        query = query.where(sa.func.lower(USERS.c.email) == email.strip().lower())
    if since is not None:
        query = query.where(AUDIT.c.at >= since)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
