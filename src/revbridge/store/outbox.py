"""The outbox: notifications written in the deciding transaction, delivered later by a sender, at least once.

A row is *pending* while ``delivered_at`` is null and *due* once ``next_attempt_at`` has come. Claiming due
rows takes a lease on them (``next_attempt_at`` moves to the end of the lease) so that no other sender picks
them up while they are being sent; a sender that dies mid-batch loses nothing, its rows come due again when the
lease runs out. On PostgreSQL concurrent claims skip each other's rows (``FOR UPDATE SKIP LOCKED``); on SQLite
the claim runs in a ``writing()`` transaction, which already serialises writers.

A row given up on stays in the table, undelivered, with ``next_attempt_at`` at :data:`GAVE_UP_AT` and
``last_error`` starting with ``gave up``. Every recorded error ends with the time it happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.domain.notifications import Notification
from revbridge.store.repositories import chunks, insert_ignoring_conflicts
from revbridge.store.tables import OutboxRow, table_of

DEFAULT_LEASE = timedelta(minutes=5)
GAVE_UP_AT = datetime(9999, 1, 1, tzinfo=UTC)  # never due: a row given up on waits for a person
MAX_ERROR_CHARS = 1000


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A claimed outbox row: enough to send it and to record the outcome."""

    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    attempts: int  # finished attempts before this one
    created_at: datetime


def enqueue(conn: Connection, notification: Notification, now: datetime) -> bool:
    """Add ``notification`` in the caller's transaction, due at once; False if its key is already stored."""
    values = {
        "kind": notification.kind,
        "idempotency_key": notification.key,
        "payload": notification.payload,
        "created_at": now,
        "next_attempt_at": now,
        "attempts": 0,
    }
    table = table_of(OutboxRow)
    inserted = conn.execute(insert_ignoring_conflicts(conn, table).returning(table.c.id), values).first()
    return inserted is not None  # rowcount is -1 on PostgreSQL once RETURNING is involved


def enqueue_all(conn: Connection, notifications: Sequence[Notification], now: datetime) -> int:
    """Add the notifications whose key is not stored yet, in the caller's transaction; returns how many."""
    if not notifications:
        return 0
    table = table_of(OutboxRow)
    known: set[str] = set()
    for part in chunks([n.key for n in notifications], 500):
        known.update(
            conn.execute(sa.select(table.c.idempotency_key).where(table.c.idempotency_key.in_(part))).scalars()
        )
    rows: list[dict[str, Any]] = [
        {
            "kind": n.kind,
            "idempotency_key": n.key,
            "payload": n.payload,
            "created_at": now,
            "next_attempt_at": now,
            "attempts": 0,
        }
        for n in notifications
        if n.key not in known
    ]
    if rows:
        conn.execute(insert_ignoring_conflicts(conn, table), rows)
    return len(rows)


def claim_due(conn: Connection, now: datetime, limit: int, *, lease: timedelta = DEFAULT_LEASE) -> list[OutboxMessage]:
    """Up to ``limit`` due rows, oldest first, leased until ``now + lease``.

    Call it in a write transaction (``writing(engine).begin()``) and commit before sending, so that the lease
    is visible to other senders and no lock is held during the HTTP calls.
    """
    query = (
        sa.select(
            OutboxRow.id,
            OutboxRow.kind,
            OutboxRow.idempotency_key,
            OutboxRow.payload,
            OutboxRow.attempts,
            OutboxRow.created_at,
        )
        .where(OutboxRow.delivered_at.is_(None), OutboxRow.next_attempt_at <= now)
        .order_by(OutboxRow.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = [
        OutboxMessage(row.id, row.kind, row.idempotency_key, row.payload, row.attempts, row.created_at)
        for row in conn.execute(query)
    ]
    if claimed:
        ids = [message.id for message in claimed]
        conn.execute(sa.update(OutboxRow).where(OutboxRow.id.in_(ids)).values(next_attempt_at=now + lease))
    return claimed


def mark_delivered(conn: Connection, id: int, now: datetime) -> None:
    """Record a successful attempt. A row another sender delivered meanwhile keeps its first delivery time."""
    conn.execute(
        sa.update(OutboxRow)
        .where(OutboxRow.id == id, OutboxRow.delivered_at.is_(None))
        .values(delivered_at=now, attempts=OutboxRow.attempts + 1)
    )


def mark_failed(conn: Connection, id: int, now: datetime, error: str, next_attempt_at: datetime) -> None:
    """Record a failed attempt and when to try again (:data:`GAVE_UP_AT` for never)."""
    _record(conn, id, _stamped(now, error), next_attempt_at, count_attempt=True)


def postpone(conn: Connection, id: int, now: datetime, reason: str, next_attempt_at: datetime) -> None:
    """Put a row back to wait without counting an attempt: nothing was tried (e.g. no destination)."""
    _record(conn, id, _stamped(now, reason), next_attempt_at, count_attempt=False)


def _record(conn: Connection, id: int, error: str, next_attempt_at: datetime, *, count_attempt: bool) -> None:
    values: dict[str, Any] = {"last_error": error, "next_attempt_at": next_attempt_at}
    if count_attempt:
        values["attempts"] = OutboxRow.attempts + 1
    conn.execute(sa.update(OutboxRow).where(OutboxRow.id == id, OutboxRow.delivered_at.is_(None)).values(values))


def _stamped(now: datetime, error: str) -> str:
    """The error, cut to a readable length, and when it happened: ``webhook answered 500: … (at …Z)``."""
    stamp = f" (at {now.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ})"
    room = MAX_ERROR_CHARS - len(stamp)
    text = error if len(error) <= room else error[: room - 1] + "…"
    return text + stamp
