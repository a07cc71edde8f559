"""A lead's page: who it is, its stage and owner, its journey as one timeline (marketing's touchpoints,
sales' activities, the stage changes), why it scores what it does, its clocks and verdicts with their
disputes; and, for whoever may, the verdict forms and the activity form (``POST /leads/{id}/activities``,
as ``revbridge lead activity``). Read from the store on every request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from revbridge.domain.api_access import check
from revbridge.domain.errors import RevBridgeError
from revbridge.services.lead_view import view_lead
from revbridge.services.leads import log_activity
from revbridge.services.logins import SessionUser
from revbridge.web.forms import done, flash_of, local_path, refusal_status, shown
from revbridge.web.render import page
from revbridge.web.session import Viewer, Writer
from revbridge.web.store import Store

router = APIRouter(include_in_schema=False)


@router.get("/leads/{lead_id}")
def lead(request: Request, lead_id: int, user: Viewer, store: Store) -> Response:
    return lead_page(request, user, store, lead_id)


def lead_page(
    request: Request, user: SessionUser, store: Store, lead_id: int, *, error: str | None = None, status: int = 200
) -> Response:
    """The lead's page, with ``error`` (a refused form's words) and its ``status`` when a form was refused."""
    found = view_lead(store, lead_id, user.email, now=datetime.now(UTC))
    answer = page(
        request,
        "lead.html",
        user,
        status=status,
        view=found,
        lead=found.story.lead,
        back=f"/leads/{lead_id}",
        error=error,
        flash=flash_of(request),
    )
    return shown(request, answer)


@router.post("/leads/{lead_id}/activities")
def activity(
    request: Request,
    lead_id: int,
    user: Writer,
    store: Store,
    kind: Annotated[str, Form(max_length=50)] = "",
    outcome: Annotated[str, Form(max_length=100)] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    """Log a call, e-mail or meeting on the lead, as the signed-in person (sales or an admin)."""
    request.state.audit = {"subject": f"lead {lead_id}", "detail": {"activity": kind, "outcome": outcome or None}}
    try:
        check(user.caller, "work_leads")
        result = log_activity(store, lead_id, user.email, kind, at=datetime.now(UTC), outcome=outcome.strip() or None)
    except RevBridgeError as refused:
        return lead_page(request, user, store, lead_id, error=str(refused), status=refusal_status(refused))
    moved = f"; the lead is now {result.stage}" if result.moved else ""
    met = [c.kind.replace("_", " ") for c in result.clocks if c.change == "met"]
    clocks = f"; clock met: {', '.join(met)}" if met else ""
    return done(
        request, local_path(back, f"/leads/{lead_id}"), f"Logged: {kind.strip()} on lead {lead_id}{moved}{clocks}"
    )
