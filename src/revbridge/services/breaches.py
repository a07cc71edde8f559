"""Breaching a batch of overdue obligations at once: the lifecycle's decisions, written set by set.

A tick claims due obligations a few thousand at a time. ``domain.lifecycle.breach_all`` decides them
(what ``decide`` says of each breach, worked out once per kind of clock), and ``persist_all`` writes them
all, one statement per kind of change for the whole batch (close, escalate, reassign, open a fresh clock,
notify), not a dozen statements per obligation.
The claimed obligations are locked by the claim, the leads of the batch when they are read (``FOR UPDATE``
on PostgreSQL; SQLite's write lock is already held), so no one else can change them between the reading
and the writing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Connection

from revbridge.domain.lifecycle import Decision, LeadState, OpenObligation, breach_all
from revbridge.services.contract import Contract
from revbridge.services.lifecycle_batch import persist_all
from revbridge.services.people import People
from revbridge.store.lifecycle_queries import read_lead_states


@dataclass
class BatchResult:
    breached: int = 0
    escalated: int = 0
    notifications: int = 0
    skipped: list[int] = field(default_factory=list)  # obligations of leads deleted since they were claimed


def breach_batch(
    conn: Connection,
    claimed: Sequence[tuple[int, OpenObligation]],
    contract: Contract,
    now: datetime,
    people: People,
) -> BatchResult:
    """Breach the claimed (lead id, obligation) pairs, in the caller's transaction. The claim locked them,
    so they are still open; each lead is read with its claimed clocks, all a breach decides on."""
    result = BatchResult()
    clocks: dict[int, list[OpenObligation]] = {}
    for lead_id, obligation in claimed:
        clocks.setdefault(lead_id, []).append(obligation)
    states = read_lead_states(conn, clocks, lock=True)
    kept = [(states[lead_id], obligation) for lead_id, obligation in claimed if lead_id in states]
    result.skipped = [o.id for lead_id, o in claimed if lead_id not in states]  # leads deleted meanwhile
    decisions = breach_all([o for _, o in kept], now, contract.sla, contract.clock)
    decided: list[tuple[LeadState, Decision]] = [(state, d) for (state, _), d in zip(kept, decisions, strict=True)]
    if not decided:
        return result
    persisted = persist_all(conn, decided, contract, at=now, people=people)
    result.breached = len(decided)
    result.escalated = sum(1 for _, d in decided if d.escalate is not None)
    result.notifications = persisted.notifications
    return result
