"""The two-sided scorecard: each team's commitments in the SLA, target against actual.

Each commitment is measured (``analytics/measures.py``) over its period: the **actual** is the last
complete period, the **previous** the one before it (the **trend** is their difference) and **so far**
the period running now. **Status** is green when the actual meets the target, amber when it is within
10% of it, red otherwise, and grey when there is nothing to measure yet.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from revbridge.analytics.measures import MEASURES, measures_over
from revbridge.analytics.source import Source
from revbridge.domain.periods import next_start, period_start, previous_start
from revbridge.domain.sla_sections import Commitments

AMBER = 0.9  # within 10% of the target
MEASURE_OF = {"mql_volume": "mqls"}  # a commitment's measure, where the names differ


def commitments_of(commitments: Commitments) -> list[tuple[str, str, float, str, str]]:
    """(team, commitment, target, per, the target in words) for each commitment the SLA makes."""
    out: list[tuple[str, str, float, str, str]] = []
    for team in ("marketing", "sales"):
        part = getattr(commitments, team)
        for name in type(part).model_fields:
            target = getattr(part, name)
            if target is not None:
                out.append((team, name, float(target.target), target.per, target.describe()))
    return out


def status(actual: float | None, target: float, higher_is_better: bool = True) -> str:
    if actual is None:
        return "grey"
    ratio = actual / target if higher_is_better else (target / actual if actual else float("inf"))
    if ratio >= 1:
        return "green"
    return "amber" if ratio >= AMBER else "red"


def scorecard(source: Source, commitments: Commitments, *, now: datetime) -> pd.DataFrame:
    """One row per commitment: team, commitment, target, per, the target in words, the last complete
    period's start, actual, previous, trend, so far, status."""
    rows = []
    for team, name, target, per, words in commitments_of(commitments):
        current = period_start(now, per)
        last = previous_start(current, per)
        before = previous_start(last, per)
        measured = MEASURE_OF.get(name, name)
        windows = [(last, current), (before, last), (current, next_start(current, per))]
        actual, previous, so_far = measures_over(source, measured, windows, now=now)
        rows.append(
            {
                "team": team,
                "commitment": name,
                "target": target,
                "per": per,
                "target_text": words,
                "period": last,
                "actual": actual,
                "previous": previous,
                "trend": None if actual is None or previous is None else actual - previous,
                "so_far": so_far,
                "status": status(actual, target, MEASURES[measured].higher_is_better),
            }
        )
    return pd.DataFrame(rows)
