"""Ticking the SLA clocks: every obligation past its deadline is marked breached and escalated, once.

``tick`` claims due obligations in batches. On PostgreSQL it locks them with ``FOR UPDATE SKIP LOCKED``,
so two ticks running at once share the work and never escalate the same breach twice; on SQLite the
write lock taken up front does the same. Each obligation is handled inside a savepoint: one that fails
(a lead changed under it, a bad row) is counted and left for the next tick, and the others go on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from revbridge.domain.errors import RevBridgeError
from revbridge.domain.lifecycle import MQL, Breached, Decision, LeadState, OpenObligation, decide
from revbridge.services.breaches import breach_batch
from revbridge.services.contract import Contract, contract_at
from revbridge.services.lifecycle import Outcome, persist, read_state
from revbridge.services.memory import pausing_cycle_collection
from revbridge.services.people import People
from revbridge.store import clock_queries as queries
from revbridge.store.engine import writing

log = logging.getLogger(__name__)


@dataclass
class TickCounts:
    due: int = 0  # obligations past their deadline that this tick claimed
    breached: int = 0
    escalated: int = 0
    notifications: int = 0
    failed: int = 0  # left for the next tick; see the log
    routed: int = 0  # MQLs nobody could take when they qualified, handed out now

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def tick(
    engine: Engine, *, now: datetime, contract: Contract | None = None, batch: int = 10_000, limit: int | None = None
) -> TickCounts:
    """Handle every obligation due by ``now`` (at most ``limit``); safe to run from several processes."""
    contract = contract or contract_at(engine, now)
    counts = TickCounts()
    people: People | None = None  # read once, kept current as leads are reassigned
    with pausing_cycle_collection():  # a batch holds thousands of rows: see services/memory.py
        while limit is None or counts.due < limit:
            size = batch if limit is None else min(batch, limit - counts.due)
            with writing(engine).begin() as conn:
                claimed = queries.claim_due(conn, now, size)
                if claimed:
                    people = people or People.load(conn)
                    if not _handle_batch(conn, claimed, contract, now, counts, people):
                        people = None  # its assignments were rolled back: read the people again
            if len(claimed) < size:
                break
    with writing(engine).begin() as conn:
        _route_waiting(conn, contract, now, counts)
    return counts


def _route_waiting(conn: Connection, contract: Contract, now: datetime, counts: TickCounts, limit: int = 1000) -> None:
    """MQLs that found nobody when they qualified (everyone away or full) get an owner as soon as one can
    take them; the wait shows as routing delay in speed-to-lead."""
    waiting = queries.claim_unrouted(conn, MQL, limit)
    if not waiting:
        return
    people = People.load(conn)
    for lead_id in waiting:
        state = read_state(conn, lead_id)
        outcome = persist(conn, state, Decision(route=True), contract, at=now, people=people)
        if outcome.owner_id is None:
            break  # nobody can take a lead now: the rest wait for the next tick
        queries.give_open_clocks_to(conn, lead_id, outcome.owner_id)
        counts.routed += 1
        counts.notifications += outcome.notifications


def _handle_batch(
    conn: Connection,
    claimed: Sequence[queries.DueClock],
    contract: Contract,
    now: datetime,
    counts: TickCounts,
    people: People,
) -> bool:
    """The whole batch in set-based writes; should any row in it be bad, one by one, each in a savepoint,
    so that the bad one is counted and left and the others are handled. False in that second case."""
    savepoint = conn.begin_nested()
    try:
        result = breach_batch(conn, claimed, contract, now, people)
        savepoint.commit()
    except (RevBridgeError, sa.exc.SQLAlchemyError, ValueError, KeyError) as exc:
        savepoint.rollback()
        log.warning("a batch of %d obligations failed (%s); handling them one by one", len(claimed), exc)
        for clock in claimed:
            _handle_one(conn, clock.id, clock.lead_id, contract, now, counts)
        return False
    counts.due += len(claimed)
    counts.breached += result.breached
    counts.escalated += result.escalated
    counts.notifications += result.notifications
    return True


def _handle_one(
    conn: Connection, obligation_id: int, lead_id: int, contract: Contract, now: datetime, counts: TickCounts
) -> None:
    counts.due += 1
    savepoint = conn.begin_nested()
    try:
        state = read_state(conn, lead_id)
        obligation = next((o for o in state.open_obligations if o.id == obligation_id), None)
        if obligation is None:  # met or closed since it was claimed
            savepoint.rollback()
            return
        outcome = _breach(conn, state, obligation, contract, now, People.load(conn))
        savepoint.commit()
    except (RevBridgeError, sa.exc.SQLAlchemyError, ValueError, KeyError) as exc:
        savepoint.rollback()
        counts.failed += 1
        log.warning("obligation %s of lead %s left for the next tick: %s", obligation_id, lead_id, exc)
        return
    counts.breached += 1
    counts.escalated += int(outcome.decision.escalate is not None)
    counts.notifications += outcome.notifications


def _breach(
    conn: Connection, state: LeadState, obligation: OpenObligation, contract: Contract, now: datetime, people: People
) -> Outcome:
    decision = decide(state, Breached(obligation, now), contract.sla, contract.clock)
    return persist(conn, state, decision, contract, at=now, people=people)
