"""Queries for the demo's live weeks: the MQLs waiting for a verdict, reps away, a new lead's fit.

Named for what they find or write; SQL in, plain values out (the same manners as ``repositories.py``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.domain.lifecycle import MQL
from revbridge.store.repositories import chunks
from revbridge.store.tables import AccountRow, CampaignRow, LeadRow, ObligationRow, UserRow, table_of


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


def lead_fit_inputs(
    conn: Connection, lead_ids: Sequence[int]
) -> dict[int, tuple[dict[str, Any], dict[str, Any] | None]]:
    """Each lead's fields as fit rules read them (with ``campaign`` as the campaign's name), and its account's."""
    leads = table_of(LeadRow)
    accounts = table_of(AccountRow).alias("account")
    out: dict[int, tuple[dict[str, Any], dict[str, Any] | None]] = {}
    for part in chunks(list(lead_ids), 500):
        query = (
            sa.select(leads, CampaignRow.name.label("campaign_name"), *(c.label(f"a_{c.name}") for c in accounts.c))
            .select_from(leads)
            .outerjoin(CampaignRow, CampaignRow.id == leads.c.campaign_id)
            .outerjoin(accounts, accounts.c.id == leads.c.account_id)
            .where(leads.c.id.in_(part))
        )
        for row in conn.execute(query).mappings():
            lead = {c.name: row[c.name] for c in leads.c}
            lead["campaign"] = row["campaign_name"]
            account = {c.name: row[f"a_{c.name}"] for c in accounts.c} if row["a_id"] is not None else None
            out[int(row["id"])] = (lead, account)
    return out


def store_fit(conn: Connection, lead_id: int, fit: float, score: float, reasons: list[list[Any]], at: datetime) -> None:
    """A new lead's fit, its combined score and their reasons, as scored at ``at``."""
    conn.execute(
        sa.update(LeadRow)
        .where(LeadRow.id == lead_id)
        .values(fit_score=fit, score=score, score_reasons=reasons, scored_at=at)
    )
