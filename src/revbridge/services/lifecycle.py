"""Applying the SLA to one lead: each event's decision persisted in one transaction.

``handle(engine, lead_id, make_event)`` reads the lead and its open clocks, asks ``domain.lifecycle.decide``
what the event does, and writes all of it at once: the lead's new stage (only if its version has not
moved since it was read, else ``StaleLead``), the transition with the SLA version that made it, the
clocks opened and closed, the routing of a new MQL with the reason that person was chosen, and the
notifications, in the outbox. A refused event raises before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from revbridge.domain import notifications as notify
from revbridge.domain.business_time import BusinessClock
from revbridge.domain.errors import LeadNotFound, StaleLead
from revbridge.domain.lifecycle import Decision, Event, LeadState, decide
from revbridge.domain.routing import RoutingDecision
from revbridge.domain.sla import Sla
from revbridge.services.people import People
from revbridge.store import breach_writes, outbox
from revbridge.store import lifecycle_writes as writes
from revbridge.store.engine import writing
from revbridge.store.lifecycle_queries import lead_facts, lead_labels, read_states


@dataclass(frozen=True)
class Contract:
    """The SLA in force, its version number, and its business-hours clock."""

    version: int
    sla: Sla
    clock: BusinessClock

    @classmethod
    def of(cls, version: int, sla: Sla) -> Contract:
        return cls(version, sla, BusinessClock.from_clocks(sla.clocks))


@dataclass(frozen=True)
class Outcome:
    lead_id: int
    decision: Decision
    stage: str
    owner_id: int | None
    routing: RoutingDecision | None = None
    notifications: int = 0


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
    """Write a decision; the caller's transaction makes it all or nothing. A batch passes its ``people``
    so that routing and names are read once, not once per lead."""
    if not decision.changes_anything and feedback is None:
        return Outcome(state.lead_id, decision, state.stage, state.owner_id)
    values: dict[str, Any] = {"version": state.version + 1, "updated_at": at}
    stage = state.stage
    if decision.transition is not None:
        t = decision.transition
        stage = t.to_stage
        values.update(stage=t.to_stage, stage_changed_at=t.at)
        writes.record_transition(conn, state.lead_id, t, contract.version)
    if decision.nurture_until is not None:
        values["nurture_until"] = decision.nurture_until
    if decision.recycled:
        values["recycle_count"] = state.recycle_count + 1
    if not writes.update_lead_if_unchanged(conn, state.lead_id, state.version, values):
        raise StaleLead(state.lead_id, state.version)
    writes.close_and_progress(conn, decision.close, decision.progress)
    owner_id, routing = state.owner_id, None
    if decision.route or decision.escalate is not None:
        people = people or People.load(conn)
    if decision.route:
        assert people is not None
        exclude = frozenset({state.owner_id}) if decision.escalate is not None and state.owner_id else frozenset()
        routing = _route(conn, people, state, contract.sla, at, exclude)
        owner_id = routing.rep_id if routing.rep_id is not None else owner_id
    for new in decision.open:
        writes.open_obligation(conn, state.lead_id, new, owner_id, contract.version)
    if feedback is not None:
        writes.record_feedback(conn, state.lead_id, feedback, at, contract.version)
    sent = 0
    if people is not None and routing is not None and routing.rep_id is not None and decision.escalate is None:
        sent += _announce_assignment(conn, people, state, routing, decision, at)
    if people is not None and decision.escalate is not None:
        sent += _escalate(conn, people, state, decision, routing, at)
    return Outcome(state.lead_id, decision, stage, owner_id, routing, sent)


# --- routing --------------------------------------------------------------------------------------------


def _route(
    conn: Connection, people: People, state: LeadState, sla: Sla, at: datetime, exclude: frozenset[int]
) -> RoutingDecision:
    lead_id = state.lead_id
    decision = people.route(lead_facts(conn, [lead_id])[lead_id], sla.routing, exclude=exclude)
    text = decision.reason + ("; passed over: " + "; ".join(decision.skipped) if decision.skipped else "")
    writes.assign_owner(conn, lead_id, decision.rep_id, at, text)
    if decision.rep_id is not None:
        people.assigned(decision.rep_id, at, state.owner_id)
    return decision


def _announce_assignment(
    conn: Connection, people: People, state: LeadState, routing: RoutingDecision, decision: Decision, at: datetime
) -> int:
    lead_id = state.lead_id
    label = lead_labels(conn, [lead_id])[lead_id]
    name, email, score = label.name, label.email, label.score
    accept = [o.due_at for o in decision.open if o.kind == "accept"]
    accept += [o.due_at for o in state.open_obligations if o.kind == "accept"]
    due = accept[0] if accept else at
    owner = people.name_of(routing.rep_id)
    return int(outbox.enqueue(conn, notify.mql_assigned(lead_id, name, email, score, owner, routing.reason, due), at))


# --- escalation -----------------------------------------------------------------------------------------


def _escalate(
    conn: Connection,
    people: People,
    state: LeadState,
    decision: Decision,
    routing: RoutingDecision | None,
    at: datetime,
) -> int:
    escalate = decision.escalate
    assert escalate is not None
    target = people.escalation_target(str(escalate.to.escalate_to), state.owner_id)
    breach_writes.escalate_obligations(conn, [(escalate.obligation_id, target)], at)
    name = lead_labels(conn, [state.lead_id])[state.lead_id].name
    due = next(o.due_at for o in state.open_obligations if o.id == escalate.obligation_id)
    owner = people.name_of(state.owner_id)
    reassigned = people.name_of(routing.rep_id) if routing is not None and routing.rep_id is not None else None
    breach = notify.Breach(escalate.obligation_id, escalate.kind, state.lead_id, name, due, reassigned)
    return sum(int(outbox.enqueue(conn, m, at)) for m in notify.breach_messages(owner, target, [breach]))
