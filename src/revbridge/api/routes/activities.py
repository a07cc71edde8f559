"""``/api/activities``: sales' calls, e-mails and meetings, listed and logged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from revbridge.api.deps import Me, Store
from revbridge.api.pagination import Page, key_of, page
from revbridge.api.params import MAX_ID, Cursor, Limit, Owner, Since, Until, Word
from revbridge.api.schemas.activities import ActivityIn
from revbridge.domain.api_access import check
from revbridge.services.activities import ActivityLine, activity_page
from revbridge.services.leads import log_activity

router = APIRouter(tags=["activities"])


@router.get("/activities", response_model=Page[ActivityLine])
def activities(
    store: Store,
    caller: Me,
    lead_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this lead's activities.")] = None,
    owner: Owner = None,
    by: Annotated[Word | None, Query(description="Only those logged by the person with this e-mail.")] = None,
    kind: Annotated[Word | None, Query(description="Only this kind: call, email, meeting, meeting_held …")] = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Sales activities, the newest first. `owner` is the owner of the lead worked on, `by` who logged
    it; `since` and `until` bound when it happened. Everyone with a read token may list them."""
    check(caller, "read")
    found = activity_page(
        store,
        limit=limit,
        lead_id=lead_id,
        by_email=by,
        owner_email=owner,
        kind=kind,
        since=since,
        until=until,
        after=key_of(cursor, datetime, str, str),
    )
    return page(found)


@router.post("/activities")
def log(activity: ActivityIn, request: Request, store: Store, caller: Me) -> dict[str, Any]:
    """Log a call, an e-mail or a meeting on a lead, as the token's person: sales (and admins), on a lead
    the lifecycle's rules let them work. It joins the lead's journey and the SLA clocks count it; the
    answer says what it did to the lead's stage and clocks."""
    check(caller, "work_leads")
    request.state.audit = {"subject": f"lead {activity.lead_id}", "detail": {"kind": activity.kind}}
    done = log_activity(
        store,
        activity.lead_id,
        caller.email,
        activity.kind,
        at=activity.occurred_at or datetime.now(UTC),
        outcome=activity.outcome,
        external_id=activity.external_id,
    )
    return done.as_dict()
