"""The home page: the two-sided scorecard (each team's commitments, met or not), the signals that the
two teams are drifting apart, and the funnel's weekly entries."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from revbridge.reports import charts
from revbridge.services.sla_versions import NoSlaInForce
from revbridge.web.render import page
from revbridge.web.session import Viewer

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, user: Viewer) -> HTMLResponse:
    numbers = request.app.state.numbers
    try:
        card = numbers.get("scorecard")
    except NoSlaInForce as missing:
        return page(request, "home.html", user, scorecard=None, missing=str(missing))
    found = numbers.get("signals")
    weekly = numbers.get("funnel_periods")
    sides: dict[str, list[dict[str, Any]]] = {"marketing": [], "sales": []}
    for row in card.frame.to_dict("records"):
        sides.setdefault(row["team"], []).append(row)
    chart = charts.lines(weekly.frame, x="period", series="stage", y="entries", order=("lead", "mql", "sal", "sql"))
    return page(
        request,
        "home.html",
        user,
        scorecard=sides,
        signals=found.frame.to_dict("records"),
        weekly=chart,
        as_of=min(card.at, found.at, weekly.at),
        missing=None,
    )
