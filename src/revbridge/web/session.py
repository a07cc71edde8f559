"""Who a browser is: the session cookie its log-in set, and the CSRF token its forms carry back.

- ``Viewer``: the signed-in person, for a page; without a live session the browser is sent to the
  log-in page, and comes back where it was going.
- ``Writer``: the same, for a form's POST, which must carry the session's CSRF token in the ``csrf``
  field; without it the write is refused (403) and nothing is done. The cookie is ``SameSite=Lax`` and
  ``HttpOnly`` as well.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, HTTPException, Request

from revbridge.services.logins import SessionUser, session_user
from revbridge.web.store import engine_of

COOKIE = "rb_session"


class LoginNeeded(Exception):
    """No live session: the app answers with a redirect to the log-in page."""

    def __init__(self, going_to: str) -> None:
        super().__init__(going_to)
        self.going_to = going_to


def current(request: Request) -> SessionUser | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    found = session_user(engine_of(request), token, now=datetime.now(UTC))
    if found is not None:
        request.state.actor = found.caller
    return found


def viewer(request: Request) -> SessionUser:
    found = current(request)
    if found is None or not found.caller.active:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginNeeded(target)
    return found


def writer(user: Annotated[SessionUser, Depends(viewer)], csrf: Annotated[str, Form()] = "") -> SessionUser:
    if not secrets.compare_digest(csrf, user.csrf):
        raise HTTPException(403, "this form is stale or came from elsewhere: reload the page and try again")
    return user


def login_url(going_to: str) -> str:
    return "/login" + (f"?next={quote(going_to, safe='')}" if going_to not in ("", "/") else "")


Viewer = Annotated[SessionUser, Depends(viewer)]
Writer = Annotated[SessionUser, Depends(writer)]
