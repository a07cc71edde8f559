"""Breaching a batch of overdue obligations at once: the lifecycle's decisions, written set by set.

A tick claims due obligations a few thousand at a time. Each still goes through ``domain.lifecycle.decide``
(the one place that says what a breach does), and ``persist_all`` writes them all, one statement per kind
of change for the whole batch (close, escalate, reassign, open a fresh clock, notify), not a dozen
statements per obligation.
The claimed obligations are locked by the claim, the leads of the batch when they are read (``FOR UPDATE``
on PostgreSQL; SQLite's write lock is already held), so no one else can change them between the reading
and the writing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.engine import Connection

from revbridge.domain.lifecycle import Breached, Decision, LeadState, OpenObligation, decide
from revbridge.services.contract import Contract
from revbridge.services.lifecycle_batch import persist_all
from revbridge.services.people import People
from revbridge.store.lifecycle_queries import read_lead_states


@dataclass
class BatchResult:
    breached: int = 0
    escalated: int = 0
    notifications: int = 0
    skipped: list[int] = field(default_factory=list)  # obligations met or closed since they were claimed


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
    decided: list[tuple[LeadState, Decision]] = []
    for lead_id, obligation in claimed:
        state = states.get(lead_id)
        if state is None:  # deleted since the clock was claimed
            result.skipped.append(obligation.id)
            continue
        decision = decide(state, Breached(obligation, now), contract.sla, contract.clock)
        decided.append((state, decision))
        if len(clocks[lead_id]) > 1:  # the lead's next claimed obligation sees this one closed
            closed = {c.obligation_id for c in decision.close}
            states[lead_id] = replace(
                state, open_obligations=tuple(o for o in state.open_obligations if o.id not in closed)
            )
    if not decided:
        return result
    persisted = persist_all(conn, decided, contract, at=now, people=people)
    result.breached = len(decided)
    result.escalated = sum(1 for _, d in decided if d.escalate is not None)
    result.notifications = persisted.notifications
    return result
