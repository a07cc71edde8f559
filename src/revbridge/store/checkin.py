"""The weekly check-in's rows (``checkin_entries``): decisions and sign-offs of a week, with their people."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.store.tables import CheckinEntryRow, UserRow, table_of

ENTRIES = table_of(CheckinEntryRow)
USERS = table_of(UserRow)


def person(conn: Connection, user_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    """The person ``user_id`` (email, name, role, title, active). ``lock`` holds their row to the end of
    the transaction (PostgreSQL; SQLite's writer holds the whole database), so that two of one person's
    sign-offs of a week take turns."""
    query = sa.select(USERS.c.email, USERS.c.name, USERS.c.role, USERS.c.title, USERS.c.active).where(
        USERS.c.id == user_id
    )
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row is not None else None


def insert_entry(conn: Connection, *, week: str, kind: str, user_id: int, text: str, at: datetime) -> int:
    values = {"week": week, "kind": kind, "user_id": user_id, "text": text, "at": at}
    return int(conn.execute(sa.insert(ENTRIES).values(values).returning(ENTRIES.c.id)).scalar_one())


def update_sign_off(conn: Connection, *, week: str, user_id: int, text: str, at: datetime) -> int | None:
    """Replace the person's sign-off of ``week``; its id, or None when they had not signed it."""
    query = (
        sa.update(ENTRIES)
        .where(ENTRIES.c.week == week, ENTRIES.c.kind == "signoff", ENTRIES.c.user_id == user_id)
        .values(text=text, at=at)
        .returning(ENTRIES.c.id)
    )
    found = conn.execute(query).scalars().first()
    return int(found) if found is not None else None


def entries_of_week(conn: Connection, week: str) -> list[dict[str, Any]]:
    """The week's entries with their people, in the order they were written."""
    query = (
        sa.select(
            ENTRIES.c.id,
            ENTRIES.c.week,
            ENTRIES.c.kind,
            ENTRIES.c.user_id,
            ENTRIES.c.text,
            ENTRIES.c.at,
            USERS.c.email,
            USERS.c.name,
            USERS.c.role,
            USERS.c.title,
            USERS.c.active,
        )
        .join(USERS, USERS.c.id == ENTRIES.c.user_id)
        .where(ENTRIES.c.week == week)
        .order_by(ENTRIES.c.at, ENTRIES.c.id)
    )
    return [dict(row) for row in conn.execute(query).mappings()]
