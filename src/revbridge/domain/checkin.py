"""The weekly check-in's record: who may write a decision in it, and who may sign a week off. Pure.

- **Decisions** are written by anyone who works the funnel: marketing, sales and admins. Viewers only
  read.
- **Sign-off** is a team lead's word that their team has seen the week and stands by the decisions.
  A team's leads are the person the SLA in force names for it (``teams.marketing.lead``, ``teams.
  sales.lead``), the person who signed that SLA version for it, and anyone of the team's role titled
  as its lead (``marketing_lead`` or ``marketing_manager``; ``sales_manager``, the title the SLA's
  escalations name). A marketing or sales person signs for their own team only.
- **Admins** do not sign by being admins: an admin keeps the system, and a sign-off speaks for a team.
  An admin whom the SLA names as a team's lead signs for that team, like anyone named there.
- **One sign-off per person per week**: signing again replaces the comment and the moment (the audit
  log keeps that it happened). Nobody signs or decides for a week that has not begun.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from revbridge.domain.errors import InvalidInput, Refused
from revbridge.domain.iso_weeks import IsoWeek

TEAMS = ("marketing", "sales")
DECIDERS = frozenset({"marketing", "sales", "admin"})
LEAD_TITLES: dict[str, frozenset[str]] = {
    "marketing": frozenset({"marketing_lead", "marketing_manager"}),
    "sales": frozenset({"sales_manager"}),
}
MAX_TEXT = 2000
KINDS = ("decision", "signoff")


class NotACheckinWriter(Refused):
    """The person may not write this into the check-in; the message says who may."""


class WeekNotStarted(Refused):
    def __init__(self, week: IsoWeek) -> None:
        self.week = week
        super().__init__(f"{week} has not begun: decide and sign off a week once it has started")


@dataclass(frozen=True, slots=True)
class Person:
    """Who is writing, as the check-in's rules need them."""

    email: str
    name: str
    role: str  # admin | marketing | sales | viewer
    title: str | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class TeamLeads:
    """Each team's leads by name: whom the SLA in force names, and who signed that version for it."""

    names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, named: Mapping[str, str | None], signed_by: Mapping[str, str]) -> TeamLeads:
        """From the SLA's ``teams`` section (team -> lead's name) and its version's signatures."""
        names = {team: _distinct([named.get(team), signed_by.get(team)]) for team in TEAMS}
        return cls(names)

    def named(self, team: str, person: Person) -> bool:
        """Whether ``person`` is one of ``team``'s leads by name (any case, any spacing)."""
        return _fold(person.name) in {_fold(n) for n in self.names.get(team, ())}

    def describe(self) -> str:
        """Who may sign, in words: ``for marketing Maria Lopez (or a marketing_lead …)``."""
        parts = []
        for team in TEAMS:
            people = " or ".join(self.names.get(team, ())) or "nobody named in the SLA"
            titles = " or ".join(f"a {t}" for t in sorted(LEAD_TITLES[team]))
            parts.append(f"for {team} {people} (or {titles})")
        return "; ".join(parts)


def signs_for(person: Person, leads: TeamLeads) -> str | None:
    """The team ``person`` signs the week off for, or None when they may not sign."""
    if not person.active or person.role == "viewer":
        return None
    if person.role in TEAMS:
        team = person.role
        return team if leads.named(team, person) or person.title in LEAD_TITLES[team] else None
    if person.role == "admin":
        return next((team for team in TEAMS if leads.named(team, person)), None)
    return None


def check_sign_off(person: Person, leads: TeamLeads, week: IsoWeek, now: datetime) -> str:
    """The team ``person`` signs ``week`` off for; refused, saying who may, when they may not."""
    _check_started(week, now)
    team = signs_for(person, leads)
    if team is None:
        who = person.role if person.title is None else f"{person.role} ({person.title})"
        raise NotACheckinWriter(f"{person.email} is {who}: only the team leads sign the week off — {leads.describe()}")
    return team


def check_decision(person: Person, week: IsoWeek, now: datetime) -> None:
    """Refuse a decision from someone who only reads, or for a week not begun."""
    _check_started(week, now)
    if not person.active or person.role not in DECIDERS:
        raise NotACheckinWriter(
            f"{person.email} is {person.role}: decisions are written by marketing, sales and admins; viewers read"
        )


def clean_text(text: str, what: str, *, required: bool = True) -> str:
    """``text`` trimmed; refused when empty (if ``required``) or longer than ``MAX_TEXT``."""
    cleaned = text.strip()
    if required and not cleaned:
        raise InvalidInput(f"{what}: write what was decided")
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(f"{what}: at most {MAX_TEXT} characters, this has {len(cleaned)}; say it shorter")
    return cleaned


def _check_started(week: IsoWeek, now: datetime) -> None:
    if not week.has_started(now):
        raise WeekNotStarted(week)


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


def _distinct(names: Iterable[str | None]) -> tuple[str, ...]:
    """The names given, each once (by their folded form), in order."""
    kept: dict[str, str] = {}
    for name in names:
        if name and name.strip():
            kept.setdefault(_fold(name), " ".join(name.split()))
    return tuple(kept.values())
