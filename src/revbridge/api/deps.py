"""What every route may ask for: the store's engine, and the person the request acts for.

``Store`` and ``Me`` are annotated types a route names as parameters; FastAPI fills them in. A request to
the JSON API carries a bearer token (``revbridge token create``); a browser's request carries the session
cookie its log-in set, which the web pages' own dependencies read (``revbridge.web.session``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from revbridge.domain.api_access import Caller
from revbridge.services.api_tokens import caller_of
from revbridge.web.store import Store, engine_of

_BEARER = HTTPBearer(auto_error=False, description="An API token: `revbridge token create --user EMAIL`.")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def caller(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]) -> Caller:
    """The person the request's bearer token acts for; 401 without a live token. The audit log reads it
    from ``request.state.actor``."""
    if credentials is None:
        raise HTTPException(401, "send a token: Authorization: Bearer rb_… (revbridge token create)", _CHALLENGE)
    found = caller_of(engine_of(request), credentials.credentials)
    if found is None:
        raise HTTPException(401, "this token is unknown or revoked", _CHALLENGE)
    request.state.actor = found
    return found


__all__ = ["Me", "Store", "caller"]
Me = Annotated[Caller, Depends(caller)]
