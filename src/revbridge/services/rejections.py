"""Sales' rejections as marketing reads and answers them: the recent ones with their lead, campaign, reason
(in the SLA's words) and note, which of them the reader may dispute, and the disputes, open and settled.

These are lists people act on, so they are read from the store on every call, never kept: a rejection
disputed a moment ago shows as disputed, and offers no second dispute. The numbers about verdicts
(acceptance rates, reasons by campaign) are the shared numbers' (``analytics.feedback``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from revbridge.domain.permissions import FeedbackState, may_dispute
from revbridge.services.contract import contract_at
from revbridge.services.lead_story import FeedbackEntry, display_name, feedback_entry
from revbridge.services.queue import person_of
from revbridge.services.sla_versions import NoSlaInForce
from revbridge.store import feedback_queries as q

WINDOW = timedelta(days=90)  # as the feedback numbers' window
LIMIT = 100


@dataclass(frozen=True, slots=True)
class VerdictLine:
    """A verdict with what marketing needs beside it."""

    entry: FeedbackEntry
    lead_name: str
    campaign: str | None
    reason_label: str | None  # the SLA's words for the reason
    may_dispute: bool  # the reader may dispute it now


@dataclass(frozen=True, slots=True)
class Rejections:
    since: datetime
    rejections: tuple[VerdictLine, ...]  # the latest first
    open_disputes: tuple[VerdictLine, ...]
    settled_disputes: tuple[VerdictLine, ...]
    reason_labels: dict[str, str]  # the SLA's words for each reason, in its order


def recent_rejections(
    engine: Engine, by_email: str, *, now: datetime, window: timedelta = WINDOW, limit: int = LIMIT
) -> Rejections:
    """The rejections of the last ``window`` and the disputes (every open one, and those raised in the
    window), as ``by_email`` reads them at ``now``."""
    since = now - window
    labels = _reason_labels(engine, now)
    with engine.connect() as conn:
        actor, _ = person_of(conn, by_email)
        rejected = q.rejections_since(conn, since, limit=limit)
        disputed = q.disputes_since(conn, since, limit=limit)

    def line(row: Any) -> VerdictLine:
        entry = feedback_entry(row)
        return VerdictLine(
            entry,
            display_name(_Named(row.lead_id, row.first_name, row.last_name, row.lead_email)),
            row.campaign,
            labels.get(entry.reason or "", entry.reason),
            may_dispute(actor, feedback_state(entry)),
        )

    disputes = [line(r) for r in disputed]
    return Rejections(
        since=since,
        rejections=tuple(line(r) for r in rejected),
        open_disputes=tuple(d for d in disputes if d.entry.dispute and d.entry.dispute.outcome is None),
        settled_disputes=tuple(d for d in disputes if d.entry.dispute and d.entry.dispute.outcome is not None),
        reason_labels=labels,
    )


@dataclass(frozen=True, slots=True)
class _Named:
    id: int
    first_name: str | None
    last_name: str | None
    email: str | None


def _reason_labels(engine: Engine, now: datetime) -> dict[str, str]:
    try:
        reasons = contract_at(engine, now).sla.feedback.reasons
    except NoSlaInForce:
        return {}
    return {name: reason.label or name for name, reason in reasons.items()}


def feedback_state(entry: FeedbackEntry) -> FeedbackState:
    """What the dispute rules read of a verdict."""
    dispute = entry.dispute
    if dispute is None:
        return FeedbackState(entry.id, entry.verdict)
    return FeedbackState(entry.id, entry.verdict, dispute.at, dispute.by, dispute.outcome)
