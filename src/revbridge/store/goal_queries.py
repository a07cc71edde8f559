"""The shared goals' rows."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.store.tables import GoalRow


def insert_goal(
    conn: Connection,
    *,
    name: str,
    metric: str,
    target: float,
    period_start: date,
    period_end: date,
    teams: str,
    filters: dict[str, Any],
) -> int:
    values = {
        "name": name,
        "metric": metric,
        "target": target,
        "period_start": period_start,
        "period_end": period_end,
        "teams": teams,
        "filters": filters,
    }
    return int(conn.execute(sa.insert(GoalRow).values(values).returning(GoalRow.id)).scalar_one())


def delete_goal(conn: Connection, goal_id: int) -> bool:
    return conn.execute(sa.delete(GoalRow).where(GoalRow.id == goal_id)).rowcount > 0


def goal_teams(conn: Connection, goal_id: int) -> list[str] | None:
    """The teams that own the goal, or None if there is no such goal."""
    teams = conn.execute(sa.select(GoalRow.teams).where(GoalRow.id == goal_id)).scalar_one_or_none()
    return None if teams is None else [t for t in teams.split(",") if t]
