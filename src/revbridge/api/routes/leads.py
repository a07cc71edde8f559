"""``/api/leads``: a page of leads, and one lead's story."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from revbridge.api.deps import Me, Store
from revbridge.api.pagination import Page, key_of, page
from revbridge.api.params import Cursor, LeadId, Limit, Owner, Since, Until, Word
from revbridge.domain.api_access import check
from revbridge.services.lead_story import LeadLine, lead_page, lead_story

router = APIRouter(tags=["leads"])


@router.get("/leads", response_model=Page[LeadLine])
def leads(
    store: Store,
    caller: Me,
    stage: Annotated[Word | None, Query(description="Only leads in this stage (e.g. mql).")] = None,
    owner: Owner = None,
    since: Since = None,
    until: Until = None,
    campaign: Annotated[Word | None, Query(description="Only leads its campaign (by name) brought.")] = None,
    source: Annotated[
        Word | None, Query(description="Only leads of this lead source (where they came from, e.g. Webinar).")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Leads, the most recently changed first. `since` and `until` bound when each lead's stage last
    changed; every filter combines with the others. Everyone with a read token may list them."""
    check(caller, "read")
    found = lead_page(
        store,
        limit=limit,
        stage=stage,
        owner_email=owner,
        changed_since=since,
        changed_until=until,
        campaign=campaign,
        lead_source=source,
        after=key_of(cursor, datetime, int),
    )
    return page(found)


@router.get("/leads/{lead_id}")
def lead(lead_id: LeadId, store: Store, caller: Me) -> dict[str, Any]:
    """One lead's story: who it is and why it scores so, its journey, stage changes, clocks, verdicts."""
    check(caller, "read")
    return lead_story(store, lead_id).as_dict()
