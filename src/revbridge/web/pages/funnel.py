"""The funnel page: how far the last year's leads got (stage by stage, and by channel), the entries into
each stage per week or month, how long leads stay in each stage and take from one to the next, and how
many are stalled."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from revbridge.reports import charts
from revbridge.web.asked import Asked, numbers_page, records
from revbridge.web.session import Viewer

router = APIRouter(include_in_schema=False)

Period = Literal["week", "month"]


@router.get("/funnel")
def funnel(request: Request, user: Viewer, period: Period = "week", team: str | None = None) -> HTMLResponse:
    def build(asked: Asked) -> dict[str, Any]:
        stages = asked.records("funnel_stages")
        order = [row["stage"] for row in stages]
        periods = asked.frame("funnel_periods", period=period)
        conversion = asked.frame("conversion")
        stalled = asked.records("stalled")
        reached = charts.bars(order, {"share of the cohort": [row["share"] or 0.0 for row in stages]}, percent=True)
        return {
            "period": period,
            "stages": stages,
            "cohort_leads": stages[0]["cohort_leads"] if stages else 0,
            "reached": reached,
            "entries": charts.lines(periods, x="period", series="stage", y="entries", order=order),
            "has_entries": not periods.empty,
            "conversion": records(conversion),
            "conversion_steps": [c for c in conversion.columns if "→" in str(c)],
            "time_in_stage": asked.records("time_in_stage"),
            "stage_to_stage": asked.records("stage_to_stage"),
            "stalled": stalled,
            "stalled_total": sum(row["stalled"] for row in stalled),
        }

    return numbers_page(request, user, "funnel.html", build, team=team)
