"""``/api/leads/{id}/accept|reject``, ``/api/feedback/{id}/dispute|resolve``: sales' verdict, marketing's
answer, and a sales manager's settling of it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path

from revbridge.api.deps import Me, Store
from revbridge.api.params import MAX_ID, LeadId
from revbridge.api.schemas.verdicts import AcceptIn, DisputeIn, RejectIn, ResolveIn
from revbridge.domain.api_access import check
from revbridge.services.leads import accept, dispute, reject, resolve_dispute

router = APIRouter(tags=["verdicts"])
FeedbackId = Annotated[int, Path(ge=1, le=MAX_ID, description="The verdict's id (a lead's `feedback`).")]


@router.post("/leads/{lead_id}/accept")
def accept_lead(lead_id: LeadId, verdict: AcceptIn, store: Store, caller: Me) -> dict[str, Any]:
    """Accept an MQL, as the token's person: the lead's rep (or any sales rep, if the SLA says so)."""
    check(caller, "give_verdicts")
    done = accept(store, lead_id, caller.email, at=datetime.now(UTC), rating=verdict.rating, note=verdict.note)
    return done.as_dict()


@router.post("/leads/{lead_id}/reject")
def reject_lead(lead_id: LeadId, verdict: RejectIn, store: Store, caller: Me) -> dict[str, Any]:
    """Reject an MQL with one of the SLA's reasons, as the token's person."""
    check(caller, "give_verdicts")
    at = datetime.now(UTC)
    done = reject(store, lead_id, caller.email, verdict.reason, at=at, rating=verdict.rating, note=verdict.note)
    return done.as_dict()


@router.post("/feedback/{feedback_id}/dispute")
def dispute_verdict(feedback_id: FeedbackId, disputed: DisputeIn, store: Store, caller: Me) -> dict[str, Any]:
    """Dispute a rejection, once, as the token's person (marketing); the lead does not move."""
    check(caller, "dispute")
    return dispute(store, feedback_id, caller.email, disputed.note, at=datetime.now(UTC)).as_dict()


@router.post("/feedback/{feedback_id}/resolve")
def resolve_verdict(feedback_id: FeedbackId, settled: ResolveIn, store: Store, caller: Me) -> dict[str, Any]:
    """Settle a disputed rejection, once, as the token's person: a sales manager or an admin. Only the
    outcome is recorded: an overturned rejection does not move the lead back."""
    check(caller, "resolve_disputes")
    return resolve_dispute(store, feedback_id, caller.email, settled.outcome, at=datetime.now(UTC)).as_dict()
