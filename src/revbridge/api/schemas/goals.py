"""What ``/api/goals`` takes and gives: shared goals and their progress."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from revbridge.api.params import NO_NUL, Day


class GoalIn(BaseModel):
    """A SMART goal: a named measure, a target, a period with an end, and the teams that own it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300, pattern=NO_NUL, examples=["Q1 pipeline"])
    metric: str = Field(min_length=1, max_length=100, pattern=NO_NUL, examples=["opportunities"])
    target: float = Field(allow_inf_nan=False, le=1e15, examples=[120])
    period_start: Day
    period_end: Day = Field(description="The period's last day, inclusive.")
    teams: list[str] = Field(min_length=1, max_length=2, examples=[["marketing", "sales"]])


class GoalCreated(BaseModel):
    id: int


class GoalLine(BaseModel):
    """A goal with its progress: the measure from the period's start to now, the forecast to its end,
    and whether it is on track."""

    id: int
    name: str
    metric: str
    teams: list[str]
    target: float
    period_start: date
    period_end: date
    elapsed: float = Field(description="The share of the period gone, 0 to 1.")
    progress: float | None
    forecast: float | None
    on_track: bool | None
