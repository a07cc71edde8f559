"""How numbers, moments and chart data are written in pages and reports: Jinja filters, one copy for the
dashboard's templates and the report's."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any


def as_json(value: Any) -> str:
    """Data for a chart, safe inside ``<script type="application/json">``."""
    return json.dumps(value, default=str).replace("<", "\\u003c")


def figure(value: Any, like: float | None = None) -> str:
    """A number as people read it: a share (of a target at most 1) as a percentage, else grouped."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    number = float(value)
    if like is not None and abs(float(like)) <= 1:
        return f"{number:.0%}"
    return f"{number:,.0f}" if abs(number) >= 100 or number == int(number) else f"{number:,.2f}"


def when(value: Any) -> str:
    """A moment, to the minute, in UTC."""
    if value is None:
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return f"{value:%Y-%m-%d %H:%M} UTC" if isinstance(value, datetime) else str(value)


def share(value: Any) -> str:
    """A share (0–1) as a whole percentage."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value):.0%}"


FILTERS: dict[str, Callable[..., str]] = {"as_json": as_json, "figure": figure, "when": when, "share": share}
