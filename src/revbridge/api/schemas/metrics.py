"""What ``/api/metrics`` gives: every shared number's definition, and its rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class MetricInfo(BaseModel):
    name: str = Field(examples=["acceptance"])
    definition: str = Field(description="The definitions its numbers follow: the CLI's help and the glossary's.")
    summary: str = Field(description="What its table holds.")
    parameters: list[str] = Field(description="What it may be asked: since, until, by, at.")
    by: list[str] = Field(description="What it may be sliced by.")
    default_by: str | None


class MetricAnswer(BaseModel):
    name: str
    since: datetime | None
    until: datetime | None
    by: str | None
    at: datetime = Field(description="The moment 'now' meant.")
    rows: list[dict[str, Any]] = Field(description="The table, a JSON record per row.")
