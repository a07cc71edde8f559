"""Setting and removing shared goals. A goal is SMART by construction: a named measure, a target, a
period with an end, and the teams that own it; anything else is refused with what to give instead."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.engine import Engine

from revbridge.domain.errors import InvalidInput, NotFound
from revbridge.domain.measures import MEASURE_KINDS as MEASURES
from revbridge.store import goal_queries as q
from revbridge.store.engine import writing

TEAMS = ("marketing", "sales")


class GoalInvalid(InvalidInput):
    pass


def add_goal(
    engine: Engine, *, name: str, metric: str, target: float, period_start: date, period_end: date, teams: list[str]
) -> int:
    """Store a goal; its id."""
    problems = []
    if not name.strip():
        problems.append("name: say what the goal is")
    if metric not in MEASURES:
        problems.append(f"metric: {metric!r} is not a measure; use one of {', '.join(MEASURES)}")
    if target <= 0:
        problems.append(f"target: must be above 0, got {target:g}")
    if period_end < period_start:
        problems.append(f"period: ends {period_end} before it starts {period_start}")
    unknown = [t for t in teams if t not in TEAMS]
    if not teams or unknown:
        problems.append(
            f"teams: name one or both of {', '.join(TEAMS)}" + (f", not {', '.join(unknown)}" if unknown else "")
        )
    if problems:
        raise GoalInvalid("the goal cannot be set: " + "; ".join(problems))
    with writing(engine).begin() as conn:
        return q.insert_goal(
            conn,
            name=name.strip(),
            metric=metric,
            target=target,
            period_start=period_start,
            period_end=period_end,
            teams=",".join(sorted(set(teams))),
            filters={},
        )


def remove_goal(engine: Engine, goal_id: int, *, may: Callable[[list[str]], None] | None = None) -> None:
    """Remove a goal. ``may``, given the teams that own it, refuses (raises) if the caller may not."""
    with writing(engine).begin() as conn:
        teams = q.goal_teams(conn, goal_id)
        if teams is not None and may is not None:
            may(teams)
        if teams is None or not q.delete_goal(conn, goal_id):
            raise NotFound(f"no goal with id {goal_id}; list them with `revbridge goals list`")
