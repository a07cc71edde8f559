"""The FastAPI application: one per engine. The JSON API is under ``/api`` (one router per resource in
``routes/``); the dashboard's pages have the rest of the site (``revbridge.web``). Errors come back as
problems (``problems.py``), or as a page to a browser off the API; every write is audited (``audit.py``).

Routes parse the request, call one service, and shape its answer; no rule of the business lives here.
"""

from __future__ import annotations

from fastapi import FastAPI
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
from revbridge.services.ingest_events import EventIngestor
from revbridge.web import app as web

API = "/api"


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI(
        title="RevBridge",
        version=__version__,
        summary="One record of every lead's journey, the marketing–sales SLA as code, and the shared numbers.",
    )
    app.state.engine = engine
    app.state.events = EventIngestor(engine)  # shared by the requests: its look-ups stay warm
    problems.install(app, html=web.error_page)
    for module in (leads, touchpoints, verdicts, activities, audit, conversions, spend, goals, sla, metrics):
        app.include_router(module.router, prefix=API)
    web.install(app, engine)
    app.add_middleware(AuditLog, engine=engine)
    return app


def from_environment() -> FastAPI:
    """The app for the database REVBRIDGE_DATABASE_URL names: what each of several server processes
    (``revbridge serve --workers N``) makes for itself."""
    return create_app(bootstrap.engine())
