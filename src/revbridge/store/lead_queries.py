"""Queries about one lead and the people acting on it: its journey, clocks, verdicts and disputes.

Named for what they find or write; SQL in, plain rows out (the manners of ``repositories.py``). A lead's
journey is a few hundred rows read by ``lead_id`` (the events' one index) and ordered here or in memory.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.store.keysets import before_in_order
from revbridge.store.tables import (
    DISPUTER,
    JUDGE,
    OWNER,
    RESOLVER,
    ActivityRow,
    CampaignRow,
    FeedbackRow,
    LeadRow,
    ObligationRow,
    ScoreSnapshotRow,
    StageTransitionRow,
    TouchpointRow,
    UserRow,
    table_of,
)

Row = sa.Row[*tuple[Any, ...]]  # a row of any width


# --- people ---------------------------------------------------------------------------------------------


def find_user_by_email(conn: Connection, email: str) -> Row | None:
    """id, email, name, role, title and active of the person with this e-mail (any case), if any."""
    users = table_of(UserRow)
    query = sa.select(users.c.id, users.c.email, users.c.name, users.c.role, users.c.title, users.c.active).where(
        sa.func.lower(users.c.email) == email.strip().lower()
    )
    return conn.execute(query).first()


def user_email(conn: Connection, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return conn.execute(sa.select(UserRow.email).where(UserRow.id == user_id)).scalar_one_or_none()


# --- the lead -------------------------------------------------------------------------------------------


def find_lead(conn: Connection, lead_id: int) -> Row | None:
    """The lead's columns and scores, with its owner's e-mail and name (``owner_email``, ``owner_name``)."""
    owner = OWNER
    scores = (LeadRow.fit_score, LeadRow.engagement_score, LeadRow.score, LeadRow.scored_at)
    query = (
        sa.select(LeadRow.__table__, *scores, owner.email.label("owner_email"), owner.name.label("owner_name"))
        .outerjoin(owner, owner.id == LeadRow.owner_id)
        .where(LeadRow.id == lead_id)
    )
    return conn.execute(query).first()


def lead_scores(conn: Connection, lead_id: int) -> Row | None:
    """The scores stored on the lead: fit_score, engagement_score, predicted, score, scored_at,
    score_reasons and engagement_state (which holds the touchpoint types' reasons)."""
    query = sa.select(
        LeadRow.fit_score,
        LeadRow.engagement_score,
        LeadRow.predicted,
        LeadRow.score,
        LeadRow.scored_at,
        LeadRow.score_reasons,
        LeadRow.engagement_state,
    ).where(LeadRow.id == lead_id)
    return conn.execute(query).first()


def list_leads(
    conn: Connection,
    *,
    stage: str | None,
    owner_id: int | None,
    limit: int,
    changed_since: datetime | None = None,
    changed_until: datetime | None = None,
    campaign: str | None = None,
    lead_source: str | None = None,
    after: tuple[datetime, int] | None = None,
) -> list[Row]:
    """Leads, most recently updated first (then by id, highest first), with their owner's e-mail and
    ``updated_at``; filtered by stage, owner, when the stage last changed (``[since, until)``), campaign
    name and lead source. ``after`` is the (updated_at, id) of the last lead of the page before."""
    owner = OWNER
    query = (
        sa.select(
            LeadRow.id,
            LeadRow.first_name,
            LeadRow.last_name,
            LeadRow.email,
            LeadRow.company,
            LeadRow.stage,
            LeadRow.score,
            LeadRow.predicted,
            LeadRow.stage_changed_at,
            LeadRow.updated_at,
            owner.email.label("owner_email"),
        )
        .outerjoin(owner, owner.id == LeadRow.owner_id)
        .order_by(LeadRow.updated_at.desc(), LeadRow.id.desc())
        .limit(limit)
    )
    if stage is not None:
        query = query.where(LeadRow.stage == stage)
    if owner_id is not None:
        query = query.where(LeadRow.owner_id == owner_id)
    if changed_since is not None:
        query = query.where(LeadRow.stage_changed_at >= changed_since)
    if changed_until is not None:
        query = query.where(LeadRow.stage_changed_at < changed_until)
    if campaign is not None:
        named = sa.select(CampaignRow.id).where(CampaignRow.name == campaign).scalar_subquery()
        query = query.where(LeadRow.campaign_id == named)
    if lead_source is not None:
        query = query.where(LeadRow.lead_source == lead_source)
    if after is not None:
        query = query.where(before_in_order((LeadRow.updated_at, LeadRow.id), after))
    return list(conn.execute(query))


# --- the journey ----------------------------------------------------------------------------------------


def touchpoints_of(conn: Connection, lead_id: int) -> list[Row]:
    """The lead's touchpoints with their campaign's name (``campaign``), in no particular order."""
    query = (
        sa.select(TouchpointRow.__table__, CampaignRow.name.label("campaign"))
        .outerjoin(CampaignRow, CampaignRow.id == TouchpointRow.campaign_id)
        .where(TouchpointRow.lead_id == lead_id)
    )
    return list(conn.execute(query))


def activities_of(conn: Connection, lead_id: int) -> list[Row]:
    """The lead's sales activities with the e-mail of who logged them (``by``), in no particular order."""
    query = (
        sa.select(ActivityRow.__table__, UserRow.email.label("by"))
        .outerjoin(UserRow, UserRow.id == ActivityRow.user_id)
        .where(ActivityRow.lead_id == lead_id)
    )
    return list(conn.execute(query))


def activity_exists(conn: Connection, source: str, external_id: str) -> bool:
    query = sa.select(sa.literal(1)).where(ActivityRow.source == source, ActivityRow.external_id == external_id)
    return conn.execute(query).first() is not None


def insert_activity(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(sa.insert(ActivityRow).values(**values))


def score_snapshots_of(conn: Connection, lead_id: int) -> list[Row]:
    query = (
        sa.select(ScoreSnapshotRow.__table__)
        .where(ScoreSnapshotRow.lead_id == lead_id)
        .order_by(ScoreSnapshotRow.at, ScoreSnapshotRow.id)
    )
    return list(conn.execute(query))


def transitions_of(conn: Connection, lead_id: int) -> list[Row]:
    query = (
        sa.select(StageTransitionRow.__table__)
        .where(StageTransitionRow.lead_id == lead_id)
        .order_by(StageTransitionRow.at, StageTransitionRow.id)
    )
    return list(conn.execute(query))


def obligations_of(conn: Connection, lead_id: int) -> list[Row]:
    """The lead's SLA clocks, oldest first, with their owner's e-mail (``owner_email``)."""
    query = (
        sa.select(ObligationRow.__table__, UserRow.email.label("owner_email"))
        .outerjoin(UserRow, UserRow.id == ObligationRow.owner_id)
        .where(ObligationRow.lead_id == lead_id)
        .order_by(ObligationRow.opened_at, ObligationRow.id)
    )
    return list(conn.execute(query))


# --- verdicts and disputes ------------------------------------------------------------------------------


def feedback_query(*more: Any) -> sa.Select[Any]:
    """Verdicts with who gave each (``by``), who disputed it (``disputed_by_email``) and who settled the
    dispute (``resolved_by_email``), and ``more`` columns (the caller joins what they need)."""
    return (
        sa.select(
            FeedbackRow.__table__,
            JUDGE.email.label("by"),
            DISPUTER.email.label("disputed_by_email"),
            RESOLVER.email.label("resolved_by_email"),
            *more,
        )
        .select_from(FeedbackRow)
        .outerjoin(JUDGE, JUDGE.id == FeedbackRow.user_id)
        .outerjoin(DISPUTER, DISPUTER.id == FeedbackRow.disputed_by)
        .outerjoin(RESOLVER, RESOLVER.id == FeedbackRow.dispute_resolved_by)
    )


def feedback_of(conn: Connection, lead_id: int) -> list[Row]:
    """The lead's verdicts, oldest first, with who gave (``by``), who disputed (``disputed_by_email``) and who
    settled the dispute (``resolved_by_email``)."""
    query = feedback_query().where(FeedbackRow.lead_id == lead_id).order_by(FeedbackRow.at, FeedbackRow.id)
    return list(conn.execute(query))


def find_feedback(conn: Connection, feedback_id: int) -> Row | None:
    return conn.execute(feedback_query().where(FeedbackRow.id == feedback_id)).first()


def feedback_id_of(conn: Connection, lead_id: int, at: datetime, verdict: str) -> int | None:
    """The id of the verdict stored for (lead, at, verdict): the feedback table's natural key."""
    query = sa.select(FeedbackRow.id).where(
        FeedbackRow.lead_id == lead_id, FeedbackRow.at == at, FeedbackRow.verdict == verdict
    )
    return conn.execute(query).scalar_one_or_none()


def record_dispute(conn: Connection, feedback_id: int, *, user_id: int, note: str, at: datetime) -> bool:
    """Store the dispute unless the verdict is disputed already; False if someone got there first."""
    query = (
        sa.update(FeedbackRow)
        .where(FeedbackRow.id == feedback_id, FeedbackRow.disputed_at.is_(None))
        .values(dispute_note=note, disputed_by=user_id, disputed_at=at)
    )
    return conn.execute(query).rowcount == 1


def record_dispute_outcome(conn: Connection, feedback_id: int, outcome: str, *, user_id: int, at: datetime) -> bool:
    """Store the outcome of an open dispute, who settled it and when; False if it was resolved meanwhile."""
    query = (
        sa.update(FeedbackRow)
        .where(
            FeedbackRow.id == feedback_id, FeedbackRow.disputed_at.is_not(None), FeedbackRow.dispute_outcome.is_(None)
        )
        .values(dispute_outcome=outcome, dispute_resolved_by=user_id, dispute_resolved_at=at)
    )
    return conn.execute(query).rowcount == 1
