"""What a tick reads and claims: the obligations due, the MQLs still waiting for an owner, and who has
how many open leads. On PostgreSQL the rows a tick claims are locked with ``FOR UPDATE SKIP LOCKED``, so
that ticks running at once share the work instead of doing it twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.selectable import GenerativeSelect

from revbridge.store.tables import LeadRow, ObligationRow, TeamRow, UserRow, table_of

QueryT = TypeVar("QueryT", bound=GenerativeSelect)
DueClock = sa.Row[int, int, str, datetime, int, int]  # lead_id, id, kind, due_at, required_count, done_count


def _skip_locked(conn: Connection, query: QueryT) -> QueryT:
    return query.with_for_update(skip_locked=True) if conn.dialect.name == "postgresql" else query


def claim_due(conn: Connection, now: datetime, size: int) -> Sequence[DueClock]:
    """Up to ``size`` open obligations due by ``now``, earliest first, as rows of (lead_id, id, kind,
    due_at, required_count, done_count); locked until the transaction ends, so they stay open meanwhile."""
    query = (
        sa.select(
            ObligationRow.lead_id,
            ObligationRow.id,
            ObligationRow.kind,
            ObligationRow.due_at,
            ObligationRow.required_count,
            ObligationRow.done_count,
        )
        .where(ObligationRow.status == "open", ObligationRow.due_at <= now)
        .order_by(ObligationRow.due_at, ObligationRow.id)
        .limit(size)
    )
    return conn.execute(_skip_locked(conn, query)).all()


def claim_unrouted(conn: Connection, stage: str, limit: int) -> list[int]:
    """Leads at ``stage`` that have no owner, the longest waiting first."""
    query = (
        sa.select(LeadRow.id)
        .where(LeadRow.stage == stage, LeadRow.owner_id.is_(None))
        .order_by(LeadRow.stage_changed_at, LeadRow.id)
        .limit(limit)
    )
    return list(conn.execute(_skip_locked(conn, query)).scalars())


def give_open_clocks_to(conn: Connection, lead_id: int, owner_id: int) -> None:
    """The lead's open obligations that had no owner now run for ``owner_id``."""
    conn.execute(
        sa.update(ObligationRow)
        .where(ObligationRow.lead_id == lead_id, ObligationRow.status == "open", ObligationRow.owner_id.is_(None))
        .values(owner_id=owner_id)
    )


def open_leads_by_owner(conn: Connection, stages: Sequence[str]) -> dict[int, int]:
    """How many leads at ``stages`` each owner has."""
    rows = conn.execute(
        sa.select(LeadRow.owner_id, sa.func.count())
        .where(LeadRow.stage.in_(stages), LeadRow.owner_id.is_not(None))
        .group_by(LeadRow.owner_id)
    )
    return {int(owner): int(n) for owner, n in rows if owner is not None}


def users_with_teams(conn: Connection) -> list[Any]:
    """Every user, with ``team_name``, by id."""
    users = table_of(UserRow)
    return list(
        conn.execute(
            sa.select(users, TeamRow.name.label("team_name"))
            .outerjoin(TeamRow, TeamRow.id == users.c.team_id)
            .order_by(users.c.id)
        )
    )
