"""Breaching a batch of overdue obligations at once: the lifecycle's decisions, written set by set.

A tick claims due obligations a few thousand at a time. Each still goes through ``domain.lifecycle.decide``
(the one place that says what a breach does), but the writes are one statement per kind of change for the
whole batch (close, escalate, reassign, open a fresh clock, notify), not a dozen statements per obligation.
The leads of the batch are locked (``FOR UPDATE`` on PostgreSQL; SQLite's write lock is already held), so
no one else can change them between the reading and the writing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.domain import notifications as notify
from revbridge.domain.lifecycle import Breached, Decision, LeadState, decide
from revbridge.domain.notifications import Notification
from revbridge.domain.routing import RoutingDecision, route
from revbridge.services.lifecycle import Contract
from revbridge.services.people import People
from revbridge.store import repositories as repo
from revbridge.store.lifecycle_queries import lead_facts, lead_labels, read_states
from revbridge.store.tables import LeadRow, ObligationRow, OutboxRow, UserRow, table_of


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
    for obligation_id, lead_id in claimed:
        state = states.get(lead_id)
        obligation = next((o for o in state.open_obligations if o.id == obligation_id), None) if state else None
        if state is None or obligation is None:
            result.skipped.append(obligation_id)
            continue
        decision = decide(state, Breached(obligation, now), contract.sla, contract.clock)
        decided.append((state, decision))
        closed = {c.obligation_id for c in decision.close}
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
    result.notifications = _enqueue_all(conn, notifications, now)
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
        decision = route(facts[state.lead_id], contract.sla.routing, people.reps(), exclude=exclude)
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
    obligations = table_of(ObligationRow)
    closings = [
        {"oid": c.obligation_id, "st": c.status, "at": c.at, "done": c.done_count or 0}
        for _, d in decided
        for c in d.close
    ]
    conn.execute(
        obligations.update()
        .where(obligations.c.id == sa.bindparam("oid"), obligations.c.status == "open")
        .values(status=sa.bindparam("st"), closed_at=sa.bindparam("at"), done_count=sa.bindparam("done")),
        closings,
    )
    escalations = [
        {
            "oid": d.escalate.obligation_id,
            "to": people.escalation_target(str(d.escalate.to.escalate_to), s.owner_id),
            "at": now,
        }
        for s, d in decided
        if d.escalate is not None
    ]
    if escalations:
        conn.execute(
            obligations.update()
            .where(obligations.c.id == sa.bindparam("oid"))
            .values(
                escalated_at=sa.bindparam("at"),
                escalated_to=sa.bindparam("to"),
                escalation_level=obligations.c.escalation_level + 1,
            ),
            escalations,
        )
    leads = table_of(LeadRow)
    owners = {s.lead_id: s.owner_id for s, _ in decided}
    touched = [{"lid": lead_id, "at": now} for lead_id in dict.fromkeys(s.lead_id for s, _ in decided)]
    conn.execute(
        leads.update()
        .where(leads.c.id == sa.bindparam("lid"))
        .values(version=leads.c.version + 1, updated_at=sa.bindparam("at")),
        touched,
    )
    routed = [
        {"lid": lead_id, "owner": r.rep_id, "at": now, "why": _routing_text(r)}
        for lead_id, r in routings.items()
        if r.rep_id is not None
    ]
    if routed:
        conn.execute(
            leads.update()
            .where(leads.c.id == sa.bindparam("lid"))
            .values(owner_id=sa.bindparam("owner"), routed_at=sa.bindparam("at"), routing_reason=sa.bindparam("why")),
            routed,
        )
        users = table_of(UserRow)
        latest = {r["owner"]: now for r in routed}
        conn.execute(
            users.update().where(users.c.id == sa.bindparam("uid")).values(last_assigned_at=sa.bindparam("at")),
            [{"uid": uid, "at": at} for uid, at in latest.items()],
        )
        for lead_id, r in routings.items():
            if r.rep_id is not None:
                owners[lead_id] = r.rep_id
    fresh = [
        {
            "lead_id": s.lead_id,
            "kind": o.kind,
            "team": o.team,
            "owner_id": owners[s.lead_id],
            "opened_at": o.opened_at,
            "due_at": o.due_at,
            "required_count": o.required_count,
            "done_count": 0,
            "status": "open",
            "escalation_level": 0,
            "sla_version": contract.version,
        }
        for s, d in decided
        for o in d.open
    ]
    if fresh:
        conn.execute(sa.insert(obligations), fresh)


def _routing_text(decision: RoutingDecision) -> str:
    return decision.reason + ("; passed over: " + "; ".join(decision.skipped) if decision.skipped else "")


def _notifications(
    conn: Connection,
    decided: Sequence[tuple[LeadState, Decision]],
    routings: dict[int, RoutingDecision],
    people: People,
) -> list[Notification]:
    labels = lead_labels(conn, [s.lead_id for s, _ in decided])
    out: list[Notification] = []
    for state, decision in decided:
        escalate = decision.escalate
        if escalate is None:
            continue
        name = labels[state.lead_id].name
        due = next(o.due_at for o in state.open_obligations if o.id == escalate.obligation_id)
        owner = people.name_of(state.owner_id)
        out.append(notify.deadline_breached(escalate.obligation_id, escalate.kind, state.lead_id, name, owner, due))
        routing = routings.get(state.lead_id)
        reassigned = people.name_of(routing.rep_id) if routing and routing.rep_id is not None else None
        target = people.escalation_target(str(escalate.to.escalate_to), state.owner_id)
        out.append(notify.escalated(escalate.obligation_id, escalate.kind, state.lead_id, name, target, reassigned))
    return out


def _enqueue_all(conn: Connection, notifications: Sequence[Notification], now: datetime) -> int:
    """Insert the notifications whose key is new; returns how many."""
    if not notifications:
        return 0
    table = table_of(OutboxRow)
    keys = [n.key for n in notifications]
    known: set[str] = set()
    for part in repo.chunks(keys, 500):
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
        conn.execute(repo.insert_ignoring_conflicts(conn, table), rows)
    return len(rows)
