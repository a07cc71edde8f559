"""Log in and log out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from revbridge.services.logins import SESSION_HOURS, WrongCredentials, log_in, log_out
from revbridge.web.forms import local_path
from revbridge.web.render import page
from revbridge.web.session import COOKIE, Writer, current
from revbridge.web.store import Store

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    if current(request) is not None:
        return RedirectResponse(local_path(next, "/"), status_code=303)
    return page(request, "login.html", None, next=local_path(next, "/"), email="", error=None)


@router.post("/login")
def login(
    request: Request,
    store: Store,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    request.state.audit = {"subject": f"log-in {email.strip().lower()}"}
    try:
        started = log_in(store, email, password, now=datetime.now(UTC))
    except WrongCredentials as refused:
        return page(
            request, "login.html", None, status=401, next=local_path(next, "/"), email=email, error=str(refused)
        )
    answer = RedirectResponse(local_path(next, "/"), status_code=303)
    secure = request.url.scheme == "https"
    answer.set_cookie(COOKIE, started.token, max_age=SESSION_HOURS * 3600, httponly=True, samesite="lax", secure=secure)
    request.state.actor = started.caller
    return answer


@router.post("/logout")
def logout(request: Request, store: Store, user: Writer) -> RedirectResponse:
    log_out(store, request.cookies.get(COOKIE, ""), now=datetime.now(UTC))
    answer = RedirectResponse("/login", status_code=303)
    answer.delete_cookie(COOKIE)
    return answer
