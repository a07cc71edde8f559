"""The weekly check-in's record: decisions taken in the meeting and the team leads' sign-offs, per ISO
week. Who may write what is ``domain/checkin.py``'s to say; the team leads are those of the SLA in
force at the week's end (for the week running now: now).

A second sign-off by one person replaces their first (comment and moment): the person's row is locked
while it is written, so two of their sign-offs at once take turns and one row remains.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from revbridge.domain.checkin import (
    TEAMS,
    Person,
    TeamLeads,
    check_decision,
    check_sign_off,
    clean_text,
    signs_for,
)
from revbridge.domain.errors import NotFound
from revbridge.domain.iso_weeks import IsoWeek
from revbridge.services.sla_versions import current_sla, get_sla_version
from revbridge.store import checkin as q
from revbridge.store.engine import writing


@dataclass(frozen=True)
class CheckinEntry:
    """A decision or a sign-off, with who wrote it; ``team`` is the team a sign-off speaks for."""

    id: int
    week: str
    kind: str  # decision | signoff
    text: str
    at: datetime
    email: str
    name: str
    role: str
    team: str | None = None


@dataclass(frozen=True)
class WeekRecord:
    """A week's decisions (oldest first), its sign-offs (one per person), and who may still sign."""

    week: str
    decisions: list[CheckinEntry]
    sign_offs: list[CheckinEntry]
    leads: TeamLeads

    @property
    def awaiting(self) -> list[str]:
        """The teams no lead has signed the week off for yet."""
        signed = {entry.team for entry in self.sign_offs}
        return [team for team in TEAMS if team not in signed]


def team_leads(engine: Engine, week: IsoWeek, *, now: datetime) -> TeamLeads:
    """Whom the SLA in force at the week's end (or now, for a week not over) names as each team's lead,
    and who signed that version; no one by name before any SLA is in force."""
    found = current_sla(engine, min(week.end, now))
    if found is None:
        return TeamLeads()
    version, sla = found
    named = {"marketing": sla.teams.marketing.lead, "sales": sla.teams.sales.lead}
    return TeamLeads.of(named, get_sla_version(engine, version).signed_by)


def add_decision(engine: Engine, week: IsoWeek, user_id: int, text: str, *, now: datetime) -> int:
    """Record a decision taken for ``week``; its id. Refused from viewers and for a week not begun."""
    cleaned = clean_text(text, "decision")
    with writing(engine).begin() as conn:
        check_decision(_person(q.person(conn, user_id), user_id), week, now)
        return q.insert_entry(conn, week=str(week), kind="decision", user_id=user_id, text=cleaned, at=now)


def sign_off(engine: Engine, week: IsoWeek, user_id: int, comment: str, *, now: datetime) -> int:
    """Sign ``week`` off for the person's team, with a comment (may be empty); replaces their earlier
    sign-off of the week. Refused, saying who may, for anyone but a team lead."""
    cleaned = clean_text(comment, "comment", required=False)
    leads = team_leads(engine, week, now=now)
    with writing(engine).begin() as conn:
        check_sign_off(_person(q.person(conn, user_id, lock=True), user_id), leads, week, now)
        replaced = q.update_sign_off(conn, week=str(week), user_id=user_id, text=cleaned, at=now)
        if replaced is not None:
            return replaced
        return q.insert_entry(conn, week=str(week), kind="signoff", user_id=user_id, text=cleaned, at=now)


def may_sign(engine: Engine, week: IsoWeek, user_id: int, *, now: datetime) -> str | None:
    """The team the person would sign ``week`` off for, or None when they may not (a page offers the
    form to those who may)."""
    if not week.has_started(now):
        return None
    with engine.connect() as conn:
        found = q.person(conn, user_id)
    return signs_for(_person(found, user_id), team_leads(engine, week, now=now))


def week_record(engine: Engine, week: IsoWeek, *, now: datetime) -> WeekRecord:
    """What the check-in of ``week`` recorded so far."""
    leads = team_leads(engine, week, now=now)
    with engine.connect() as conn:
        rows = q.entries_of_week(conn, str(week))
    decisions = [_entry(row, None) for row in rows if row["kind"] == "decision"]
    sign_offs = [
        _entry(row, signs_for(_person(row, row["user_id"]), leads)) for row in rows if row["kind"] == "signoff"
    ]
    return WeekRecord(str(week), decisions, sign_offs, leads)


def _person(row: dict[str, Any] | None, user_id: int) -> Person:
    if row is None:
        raise NotFound(f"no person with id {user_id}: log in again")
    return Person(row["email"], row["name"], row["role"], row["title"], bool(row["active"]))


def _entry(row: dict[str, Any], team: str | None) -> CheckinEntry:
    return CheckinEntry(
        id=row["id"],
        week=row["week"],
        kind=row["kind"],
        text=row["text"],
        at=row["at"],
        email=row["email"],
        name=row["name"],
        role=row["role"],
        team=team,
    )
