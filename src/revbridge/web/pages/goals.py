"""The goals page: every shared goal with its progress, forecast and status, and each person's quota
attainment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from revbridge.domain.measures import MEASURE_KINDS
from revbridge.web.asked import Asked, numbers_page
from revbridge.web.session import Viewer

router = APIRouter(include_in_schema=False)


@router.get("/goals")
def goals(request: Request, user: Viewer, team: str | None = None) -> HTMLResponse:
    def build(asked: Asked) -> dict[str, Any]:
        shown = [{**goal, "reached": _reached(goal)} for goal in asked.records("goals")]
        return {"goals": shown, "quotas": asked.records("quota")}

    return numbers_page(request, user, "goals.html", build, team=team)


def _reached(goal: dict[str, Any]) -> float | None:
    """How far along the bar is: progress ÷ target (target ÷ progress where lower is better), at most 1."""
    kind = MEASURE_KINDS.get(goal["metric"])
    if kind is None or goal["progress"] is None or not goal["target"]:
        return None
    progress, target = float(goal["progress"]), float(goal["target"])
    if kind.higher_is_better:
        return max(0.0, min(1.0, progress / target))
    return 1.0 if progress <= target else target / progress
