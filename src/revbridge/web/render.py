"""Pages rendered on the server with Jinja2: one base layout (``templates/base.html``), a page per
template, the signed-in person and the session's CSRF token in every page's context."""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from revbridge.services.logins import SessionUser

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
STATIC = HERE / "static"


def _as_json(value: Any) -> str:
    """Data for a chart, safe inside ``<script type="application/json">``."""
    return json.dumps(value, default=str).replace("<", "\\u003c")


def _figure(value: Any, like: float | None = None) -> str:
    """A number as people read it: a share (of a target at most 1) as a percentage, else grouped."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    number = float(value)
    if like is not None and abs(float(like)) <= 1:
        return f"{number:.0%}"
    return f"{number:,.0f}" if abs(number) >= 100 or number == int(number) else f"{number:,.2f}"


def _when(value: Any) -> str:
    """A moment, to the minute, in UTC."""
    if value is None:
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return f"{value:%Y-%m-%d %H:%M} UTC" if isinstance(value, datetime) else str(value)


TEMPLATES.env.filters.update(as_json=_as_json, figure=_figure, when=_when)


def page(
    request: Request, template: str, user: SessionUser | None, *, status: int = 200, **context: Any
) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, template, {"user": user, **context}, status_code=status)
