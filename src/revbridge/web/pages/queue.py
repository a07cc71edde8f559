"""The SLA queue: the MQLs waiting for sales' verdict, the earliest deadline first, each with its clocks
(business hours left, or how overdue) and, for the person whose verdict it is, the accept and reject
forms; then the clocks breached in the last week. A rep's is "My queue"; the sales manager, admins,
marketing and viewers see everyone's and may narrow it to an owner or a team. Read from the store on
every request: a lead someone has judged is gone at the next page."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from revbridge.services.logins import SessionUser
from revbridge.services.queue import sla_queue
from revbridge.services.sla_versions import NoSlaInForce
from revbridge.web.forms import flash_of, shown
from revbridge.web.render import page
from revbridge.web.session import Viewer
from revbridge.web.store import Store

router = APIRouter(include_in_schema=False)


@router.get("/queue")
def queue(request: Request, user: Viewer, store: Store) -> Response:
    return queue_page(request, user, store, "/queue" + (f"?{request.url.query}" if request.url.query else ""))


def queue_page(
    request: Request, user: SessionUser, store: Store, back: str, *, error: str | None = None, status: int = 200
) -> Response:
    """The queue at ``back`` (``/queue``, perhaps narrowed: ``/queue?owner=…&team=…``), with ``error`` (a
    refused form's words) and its ``status`` when a form was refused."""
    asked = parse_qs(urlsplit(back).query)
    owner, team = (asked.get(name, [""])[0] for name in ("owner", "team"))
    try:
        found = sla_queue(store, user.email, now=datetime.now(UTC), owner=owner, team=team)
    except NoSlaInForce as missing:
        return page(request, "queue.html", user, status=status, queue=None, missing=str(missing), error=error)
    answer = page(
        request,
        "queue.html",
        user,
        status=status,
        queue=found,
        missing=None,
        error=error,
        back=back,
        flash=flash_of(request),
    )
    return shown(request, answer)
