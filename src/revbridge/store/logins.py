"""People's password hashes and their browsers' sessions: the rows, found by e-mail or by digest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.store.engine import writing
from revbridge.store.tables import TeamRow, UserRow, WebSessionRow, table_of

USERS = table_of(UserRow)
TEAMS = table_of(TeamRow)
SESSIONS = table_of(WebSessionRow)


def credentials(engine: Engine, email: str) -> dict[str, Any] | None:
    """The person with this e-mail (any case): id, email, role, active and password hash."""
    query = sa.select(USERS.c.id, USERS.c.email, USERS.c.role, USERS.c.active, USERS.c.password_hash).where(
        sa.func.lower(USERS.c.email) == email.strip().lower()
    )
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row is not None else None


def set_password_hash(engine: Engine, user_id: int, password_hash: str | None) -> None:
    with writing(engine).begin() as conn:
        conn.execute(sa.update(USERS).where(USERS.c.id == user_id).values(password_hash=password_hash))


def insert_session(engine: Engine, user_id: int, digest: str, csrf: str, expires_at: datetime) -> None:
    with writing(engine).begin() as conn:
        values = {"user_id": user_id, "digest": digest, "csrf": csrf, "expires_at": expires_at}
        conn.execute(sa.insert(SESSIONS).values(**values))


def live_session(engine: Engine, digest: str, now: datetime) -> dict[str, Any] | None:
    """The live session of ``digest`` (not ended, not expired) with its person and their team."""
    query = (
        sa.select(
            SESSIONS.c.csrf,
            USERS.c.id,
            USERS.c.email,
            USERS.c.name,
            USERS.c.role,
            USERS.c.title,
            USERS.c.active,
            TEAMS.c.name.label("team"),
        )
        .join(USERS, USERS.c.id == SESSIONS.c.user_id)
        .outerjoin(TEAMS, TEAMS.c.id == USERS.c.team_id)
        .where(SESSIONS.c.digest == digest, SESSIONS.c.ended_at.is_(None), SESSIONS.c.expires_at > now)
    )
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row is not None else None


def end_sessions(engine: Engine, now: datetime, *, digest: str | None = None, user_id: int | None = None) -> int:
    """End one session (by digest) or every live session of a person; how many ended."""
    query = sa.update(SESSIONS).where(SESSIONS.c.ended_at.is_(None)).values(ended_at=now)
    if digest is not None:
        query = query.where(SESSIONS.c.digest == digest)
    if user_id is not None:
        query = query.where(SESSIONS.c.user_id == user_id)
    with writing(engine).begin() as conn:
        return int(conn.execute(query).rowcount)
