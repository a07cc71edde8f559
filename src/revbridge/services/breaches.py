"""Breaching a batch of overdue obligations at once: decided once per kind of clock, written set by set.

A tick claims due obligations a few thousand at a time; after an outage that is a hundred thousand, nearly
all alike. ``domain.lifecycle.breach_rules`` decides what breaching each kind of clock does, once per kind
(what ``decide`` says of each breach: property-tested), and ``breach_batch`` applies the rules to the
claimed clocks and their leads as plain rows, without an object per lead or per decision. What it writes
is what ``persist_all`` writes for the same decisions, one statement per group of equal changes (tested on
both databases): the clocks closed and escalated, the leads' new versions with their new owners and why
(here one statement, not two), the fresh clocks, and the notifications, a digest for more than
``notify.DIGEST_AFTER`` breaches of one owner.
The claimed obligations are locked by the claim, their leads when they are read (``FOR UPDATE`` on
PostgreSQL; SQLite's write lock is already held), so no one else can change them between the reading and
the writing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import astuple, dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy.engine import Connection

from revbridge.domain import notifications as notify
from revbridge.domain.errors import StaleLead
from revbridge.domain.lifecycle import BreachRule, ObligationKind, breach_rules
from revbridge.domain.routing import UNASSIGNED, LeadFacts, RoutingDecision
from revbridge.services.contract import Contract
from revbridge.services.lifecycle_batch import breach_messages, routing_text
from revbridge.services.people import People
from revbridge.store import lifecycle_writes as writes
from revbridge.store import outbox
from revbridge.store.clock_queries import DueClock
from revbridge.store.lifecycle_queries import BreachedLead, breached_leads, lead_facts


@dataclass
class BatchResult:
    breached: int = 0
    escalated: int = 0
    notifications: int = 0
    skipped: list[int] = field(default_factory=list)  # obligations of leads deleted since they were claimed


@dataclass
class _Plan:
    """A rule and what applying it needs, worked out once: who hears of it (by owner) and its fresh clock."""

    rule: BreachRule
    party: str | None  # the escalation's target as the SLA names it
    fresh: writes.FreshClock | None
    targets: dict[int | None, str] = field(default_factory=dict)  # owner -> who hears of their breach
    opened: list[tuple[int, int | None]] = field(default_factory=list)  # (lead, owner) given the fresh clock


# A claimed clock as the batch handles it: (lead id, obligation id, its plan, due at, done count).
_Clock = tuple[int, int, _Plan, datetime, int]


def breach_batch(
    conn: Connection,
    claimed: Sequence[DueClock],
    contract: Contract,
    now: datetime,
    people: People,
) -> BatchResult:
    """Breach the claimed clocks (``clock_queries.claim_due``'s rows), in the caller's transaction. The
    claim locked them, so they are still open; their leads are read with what routing needs."""
    result = BatchResult()
    kinds = {(cast(ObligationKind, kind), required) for _, _, kind, _, required, _ in claimed}
    plans: dict[tuple[str, int], _Plan] = {
        key: _plan(rule, contract.version)
        for key, rule in breach_rules(kinds, now, contract.sla, contract.clock).items()
    }
    routes = any(plan.rule.route for plan in plans.values())
    # After an outage everyone is often full: then no reassignment can succeed, and the leads are read
    # without what routing looks at; only a lead nobody owns is routed, for the reason it is given.
    futile = routes and not people.anyone_can_take(contract.sla.routing)
    leads = breached_leads(conn, [c[0] for c in claimed], facts=routes and not futile)
    kept: list[_Clock] = [
        (lead_id, oid, plans[(kind, required)], due_at, done)
        for lead_id, oid, kind, due_at, required, done in claimed
        if lead_id in leads
    ]
    result.skipped = [c[1] for c in claimed if c[0] not in leads]  # leads deleted meanwhile
    if not kept:
        return result
    routings: dict[int, RoutingDecision] = {}
    if futile:
        routings = _route_unowned(conn, kept, leads, contract, now, people)
    elif routes:
        routings = _route(kept, leads, contract, now, people)
    _write_leads(conn, kept, leads, routings, now)
    closings: dict[tuple[int, str | None], list[int]] = {}  # by (final count, escalated to)
    breaches: dict[tuple[str, str], list[notify.Breach]] = {}  # by (the owner's name, escalated to)
    names: dict[int | None, str] = {}
    opening: list[_Plan] = []
    for lead_id, oid, plan, due_at, done in kept:
        owner = leads[lead_id][2]
        target = None
        if plan.party is not None:
            target = plan.targets.get(owner)
            if target is None:
                target = plan.targets[owner] = people.escalation_target(plan.party, owner)
        closings.setdefault((done, target), []).append(oid)
        routed = routings.get(lead_id)
        placed = routed.rep_id if routed is not None else None
        if plan.fresh is not None:
            if not plan.opened:
                opening.append(plan)  # the fresh clocks are written in the order their kinds first come
            plan.opened.append((lead_id, owner if placed is None else placed))
        if target is not None:
            name = names.get(owner)
            if name is None:
                name = names[owner] = people.name_of(owner)
            reassigned = None if placed is None else people.name_of(placed)
            unplaced = routed is not None and placed is None and owner is not None
            breaches.setdefault((name, target), []).append(
                notify.Breach(oid, plan.rule.kind, lead_id, "", due_at, reassigned, unplaced)
            )
    writes.close_obligation_groups(conn, {("breached", now, done, to): ids for (done, to), ids in closings.items()})
    fresh: dict[writes.FreshClock, list[tuple[int, int | None]]] = {}
    for plan in opening:
        if plan.fresh is not None:
            fresh.setdefault(plan.fresh, []).extend(plan.opened)
    writes.open_obligation_groups(conn, fresh)
    messages = breach_messages(conn, breaches)
    result.breached = len(kept)
    result.escalated = sum(1 for c in kept if c[2].rule.escalation is not None)
    result.notifications = outbox.enqueue_all(conn, messages, now)
    return result


def _plan(rule: BreachRule, sla_version: int) -> _Plan:
    party = str(rule.escalation.escalate_to) if rule.escalation is not None else None
    opened = [
        writes.FreshClock(o.kind, o.team, o.opened_at, o.due_at, o.required_count, sla_version) for o in rule.open
    ]
    assert len(opened) <= 1, "a breach opens one fresh clock at most"
    return _Plan(rule, party, opened[0] if opened else None)


def _route(
    kept: Sequence[_Clock], leads: Mapping[int, Sequence[Any]], contract: Contract, at: datetime, people: People
) -> dict[int, RoutingDecision]:
    """Who takes each lead a breach reassigns (never its owner), in the order claimed; ``people`` keeps
    count as they are handed out (and remembers who nobody can take). A lead reassigned twice keeps the
    last."""
    routings: dict[int, RoutingDecision] = {}
    facts: dict[tuple[Any, ...], LeadFacts] = {}  # leads alike share one, read once
    excluded: dict[int | None, frozenset[int]] = {None: frozenset()}
    routing = contract.sla.routing
    for lead_id, _, plan, _, _ in kept:
        if not plan.rule.route:
            continue
        lead = leads[lead_id]
        owner = lead[2]
        known: tuple[Any, ...] = tuple(lead[3:8])
        found = facts.get(known)
        if found is None:
            found = facts[known] = LeadFacts(*known)
        # A reassignment never goes back to the owner (a breach without escalation is not reassigned).
        exclude = excluded.get(owner if plan.rule.escalation is not None else None)
        if exclude is None:
            exclude = excluded[owner] = frozenset({owner}) if owner is not None else frozenset()
        decision = people.route(found, routing, exclude=exclude)
        routings[lead_id] = decision
        if decision.rep_id is not None:
            people.assigned(decision.rep_id, at, owner)
    return routings


NOBODY = RoutingDecision(None, UNASSIGNED, "nobody can take a lead now", ())


def _route_unowned(
    conn: Connection,
    kept: Sequence[_Clock],
    leads: dict[int, BreachedLead],
    contract: Contract,
    at: datetime,
    people: People,
) -> dict[int, RoutingDecision]:
    """``_route`` when nobody at all can take a lead: a lead someone owns keeps them (its reason is not
    written over), and a lead nobody owns is routed, its facts read, for why nobody could take it."""
    routes = [c for c in kept if c[2].rule.route]
    routings = {c[0]: NOBODY for c in routes if leads[c[0]][2] is not None}
    unowned = [c for c in routes if leads[c[0]][2] is None]
    if unowned:
        facts = lead_facts(conn, sorted({c[0] for c in unowned}))
        with_facts = {lead_id: (*leads[lead_id], *astuple(facts[lead_id])) for lead_id in facts}
        routings |= _route(unowned, with_facts, contract, at, people)
    return routings


def _write_leads(
    conn: Connection,
    kept: Sequence[_Clock],
    leads: dict[int, BreachedLead],
    routings: dict[int, RoutingDecision],
    at: datetime,
) -> None:
    """Each lead one version more per breach, and, if it was routed, its new owner and why (or, when
    nobody could take a lead nobody owns, why), in one statement per kind of change. A lead someone owns
    keeps them and why when nobody else can take it (as ``lifecycle_batch._route`` writes it)."""
    steps = Counter(c[0] for c in kept)
    kept_owner: dict[int, list[tuple[Any, ...]]] = {}  # by steps: (id, version)
    placed: dict[int, list[tuple[Any, ...]]] = {}  # by steps: (id, version, new owner, why)
    nobody: dict[int, list[tuple[Any, ...]]] = {}  # by steps: (id, version, number of why in reasons)
    reasons: dict[str, int] = {}  # why nobody could take them, numbered: a few reasons many leads share
    numbered: dict[int, int] = {}  # by answer: People give leads alike that nobody can take one answer
    for lead_id, count in steps.items():
        version = leads[lead_id][1]
        routed = routings.get(lead_id)
        if routed is None or (routed.rep_id is None and leads[lead_id][2] is not None):
            kept_owner.setdefault(count, []).append((lead_id, version))
        elif routed.rep_id is not None:
            placed.setdefault(count, []).append((lead_id, version, routed.rep_id, routing_text(routed)))
        else:
            number = numbered.get(id(routed))
            if number is None:
                number = numbered[id(routed)] = reasons.setdefault(routing_text(routed), len(reasons))
            nobody.setdefault(count, []).append((lead_id, version, number))
    changes: dict[writes.LeadChange, list[tuple[Any, ...]]] = {}
    for count, rows in kept_owner.items():
        changes[writes.LeadChange(count, 0, (("updated_at", at),))] = rows
    for count, rows in placed.items():
        changes[
            writes.LeadChange(count, 0, (("routed_at", at), ("updated_at", at)), ("owner_id", "routing_reason"))
        ] = rows
    for count, rows in nobody.items():
        picks = (("routing_reason", tuple(reasons)),)  # in the order numbered
        changes[writes.LeadChange(count, 0, (("updated_at", at),), picks=picks)] = rows
    stale = writes.update_leads_if_unchanged(conn, changes)
    if stale:
        raise StaleLead(stale[0], leads[stale[0]][1])
    writes.take_turns(conn, {r.rep_id for r in routings.values() if r.rep_id is not None}, at)
