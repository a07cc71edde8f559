"""Applying the SLA to one lead: each event's decision persisted in one transaction.

``handle(engine, lead_id, make_event)`` reads the lead and its open clocks, asks ``domain.lifecycle.decide``
what the event does, and writes all of it at once (``services.lifecycle_batch.persist_all``, a batch of
one): the lead's new stage (only if its version has not moved since it was read, else ``StaleLead``), the
transition with the SLA version that made it, the clocks opened and closed, the routing of a new MQL with
the reason that person was chosen, the verdict, and the notifications, in the outbox. A refused event
raises before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from revbridge.domain.errors import LeadNotFound
from revbridge.domain.lifecycle import Decision, Event, LeadState, decide
from revbridge.services.contract import Contract
from revbridge.services.lifecycle_batch import Outcome, persist_all
from revbridge.services.people import People
from revbridge.store import lifecycle_writes as writes
from revbridge.store.engine import writing
from revbridge.store.lifecycle_queries import read_states

__all__ = ["Contract", "Outcome", "handle", "persist", "read_state"]


def read_state(conn: Connection, lead_id: int) -> LeadState:
    states = read_states(conn, [lead_id], lock=False)
    if lead_id not in states:
        raise LeadNotFound(lead_id)
    return states[lead_id]


def handle(
    engine: Engine,
    lead_id: int,
    make_event: Callable[[LeadState], Event],
    contract: Contract,
    *,
    feedback: dict[str, Any] | None = None,
    people: People | None = None,
) -> Outcome:
    """Decide and persist one event for one lead, in one transaction. A caller handling many leads passes
    one ``people`` for all of them."""
    with writing(engine).begin() as conn:
        state = read_state(conn, lead_id)
        event = make_event(state)
        decision = decide(state, event, contract.sla, contract.clock)
        return persist(conn, state, decision, contract, at=_moment(event), feedback=feedback, people=people)


def _moment(event: Event) -> datetime:
    return event.at


def persist(
    conn: Connection,
    state: LeadState,
    decision: Decision,
    contract: Contract,
    *,
    at: datetime,
    feedback: dict[str, Any] | None = None,
    people: People | None = None,
) -> Outcome:
    """Write a decision, and the verdict given with it; the caller's transaction makes it all or nothing.
    A caller handling many leads passes one ``people`` for all of them."""
    persisted = persist_all(conn, [(state, decision)], contract, at=at, people=people)
    if feedback is not None:
        writes.record_feedback(conn, state.lead_id, feedback, at, contract.version)
    return replace(persisted.outcomes[0], notifications=persisted.notifications)
