"""Sales' verdict from the browser: ``POST /leads/{id}/accept`` (an optional rating 1–5 and note) and
``POST /leads/{id}/reject`` (one of the SLA's reasons, an optional note and rating), sent from the queue
or the lead's page. The same rules and services as the API's (``/api/leads/{id}/accept``): a refusal
writes nothing and shows the page it came from again with the refusal's words and the API's status; a
verdict sends the browser back there, saying what it did."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from revbridge.domain.api_access import check
from revbridge.domain.errors import InvalidInput, RevBridgeError
from revbridge.services.leads import ActionResult, accept, reject
from revbridge.services.logins import SessionUser
from revbridge.web.forms import done, local_path, refusal_status
from revbridge.web.pages.lead import lead_page
from revbridge.web.pages.queue import queue_page
from revbridge.web.session import Writer
from revbridge.web.store import Store

router = APIRouter(include_in_schema=False)

Rating = Annotated[str, Form(max_length=2)]
Note = Annotated[str, Form(max_length=2000)]
Back = Annotated[str, Form(max_length=500)]


@router.post("/leads/{lead_id}/accept")
def accept_lead(
    request: Request, lead_id: int, user: Writer, store: Store, rating: Rating = "", note: Note = "", back: Back = ""
) -> Response:
    """Accept an MQL as the signed-in person: it becomes SAL."""
    request.state.audit = {"subject": f"lead {lead_id}", "detail": {"verdict": "accept"}}
    target = local_path(back, f"/leads/{lead_id}")
    try:
        check(user.caller, "give_verdicts")
        now = datetime.now(UTC)
        result = accept(store, lead_id, user.email, at=now, rating=_rating(rating), note=note.strip() or None)
    except RevBridgeError as refused:
        return _refused(request, user, store, lead_id, target, refused)
    return done(request, target, f"Accepted: lead {lead_id} is now {_stage(result)}")


@router.post("/leads/{lead_id}/reject")
def reject_lead(
    request: Request,
    lead_id: int,
    user: Writer,
    store: Store,
    reason: Annotated[str, Form(max_length=100)] = "",
    rating: Rating = "",
    note: Note = "",
    back: Back = "",
) -> Response:
    """Reject an MQL with one of the SLA's reasons, as the signed-in person."""
    request.state.audit = {"subject": f"lead {lead_id}", "detail": {"verdict": "reject", "reason": reason}}
    target = local_path(back, f"/leads/{lead_id}")
    try:
        check(user.caller, "give_verdicts")
        if not reason.strip():
            raise InvalidInput("choose a reason for the rejection from the SLA's list")
        now = datetime.now(UTC)
        result = reject(store, lead_id, user.email, reason, at=now, rating=_rating(rating), note=note.strip() or None)
    except RevBridgeError as refused:
        return _refused(request, user, store, lead_id, target, refused)
    return done(request, target, f"Rejected: lead {lead_id} is now {_stage(result)} ({_reason_words(result)})")


def _rating(text: str) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit():
        raise InvalidInput(f"a rating is a whole number from 1 to 5, got {text.strip()!r}")
    return int(text)


def _reason_words(result: ActionResult) -> str:
    return (result.reason or "").removeprefix("rejected: ")


def _stage(result: ActionResult) -> str:
    """``SAL``, ``nurture``: the funnel's short names in capitals, as people say them."""
    return result.stage.upper() if len(result.stage) <= 3 else result.stage


def _refused(
    request: Request, user: SessionUser, store: Store, lead_id: int, target: str, refused: RevBridgeError
) -> Response:
    """The page the form came from, again, with the refusal's words and its status."""
    status = refusal_status(refused)
    if target.startswith("/queue"):
        return queue_page(request, user, store, target, error=str(refused), status=status)
    return lead_page(request, user, store, lead_id, error=str(refused), status=status)
