"""Breaching a batch of overdue obligations at once: the lifecycle's decisions, written set by set.

A tick claims due obligations a few thousand at a time. Each still goes through ``domain.lifecycle.decide``
(the one place that says what a breach does), but the writes are one statement per kind of change for the
whole batch (close, escalate, reassign, open a fresh clock, notify), not a dozen statements per obligation.
The leads of the batch are locked (``FOR UPDATE`` on PostgreSQL; SQLite's write lock is already held), so
no one else can change them between the reading and the writing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.engine import Connection

from revbridge.domain import notifications as notify
from revbridge.domain.lifecycle import Breached, Decision, LeadState, decide
from revbridge.domain.notifications import Notification
from revbridge.domain.routing import RoutingDecision
from revbridge.services.lifecycle import Contract
from revbridge.services.people import People
from revbridge.store import breach_writes as writes
from revbridge.store import outbox
from revbridge.store.lifecycle_queries import lead_facts, lead_labels, read_states


@dataclass
class BatchResult:
    breached: int = 0
    escalated: int = 0
    notifications: int = 0
    skipped: list[int] = field(default_factory=list)  # obligations met or closed since they were claimed


def breach_batch(
    conn: Connection, claimed: Sequence[tuple[int, int]], contract: Contract, now: datetime, people: People
) -> BatchResult:
    """Breach the claimed (obligation id, lead id) pairs, in the caller's transaction."""
    result = BatchResult()
    states = read_states(conn, [lead for _, lead in claimed], lock=True)
    decided: list[tuple[LeadState, Decision]] = []
    claims = Counter(lead for _, lead in claimed)
    for obligation_id, lead_id in claimed:
        state = states.get(lead_id)
        obligation = next((o for o in state.open_obligations if o.id == obligation_id), None) if state else None
        if state is None or obligation is None:
            result.skipped.append(obligation_id)
            continue
        decision = decide(state, Breached(obligation, now), contract.sla, contract.clock)
        decided.append((state, decision))
        if claims[lead_id] == 1:
            continue
        closed = {c.obligation_id for c in decision.close}  # the lead's next claimed obligation sees this
        states[lead_id] = replace(
            state,
            version=state.version + 1,
            open_obligations=tuple(o for o in state.open_obligations if o.id not in closed),
        )
    if not decided:
        return result
    routings = _reroute(conn, decided, contract, now, people)
    _write(conn, decided, routings, contract, now, people)
    notifications = _notifications(conn, decided, routings, people)
    result.breached = len(decided)
    result.escalated = sum(1 for _, d in decided if d.escalate is not None)
    result.notifications = outbox.enqueue_all(conn, notifications, now)
    return result


def _reroute(
    conn: Connection, decided: Sequence[tuple[LeadState, Decision]], contract: Contract, now: datetime, people: People
) -> dict[int, RoutingDecision]:
    """Who takes each lead the SLA says to reassign, never its current owner; ``people`` keeps score."""
    moving = [(s, d) for s, d in decided if d.route]
    facts = lead_facts(conn, [s.lead_id for s, _ in moving])
    routings: dict[int, RoutingDecision] = {}
    for state, _ in moving:
        exclude = frozenset({state.owner_id}) if state.owner_id is not None else frozenset()
        decision = people.route(facts[state.lead_id], contract.sla.routing, exclude=exclude)
        routings[state.lead_id] = decision
        if decision.rep_id is not None:
            people.assigned(decision.rep_id, now, state.owner_id)
    return routings


def _write(
    conn: Connection,
    decided: Sequence[tuple[LeadState, Decision]],
    routings: dict[int, RoutingDecision],
    contract: Contract,
    now: datetime,
    people: People,
) -> None:
    writes.close_obligations(conn, (c for _, d in decided for c in d.close))
    writes.escalate_obligations(
        conn,
        (
            (d.escalate.obligation_id, people.escalation_target(str(d.escalate.to.escalate_to), s.owner_id))
            for s, d in decided
            if d.escalate is not None
        ),
        now,
    )
    writes.touch_leads(conn, list(dict.fromkeys(s.lead_id for s, _ in decided)), now)
    moved = {lead_id: (r.rep_id, _routing_text(r)) for lead_id, r in routings.items() if r.rep_id is not None}
    writes.assign_owners(conn, moved, now)
    owners = {s.lead_id: s.owner_id for s, _ in decided} | {lead_id: rep for lead_id, (rep, _) in moved.items()}
    writes.open_obligations(
        conn,
        (
            (
                writes.FreshClock(o.kind, o.team, o.opened_at, o.due_at, o.required_count, contract.version),
                s.lead_id,
                owners[s.lead_id],
            )
            for s, d in decided
            for o in d.open
        ),
    )


def _routing_text(decision: RoutingDecision) -> str:
    return decision.reason + ("; passed over: " + "; ".join(decision.skipped) if decision.skipped else "")


def _notifications(
    conn: Connection,
    decided: Sequence[tuple[LeadState, Decision]],
    routings: dict[int, RoutingDecision],
    people: People,
) -> list[Notification]:
    """Two messages per escalated breach (to the owner's channel and the escalation's), or, for an owner
    with more than ``notify.DIGEST_AFTER`` breaches in the batch, one digest for them all."""
    groups: dict[tuple[str, str], list[notify.Breach]] = {}
    for state, decision in decided:
        escalate = decision.escalate
        if escalate is None:
            continue
        due = next(o.due_at for o in state.open_obligations if o.id == escalate.obligation_id)
        routing = routings.get(state.lead_id)
        reassigned = people.name_of(routing.rep_id) if routing and routing.rep_id is not None else None
        owner = people.name_of(state.owner_id)
        target = people.escalation_target(str(escalate.to.escalate_to), state.owner_id)
        groups.setdefault((owner, target), []).append(
            notify.Breach(escalate.obligation_id, escalate.kind, state.lead_id, "", due, reassigned)
        )
    # Names are read only for the leads a message names: all of a small group, a digest's first lines.
    named = [b for group in groups.values() for b in notify.named_in_digest(group)]
    labels = lead_labels(conn, [b.lead_id for b in named])
    names = {b.obligation_id: labels[b.lead_id].name for b in named if b.lead_id in labels}
    groups = {
        key: [replace(b, lead_name=names[b.obligation_id]) if b.obligation_id in names else b for b in group]
        for key, group in groups.items()
    }
    return [n for (owner, target), breaches in groups.items() for n in notify.breach_messages(owner, target, breaches)]
