"""Opportunities (the CRM's deals), newest first, with their account, owner, status and contacts.

An opportunity's **status** is ``won`` (won is true), ``lost`` (won is false, or closed without a
result), or ``open`` (neither: the pipeline's definition in ``analytics/revenue.pipeline``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.store.keysets import before_in_order
from revbridge.store.tables import AccountRow, OpportunityContactRow, OpportunityRow, UserRow

Row = sa.Row[*tuple[Any, ...]]
deal_status: sa.ColumnElement[str] = sa.case(
    (OpportunityRow.won.is_(True), "won"),
    (OpportunityRow.won.is_(False) | OpportunityRow.closed_at.is_not(None), "lost"),
    else_="open",
)


def list_opportunities(
    conn: Connection,
    *,
    limit: int,
    stage: str | None = None,
    status: str | None = None,
    owner_id: int | None = None,
    since: datetime | None = None,
    after: int | None = None,
) -> list[Row]:
    """Opportunities by id, highest (newest) first, with ``account``, ``owner`` (e-mail) and ``status``;
    filtered by the CRM's stage, status, owner, and created at or after ``since``."""
    query = (
        sa.select(
            OpportunityRow.id,
            OpportunityRow.source,
            OpportunityRow.external_id,
            OpportunityRow.name,
            AccountRow.name.label("account"),
            UserRow.email.label("owner"),
            OpportunityRow.amount,
            OpportunityRow.stage,
            deal_status.label("status"),
            OpportunityRow.product,
            OpportunityRow.created_at,
            OpportunityRow.closed_at,
            OpportunityRow.lost_reason,
        )
        .outerjoin(AccountRow, AccountRow.id == OpportunityRow.account_id)
        .outerjoin(UserRow, UserRow.id == OpportunityRow.owner_id)
        .order_by(OpportunityRow.id.desc())
        .limit(limit)
    )
    if stage is not None:
        query = query.where(OpportunityRow.stage == stage)
    if status is not None:
        query = query.where(deal_status == status)
    if owner_id is not None:
        query = query.where(OpportunityRow.owner_id == owner_id)
    if since is not None:
        query = query.where(OpportunityRow.created_at >= since)
    if after is not None:
        query = query.where(before_in_order((OpportunityRow.id,), (after,)))
    return list(conn.execute(query))


def contacts_of(conn: Connection, opportunity_ids: Sequence[int]) -> dict[int, list[int]]:
    """The leads linked to each of these opportunities, lowest id first."""
    found: dict[int, list[int]] = defaultdict(list)
    if not opportunity_ids:
        return found
    query = (
        sa.select(OpportunityContactRow.opportunity_id, OpportunityContactRow.lead_id)
        .where(OpportunityContactRow.opportunity_id.in_(list(opportunity_ids)))
        .order_by(OpportunityContactRow.opportunity_id, OpportunityContactRow.lead_id)
    )
    for opportunity_id, lead_id in conn.execute(query):
        found[opportunity_id].append(lead_id)
    return found
