"""The SLA queue: the MQLs waiting for sales' verdict, each with its clocks running, and the recent breaches.

Read from the store on every call (never kept): after a verdict the lead leaves the queue at once. Whose
leads a person sees is ``domain.work_queue``'s to say (a rep: "my queue"; the sales manager, admins,
marketing and viewers: everyone's, which they may narrow to one owner or team); whether they may give
the verdict on each lead is ``domain.permissions``'s. Each clock is read as its SLA deadline counts:
business hours left, or how overdue. The rejection reasons the verdict forms offer are the SLA's closed
list, with their words and what each does to the lead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection, Engine

from revbridge.domain.lifecycle import MQL
from revbridge.domain.permissions import Actor, may_give_verdict
from revbridge.domain.sla import Sla
from revbridge.domain.work_queue import ClockReading, QueueScope, queue_scope, read_clock
from revbridge.services.contract import Contract, contract_at
from revbridge.services.lead_story import UnknownUser, display_name
from revbridge.store import queue_queries as q

LIMIT = 200
BREACHES_FOR = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class RejectionChoice:
    """One of the SLA's rejection reasons, as a verdict form offers it."""

    id: str
    label: str
    consequence: str  # "recycles to nurture after 90 days", "disqualifies the lead"


@dataclass(frozen=True, slots=True)
class WaitingLead:
    """An MQL waiting for a verdict, with its clocks (open ones first, then those it breached as an MQL)."""

    id: int
    name: str
    email: str | None
    company: str | None
    campaign: str | None
    score: float
    p_convert: float | None
    mql_since: datetime | None
    owner_email: str | None
    owner_name: str | None
    owner_team: str | None
    clocks: tuple[ClockReading, ...]
    may_judge: bool  # the person reading may accept or reject it

    @property
    def deadline(self) -> ClockReading | None:
        """The clock it is sorted by: the earliest open one, else the last one it breached."""
        running = [c for c in self.clocks if c.status == "open"]
        if running:
            return running[0]
        return self.clocks[-1] if self.clocks else None


@dataclass(frozen=True, slots=True)
class BreachLine:
    """A clock breached lately: whose, on which lead, due when, breached when, escalated to whom."""

    lead_id: int
    lead_name: str
    stage: str
    kind: str
    owner_email: str | None
    due_at: datetime
    breached_at: datetime | None
    escalated_to: str | None


@dataclass(frozen=True, slots=True)
class Person:
    email: str
    name: str
    team: str | None


@dataclass(frozen=True, slots=True)
class Queue:
    """One person's view of the queue at ``at``."""

    at: datetime
    scope: QueueScope
    leads: tuple[WaitingLead, ...]  # the earliest deadline first; at most the limit
    waiting: int  # how many wait in all
    breaches: tuple[BreachLine, ...]  # the latest first
    breaches_since: datetime
    reasons: tuple[RejectionChoice, ...]
    owners: tuple[Person, ...]  # whom the view may be narrowed to (empty for a rep)
    teams: tuple[str, ...]
    owner: str | None  # the narrowing asked for
    team: str | None


def sla_queue(
    engine: Engine,
    by_email: str,
    *,
    now: datetime,
    owner: str | None = None,
    team: str | None = None,
    limit: int = LIMIT,
) -> Queue:
    """The queue as ``by_email`` sees it at ``now``, narrowed to ``owner`` (an e-mail) or ``team`` (a name)
    where they may narrow it; ``NoSlaInForce`` if no SLA is in force yet."""
    contract = contract_at(engine, now)
    with engine.connect() as conn:
        actor, actor_team = person_of(conn, by_email)
        scope = queue_scope(actor, actor_team, contract.sla.qualification.sal.accepted_by)
        owner, team = (_given(owner), _given(team)) if scope.may_filter else (None, None)
        whose = _whose(conn, scope, owner, team)
        rows = q.waiting_leads(conn, MQL, whose, limit=limit)
        clocks = _clock_rows(conn, rows)
        waiting = q.count_waiting(conn, MQL, whose)
        since = now - BREACHES_FOR
        breaches = [_breach(r) for r in q.breaches_since(conn, since, whose, limit=limit)]
        people = [Person(p.email, p.name, p.team) for p in q.sales_people(conn)] if scope.may_filter else []
    accepted_by = contract.sla.qualification.sal.accepted_by
    leads = tuple(_waiting(r, clocks[r.id], actor, accepted_by, contract, now) for r in rows)
    return Queue(
        at=now,
        scope=scope,
        leads=leads,
        waiting=waiting,
        breaches=tuple(breaches),
        breaches_since=since,
        reasons=rejection_choices(contract.sla),
        owners=tuple(people),
        teams=tuple(sorted({p.team for p in people if p.team})),
        owner=owner,
        team=team,
    )


def rejection_choices(sla: Sla) -> tuple[RejectionChoice, ...]:
    """The SLA's rejection reasons, in its order, with their labels and what each does."""
    return tuple(
        RejectionChoice(name, reason.label or name.replace("_", " "), reason.consequence())
        for name, reason in sla.feedback.reasons.items()
    )


def person_of(conn: Connection, email: str) -> tuple[Actor, str | None]:
    """The person with ``email`` as the rules see them, and their team's name; ``UnknownUser`` if none."""
    row = q.person(conn, email)
    if row is None:
        raise UnknownUser(email)
    return Actor(row.id, row.email, row.role, row.title, bool(row.active)), row.team


def _given(text: str | None) -> str | None:
    return (text or "").strip() or None


def _whose(conn: Connection, scope: QueueScope, owner: str | None, team: str | None) -> q.Whose:
    if scope.whose != "everyone":
        return q.Whose(owner_id=scope.owner_id, team=scope.team, unowned=scope.with_unowned)
    if owner is not None:
        found = q.person(conn, owner)
        if found is None:
            raise UnknownUser(owner)
        return q.Whose(owner_id=found.id)
    return q.Whose(team=team)


def _clock_rows(conn: Connection, rows: list[Any]) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = defaultdict(list)
    for clock in q.clocks_of(conn, [r.id for r in rows]) if rows else ():
        found[clock.lead_id].append(clock)
    return found


def _waiting(
    row: Any, clocks: list[Any], actor: Actor, accepted_by: str, contract: Contract, now: datetime
) -> WaitingLead:
    since = row.stage_changed_at
    running = [c for c in clocks if c.status == "open"]
    breached = [c for c in clocks if c.status == "breached" and (since is None or c.opened_at >= since)]
    readings = tuple(
        read_clock(c.kind, c.due_at, now, contract.sla, contract.clock, c.status) for c in (*running, *breached)
    )
    return WaitingLead(
        id=row.id,
        name=display_name(row),
        email=row.email,
        company=row.company,
        campaign=row.campaign,
        score=row.score,
        p_convert=row.predicted,
        mql_since=since,
        owner_email=row.owner_email,
        owner_name=row.owner_name,
        owner_team=row.owner_team,
        clocks=readings,
        may_judge=may_give_verdict(actor, row.owner_id, accepted_by),
    )


def _breach(row: Any) -> BreachLine:
    return BreachLine(
        row.lead_id,
        display_name(row),
        row.stage,
        row.kind,
        row.owner_email,
        row.due_at,
        row.breached_at,
        row.escalated_to,
    )
