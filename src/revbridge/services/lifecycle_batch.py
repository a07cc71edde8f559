"""Persisting many lifecycle decisions at once: the same writes as one, made set by set.

``persist_all`` takes the (state read, decision) pairs a caller got from ``domain.lifecycle.decide`` and
writes them in the caller's transaction: every lead's new version and stage (only if it has not moved
since it was read, else ``StaleLead`` and the caller rolls back), the transitions, the clocks closed,
counted and opened, the routing of the leads to route with the reason each person was chosen, the
escalations, and the notifications. A tick's breaches, a rescoring's hand-offs and one sales verdict all
go through it; one decision is a batch of one. What it writes is in ``store/lifecycle_writes.py``, one
statement per group of equal changes.

A lead may appear more than once (two of its clocks breached in one tick): its decisions are applied in
order, each on the state the one before left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from revbridge.domain import notifications as notify
from revbridge.domain.errors import StaleLead
from revbridge.domain.lifecycle import Decision, LeadState
from revbridge.domain.notifications import Notification
from revbridge.domain.routing import RoutingDecision
from revbridge.services.contract import Contract
from revbridge.services.people import People
from revbridge.store import lifecycle_writes as writes
from revbridge.store import outbox
from revbridge.store.lifecycle_queries import lead_facts, lead_labels


@dataclass(frozen=True)
class Outcome:
    lead_id: int
    decision: Decision
    stage: str
    owner_id: int | None
    routing: RoutingDecision | None = None
    notifications: int = 0  # set for a decision persisted alone


@dataclass
class Persisted:
    outcomes: list[Outcome] = field(default_factory=list)  # one per decision, in order
    notifications: int = 0  # written to the outbox


def persist_all(
    conn: Connection,
    decided: Sequence[tuple[LeadState, Decision]],
    contract: Contract,
    *,
    at: datetime,
    people: People | None = None,
) -> Persisted:
    """Write every decision; the caller's transaction makes them all or nothing. ``people`` (read here if
    not given) keeps count of who was given what, for the next batch."""
    changing = [(s, d) for s, d in decided if d.changes_anything]
    if changing and any(d.route or d.escalate is not None for _, d in changing):
        people = people or People.load(conn)
    _update_leads(conn, changing, at)
    writes.record_transitions(
        conn, [(s.lead_id, d.transition) for s, d in changing if d.transition is not None], contract.version
    )
    # Who hears of each breach; a breached clock is closed and escalated in one statement.
    escalated_to = {
        d.escalate.obligation_id: people.escalation_target(str(d.escalate.to.escalate_to), s.owner_id)
        for s, d in changing
        if d.escalate is not None and people is not None
    }
    closing = [c for _, d in changing for c in d.close]
    writes.close_obligations(conn, closing, escalated_to)
    closed = {c.obligation_id for c in closing}
    writes.escalate_obligations(conn, ((oid, to) for oid, to in escalated_to.items() if oid not in closed), at)
    writes.progress_obligations(conn, [p for _, d in changing for p in d.progress])
    routings = _route(conn, changing, contract, at, people) if people is not None else {}
    owners = {s.lead_id: s.owner_id for s, _ in changing}
    owners |= {lead_id: r.rep_id for lead_id, r in routings.items() if r.rep_id is not None}
    writes.open_obligations(
        conn,
        (
            (
                writes.FreshClock(o.kind, o.team, o.opened_at, o.due_at, o.required_count, contract.version),
                s.lead_id,
                owners[s.lead_id],
            )
            for s, d in changing
            for o in d.open
        ),
    )
    messages: list[Notification] = []
    if people is not None:
        messages = _assignments(conn, changing, routings, people, at) + _breaches(conn, changing, routings, people)
    stages = {s.lead_id: s.stage for s, _ in decided}
    outcomes = []
    for state, decision in decided:
        if decision.transition is not None:
            stages[state.lead_id] = decision.transition.to_stage
        owner = owners.get(state.lead_id, state.owner_id)
        outcomes.append(Outcome(state.lead_id, decision, stages[state.lead_id], owner, routings.get(state.lead_id)))
    return Persisted(outcomes, outbox.enqueue_all(conn, messages, at))


def _update_leads(conn: Connection, decided: Sequence[tuple[LeadState, Decision]], at: datetime) -> None:
    """Each lead's row after its decisions: a new version per decision (optimistic locking), its stage,
    nurture and loop count."""
    first: dict[int, LeadState] = {}
    steps: dict[int, int] = {}
    recycled: dict[int, int] = {}
    values: dict[int, dict[str, Any]] = {}
    for state, decision in decided:
        lead_id = state.lead_id
        first.setdefault(lead_id, state)
        steps[lead_id] = steps.get(lead_id, 0) + 1
        recycled[lead_id] = recycled.get(lead_id, 0) + int(decision.recycled)
        changed = values.setdefault(lead_id, {"updated_at": at})
        if decision.transition is not None:
            changed.update(stage=decision.transition.to_stage, stage_changed_at=decision.transition.at)
        if decision.nurture_until is not None:
            changed["nurture_until"] = decision.nurture_until
    changes: dict[writes.LeadChange, list[tuple[int, int]]] = {}
    for lead_id, state in first.items():
        change = writes.LeadChange(steps[lead_id], recycled[lead_id], tuple(sorted(values[lead_id].items())))
        changes.setdefault(change, []).append((lead_id, state.version))
    stale = writes.update_leads_if_unchanged(conn, changes)
    if stale:
        raise StaleLead(stale[0], first[stale[0]].version)


def _route(
    conn: Connection,
    decided: Sequence[tuple[LeadState, Decision]],
    contract: Contract,
    at: datetime,
    people: People,
) -> dict[int, RoutingDecision]:
    """Who takes each lead to route (never its current owner when it is reassigned after a breach), with
    why; ``people`` keeps count as they are handed out."""
    moving = [(s, d) for s, d in decided if d.route]
    if not moving:
        return {}
    facts = lead_facts(conn, [s.lead_id for s, _ in moving])
    # A lead someone owns keeps them, and why, when nobody else can take it: the failed reassignment
    # is told to the one its breach escalates to (``_breaches``), not written over the reason.
    owned = {s.lead_id for s, _ in moving if s.owner_id is not None}
    routings: dict[int, RoutingDecision] = {}
    for state, decision in moving:
        reassigned = decision.escalate is not None and state.owner_id is not None
        exclude = frozenset({state.owner_id}) if reassigned and state.owner_id is not None else frozenset()
        routing = people.route(facts[state.lead_id], contract.sla.routing, exclude=exclude)
        routings[state.lead_id] = routing
        if routing.rep_id is not None:
            people.assigned(routing.rep_id, at, state.owner_id)
    writes.assign_owners(
        conn,
        {
            lead_id: (r.rep_id, routing_text(r))
            for lead_id, r in routings.items()
            if r.rep_id is not None or lead_id not in owned
        },
        at,
    )
    return routings


def routing_text(decision: RoutingDecision) -> str:
    """What a lead's row keeps of why it went to whom (or to nobody)."""
    return decision.reason + ("; passed over: " + "; ".join(decision.skipped) if decision.skipped else "")


def _assignments(
    conn: Connection,
    decided: Sequence[tuple[LeadState, Decision]],
    routings: dict[int, RoutingDecision],
    people: People,
    at: datetime,
) -> list[Notification]:
    """ "New MQL for you" to each person given a lead (a reassignment after a breach is told with it)."""
    told = [(s, d, routings[s.lead_id]) for s, d in decided if d.escalate is None and s.lead_id in routings]
    told = [(s, d, r) for s, d, r in told if r.rep_id is not None]
    labels = lead_labels(conn, [s.lead_id for s, _, _ in told])
    messages = []
    for state, decision, routing in told:
        label = labels[state.lead_id]
        accept = [o.due_at for o in decision.open if o.kind == "accept"]
        accept += [o.due_at for o in state.open_obligations if o.kind == "accept"]
        owner = people.name_of(routing.rep_id)
        messages.append(
            notify.mql_assigned(
                state.lead_id, label.name, label.email, label.score, owner, routing.reason, accept[0] if accept else at
            )
        )
    return messages


def _breaches(
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
        unplaced = routing is not None and routing.rep_id is None and state.owner_id is not None
        owner = people.name_of(state.owner_id)
        target = people.escalation_target(str(escalate.to.escalate_to), state.owner_id)
        groups.setdefault((owner, target), []).append(
            notify.Breach(escalate.obligation_id, escalate.kind, state.lead_id, "", due, reassigned, unplaced)
        )
    return breach_messages(conn, groups)


def breach_messages(conn: Connection, groups: Mapping[tuple[str, str], Sequence[notify.Breach]]) -> list[Notification]:
    """What breaches grouped by (the owner's name, who hears of them) say, group by group: two messages
    per breach, or one digest past ``notify.DIGEST_AFTER``; the leads named are read here."""
    # Names are read only for the leads a message names: all of a small group, a digest's first lines.
    named = [b for group in groups.values() for b in notify.named_in_digest(group)]
    labels = lead_labels(conn, [b.lead_id for b in named])
    names = {b.obligation_id: labels[b.lead_id].name for b in named if b.lead_id in labels}
    return [
        message
        for (owner, target), group in groups.items()
        for message in notify.breach_messages(
            owner,
            target,
            [b._replace(lead_name=names[b.obligation_id]) if b.obligation_id in names else b for b in group],
        )
    ]
