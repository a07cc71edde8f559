"""The attribution page: the revenue and conversions each channel earned under each model (first
touch, last touch, linear, time decay, position based, Markov, Shapley …), side by side; what each
channel costs (CAC) and brings back (LTV:CAC); and the revenue and pipeline figures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from revbridge.reports import charts
from revbridge.web.asked import Asked, numbers_page
from revbridge.web.session import Viewer

router = APIRouter(include_in_schema=False)

MODEL_NAMES = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "last_non_direct": "Last non-direct",
    "linear": "Linear",
    "u_shaped": "Position based",
    "time_decay": "Time decay",
    "w_shaped": "W-shaped",
    "full_path": "Full path",
    "markov": "Markov",
    "shapley": "Shapley",
}
MARGIN, CHURN = 0.8, 0.15  # LTV's assumptions, as `revbridge kpis --view ltv` takes by default


@router.get("/attribution")
def attribution(request: Request, user: Viewer, team: str | None = None) -> HTMLResponse:
    def build(asked: Asked) -> dict[str, Any]:
        credit = asked.frame("attribution")
        models = [str(m) for m in dict.fromkeys(credit["model"])]
        channels = sorted(set(credit["channel"]))
        cell = {(row.model, row.channel): row for row in credit.itertuples()}
        table = [
            {"channel": channel, "cells": [cell.get((model, channel)) for model in models]} for channel in channels
        ]
        shares: dict[str, Sequence[float]] = {
            MODEL_NAMES.get(model, model): [
                float(cell[model, c].share) if (model, c) in cell else 0.0 for c in channels
            ]
            for model in models
        }
        totals = asked.records("revenue_total")
        return {
            "models": [(model, MODEL_NAMES.get(model, model)) for model in models],
            "skipped": {MODEL_NAMES.get(k, k): v for k, v in credit.attrs.get("skipped", {}).items()},
            "converted": bool(credit["conversions"].sum() > 0),
            "table": table,
            "shares": charts.bars(channels, shares, percent=True),
            "ltv": asked.records("ltv_to_cac", margin=MARGIN, churn=CHURN),
            "margin": MARGIN,
            "churn": CHURN,
            "kpis": totals[0] if totals else None,
            "by_channel": asked.records("revenue"),
            "pipeline": asked.records("pipeline"),
        }

    return numbers_page(request, user, "attribution.html", build, team=team)
