"""Opportunities (the CRM's deals) as both teams read them: a page at a time, with each one's status
(open, won, lost) and the leads linked to it. They come in with the CRM import; a lead moves to the
``opportunity`` stage and on with ``leads.advance`` and ``leads.mark_lost``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.engine import Engine

from revbridge.services.lead_story import user_id_of
from revbridge.services.paging import Page, page_of
from revbridge.store import opportunity_queries as q

Status = Literal["open", "won", "lost"]


@dataclass(frozen=True, slots=True)
class OpportunityLine:
    id: int
    name: str | None
    account: str | None
    owner: str | None  # the owner's e-mail
    amount: float | None
    stage: str | None  # the CRM's own stage name
    status: Status
    product: str | None
    created_at: datetime | None
    closed_at: datetime | None
    lost_reason: str | None
    lead_ids: list[int]  # the leads linked to it as contacts
    source: str
    external_id: str


def opportunity_page(
    engine: Engine,
    *,
    limit: int = 50,
    stage: str | None = None,
    status: Status | None = None,
    owner_email: str | None = None,
    since: datetime | None = None,
    after: int | None = None,
) -> Page[OpportunityLine]:
    """Opportunities newest first; filtered by the CRM's stage, status, owner, and created at or after
    ``since``. ``after``: the ``next_key`` of the page before (an id)."""
    with engine.connect() as conn:
        owner_id = None if owner_email is None else user_id_of(conn, owner_email)
        rows = q.list_opportunities(
            conn, limit=limit + 1, stage=stage, status=status, owner_id=owner_id, since=since, after=after
        )
        contacts = q.contacts_of(conn, [r.id for r in rows[:limit]])
    return page_of(rows, limit, lambda r: (r.id,), lambda r: _line(r, contacts.get(r.id, [])))


def _line(r: Any, lead_ids: list[int]) -> OpportunityLine:
    return OpportunityLine(
        r.id,
        r.name,
        r.account,
        r.owner,
        r.amount,
        r.stage,
        r.status,
        r.product,
        r.created_at,
        r.closed_at,
        r.lost_reason,
        lead_ids,
        r.source,
        r.external_id,
    )
