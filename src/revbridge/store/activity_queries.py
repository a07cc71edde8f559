"""Sales activities across leads, newest first: the API's listing of calls, e-mails and meetings.

Activities have no surrogate id (see ``tables.ActivityRow``): a page ends at its last activity's
(occurred_at, source, external_id), which orders every activity exactly once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.store.keysets import before_in_order
from revbridge.store.tables import ActivityRow, LeadRow, UserRow

Row = sa.Row[*tuple[Any, ...]]
ORDER = (ActivityRow.occurred_at, ActivityRow.source, ActivityRow.external_id)


def list_activities(
    conn: Connection,
    *,
    limit: int,
    lead_id: int | None = None,
    by_user_id: int | None = None,
    lead_owner_id: int | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: tuple[datetime, str, str] | None = None,
) -> list[Row]:
    """Activities newest first, each with who logged it (``by``); filtered by lead, by who logged it,
    by the lead's owner, by kind, and by when it happened (``[since, until)``)."""
    query = (
        sa.select(
            ActivityRow.lead_id,
            ActivityRow.type,
            ActivityRow.outcome,
            ActivityRow.occurred_at,
            ActivityRow.source,
            ActivityRow.external_id,
            UserRow.email.label("by"),
        )
        .outerjoin(UserRow, UserRow.id == ActivityRow.user_id)
        .order_by(*(column.desc() for column in ORDER))
        .limit(limit)
    )
    if lead_id is not None:
        query = query.where(ActivityRow.lead_id == lead_id)
    if by_user_id is not None:
        query = query.where(ActivityRow.user_id == by_user_id)
    if lead_owner_id is not None:
        owned = sa.select(LeadRow.id).where(LeadRow.owner_id == lead_owner_id)
        query = query.where(ActivityRow.lead_id.in_(owned))
    if kind is not None:
        query = query.where(ActivityRow.type == kind)
    if since is not None:
        query = query.where(ActivityRow.occurred_at >= since)
    if until is not None:
        query = query.where(ActivityRow.occurred_at < until)
    if after is not None:
        query = query.where(before_in_order(ORDER, after))
    return list(conn.execute(query))
