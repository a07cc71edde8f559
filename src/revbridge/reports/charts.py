"""Chart.js configurations made from data frames on the server; ``static/charts.js`` draws them.

Each function returns the configuration as plain data (JSON-able): a page puts it in a
``<script type="application/json">`` beside its ``<canvas data-chart>``, and a report embeds it the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

PALETTE = ("#7c3aed", "#0f766e", "#2563eb", "#d97706", "#db2777", "#059669", "#64748b", "#b91c1c")


def lines(
    frame: pd.DataFrame, *, x: str, series: str, y: str, order: Sequence[str] = (), title: str = ""
) -> dict[str, Any]:
    """One line per value of ``series``, ``y`` against ``x`` (e.g. entries per week, one line per stage)."""
    if frame.empty:
        return _config("line", [], [], title)
    table = frame.pivot_table(index=x, columns=series, values=y, aggfunc="sum").fillna(0).sort_index()
    names = [s for s in order if s in table.columns] + [s for s in table.columns if s not in order]
    labels = [_label(v) for v in table.index]
    datasets = [
        {
            "label": str(name),
            "data": [float(v) for v in table[name]],
            "borderColor": PALETTE[i % len(PALETTE)],
            "backgroundColor": PALETTE[i % len(PALETTE)],
            "tension": 0.25,
            "pointRadius": 0,
        }
        for i, name in enumerate(names)
    ]
    return _config("line", labels, datasets, title)


def bars(
    labels: Sequence[Any],
    values: dict[str, Sequence[float]],
    *,
    title: str = "",
    stacked: bool = False,
    horizontal: bool = False,
    percent: bool = False,
) -> dict[str, Any]:
    """Bars: one dataset per key of ``values``, over ``labels``."""
    datasets = [
        {"label": name, "data": [float(v) for v in data], "backgroundColor": PALETTE[i % len(PALETTE)]}
        for i, (name, data) in enumerate(values.items())
    ]
    config = _config("bar", [_label(v) for v in labels], datasets, title)
    options = config["options"]
    scales: dict[str, Any] = {"x": {}, "y": {}}
    if horizontal:
        options["indexAxis"] = "y"
        scales["y"]["ticks"] = {"autoSkip": False}  # every category named, however many
    if stacked:
        scales["x"]["stacked"] = scales["y"]["stacked"] = True
    if percent:
        scales["x" if horizontal else "y"]["ticks"] = {"format": {"style": "percent", "maximumFractionDigits": 0}}
    if any(scales.values()):
        options["scales"] = {axis: spec for axis, spec in scales.items() if spec}
    return config


def _config(kind: str, labels: list[str], datasets: list[dict[str, Any]], title: str) -> dict[str, Any]:
    plugins: dict[str, Any] = {"legend": {"position": "bottom"}}
    if title:
        plugins["title"] = {"display": True, "text": title}
    return {"type": kind, "data": {"labels": labels, "datasets": datasets}, "options": {"plugins": plugins}}


def _label(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return str(value.strftime("%Y-%m-%d"))
    return str(value)
