"""``/api/leads/{id}/advance|lost``: sales moves a lead on (SQL, opportunity, customer) or marks the deal
lost, as the SLA allows; and ``/api/opportunities``: the CRM's deals, listed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from revbridge.api.deps import Me, Store
from revbridge.api.pagination import Page, key_of, page
from revbridge.api.params import Cursor, LeadId, Limit, Owner, Since, Word
from revbridge.api.schemas.conversions import AdvanceIn, LostIn
from revbridge.domain.api_access import check
from revbridge.services.leads import advance, mark_lost
from revbridge.services.opportunities import OpportunityLine, opportunity_page

router = APIRouter(tags=["conversions"])


@router.post("/leads/{lead_id}/advance")
def advance_lead(lead_id: LeadId, move: AdvanceIn, store: Store, caller: Me) -> dict[str, Any]:
    """Move a lead on by hand as the SLA allows (SAL → SQL → opportunity → customer), as the token's
    person: sales (and admins). A move the SLA does not allow is a 422 problem saying what it allows."""
    check(caller, "work_leads")
    return advance(store, lead_id, caller.email, move.to, at=datetime.now(UTC), reason=move.reason).as_dict()


@router.post("/leads/{lead_id}/lost")
def lose_lead(lead_id: LeadId, lost: LostIn, store: Store, caller: Me) -> dict[str, Any]:
    """Mark a lead's deal lost, as the token's person (sales, admins): it returns to nurture, or is
    disqualified, and its open clocks are cancelled."""
    check(caller, "work_leads")
    at = datetime.now(UTC)
    return mark_lost(store, lead_id, caller.email, lost.reason, at=at, disqualify=lost.disqualify).as_dict()


@router.get("/opportunities", response_model=Page[OpportunityLine])
def opportunities(
    store: Store,
    caller: Me,
    stage: Annotated[Word | None, Query(description="Only those at this stage of the CRM (its own name).")] = None,
    status: Annotated[
        Literal["open", "won", "lost"] | None,
        Query(description="open (neither won nor closed), won, or lost (lost, or closed without a win)."),
    ] = None,
    owner: Owner = None,
    since: Since = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Opportunities, the newest first, each with its account, owner, status and the leads linked to
    it. `since` bounds when they were created. Everyone with a read token may list them."""
    check(caller, "read")
    after = key_of(cursor, int)
    found = opportunity_page(
        store,
        limit=limit,
        stage=stage,
        status=status,
        owner_email=owner,
        since=since,
        after=None if after is None else after[0],
    )
    return page(found)
