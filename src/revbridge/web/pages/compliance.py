"""The SLA compliance page: each person's obligations met in time over the last 90 days (a chart and
the table), speed to lead per person, and the MQLs slipping through the cracks now."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from revbridge.reports import charts
from revbridge.web.asked import Asked, numbers_page
from revbridge.web.session import Viewer

router = APIRouter(include_in_schema=False)


@router.get("/compliance")
def compliance(request: Request, user: Viewer, team: str | None = None) -> HTMLResponse:
    def build(asked: Asked) -> dict[str, Any]:
        owners = asked.records("compliance")
        measured = [row for row in owners if row["compliance"] is not None]
        chart = charts.bars(
            [row["owner"] for row in measured],
            {"met in time": [row["compliance"] for row in measured]},
            horizontal=True,
            percent=True,
        )
        return {
            "owners": owners,
            "by_owner": chart,
            "speed": asked.records("speed_to_lead"),
            "slipping": asked.records("slipping"),
        }

    return numbers_page(request, user, "compliance.html", build, team=team)
