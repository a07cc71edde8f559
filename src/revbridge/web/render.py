"""Pages rendered on the server with Jinja2: one base layout (``templates/base.html``), a page per
template, the signed-in person and the session's CSRF token in every page's context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from revbridge.reports.filters import FILTERS
from revbridge.reports.render import TEMPLATES_DIR as REPORT_TEMPLATES
from revbridge.services.logins import SessionUser

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=[HERE / "templates", REPORT_TEMPLATES])  # pages include the report's body
STATIC = HERE / "static"
TEMPLATES.env.filters.update(FILTERS)


def page(
    request: Request, template: str, user: SessionUser | None, *, status: int = 200, **context: Any
) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, template, {"user": user, **context}, status_code=status)
