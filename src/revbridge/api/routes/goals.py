"""``/api/goals``: shared goals with their progress; setting and removing them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from revbridge.api.deps import Me, Store
from revbridge.api.frames import computed
from revbridge.api.pagination import Page, key_of, page
from revbridge.api.params import MAX_ID, Cursor, Limit, Moment
from revbridge.api.schemas.goals import GoalCreated, GoalIn, GoalLine
from revbridge.domain.api_access import check, check_goal
from revbridge.services.goals import add_goal, remove_goal
from revbridge.services.paging import page_of

router = APIRouter(tags=["goals"])
GoalId = Annotated[int, Path(ge=1, le=MAX_ID, description="The goal's id.")]


@router.get("/goals", response_model=Page[GoalLine])
def goals(
    store: Store,
    caller: Me,
    at: Annotated[Moment | None, Query(description="The moment progress is measured at (default: now).")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Every shared goal by id, with its progress so far, the forecast to its period's end and whether
    it is on track (``revbridge goals list``). Everyone with a read token may read them."""
    check(caller, "read")
    from revbridge.analytics.goals import goal_progress  # Ibis and pandas: when numbers are asked for

    now = at or datetime.now(UTC)
    after = key_of(cursor, int)
    rows = sorted(computed(store, lambda s: goal_progress(s, now=now)), key=lambda r: int(r["id"]))
    rows = [r for r in rows if after is None or r["id"] > after[0]][: limit + 1]
    return page(page_of(rows, limit, lambda r: (int(r["id"]),), _line))


@router.post("/goals", status_code=201)
def set_goal(goal: GoalIn, request: Request, store: Store, caller: Me) -> GoalCreated:
    """Set a shared goal: admins any goal, marketing or sales a goal their own team owns alone. A goal
    that is not SMART (an unknown measure, a target of 0, a period that ends before it starts) is a
    422 problem saying what to give instead."""
    check_goal(caller, goal.teams)
    goal_id = add_goal(
        store,
        name=goal.name,
        metric=goal.metric,
        target=goal.target,
        period_start=goal.period_start,
        period_end=goal.period_end,
        teams=goal.teams,
    )
    request.state.audit = {"subject": f"goal {goal_id}", "detail": {"name": goal.name, "metric": goal.metric}}
    return GoalCreated(id=goal_id)


@router.delete("/goals/{goal_id}", status_code=204)
def remove(goal_id: GoalId, store: Store, caller: Me) -> None:
    """Remove a goal: admins any goal, marketing or sales a goal their own team owns alone."""
    check(caller, "set_goals")
    remove_goal(store, goal_id, may=lambda teams: check_goal(caller, teams))


def _line(row: dict[str, Any]) -> GoalLine:
    return GoalLine.model_validate({**row, "teams": [t for t in str(row["teams"]).split(",") if t]})
