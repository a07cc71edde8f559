"""The dashboard's part of the app: its pages, its static files, log-in redirects and HTML errors."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine

from revbridge.web.checkin_reports import CheckinReports
from revbridge.web.numbers import SharedNumbers
from revbridge.web.pages import (
    attribution,
    audit,
    auth,
    checkin,
    compliance,
    contract,
    feedback,
    funnel,
    glossary,
    goals,
    home,
    lead,
    queue,
    verdicts,
)
from revbridge.web.render import STATIC, page
from revbridge.web.session import LoginNeeded, current, login_url

PAGES = (
    auth,
    audit,
    home,
    funnel,
    compliance,
    attribution,
    goals,
    contract,
    glossary,
    checkin,
    queue,
    verdicts,
    lead,
    feedback,
)


def install(app: FastAPI, engine: Engine, *, warm: bool = False) -> None:
    """The pages, their static files and their caches on ``app``; with ``warm``, the home page's numbers
    start computing at once (a server about to take people; not a test's app)."""
    app.state.numbers = SharedNumbers(engine)
    if warm:
        app.state.numbers.warm(home.NUMBERS)
    app.state.checkin_reports = CheckinReports(engine)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in PAGES:
        app.include_router(module.router)

    @app.exception_handler(LoginNeeded)
    async def log_in_first(_: Request, needed: LoginNeeded) -> RedirectResponse:
        return RedirectResponse(login_url(needed.going_to), status_code=303)


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    return page(request, "error.html", current(request), status=status, title=title, detail=detail)
