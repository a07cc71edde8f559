"""The FastAPI application: one per engine, the services behind each route, errors as problems.

Routes parse the request, call one service, and shape its answer; no rule of the business lives here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine

from revbridge import __version__
from revbridge.api import problems
from revbridge.api.schemas import (
    AcceptIn,
    BatchResult,
    DisputeIn,
    LeadPage,
    RejectIn,
    TouchpointBatch,
    Unresolved,
)
from revbridge.domain.api_access import Caller, check
from revbridge.domain.records import TouchpointRecord
from revbridge.services.api_tokens import caller_of
from revbridge.services.ingest_events import EventIngestor
from revbridge.services.lead_story import lead_story, list_leads
from revbridge.services.leads import accept, dispute, reject


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI(
        title="RevBridge",
        version=__version__,
        summary="One record of every lead's journey, the marketing–sales SLA as code, and the shared numbers.",
    )
    app.state.engine = engine
    problems.install(app)

    @app.get("/leads", tags=["leads"])
    def leads(
        store: Annotated[Engine, Depends(_engine)],
        caller: Annotated[Caller, Depends(_caller)],
        stage: Annotated[str | None, Query(description="Only leads in this stage.")] = None,
        owner: Annotated[str | None, Query(description="Only leads owned by this e-mail.")] = None,
        limit: Annotated[int, Query(ge=1, le=500, description="At most this many, latest changed first.")] = 50,
    ) -> LeadPage:
        """Leads, the most recently changed first."""
        check(caller, "read")
        found = list_leads(store, stage=stage, owner_email=owner, limit=limit)
        return LeadPage(items=found, limit=limit)

    @app.get("/leads/{lead_id}", tags=["leads"])
    def lead(
        lead_id: int, store: Annotated[Engine, Depends(_engine)], caller: Annotated[Caller, Depends(_caller)]
    ) -> dict[str, Any]:
        """One lead's story: who it is and why it scores so, its journey, stage changes, clocks, verdicts."""
        check(caller, "read")
        return lead_story(store, lead_id).as_dict()

    @app.post("/touchpoints", tags=["touchpoints"])
    def touchpoints(
        batch: TouchpointBatch, store: Annotated[Engine, Depends(_engine)], caller: Annotated[Caller, Depends(_caller)]
    ) -> BatchResult:
        """Up to 1,000 marketing events at once. Idempotent: an event sent again (same source and
        external id) is stored once. A new e-mail makes a new lead; an unknown lead id is not stored
        and is listed in ``unresolved``. For marketing and admins, with a token of the write scope."""
        check(caller, "send_touchpoints")
        records = [TouchpointRecord(**t.model_dump()) for t in batch.touchpoints]
        result = EventIngestor(store).ingest(records, now=datetime.now(UTC))
        return BatchResult(
            received=len(records),
            added=result.counts.created,
            already_stored=result.counts.duplicate,
            leads_created=result.leads_created,
            unresolved=[Unresolved(index=i, reason=reason) for i, reason in result.unresolved],
        )

    @app.post("/leads/{lead_id}/accept", tags=["verdicts"])
    def accept_lead(
        lead_id: int,
        verdict: AcceptIn,
        store: Annotated[Engine, Depends(_engine)],
        caller: Annotated[Caller, Depends(_caller)],
    ) -> dict[str, Any]:
        """Accept an MQL, as the token's person: the lead's rep (or any sales rep, if the SLA says so)."""
        check(caller, "give_verdicts")
        done = accept(store, lead_id, caller.email, at=datetime.now(UTC), rating=verdict.rating, note=verdict.note)
        return done.as_dict()

    @app.post("/leads/{lead_id}/reject", tags=["verdicts"])
    def reject_lead(
        lead_id: int,
        verdict: RejectIn,
        store: Annotated[Engine, Depends(_engine)],
        caller: Annotated[Caller, Depends(_caller)],
    ) -> dict[str, Any]:
        """Reject an MQL with one of the SLA's reasons, as the token's person."""
        check(caller, "give_verdicts")
        at = datetime.now(UTC)
        done = reject(store, lead_id, caller.email, verdict.reason, at=at, rating=verdict.rating, note=verdict.note)
        return done.as_dict()

    @app.post("/feedback/{feedback_id}/dispute", tags=["verdicts"])
    def dispute_verdict(
        feedback_id: int,
        disputed: DisputeIn,
        store: Annotated[Engine, Depends(_engine)],
        caller: Annotated[Caller, Depends(_caller)],
    ) -> dict[str, Any]:
        """Dispute a rejection, once, as the token's person (marketing); the lead does not move."""
        check(caller, "dispute")
        return dispute(store, feedback_id, caller.email, disputed.note, at=datetime.now(UTC)).as_dict()

    return app


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


_BEARER = HTTPBearer(auto_error=False, description="An API token: `revbridge token create --user EMAIL`.")


def _caller(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]) -> Caller:
    """The person the request's bearer token acts for; 401 without a live token."""
    if credentials is None:
        raise HTTPException(401, "send a token: Authorization: Bearer rb_… (revbridge token create)", _CHALLENGE)
    caller = caller_of(_engine(request), credentials.credentials)
    if caller is None:
        raise HTTPException(401, "this token is unknown or revoked", _CHALLENGE)
    return caller


_CHALLENGE = {"WWW-Authenticate": "Bearer"}
