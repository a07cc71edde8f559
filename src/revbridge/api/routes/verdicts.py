"""``/api/leads/{id}/accept|reject`` and ``/api/feedback/{id}/dispute``: sales' verdict and marketing's answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from revbridge.api.deps import Me, Store
from revbridge.api.schemas import AcceptIn, DisputeIn, RejectIn
from revbridge.domain.api_access import check
from revbridge.services.leads import accept, dispute, reject

router = APIRouter(tags=["verdicts"])


@router.post("/leads/{lead_id}/accept")
def accept_lead(lead_id: int, verdict: AcceptIn, store: Store, caller: Me) -> dict[str, Any]:
    """Accept an MQL, as the token's person: the lead's rep (or any sales rep, if the SLA says so)."""
    check(caller, "give_verdicts")
    done = accept(store, lead_id, caller.email, at=datetime.now(UTC), rating=verdict.rating, note=verdict.note)
    return done.as_dict()


@router.post("/leads/{lead_id}/reject")
def reject_lead(lead_id: int, verdict: RejectIn, store: Store, caller: Me) -> dict[str, Any]:
    """Reject an MQL with one of the SLA's reasons, as the token's person."""
    check(caller, "give_verdicts")
    at = datetime.now(UTC)
    done = reject(store, lead_id, caller.email, verdict.reason, at=at, rating=verdict.rating, note=verdict.note)
    return done.as_dict()


@router.post("/feedback/{feedback_id}/dispute")
def dispute_verdict(feedback_id: int, disputed: DisputeIn, store: Store, caller: Me) -> dict[str, Any]:
    """Dispute a rejection, once, as the token's person (marketing); the lead does not move."""
    check(caller, "dispute")
    return dispute(store, feedback_id, caller.email, disputed.note, at=datetime.now(UTC)).as_dict()
