"""Shared goals: set through the service (refused unless SMART), progress and forecast on every engine."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from revbridge.analytics.goals import goal_progress
from revbridge.services.goals import GoalInvalid, add_goal
from tests.analytics import tiny
from tests.analytics.conftest import On


def _goals(engine: Engine) -> None:
    tiny.drift(engine)
    feb = {"period_start": date(2026, 2, 1), "period_end": date(2026, 2, 28)}
    add_goal(engine, name="February MQLs", metric="mqls", target=40, teams=["marketing", "sales"], **feb)
    add_goal(engine, name="Acceptance", metric="sal_acceptance_rate", target=0.7, teams=["sales"], **feb)
    add_goal(
        engine, name="Q2 customers", metric="customers", target=5, teams=["sales"],
        period_start=date(2026, 4, 1), period_end=date(2026, 6, 30),
    )  # fmt: skip


def test_progress_and_forecast_to_the_periods_end(on: On) -> None:
    with on(_goals) as source:
        frame = goal_progress(source, now=tiny.at("02-15", 0)).set_index("name")
    mqls, accepted, later = frame.loc["February MQLs"], frame.loc["Acceptance"], frame.loc["Q2 customers"]
    assert (mqls.progress, mqls.elapsed) == (30, 0.5)
    assert (mqls.forecast, mqls.on_track) == (60, True)  # a count goes on at its pace
    assert accepted.progress == pytest.approx(0.6)
    assert (accepted.forecast, accepted.on_track) == (pytest.approx(0.6), False)  # a rate stays as it is
    assert (later.elapsed, later.on_track) == (0, None)
    assert pd.isna(later.progress)
    assert (mqls.period_start, mqls.teams) == (date(2026, 2, 1), "marketing,sales")


def test_a_goal_that_is_not_smart_is_refused_with_every_reason(sqlite_engine: Engine) -> None:
    with pytest.raises(GoalInvalid) as caught:
        add_goal(
            sqlite_engine, name=" ", metric="leads", target=0, teams=["ops"],
            period_start=date(2026, 3, 1), period_end=date(2026, 2, 1),
        )  # fmt: skip
    message = str(caught.value)
    for part in (
        "name: say what the goal is",
        "metric: 'leads' is not a measure",
        "target: must be above 0",
        "period: ends 2026-02-01 before it starts 2026-03-01",
        "teams: name one or both of marketing, sales",
    ):
        assert part in message
