"""Campaign spend: what each campaign cost on each day, read a page at a time. Recording it is
``ingest_crm.ingest_spend``, the importer's own upsert on (campaign, day, source)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from revbridge.services.paging import Page, page_of
from revbridge.store import spend_queries as q


@dataclass(frozen=True, slots=True)
class SpendLine:
    id: int
    day: date
    campaign: str
    channel: str | None
    amount: float
    source: str


def spend_page(
    engine: Engine,
    *,
    limit: int = 50,
    channel: str | None = None,
    campaign: str | None = None,
    since: date | None = None,
    until: date | None = None,
    after: tuple[date, int] | None = None,
) -> Page[SpendLine]:
    """Spend rows, the latest day first; filtered by channel, campaign and day (``[since, until)``).
    ``after``: the ``next_key`` of the page before."""
    with engine.connect() as conn:
        rows = q.list_spend(
            conn, limit=limit + 1, channel=channel, campaign=campaign, since=since, until=until, after=after
        )
    return page_of(rows, limit, lambda r: (r.day, r.id), _line)


def _line(r: Any) -> SpendLine:
    return SpendLine(r.id, r.day, r.campaign, r.channel, r.amount, r.source)
