"""The home page: the two-sided scorecard (each team's commitments, met or not), the signals that the
two teams are drifting apart, and the funnel's weekly entries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from revbridge.reports import charts
from revbridge.services.sla_versions import NoSlaInForce
from revbridge.web.render import page
from revbridge.web.session import Viewer

if TYPE_CHECKING:
    import pandas as pd

router = APIRouter(include_in_schema=False)
NUMBERS = ("scorecard", "signals", "funnel_periods")  # what the page shows, in the order _shape takes them


@router.get("/")
def home(request: Request, user: Viewer) -> HTMLResponse:
    try:
        shown, as_of = request.app.state.numbers.shaped("home", _shape, *NUMBERS)
    except NoSlaInForce as missing:
        return page(request, "home.html", user, scorecard=None, missing=str(missing))
    return page(request, "home.html", user, **shown, as_of=as_of, missing=None)


def _shape(card: pd.DataFrame, found: pd.DataFrame, weekly: pd.DataFrame) -> dict[str, Any]:
    sides: dict[str, list[dict[str, Any]]] = {"marketing": [], "sales": []}
    for row in card.to_dict("records"):
        sides.setdefault(row["team"], []).append(row)
    order = ("lead", "mql", "sal", "sql")
    return {
        "scorecard": sides,
        "signals": found.to_dict("records"),
        "weekly": charts.lines(weekly, x="period", series="stage", y="entries", order=order),
    }
