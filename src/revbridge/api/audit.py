"""Every write request, through the API or the browser, recorded once it is answered (``services/audit``).

An ASGI middleware rather than a call in each route, so that no route can forget: a request whose
method writes (POST, PUT, PATCH, DELETE) makes one entry with the person it acted for (``request.state.
actor``, set by the token or session dependency; none when it had neither), the route's path, the
status it was answered with, and the subject and details a route adds to ``request.state.audit``. Reads
pass straight through, at no cost.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from revbridge.services.audit import Entry, record

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AuditLog:
    def __init__(self, app: ASGIApp, engine: Engine) -> None:
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES:
            await self.app(scope, receive, send)
            return
        status = 500

        async def answered(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, answered)
        finally:
            await run_in_threadpool(record, self.engine, entry_of(scope, status))


def entry_of(scope: Scope, status: int) -> Entry:
    state: dict[str, Any] = scope.get("state", {})
    actor = state.get("actor")
    route = scope.get("route")
    path = getattr(route, "path", None) or scope["path"]
    via = "api" if scope["path"].startswith("/api/") else "web"
    if via == "api" and not path.startswith("/api/"):
        path = "/api" + path  # a route of a router mounted at /api knows only its own part of the path
    said: dict[str, Any] = state.get("audit", {})
    params = scope.get("path_params", {})
    subject = said.get("subject") or (", ".join(f"{k.removesuffix('_id')} {v}" for k, v in params.items()) or None)
    return Entry(
        at=datetime.now(UTC),
        user_id=getattr(actor, "user_id", None),
        via=via,
        action=f"{scope['method']} {path}",
        status=status,
        subject=subject,
        detail=said.get("detail", {}),
    )
