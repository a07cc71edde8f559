"""The weekly check-in in the dashboard: the same content as ``revbridge report weekly`` (one template,
``reports/templates/weekly_body.html``), a week selector, and the meeting's forms.

- ``GET /checkin?week=2026-W47``: the week's agenda (default: the last complete week) with its
  decisions and sign-offs as they stand; ``GET /checkin/2026-W47/report.html``: the same as one file.
- ``POST /checkin/{week}/decisions``: record a decision (marketing, sales and admins).
- ``POST /checkin/{week}/signoff``: a team lead signs the week off with a comment; signing again
  replaces the comment. Who may is ``domain/checkin.py``'s rule.

A write sends the browser back to the week with a one-time message (``web/forms.py``). A refusal writes
nothing and shows the page again with the refusal in words: 403 for who may not, 422 for an empty
decision, 404 for a week that is not one or has not begun.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine

from revbridge.domain.checkin import DECIDERS, NotACheckinWriter
from revbridge.domain.errors import NotFound, RevBridgeError
from revbridge.domain.iso_weeks import InvalidWeek, IsoWeek
from revbridge.reports.render import context, render_html
from revbridge.services.checkin import add_decision, may_sign, sign_off
from revbridge.services.logins import SessionUser
from revbridge.web.checkin_reports import CheckinReports
from revbridge.web.forms import done, flash_of, shown
from revbridge.web.render import page
from revbridge.web.session import Viewer, Writer
from revbridge.web.store import Store

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=4000)]


@router.get("/checkin")
def checkin(request: Request, user: Viewer, store: Store, week: str = "") -> Response:
    now = datetime.now(UTC)
    chosen = _week(request, user, week, now) if week else IsoWeek.last_complete(now)
    if isinstance(chosen, HTMLResponse):
        return chosen
    return shown(request, _page(request, user, store, chosen, now, flash=flash_of(request)))


@router.get("/checkin/{week}/report.html")
def report_file(request: Request, user: Viewer, store: Store, week: str) -> Response:
    """The week's check-in as one self-contained HTML file, to keep or send."""
    now = datetime.now(UTC)
    chosen = _week(request, user, week, now)
    if isinstance(chosen, HTMLResponse):
        return chosen
    report = _reports(request).get(chosen).with_record(store, now=now)
    disposition = f'attachment; filename="check-in-{chosen}.html"'
    return HTMLResponse(render_html(report), headers={"content-disposition": disposition})


@router.post("/checkin/{week}/decisions")
def decide(request: Request, week: str, user: Writer, store: Store, text: Text = "") -> Response:
    """Record a decision taken in the meeting of ``week``, as the signed-in person."""
    return _record(request, week, user, store, "decision", text)


@router.post("/checkin/{week}/signoff")
def sign(request: Request, week: str, user: Writer, store: Store, comment: Text = "") -> Response:
    """Sign the week off for the signed-in team lead's team, with a comment."""
    return _record(request, week, user, store, "signoff", comment)


_WRITES = {  # what each form writes, the field its text came from, and what it says once done
    "decision": (add_decision, "draft", "Decision recorded."),
    "signoff": (sign_off, "comment", "Signed off. Signing again replaces your comment."),
}


def _record(request: Request, week: str, user: SessionUser, store: Engine, kind: str, text: str) -> Response:
    """Write a decision or a sign-off for ``week``; a refusal shows the page again with its words and
    the text kept."""
    request.state.audit = {"subject": f"check-in {week}", "detail": {"kind": kind}}
    write, field, said = _WRITES[kind]
    now = datetime.now(UTC)
    chosen = _week(request, user, week, now)
    if isinstance(chosen, HTMLResponse):
        return chosen
    try:
        write(store, chosen, user.caller.user_id, text, now=now)
    except RevBridgeError as refused:
        kept = {field: text}
        return _page(request, user, store, chosen, now, status=_status(refused), error=str(refused), **kept)
    return done(request, f"/checkin?week={chosen}#decisions", said)


def _page(
    request: Request,
    user: SessionUser,
    store: Engine,
    week: IsoWeek,
    now: datetime,
    *,
    status: int = 200,
    error: str | None = None,
    flash: str | None = None,
    draft: str = "",
    comment: str = "",
) -> HTMLResponse:
    report = _reports(request).get(week).with_record(store, now=now)
    signing = may_sign(store, week, user.caller.user_id, now=now)
    signed = report.record is not None and any(s.email == user.email for s in report.record.sign_offs)
    return page(
        request,
        "checkin.html",
        user,
        status=status,
        **context(report),
        forms="checkin_forms.html",
        lead_href="/leads/",
        may_decide=user.role in DECIDERS,
        may_sign=signing,
        signed=signed,
        error=error,
        flash=flash,
        draft=draft,
        comment=comment,
    )


def _week(request: Request, user: SessionUser, text: str, now: datetime) -> IsoWeek | HTMLResponse:
    """The week ``text`` names, or the error page for a week that is not one or has not begun."""
    try:
        week = IsoWeek.parse(text)
    except InvalidWeek as wrong:
        return page(request, "error.html", user, status=404, title="No such week", detail=str(wrong))
    if not week.has_started(now):
        detail = f"{week} has not begun: its check-in opens on {week.start:%A %d %B %Y}."
        return page(request, "error.html", user, status=404, title="Not yet", detail=detail)
    return week


def _status(refused: RevBridgeError) -> int:
    """403 for who may not, 404 for someone unknown, 422 for the rest (a week not begun, no words)."""
    if isinstance(refused, NotACheckinWriter):
        return 403
    return 404 if isinstance(refused, NotFound) else 422


def _reports(request: Request) -> CheckinReports:
    reports: CheckinReports = request.app.state.checkin_reports
    return reports
