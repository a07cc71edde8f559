"""What persisting one lifecycle decision writes: the lead's new version, its transition, its clocks, its
owner, the verdict. ``services/lifecycle.persist`` decides the order and calls these in one transaction;
``store/breach_writes.py`` holds the set-based writes a tick's batch makes, which one decision's closings
and escalation use too."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.domain.lifecycle import Closing, NewObligation, Transition
from revbridge.store.breach_writes import close_obligations
from revbridge.store.tables import FeedbackRow, LeadRow, ObligationRow, StageTransitionRow, UserRow


def record_transition(conn: Connection, lead_id: int, transition: Transition, sla_version: int) -> None:
    conn.execute(
        sa.insert(StageTransitionRow).values(
            lead_id=lead_id,
            from_stage=transition.from_stage,
            to_stage=transition.to_stage,
            at=transition.at,
            actor=transition.actor,
            reason=transition.reason,
            sla_version=sla_version,
            source="engine",
        )
    )


def update_lead_if_unchanged(conn: Connection, lead_id: int, version: int, values: dict[str, Any]) -> bool:
    """Write ``values`` onto the lead if it is still at ``version``; False if someone moved it meanwhile."""
    query = sa.update(LeadRow).where(LeadRow.id == lead_id, LeadRow.version == version).values(**values)
    return conn.execute(query).rowcount == 1


def close_and_progress(conn: Connection, closings: Sequence[Closing], progress: Sequence[tuple[int, int]]) -> None:
    """Close the obligations still open, and count progress on others ((obligation id, done so far))."""
    close_obligations(conn, closings)
    for obligation_id, done in progress:
        conn.execute(sa.update(ObligationRow).where(ObligationRow.id == obligation_id).values(done_count=done))


def open_obligation(conn: Connection, lead_id: int, new: NewObligation, owner_id: int | None, sla_version: int) -> None:
    conn.execute(
        sa.insert(ObligationRow).values(
            lead_id=lead_id,
            kind=new.kind,
            team=new.team,
            owner_id=owner_id,
            opened_at=new.opened_at,
            due_at=new.due_at,
            required_count=new.required_count,
            sla_version=sla_version,
        )
    )


def record_feedback(conn: Connection, lead_id: int, feedback: dict[str, Any], at: datetime, version: int) -> None:
    conn.execute(sa.insert(FeedbackRow).values(lead_id=lead_id, at=at, sla_version=version, **feedback))


def assign_owner(conn: Connection, lead_id: int, owner_id: int | None, at: datetime, reason: str) -> None:
    """Record who the lead was routed to and why (nobody, with the reason, if no one could take it); the
    new owner's turn in the round robin is taken at ``at``."""
    conn.execute(
        sa.update(LeadRow).where(LeadRow.id == lead_id).values(owner_id=owner_id, routed_at=at, routing_reason=reason)
    )
    if owner_id is not None:
        conn.execute(sa.update(UserRow).where(UserRow.id == owner_id).values(last_assigned_at=at))
