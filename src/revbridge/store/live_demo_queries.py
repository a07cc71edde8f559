"""Queries for the demo's live weeks: the MQLs waiting for a verdict, reps away.

Named for what they find or write; SQL in, plain values out (the same manners as ``repositories.py``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.domain.lifecycle import MQL
from revbridge.store.tables import LeadRow, ObligationRow, UserRow


@dataclass(frozen=True)
class AcceptClock:
    """An MQL's open accept-or-reject clock, and the rep it waits on."""

    obligation_id: int
    lead_id: int
    owner_id: int
    due_at: datetime


def open_accept_clocks(conn: Connection) -> list[AcceptClock]:
    """Every open accept clock with an owner, of a lead still an MQL, oldest first."""
    query = (
        sa.select(ObligationRow.id, ObligationRow.lead_id, ObligationRow.owner_id, ObligationRow.due_at)
        .join(LeadRow, LeadRow.id == ObligationRow.lead_id)
        .where(
            ObligationRow.status == "open",
            ObligationRow.kind == "accept",
            ObligationRow.owner_id.is_not(None),
            LeadRow.stage == MQL,
        )
        .order_by(ObligationRow.id)
    )
    return [AcceptClock(r.id, r.lead_id, r.owner_id, r.due_at) for r in conn.execute(query)]


def set_away(conn: Connection, user_ids: Collection[int], away: bool) -> None:
    if user_ids:
        conn.execute(sa.update(UserRow).where(UserRow.id.in_(sorted(user_ids))).values(away=away))
