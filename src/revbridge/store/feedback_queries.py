"""The verdicts marketing reads and answers: recent rejections, and the disputes of rejections, each with
its lead's names and campaign and the people involved (the columns ``lead_story.feedback_entry`` reads:
``by``, ``disputed_by_email``, ``resolved_by_email``). Read fresh: a dispute shows the moment it is made.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.store.lead_queries import feedback_query
from revbridge.store.tables import CampaignRow, FeedbackRow, LeadRow

Row = sa.Row[*tuple[Any, ...]]


def _verdicts() -> sa.Select[Any]:
    """Verdicts as ``lead_queries.feedback_query`` reads them, with their lead's name and campaign."""
    lead = (
        LeadRow.first_name,
        LeadRow.last_name,
        LeadRow.email.label("lead_email"),
        CampaignRow.name.label("campaign"),
    )
    return (
        feedback_query(*lead)
        .join(LeadRow, LeadRow.id == FeedbackRow.lead_id)
        .outerjoin(CampaignRow, CampaignRow.id == LeadRow.campaign_id)
    )


def rejections_since(conn: Connection, since: datetime, *, limit: int) -> list[Row]:
    """Up to ``limit`` rejections given at or after ``since``, the latest first."""
    query = (
        _verdicts()
        .where(FeedbackRow.verdict == "reject", FeedbackRow.at >= since)
        .order_by(FeedbackRow.at.desc(), FeedbackRow.id.desc())
        .limit(limit)
    )
    return list(conn.execute(query))


def disputes_since(conn: Connection, since: datetime, *, limit: int) -> list[Row]:
    """Up to ``limit`` disputed verdicts: every one still open, and those disputed at or after ``since``;
    the latest dispute first."""
    open_ = FeedbackRow.dispute_outcome.is_(None)
    query = (
        _verdicts()
        .where(FeedbackRow.disputed_at.is_not(None), sa.or_(open_, FeedbackRow.disputed_at >= since))
        .order_by(FeedbackRow.disputed_at.desc(), FeedbackRow.id.desc())
        .limit(limit)
    )
    return list(conn.execute(query))
