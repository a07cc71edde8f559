"""Sales activities across leads: who called, e-mailed or met whom, and when. Logging one is
``leads.log_activity`` (it moves clocks and stages); this module reads them back, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from revbridge.services.lead_story import user_id_of
from revbridge.services.paging import Page, page_of
from revbridge.store import activity_queries as q


@dataclass(frozen=True, slots=True)
class ActivityLine:
    """One sales activity on one lead."""

    lead_id: int
    kind: str  # call | email | meeting | meeting_held | …
    outcome: str | None
    occurred_at: datetime
    by: str | None  # who logged it
    source: str  # revbridge (logged here) or the CRM it came from
    external_id: str


def activity_page(
    engine: Engine,
    *,
    limit: int = 50,
    lead_id: int | None = None,
    by_email: str | None = None,
    owner_email: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: tuple[datetime, str, str] | None = None,
) -> Page[ActivityLine]:
    """Activities newest first; filtered by lead, by who logged them, by the lead's owner, by kind, and
    by when they happened (``[since, until)``). ``after``: the ``next_key`` of the page before."""
    with engine.connect() as conn:
        rows = q.list_activities(
            conn,
            limit=limit + 1,
            lead_id=lead_id,
            by_user_id=None if by_email is None else user_id_of(conn, by_email),
            lead_owner_id=None if owner_email is None else user_id_of(conn, owner_email),
            kind=kind,
            since=since,
            until=until,
            after=after,
        )
    return page_of(rows, limit, lambda r: (r.occurred_at, r.source, r.external_id), _line)


def _line(r: Any) -> ActivityLine:
    return ActivityLine(r.lead_id, r.type, r.outcome, r.occurred_at, r.by, r.source, r.external_id)
