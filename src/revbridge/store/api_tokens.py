"""The API tokens' rows: made, found by digest with their person, listed, revoked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.store.engine import writing
from revbridge.store.tables import ApiTokenRow, UserRow, table_of

TOKENS = table_of(ApiTokenRow)
USERS = table_of(UserRow)


def insert_token(engine: Engine, user_id: int, name: str, digest: str, scopes: str) -> int:
    with writing(engine).begin() as conn:
        query = sa.insert(TOKENS).values(user_id=user_id, name=name, digest=digest, scopes=scopes)
        return int(conn.execute(query.returning(TOKENS.c.id)).scalar_one())


def token_by_digest(engine: Engine, digest: str) -> dict[str, Any] | None:
    """The live (not revoked) token of ``digest`` with its person's id, e-mail, role and activity."""
    query = (
        sa.select(TOKENS.c.scopes, USERS.c.id, USERS.c.email, USERS.c.role, USERS.c.active)
        .join(USERS, USERS.c.id == TOKENS.c.user_id)
        .where(TOKENS.c.digest == digest, TOKENS.c.revoked_at.is_(None))
    )
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row is not None else None


def token_rows(engine: Engine) -> list[dict[str, Any]]:
    query = (
        sa.select(TOKENS.c.id, TOKENS.c.name, TOKENS.c.scopes, TOKENS.c.created_at, TOKENS.c.revoked_at, USERS.c.email)
        .join(USERS, USERS.c.id == TOKENS.c.user_id)
        .order_by(TOKENS.c.id)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def revoke(engine: Engine, token_id: int, at: datetime) -> bool:
    """Revoke a live token; whether there was one."""
    with writing(engine).begin() as conn:
        query = sa.update(TOKENS).where(TOKENS.c.id == token_id, TOKENS.c.revoked_at.is_(None)).values(revoked_at=at)
        return bool(conn.execute(query).rowcount)
