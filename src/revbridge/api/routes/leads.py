"""``/api/leads``: a page of leads, and one lead's story."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from revbridge.api.deps import Me, Store
from revbridge.api.schemas import LeadPage
from revbridge.domain.api_access import check
from revbridge.services.lead_story import lead_story, list_leads

router = APIRouter(tags=["leads"])


@router.get("/leads")
def leads(
    store: Store,
    caller: Me,
    stage: Annotated[str | None, Query(description="Only leads in this stage.")] = None,
    owner: Annotated[str | None, Query(description="Only leads owned by this e-mail.")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="At most this many, latest changed first.")] = 50,
) -> LeadPage:
    """Leads, the most recently changed first."""
    check(caller, "read")
    found = list_leads(store, stage=stage, owner_email=owner, limit=limit)
    return LeadPage(items=found, limit=limit)


@router.get("/leads/{lead_id}")
def lead(lead_id: int, store: Store, caller: Me) -> dict[str, Any]:
    """One lead's story: who it is and why it scores so, its journey, stage changes, clocks, verdicts."""
    check(caller, "read")
    return lead_story(store, lead_id).as_dict()
