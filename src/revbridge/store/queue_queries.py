"""What the SLA queue reads: the MQLs waiting for a verdict with their deadlines, their clocks, the recent
breaches, and the people and teams to filter by. Read on every request, never kept: after a verdict the
lead must leave the queue at once.

Whose leads is said by ``Whose``: an owner, a team (by name), the leads nobody owns yet, any of these
(joined with OR), or, with none given, everyone's. A lead's **deadline** is the earliest due moment of
its open clocks; when none is open (a breached clock that was not handed on), the latest due moment of
the clocks it breached since it entered its stage, so that it sorts among the overdue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.store.repositories import id_in
from revbridge.store.tables import OWNER, CampaignRow, LeadRow, ObligationRow, TeamRow, UserRow

Row = sa.Row[*tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Whose:
    """Whose leads or clocks: any of an owner, a team's people, or nobody (none given: everyone's)."""

    owner_id: int | None = None
    team: str | None = None
    unowned: bool = False

    def condition(self, owner: Any) -> sa.ColumnElement[bool] | None:
        """The filter on the column ``owner`` (a user id), or None for everyone's."""
        parts: list[sa.ColumnElement[bool]] = []
        if self.owner_id is not None:
            parts.append(owner == self.owner_id)
        if self.team is not None:
            members = (
                sa.select(UserRow.id).join(TeamRow, TeamRow.id == UserRow.team_id).where(TeamRow.name == self.team)
            )
            parts.append(owner.in_(members.scalar_subquery()))
        if self.unowned:
            parts.append(owner.is_(None))
        return sa.or_(*parts) if parts else None


def person(conn: Connection, email: str) -> Row | None:
    """id, email, name, role, title, active and ``team`` (its name) of the person with this e-mail."""
    query = (
        sa.select(
            UserRow.id,
            UserRow.email,
            UserRow.name,
            UserRow.role,
            UserRow.title,
            UserRow.active,
            TeamRow.name.label("team"),
        )
        .outerjoin(TeamRow, TeamRow.id == UserRow.team_id)
        .where(sa.func.lower(UserRow.email) == email.strip().lower())
    )
    return conn.execute(query).first()


def _deadlines(stage: str) -> Any:
    """Per lead at ``stage``: ``open_due`` (earliest open clock) and ``breached_due`` (latest clock breached
    since the lead entered the stage)."""
    o = ObligationRow
    is_open = o.status == "open"
    breached = (o.status == "breached") & (o.opened_at >= LeadRow.stage_changed_at)
    return (
        sa.select(
            o.lead_id.label("lead_id"),
            sa.func.min(sa.case((is_open, o.due_at))).label("open_due"),
            sa.func.max(sa.case((breached, o.due_at))).label("breached_due"),
        )
        .join(LeadRow, LeadRow.id == o.lead_id)
        .where(LeadRow.stage == stage, o.status.in_(("open", "breached")))
        .group_by(o.lead_id)
        .subquery("deadlines")
    )


def waiting_leads(conn: Connection, stage: str, whose: Whose, *, limit: int) -> list[Row]:
    """Up to ``limit`` leads at ``stage``, the earliest deadline first (leads with no clock last), with
    their owner's e-mail, name and team, their campaign, and ``open_due`` / ``breached_due``."""
    owner = OWNER
    deadlines = _deadlines(stage)
    deadline = sa.func.coalesce(deadlines.c.open_due, deadlines.c.breached_due)
    query = (
        sa.select(
            LeadRow.id,
            LeadRow.first_name,
            LeadRow.last_name,
            LeadRow.email,
            LeadRow.company,
            LeadRow.score,
            LeadRow.predicted,
            LeadRow.stage_changed_at,
            LeadRow.owner_id,
            owner.email.label("owner_email"),
            owner.name.label("owner_name"),
            TeamRow.name.label("owner_team"),
            CampaignRow.name.label("campaign"),
            deadlines.c.open_due,
            deadlines.c.breached_due,
        )
        .outerjoin(owner, owner.id == LeadRow.owner_id)
        .outerjoin(TeamRow, TeamRow.id == owner.team_id)
        .outerjoin(CampaignRow, CampaignRow.id == LeadRow.campaign_id)
        .outerjoin(deadlines, deadlines.c.lead_id == LeadRow.id)
        .where(LeadRow.stage == stage)
        .order_by(deadline.asc().nulls_last(), LeadRow.stage_changed_at, LeadRow.id)
        .limit(limit)
    )
    condition = whose.condition(LeadRow.owner_id)
    if condition is not None:
        query = query.where(condition)
    return list(conn.execute(query))


def count_waiting(conn: Connection, stage: str, whose: Whose) -> int:
    query = sa.select(sa.func.count()).select_from(LeadRow).where(LeadRow.stage == stage)
    condition = whose.condition(LeadRow.owner_id)
    if condition is not None:
        query = query.where(condition)
    return int(conn.execute(query).scalar_one())


def clocks_of(conn: Connection, lead_ids: Sequence[int]) -> list[Row]:
    """The open and breached clocks of these leads: lead_id, kind, opened_at, due_at, status,
    required_count, done_count, escalated_to; by lead, then due."""
    o = ObligationRow
    query = (
        sa.select(o.lead_id, o.kind, o.opened_at, o.due_at, o.status, o.required_count, o.done_count, o.escalated_to)
        .where(id_in(conn.dialect.name, o.lead_id, lead_ids), o.status.in_(("open", "breached")))
        .order_by(o.lead_id, o.due_at, o.id)
    )
    return list(conn.execute(query))


def breaches_since(conn: Connection, since: datetime, whose: Whose, *, limit: int) -> list[Row]:
    """Clocks breached at or after ``since`` that ran for ``whose``, the latest first: lead_id, the lead's
    names and stage now, kind, due_at, ``breached_at``, escalated_to, and the owner's e-mail."""
    o = ObligationRow
    owner = OWNER
    query = (
        sa.select(
            o.lead_id,
            LeadRow.id,
            LeadRow.first_name,
            LeadRow.last_name,
            LeadRow.email,
            LeadRow.stage,
            o.kind,
            o.due_at,
            o.closed_at.label("breached_at"),
            o.escalated_to,
            owner.email.label("owner_email"),
        )
        .join(LeadRow, LeadRow.id == o.lead_id)
        .outerjoin(owner, owner.id == o.owner_id)
        .where(o.status == "breached", o.closed_at >= since)
        .order_by(o.closed_at.desc(), o.id.desc())
        .limit(limit)
    )
    condition = whose.condition(o.owner_id)
    if condition is not None:
        query = query.where(condition)
    return list(conn.execute(query))


def sales_people(conn: Connection) -> list[Row]:
    """The active sales people (email, name, team), to filter the queue by; by team, then name."""
    query = (
        sa.select(UserRow.email, UserRow.name, TeamRow.name.label("team"))
        .outerjoin(TeamRow, TeamRow.id == UserRow.team_id)
        .where(UserRow.role == "sales", UserRow.active.is_(True))
        .order_by(TeamRow.name, UserRow.name)
    )
    return list(conn.execute(query))
