"""The people the lifecycle hands leads to and escalates to, read once per batch of decisions.

Routing needs every sales rep with their open leads and when each last got one; notifications need
names; escalations need titles and managers. A ``People`` holds all of that in memory and keeps it
current as leads are assigned, so that a tick or a rescoring that routes thousands of leads reads the
users once instead of once per lead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.engine import Connection

from revbridge.domain.routing import LeadFacts, Rep, RoutingDecision, anyone_can_take, route
from revbridge.domain.sla import Routing
from revbridge.store import clock_queries as queries

OPEN_STAGES = ("mql", "sal")  # a rep's open leads: handed over and not yet qualified or returned


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    name: str
    title: str | None
    manager_id: int | None
    active: bool


class People:
    def __init__(self, people: dict[int, Person], reps: dict[int, Rep]) -> None:
        self._people = people
        self._reps = reps
        self._unplaced: dict[tuple[LeadFacts, frozenset[int]], RoutingDecision] = {}
        self._unplaced_under: Routing | None = None
        self._targets: dict[tuple[str, int | None], str] = {}

    @classmethod
    def load(cls, conn: Connection) -> People:
        counts = queries.open_leads_by_owner(conn, OPEN_STAGES)
        people: dict[int, Person] = {}
        reps: dict[int, Rep] = {}
        rows = queries.users_with_teams(conn)
        for row in rows:
            user = row
            people[user.id] = Person(user.id, user.email, user.name, user.title, user.manager_id, user.active)
            if user.role == "sales":
                reps[user.id] = Rep(
                    user.id,
                    user.email,
                    user.name,
                    row.team_name,
                    user.away,
                    user.active,
                    counts.get(user.id, 0),
                    user.capacity,
                    user.last_assigned_at,
                )
        return cls(people, reps)

    def reps(self) -> list[Rep]:
        return list(self._reps.values())

    def route(self, facts: LeadFacts, routing: Routing, *, exclude: frozenset[int] = frozenset()) -> RoutingDecision:
        """``domain.routing.route`` over these reps. When nobody can take a lead nothing changes, so the next
        lead with the same facts and the same rep to avoid gets the same answer: it is remembered until
        someone is assigned. (After an outage every rep is often at capacity, and this spares routing
        each of thousands of leads.)"""
        if routing is not self._unplaced_under:
            self._unplaced, self._unplaced_under = {}, routing
        key = (facts, exclude)
        known = self._unplaced.get(key)
        if known is not None:
            return known
        decision = route(facts, routing, self.reps(), exclude=exclude)
        if decision.rep_id is None:
            self._unplaced[key] = decision
        return decision

    def anyone_can_take(self, routing: Routing) -> bool:
        """Whether any of these reps can take a new lead now (``domain.routing.anyone_can_take``)."""
        return anyone_can_take(routing, self.reps())

    def name_of(self, user_id: int | None) -> str:
        if user_id is None:
            return "nobody"
        person = self._people.get(user_id)
        return person.name if person else f"user {user_id}"

    def assigned(self, rep_id: int, at: datetime, previous_owner: int | None) -> None:
        """One more open lead for ``rep_id`` (one fewer for the previous owner), and their turn is taken."""
        self._unplaced.clear()  # someone's load changes: who can take what may differ now
        rep = self._reps.get(rep_id)
        if rep is not None:
            self._reps[rep_id] = replace(rep, open_leads=rep.open_leads + 1, last_assigned_at=at)
        before = self._reps.get(previous_owner) if previous_owner is not None else None
        if before is not None and previous_owner != rep_id:
            self._reps[before.id] = replace(before, open_leads=max(0, before.open_leads - 1))

    def escalation_target(self, party: str, owner_id: int | None) -> str:
        """Who hears of a breach: ``role:X`` is the owner's manager when their title is X, else the first
        active person with that title; ``team:X`` and ``person:X`` are taken as written."""
        found = self._targets.get((party, owner_id))
        if found is None:
            found = self._targets[(party, owner_id)] = self._escalation_target(party, owner_id)
        return found

    def _escalation_target(self, party: str, owner_id: int | None) -> str:
        kind, _, title = party.partition(":")
        if kind != "role":
            return party
        owner = self._people.get(owner_id) if owner_id is not None else None
        manager = self._people.get(owner.manager_id) if owner and owner.manager_id else None
        if manager is not None and manager.title == title:
            return manager.email
        titled = next((p for p in self._people.values() if p.title == title and p.active), None)
        return titled.email if titled else party
