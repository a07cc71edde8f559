"""Who gets a new MQL: the SLA's routing section applied to the reps as they are now.

``route`` looks at the lead's facts, the ``routing`` section and every rep, and returns one decision: the rep,
the rule that chose them, a sentence for people, and who was passed over and why. It reads no clock and
changes nothing; the caller records the assignment and moves the rep's ``last_assigned_at`` forward, which is
what makes the round robin fair over many calls.

The order of the rules:

1. ``strategy: account_owner``: the owner of the lead's matched account, if they can take it;
2. ``strategy: territory`` (and account owner, should it have territories): the first territory whose match
   holds sends the lead to its team or person;
3. the ``fallback`` team or person, which with ``strategy: round_robin`` is the rotation itself.

A team means round robin among its members who can take a lead: the one who has waited longest since their
last lead goes first (never assigned: first of all), then the one with fewer open leads, then the lower id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from revbridge.domain.sla_sections import Routing, Territory, TerritoryMatch
from revbridge.domain.sla_values import Party

UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class Rep:
    """A person who can receive leads, as they are at the moment of routing."""

    id: int
    email: str
    name: str
    team: str | None  # team name, e.g. "na_enterprise", "sdr"
    away: bool
    active: bool
    open_leads: int  # leads currently assigned and not closed
    capacity: int | None  # the person's own cap (None: the SLA's max_open_leads_per_rep applies)
    last_assigned_at: datetime | None  # for round robin fairness


@dataclass(frozen=True)
class LeadFacts:
    """What routing may look at: where the lead's company is, what it does, how big it is, who owns it."""

    country: str | None
    region: str | None
    industry: str | None
    employees: int | None
    account_owner_id: int | None  # the owner of the lead's matched account, if any


@dataclass(frozen=True)
class RoutingDecision:
    """The rep a lead goes to (None: nobody can take it now), the rule that chose them, and why."""

    rep_id: int | None
    rule: str  # "territory: North America enterprise", "account owner", "round robin in team sdr", "fallback"
    reason: str  # a sentence for people
    skipped: tuple[str, ...]  # who was passed over and why: "Bo Chen: away"


def route(
    lead: LeadFacts,
    routing: Routing,
    reps: Sequence[Rep],
    *,
    exclude: frozenset[int] = frozenset(),
) -> RoutingDecision:
    """The rep a new MQL goes to under ``routing``; ``exclude`` names reps it must not go to (a reassignment)."""
    router = _Router(routing, tuple(reps), exclude)
    steps: list[str] = []
    if routing.strategy == "account_owner" and lead.account_owner_id is not None:
        owner = router.account_owner(lead.account_owner_id, steps)
        if owner is not None:
            return router.decision(owner, "account owner", steps)
    tried: Party | None = None
    if routing.strategy != "round_robin" and routing.territories:
        territory = matching_territory(routing.territories, lead)
        if territory is None:
            steps.append("No territory matches the lead")
        else:
            tried = territory.assign_to
            rep, how = router.pick(tried)
            if rep is not None:
                steps.append(f"{_territory_text(territory)}, {tried.describe()}: {how}")
                return router.decision(rep, f"territory: {territory.name}", steps)
            steps.append(f"{_territory_text(territory)} goes to {tried.describe()}, but {how}")
    return _fall_back(router, tried, steps)


def anyone_can_take(routing: Routing, reps: Sequence[Rep]) -> bool:
    """Whether any rep can take a new lead now. When nobody can (everyone inactive, away or full), ``route``
    finds nobody for any lead, whatever its facts and whoever is excluded (property-tested)."""
    router = _Router(routing, tuple(reps), frozenset())
    return any(not router.problems(rep) for rep in reps)


def _fall_back(router: _Router, tried: Party | None, steps: list[str]) -> RoutingDecision:
    fallback = router.routing.fallback
    if fallback == tried:
        steps.append(f"{fallback.describe()} is also the fallback; the lead stays unassigned")
        return router.decision(None, UNASSIGNED, steps)
    rep, how = router.pick(fallback)
    if rep is None:
        steps.append(f"fallback {fallback.describe()}: {how}; the lead stays unassigned")
        return router.decision(None, UNASSIGNED, steps)
    if router.routing.strategy == "round_robin" and fallback.kind == "team":
        steps.append(f"Round robin in {fallback.describe()}: {how}")
        return router.decision(rep, f"round robin in team {fallback.name}", steps)
    steps.append(f"fallback {fallback.describe()}: {how}")
    return router.decision(rep, "fallback", steps)


def matching_territory(territories: Sequence[Territory], lead: LeadFacts) -> Territory | None:
    """The first territory whose match holds for the lead, or None."""
    return next((t for t in territories if territory_matches(t.match, lead)), None)


def territory_matches(match: TerritoryMatch, lead: LeadFacts) -> bool:
    """All of the match's criteria hold; a lead missing a field the match tests does not match.

    Countries are two-letter codes compared without regard to case; regions and industries are compared
    without regard to case or surrounding spaces; employees must lie within [min, max].
    """
    if match.country and not _one_of(lead.country, match.country):
        return False
    if match.region and not _one_of(lead.region, match.region):
        return False
    if match.industry and not _one_of(lead.industry, match.industry):
        return False
    if match.employees is not None:
        low, high = match.employees.min, match.employees.max
        if lead.employees is None:
            return False
        if (low is not None and lead.employees < low) or (high is not None and lead.employees > high):
            return False
    return True


def _one_of(value: str | None, allowed: Sequence[str]) -> bool:
    return value is not None and value.strip().casefold() in {a.strip().casefold() for a in allowed}


def _territory_text(territory: Territory) -> str:
    return f"Territory {territory.name} ({territory.match.describe()})"


@dataclass
class _Router:
    """The routing section, the reps and the exclusions of one call, and who was passed over so far."""

    routing: Routing
    reps: tuple[Rep, ...]
    exclude: frozenset[int]
    skipped: list[str] = field(default_factory=list)

    def decision(self, rep: Rep | None, rule: str, steps: Sequence[str]) -> RoutingDecision:
        reason = "; ".join(steps)
        return RoutingDecision(
            rep_id=None if rep is None else rep.id,
            rule=rule,
            reason=reason[:1].upper() + reason[1:],
            skipped=tuple(dict.fromkeys(self.skipped)),
        )

    def account_owner(self, owner_id: int, steps: list[str]) -> Rep | None:
        """The account owner if they can take the lead; otherwise says why not, in ``steps``."""
        owner = next((r for r in self.reps if r.id == owner_id), None)
        if owner is None:
            self.skipped.append(f"rep {owner_id} (the account owner): not among the reps")
            steps.append(f"The account owner (rep {owner_id}) is not among the reps")
            return None
        problems = self.problems(owner)
        if problems:
            self.skip(owner, problems)
            steps.append(f"The account owner {owner.name} cannot take it ({', '.join(problems)})")
            return None
        steps.append(f"{owner.name} owns the lead's account ({self.load(owner)})")
        return owner

    def pick(self, target: Party) -> tuple[Rep | None, str]:
        """The rep ``target`` names now, and how they were chosen (or why nobody was)."""
        if target.kind == "team":
            return self.round_robin(target.name)
        return self.person(target.name)

    def person(self, email: str) -> tuple[Rep | None, str]:
        named = sorted((r for r in self.reps if r.email.casefold() == email.casefold()), key=lambda r: r.id)
        if not named:
            self.skipped.append(f"{email}: not among the reps")
            return None, f"{email} is not among the reps"
        for rep in named:
            problems = self.problems(rep)
            if not problems:
                return rep, f"{rep.name} is named by the SLA ({self.load(rep)})"
            self.skip(rep, problems)
        return None, f"{named[0].name} cannot take it ({', '.join(self.problems(named[0]))})"

    def round_robin(self, team: str) -> tuple[Rep | None, str]:
        members = [r for r in self.reps if r.team == team]
        eligible = []
        for rep in sorted(members, key=lambda r: r.id):
            problems = self.problems(rep)
            if problems:
                self.skip(rep, problems)
            else:
                eligible.append(rep)
        if not eligible:
            return None, "nobody in it can take a lead now" if members else "nobody is on that team"
        ranked = sorted(eligible, key=turn_order)
        return ranked[0], self.why_first(ranked)

    def why_first(self, ranked: Sequence[Rep]) -> str:
        first, load = ranked[0], self.load(ranked[0])
        if len(ranked) == 1:
            return f"{first.name} is the only one who can take it ({load})"
        runner_up = ranked[1]
        if first.last_assigned_at != runner_up.last_assigned_at:
            if first.last_assigned_at is None:
                return f"{first.name} has not had a lead yet ({load})"
            return f"{first.name} waited longest since their last lead ({load})"
        if first.open_leads != runner_up.open_leads:
            return f"{first.name} waited as long as others and had the fewest open leads ({load})"
        return f"{first.name} tied with {runner_up.name} on waiting time and open leads, and comes first ({load})"

    def problems(self, rep: Rep) -> list[str]:
        """Why ``rep`` cannot take a new lead now; empty when they can."""
        problems = []
        if not rep.active:
            problems.append("inactive")
        if rep.id in self.exclude:
            problems.append("excluded from this assignment")
        if rep.away and (self.routing.capacity is None or self.routing.capacity.skip_away):
            problems.append("away")
        limit = self.limit(rep)
        if limit is not None and rep.open_leads >= limit:
            problems.append(f"at capacity ({rep.open_leads} of {limit})")
        return problems

    def skip(self, rep: Rep, problems: Sequence[str]) -> None:
        self.skipped.append(f"{rep.name}: {', '.join(problems)}")

    def limit(self, rep: Rep) -> int | None:
        """The rep's own cap, else the SLA's cap per rep, else None (no cap)."""
        if rep.capacity is not None:
            return rep.capacity
        return self.routing.capacity.max_open_leads_per_rep if self.routing.capacity is not None else None

    def load(self, rep: Rep) -> str:
        limit = self.limit(rep)
        return f"{rep.open_leads} open leads, no cap" if limit is None else f"{rep.open_leads} of {limit} open leads"


def turn_order(rep: Rep) -> tuple[bool, datetime, int, int]:
    """The round-robin order: never assigned first, then the longest wait, fewer open leads, lower id."""
    waited = rep.last_assigned_at
    return (waited is not None, waited or datetime.min, rep.open_leads, rep.id)
