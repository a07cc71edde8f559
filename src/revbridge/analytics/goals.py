"""Shared goals: a measure (``analytics/measures.py``), a target, a period and the teams that own it.

**Progress** is the measure from the period's start to now (or to its end, once over). The **forecast**
to the period's end extrapolates a count at the pace so far (progress ÷ the share of the period gone)
and keeps a rate as it is. A goal is **on track** when its forecast reaches the target (stays under it,
for a measure where lower is better).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pandas as pd

from revbridge.analytics.measures import MEASURES, measure
from revbridge.analytics.source import Source


def goal_progress(source: Source, *, now: datetime) -> pd.DataFrame:
    """Every stored goal with its progress, forecast and whether it is on track at ``now``."""
    table = source.table("goals").select("id", "name", "metric", "target", "period_start", "period_end", "teams")
    goals = source.frame(table, ["period_start", "id"])
    rows = []
    for goal in goals.itertuples():
        first, last = pd.Timestamp(goal.period_start).date(), pd.Timestamp(goal.period_end).date()
        start = datetime.combine(first, time(), tzinfo=UTC)
        end = datetime.combine(last, time(), tzinfo=UTC) + timedelta(days=1)  # the end day counts
        spec = MEASURES.get(goal.metric)
        progress = None
        if spec is not None and now > start:
            progress = measure(source, goal.metric, since=start, until=min(now, end), now=now)
        gone = min(max((now - start) / (end - start), 0.0), 1.0)
        forecast = progress
        if spec is not None and spec.kind == "count" and progress is not None and gone > 0:
            forecast = progress / gone
        on_track = None
        if forecast is not None and spec is not None:
            on_track = forecast >= goal.target if spec.higher_is_better else forecast <= goal.target
        rows.append(
            {
                "id": goal.id,
                "name": goal.name,
                "metric": goal.metric,
                "teams": goal.teams,
                "target": goal.target,
                "period_start": first,
                "period_end": last,
                "elapsed": gone,
                "progress": progress,
                "forecast": forecast,
                "on_track": on_track,
            }
        )
    columns = ["id", "name", "metric", "teams", "target", "period_start", "period_end", "elapsed", "progress"]
    return pd.DataFrame(rows, columns=[*columns, "forecast", "on_track"])
