"""The simulated company's own people, on the teams the SLA routes to, and who gets which MQL.

Sales teams are the SLA's routing targets: the fallback team holds the SDRs, each territory team
its account executives (AEs). Marketing and sales are led by whoever signs the SLA for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from revbridge.domain.records import UserRecord
from revbridge.domain.simulation.catalogue import (
    ADMIN,
    AE_NAMES,
    COMPANY_DOMAIN,
    MARKETING_PEOPLE,
    MARKETING_TEAM,
    SALES_LEADERSHIP_TEAM,
    SDR_NAMES,
    VIEWER,
)
from revbridge.domain.simulation.companies import Company, mailbox
from revbridge.domain.sla import Sla
from revbridge.domain.sla_sections import Territory

MAX_AES = 6
SDRS = 3


def staff_email(name: str) -> str:
    first, _, last = name.partition(" ")
    return f"{mailbox(first, last)}@{COMPANY_DOMAIN}"


@dataclass
class Staff:
    """Who works here, and the routing state (round-robin positions) while MQLs are handed out."""

    users: list[UserRecord]
    marketing_lead: str
    sales_lead: str
    teams: dict[str, list[str]]  # sales team -> members' e-mails, in round-robin order
    account_executives: list[str]
    _turn: dict[str, int] = field(default_factory=dict)

    def next_in(self, team: str) -> str | None:
        """The team's next member in round-robin order, or None for a team with nobody on it."""
        return self._next(team, self.teams.get(team, []))

    def next_account_executive(self) -> str:
        """Round robin over every AE, for opportunities from leads an SDR qualified."""
        return self._next("\x00executives", self.account_executives) or self.sales_lead

    def _next(self, key: str, members: list[str]) -> str | None:
        if not members:
            return None
        turn = self._turn.get(key, 0)
        self._turn[key] = turn + 1
        return members[turn % len(members)]


def build_staff(sla: Sla) -> Staff:
    marketing_lead = sla.teams.marketing.lead or "Maria Lopez"
    sales_lead = sla.teams.sales.lead or "Sam Okafor"
    users = [
        UserRecord(marketing_lead, MARKETING_TEAM, "marketing", staff_email(marketing_lead), "marketing"),
        *(
            UserRecord(name, MARKETING_TEAM, "marketing", staff_email(name), "marketing", manager=marketing_lead)
            for name, _title in MARKETING_PEOPLE
        ),
        UserRecord(sales_lead, SALES_LEADERSHIP_TEAM, "sales", staff_email(sales_lead), "sales", title="sales_manager"),
        UserRecord(ADMIN[0], ADMIN[2], "admin", staff_email(ADMIN[0]), "admin"),
        UserRecord(VIEWER[0], VIEWER[2], "admin", staff_email(VIEWER[0]), "viewer"),
    ]
    routing = sla.routing
    capacity = routing.capacity.max_open_leads_per_rep if routing.capacity else None
    fallback = routing.fallback.name if routing.fallback.kind == "team" else "sdr"
    territory_teams: list[str] = []
    for territory in routing.territories:
        if territory.assign_to.kind == "team" and territory.assign_to.name not in (fallback, *territory_teams):
            territory_teams.append(territory.assign_to.name)
    if not territory_teams:
        territory_teams = ["account_executives"]
    teams: dict[str, list[str]] = {fallback: []}
    for name in SDR_NAMES[:SDRS]:
        users.append(UserRecord(name, fallback, "sales", staff_email(name), "sales", sales_lead, capacity=capacity))
        teams[fallback].append(staff_email(name))
    per_team = max(1, MAX_AES // len(territory_teams))
    names = iter(AE_NAMES)
    executives: list[str] = []
    for team in territory_teams:
        teams[team] = []
        for _ in range(per_team):
            member = next(names, None)
            if member is None:
                break
            name = member
            region = _territory_label(routing.territories, team)
            users.append(UserRecord(name, team, "sales", staff_email(name), "sales", sales_lead, region, capacity))
            teams[team].append(staff_email(name))
            executives.append(staff_email(name))
    return Staff(users, staff_email(marketing_lead), staff_email(sales_lead), teams, executives)


def _territory_label(territories: Sequence[Territory], team: str) -> str | None:
    for territory in territories:
        if territory.assign_to.kind == "team" and territory.assign_to.name == team:
            return territory.name
    return None


def route(sla: Sla, staff: Staff, company: Company, account_owner: str | None) -> str | None:
    """The rep a new MQL from ``company`` goes to, as the SLA's routing says (round robin in a team)."""
    routing = sla.routing
    if routing.strategy == "account_owner" and account_owner:
        return account_owner
    if routing.strategy == "territory":
        for territory in routing.territories:
            if matches_territory(territory, company):
                party = territory.assign_to
                if party.kind == "team":
                    return staff.next_in(party.name) or staff.next_in(_fallback_team(sla))
                if party.kind == "person":
                    return party.name
                break
    return staff.next_in(_fallback_team(sla))


def _fallback_team(sla: Sla) -> str:
    fallback = sla.routing.fallback
    return fallback.name if fallback.kind == "team" else "sdr"


def matches_territory(territory: Territory, company: Company) -> bool:
    match = territory.match
    if match.country and company.country.code not in match.country:
        return False
    if match.region and company.country.region not in match.region:
        return False
    if match.industry and company.industry not in match.industry:
        return False
    if match.employees is not None:
        low, high = match.employees.min, match.employees.max
        if (low is not None and company.employees < low) or (high is not None and company.employees > high):
            return False
    return True
