"""``/audit``: the audit log, for admins: every write through the API and the browser, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from revbridge.domain.api_access import check
from revbridge.services.audit import audit_page
from revbridge.web.render import page
from revbridge.web.session import Viewer
from revbridge.web.store import Store

router = APIRouter(include_in_schema=False)


@router.get("/audit")
def audit(
    request: Request,
    store: Store,
    user: Viewer,
    by: Annotated[str | None, Query(max_length=320)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    check(user.caller, "read_audit")
    found = audit_page(store, limit=100, after=(before,) if before else None, email=by or None)
    older = found.next_key[0] if found.next_key else None
    return page(request, "audit.html", user, entries=found.items, by=by or "", older=older)
