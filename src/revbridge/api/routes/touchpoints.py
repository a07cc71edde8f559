"""``/api/touchpoints``: marketing's events, in idempotent batches."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request

from revbridge.api.deps import Me
from revbridge.api.schemas.touchpoints import BatchResult, TouchpointBatch, Unresolved
from revbridge.domain.api_access import check
from revbridge.services.ingest_events import GroupedIngest, records_to_table

router = APIRouter(tags=["touchpoints"])


@router.post("/touchpoints")
def touchpoints(batch: TouchpointBatch, request: Request, caller: Me) -> BatchResult:
    """Up to 1,000 marketing events at once. Idempotent: an event sent again (same source and
    external id) is stored once. A new e-mail makes a new lead; an unknown lead id is not stored
    and is listed in ``unresolved``. For marketing and admins, with a token of the write scope."""
    check(caller, "send_touchpoints")
    _, table = records_to_table(batch.touchpoints, "touchpoints")
    ingestor: GroupedIngest = request.app.state.events
    result = ingestor.ingest_table("touchpoints", table, now=datetime.now(UTC))
    return BatchResult(
        received=table.num_rows,
        added=result.counts.created,
        already_stored=result.counts.duplicate,
        leads_created=result.leads_created,
        unresolved=[Unresolved(index=i, reason=reason) for i, reason in result.unresolved],
    )
