"""``/api/audit``: the audit log, every write through the API and the browser, for admins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from revbridge.api.deps import Me, Store
from revbridge.api.pagination import Page, key_of, page
from revbridge.api.params import Cursor, Limit, Word
from revbridge.domain.api_access import check
from revbridge.services.audit import AuditLine, audit_page

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=Page[AuditLine])
def audit(
    store: Store,
    caller: Me,
    by: Annotated[Word | None, Query(description="Only the writes of the person with this e-mail.")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Every write, the newest first: who (by e-mail), when, through the API or the browser, the route
    and its subject, and the HTTP status it was answered with (a refused write is logged too). Admins
    only."""
    check(caller, "read_audit")
    return page(audit_page(store, limit=limit, after=key_of(cursor, int), email=by))
