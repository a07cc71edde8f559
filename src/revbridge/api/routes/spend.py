"""``/api/spend``: what campaigns cost, listed and sent in idempotent batches."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from revbridge.api.deps import Me, Store
from revbridge.api.pagination import Page, key_of, page
from revbridge.api.params import Cursor, Day, Limit, Word
from revbridge.api.schemas.spend import SpendBatch, SpendResult
from revbridge.domain.api_access import check
from revbridge.domain.records import SpendRecord
from revbridge.services.ingest_crm import ingest_spend
from revbridge.services.spend import SpendLine, spend_page

router = APIRouter(tags=["spend"])


@router.get("/spend", response_model=Page[SpendLine])
def spend(
    store: Store,
    caller: Me,
    channel: Annotated[Word | None, Query(description="Only campaigns of this channel.")] = None,
    campaign: Annotated[Word | None, Query(description="Only this campaign (by name).")] = None,
    since: Annotated[Day | None, Query(description="From this day, inclusive (2026-03-01).")] = None,
    until: Annotated[Day | None, Query(description="Up to this day, exclusive.")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Spend, a row per campaign, day and source, the latest day first. Everyone with a read token may
    list it."""
    check(caller, "read")
    after = key_of(cursor, date, int)
    found = spend_page(store, limit=limit, channel=channel, campaign=campaign, since=since, until=until, after=after)
    return page(found)


@router.post("/spend")
def send_spend(batch: SpendBatch, request: Request, store: Store, caller: Me) -> SpendResult:
    """Up to 1,000 rows of daily spend, for marketing and admins. Idempotent as the importer is: a row
    is one (campaign, day, source), and sent again replaces the amount stored. A campaign new to
    RevBridge is created with the row's channel."""
    check(caller, "send_spend")
    records = [SpendRecord(r.campaign, r.day, r.amount, r.channel, r.source) for r in batch.rows]
    request.state.audit = {"subject": f"{len(records)} spend rows", "detail": {"days": _days(records)}}
    counts = ingest_spend(store, records)
    return SpendResult(
        received=len(records), created=counts.created, updated=counts.updated, unchanged=counts.duplicate
    )


def _days(records: list[SpendRecord]) -> list[str]:
    days = sorted({r.day for r in records})
    return [days[0].isoformat(), days[-1].isoformat()]
