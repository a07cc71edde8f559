"""The worker: score new touchpoints, tick the SLA clocks and deliver the outbox, round after round, and
never die of one bad round.

A round (:func:`run_once`) first scores the touchpoints that arrived since the last round through the API
or an import (``services.scoring_new.score_new_touchpoints``, up to ``MAX_SCORE_BATCHES`` batches: a
large import drains over several rounds), so that a lead they qualify is handed to sales, routed and
notified in this round. It then ticks every clock due by now (``services.clocks.tick``: breaches marked,
escalated and notified, once) and delivers due notifications (``services.notifications.deliver_due``,
batch after batch until the outbox has no more due or a batch is cut short). The steps are independent:
a step that fails (no SLA in force yet, the database away for a moment) does not keep the others from
running, and the round reports what failed instead of raising.

:func:`run` repeats rounds every ``interval`` seconds until ``stop`` is set. Anything a round raises is
logged and the loop sleeps and goes on; a bad row never gets that far, since tick and delivery skip it
themselves and leave it for later. Rounds are safe to run from several workers at once: both steps claim
their rows (SKIP LOCKED on PostgreSQL, leases on the outbox).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Engine

from revbridge.domain.errors import RevBridgeError
from revbridge.services.clocks import TickCounts, tick
from revbridge.services.contract import contract_at
from revbridge.services.notifications import DeliveryCounts, Sender, deliver_due
from revbridge.services.scoring_new import DEFAULT_BATCH, NewScores, score_new_touchpoints

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_INTERVAL = 30.0  # seconds between the starts of two rounds
DELIVERY_BATCH = 100
MAX_DELIVERY_BATCHES = 10  # per round: a backlog drains over several rounds, and the clocks keep ticking
MAX_SCORE_BATCHES = 5  # of DEFAULT_BATCH arrivals a round (11-17 s here), for the same reason


@dataclass(frozen=True, slots=True)
class RoundReport:
    """What one round did, and what failed in it."""

    at: datetime
    tick: TickCounts | None = None  # None when the tick failed
    delivery: DeliveryCounts | None = None  # None when delivery failed
    errors: tuple[str, ...] = field(default=())
    seconds: float = 0.0
    scored: NewScores | None = None  # None when scoring new touchpoints failed

    def as_dict(self) -> dict[str, Any]:
        tick = self.tick.as_dict() if self.tick else {}
        delivery = self.delivery or DeliveryCounts()
        scored = self.scored or NewScores()
        return {
            "at": self.at,
            "due": tick.get("due", 0),
            "breached": tick.get("breached", 0),
            "escalated": tick.get("escalated", 0),
            "notifications_written": tick.get("notifications", 0),
            "tick_failed_rows": tick.get("failed", 0),
            "delivered": delivery.delivered,
            "delivery_failed": delivery.failed,
            "gave_up": delivery.gave_up,
            "unrouted": delivery.unrouted,
            "touchpoints_scored": scored.touchpoints,
            "leads_scored": scored.leads,
            "mqls_handed_off": scored.qualified + scored.recycled,
            "errors": "; ".join(self.errors),
            "seconds": round(self.seconds, 3),
        }

    def line(self) -> str:
        """One log line: the counts, and the errors if any."""
        data = self.as_dict()
        counts = ", ".join(
            f"{k.replace('_', ' ')} {v}" for k, v in data.items() if k not in ("at", "errors", "seconds")
        )
        errors = f"; errors: {data['errors']}" if self.errors else ""
        return f"round at {self.at.isoformat()}: {counts} ({data['seconds']}s){errors}"


def run_once(engine: Engine, *, now: datetime, send: Sender) -> RoundReport:
    """One round: score the new touchpoints, tick the clocks due by ``now``, then deliver what is due;
    each step's failure is reported."""
    started = time.monotonic()
    errors: list[str] = []
    scored = _step("scoring", lambda: _score_new(engine, now), errors)
    ticked = _step("tick", lambda: tick(engine, now=now), errors)
    delivered = _step("delivery", lambda: _deliver_all(engine, now, send), errors)
    return RoundReport(now, ticked, delivered, tuple(errors), time.monotonic() - started, scored)


def _score_new(engine: Engine, now: datetime) -> NewScores:
    contract = contract_at(engine, now)
    return score_new_touchpoints(engine, contract, now, limit=DEFAULT_BATCH, max_batches=MAX_SCORE_BATCHES)


def run(
    engine: Engine,
    *,
    send: Sender,
    interval: float = DEFAULT_INTERVAL,
    stop: threading.Event | None = None,
    rounds: int | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_round: Callable[[RoundReport], None] | None = None,
) -> int:
    """Run rounds every ``interval`` seconds until ``stop`` is set (or ``rounds`` have run); returns how
    many ran. A round that raises is logged and the loop goes on; KeyboardInterrupt ends it at once."""
    stop = stop or threading.Event()
    done = 0
    while not stop.is_set() and (rounds is None or done < rounds):
        started = time.monotonic()
        try:
            report = run_once(engine, now=clock(), send=send)
            log.log(logging.WARNING if report.errors else logging.INFO, report.line())
            if on_round is not None:
                on_round(report)
        except Exception:  # a round never kills the worker: log it, sleep, go on
            log.exception("worker round failed; next round in %.0f s", interval)
        done += 1
        if rounds is not None and done >= rounds:
            break
        stop.wait(max(0.0, interval - (time.monotonic() - started)))
    return done


def _step(name: str, work: Callable[[], T], errors: list[str]) -> T | None:
    try:
        return work()
    except RevBridgeError as exc:  # expected (no SLA in force yet …): the message says what to do
        log.warning("%s skipped: %s", name, exc)
        errors.append(f"{name}: {exc}")
    except Exception as exc:
        log.exception("%s failed", name)
        errors.append(f"{name}: {type(exc).__name__}: {exc}")
    return None


def _deliver_all(engine: Engine, now: datetime, send: Sender) -> DeliveryCounts:
    total = DeliveryCounts()
    for _ in range(MAX_DELIVERY_BATCHES):
        batch = deliver_due(engine, now=now, send=send, limit=DELIVERY_BATCH)
        total = DeliveryCounts(
            total.delivered + batch.delivered,
            total.failed + batch.failed,
            total.gave_up + batch.gave_up,
            total.unrouted + batch.unrouted,
        )
        if batch.delivered + batch.failed + batch.gave_up + batch.unrouted < DELIVERY_BATCH:
            break  # the outbox has nothing more due, or the batch ran out of time
    return total
