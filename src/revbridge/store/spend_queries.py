"""Campaign spend, a row per campaign, day and source: the API's listing, newest day first."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.store.keysets import before_in_order
from revbridge.store.tables import CampaignRow, CampaignSpendRow

Row = sa.Row[*tuple[Any, ...]]


def list_spend(
    conn: Connection,
    *,
    limit: int,
    channel: str | None = None,
    campaign: str | None = None,
    since: date | None = None,
    until: date | None = None,
    after: tuple[date, int] | None = None,
) -> list[Row]:
    """Spend rows, the latest day first (then by id, highest first), with the campaign's name and
    channel; filtered by channel, campaign and day (``[since, until)``)."""
    query = (
        sa.select(
            CampaignSpendRow.id,
            CampaignSpendRow.day,
            CampaignRow.name.label("campaign"),
            CampaignRow.channel,
            CampaignSpendRow.amount,
            CampaignSpendRow.source,
        )
        .join(CampaignRow, CampaignRow.id == CampaignSpendRow.campaign_id)
        .order_by(CampaignSpendRow.day.desc(), CampaignSpendRow.id.desc())
        .limit(limit)
    )
    if channel is not None:
        query = query.where(CampaignRow.channel == channel)
    if campaign is not None:
        query = query.where(CampaignRow.name == campaign)
    if since is not None:
        query = query.where(CampaignSpendRow.day >= since)
    if until is not None:
        query = query.where(CampaignSpendRow.day < until)
    if after is not None:
        query = query.where(before_in_order((CampaignSpendRow.day, CampaignSpendRow.id), after))
    return list(conn.execute(query))
