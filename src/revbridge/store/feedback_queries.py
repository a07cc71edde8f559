"""The verdicts marketing reads and answers: recent rejections, and the disputes of rejections, each with
its lead's names and campaign and the people involved (the columns ``lead_story.feedback_entry`` reads:
``by``, ``disputed_by_email``, ``resolved_by_email``). Read fresh: a dispute shows the moment it is made.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.store.tables import DISPUTER, JUDGE, RESOLVER, CampaignRow, FeedbackRow, LeadRow

Row = sa.Row[*tuple[Any, ...]]


def _verdicts() -> sa.Select[Any]:
    judge, disputer, resolver = JUDGE, DISPUTER, RESOLVER
    return (
        sa.select(
            FeedbackRow.__table__,
            judge.email.label("by"),
            disputer.email.label("disputed_by_email"),
            resolver.email.label("resolved_by_email"),
            LeadRow.first_name,
            LeadRow.last_name,
            LeadRow.email.label("lead_email"),
            CampaignRow.name.label("campaign"),
        )
        .join(LeadRow, LeadRow.id == FeedbackRow.lead_id)
        .outerjoin(CampaignRow, CampaignRow.id == LeadRow.campaign_id)
        .outerjoin(judge, judge.id == FeedbackRow.user_id)
        .outerjoin(disputer, disputer.id == FeedbackRow.disputed_by)
        .outerjoin(resolver, resolver.id == FeedbackRow.dispute_resolved_by)
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
