"""Deliver the outbox to chat webhooks, at least once.

Decisions write their notifications to the outbox in their own transaction (``store.outbox.enqueue``), so a
crash after the decision commits loses nothing. :func:`deliver_due` then works in three short steps:

1. claim due rows in a write transaction, which leases them for five minutes, and commit;
2. send each one, with no transaction open (HTTP calls never hold a database lock);
3. record each outcome in its own transaction: delivered, or failed and when to try again.

A crash between 2 and 3 means the message is sent again when the lease runs out, with the same idempotency
key, so receivers can drop the copy: delivery is at least once, never at most once. A batch stops starting new
sends after four minutes so that every send it starts ends inside the lease (keep the sender's timeout well
under a minute); the rows it did not reach come due again when their lease runs out.

Retries back off exponentially: 30 s after the first failure, doubling each time, at most an hour apart.
After ``max_attempts`` failed attempts, or at once for a failure sending again cannot fix (the receiver
answered 400, 403, 404, 410 …), the row is given up on: it stays undelivered with ``next_attempt_at`` at
``store.outbox.GAVE_UP_AT`` and ``last_error`` reading ``gave up after N attempt(s): …``. A row whose kind has
no webhook URL is not an attempt: it waits five minutes and is tried again, without counting.

Whatever one row does (a rejected payload, a sender raising anything) is recorded on that row, and the batch
goes on. Database errors are not a row's fault: they propagate, and the leased rows come due again later.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.engine import Engine

from revbridge.connectors.webhook import DEFAULT_TIMEOUT, post_json
from revbridge.domain.errors import DeliveryFailed
from revbridge.store import outbox
from revbridge.store.engine import writing

Sender = Callable[[str, dict[str, Any], str], None]
"""Sends one message: ``send(kind, payload, idempotency_key)``; raises to report a failure."""

Outcome = Literal["delivered", "failed", "gave_up", "unrouted"]

BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
UNROUTED_DELAY = timedelta(minutes=5)
LEASE = outbox.DEFAULT_LEASE
SEND_BUDGET = timedelta(minutes=4)  # leaves a minute of the lease for the last send to finish


class NoDestination(DeliveryFailed):
    """No webhook URL is configured for this kind of notification: the message waits, nothing is tried."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(f"no webhook URL for {kind!r} notifications; set REVBRIDGE_WEBHOOK_URL")


@dataclass(frozen=True, slots=True)
class DeliveryCounts:
    """What one :func:`deliver_due` run did with the rows it claimed."""

    delivered: int = 0
    failed: int = 0  # will be tried again
    gave_up: int = 0
    unrouted: int = 0  # no URL for their kind: waiting, not counted as attempts


def retry_delay(failures: int) -> timedelta:
    """How long to wait after the ``failures``-th failed attempt: 30 s, 1 min, 2 min … at most an hour."""
    doublings = min(max(failures - 1, 0), 16)  # bounded: past the cap anyway, and timedelta would overflow
    return min(BASE_DELAY * (1 << doublings), MAX_DELAY)


def deliver_due(
    engine: Engine, *, now: datetime, send: Sender, limit: int = 100, max_attempts: int = 8
) -> DeliveryCounts:
    """Send up to ``limit`` due outbox rows, oldest first, and record each outcome."""
    with writing(engine).begin() as conn:
        batch = outbox.claim_due(conn, now, limit, lease=LEASE)
    stop_at = time.monotonic() + SEND_BUDGET.total_seconds()
    counts: dict[Outcome, int] = {"delivered": 0, "failed": 0, "gave_up": 0, "unrouted": 0}
    for message in batch:
        if time.monotonic() > stop_at:
            break  # the rest come due again when their lease runs out
        counts[_deliver(engine, message, now=now, send=send, max_attempts=max_attempts)] += 1
    return DeliveryCounts(**counts)


def webhook_sender(url_for_kind: Callable[[str], str | None], *, timeout: float = DEFAULT_TIMEOUT) -> Sender:
    """A :data:`Sender` posting to the URL for each kind (e.g. ``lambda _: settings.webhook_url``)."""

    def send(kind: str, payload: dict[str, Any], key: str) -> None:
        url = url_for_kind(kind)
        if not url:
            raise NoDestination(kind)
        post_json(url, payload, key, timeout)

    return send


def _deliver(
    engine: Engine, message: outbox.OutboxMessage, *, now: datetime, send: Sender, max_attempts: int
) -> Outcome:
    try:
        send(message.kind, message.payload, message.key)
    except NoDestination as exc:
        with writing(engine).begin() as conn:
            outbox.postpone(conn, message.id, now, str(exc), now + UNROUTED_DELAY)
        return "unrouted"
    except Exception as exc:  # one bad row never stops the batch: record it and go on
        return _record_failure(engine, message, exc, now=now, max_attempts=max_attempts)
    with writing(engine).begin() as conn:
        outbox.mark_delivered(conn, message.id, now)
    return "delivered"


def _record_failure(
    engine: Engine, message: outbox.OutboxMessage, exc: Exception, *, now: datetime, max_attempts: int
) -> Outcome:
    failures = message.attempts + 1
    error = str(exc) if isinstance(exc, DeliveryFailed) else f"{type(exc).__name__}: {exc}"
    permanent = isinstance(exc, DeliveryFailed) and exc.permanent
    outcome: Outcome = "gave_up" if permanent or failures >= max_attempts else "failed"
    if outcome == "gave_up":
        why = " (permanent error)" if permanent else ""
        error, retry_at = f"gave up after {failures} attempt(s){why}: {error}", outbox.GAVE_UP_AT
    else:
        retry_at = now + retry_delay(failures)
    with writing(engine).begin() as conn:
        outbox.mark_failed(conn, message.id, now, error, retry_at)
    return outcome
