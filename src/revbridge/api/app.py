"""The FastAPI application: one per engine. The JSON API is under ``/api`` (one router per resource in
``routes/``); the dashboard's pages have the rest of the site (``revbridge.web``). Errors come back as
problems (``problems.py``), or as a page to a browser off the API; every write is audited (``audit.py``).

Routes parse the request, call one service, and shape its answer; no rule of the business lives here.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Engine

from revbridge import __version__, bootstrap
from revbridge.api import problems
from revbridge.api.audit import AuditLog
from revbridge.api.routes import (
    activities,
    audit,
    conversions,
    goals,
    leads,
    metrics,
    sla,
    spend,
    touchpoints,
    verdicts,
)
from revbridge.services.ingest_events import EventIngestor, GroupedIngest
from revbridge.web import app as web

API = "/api"
SWAGGER = "/static/vendor/swagger-ui"


def create_app(engine: Engine, *, serving: bool = False) -> FastAPI:
    """The app over ``engine``; ``serving``: for a server about to take people (its dashboard's numbers
    start computing at once), not a test's."""
    app = FastAPI(
        title="RevBridge",
        version=__version__,
        summary="One record of every lead's journey, the marketing–sales SLA as code, and the shared numbers.",
        docs_url=None,  # served below from the package's own copy of Swagger UI: no CDN
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.events = GroupedIngest(EventIngestor(engine))  # shared: look-ups stay warm, one commit a group
    problems.install(app, html=web.error_page)
    for module in (leads, touchpoints, verdicts, activities, audit, conversions, spend, goals, sla, metrics):
        app.include_router(module.router, prefix=API)
    web.install(app, engine, warm=serving)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """The API's readable documentation, working offline: Swagger UI 5.35 (Apache-2.0) is vendored."""
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="RevBridge API",
            swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
        )

    app.add_middleware(AuditLog, engine=engine)
    return app


def from_environment() -> FastAPI:
    """The app for the database REVBRIDGE_DATABASE_URL names: what each of several server processes
    (``revbridge serve --workers N``) makes for itself."""
    return create_app(bootstrap.engine(), serving=True)
