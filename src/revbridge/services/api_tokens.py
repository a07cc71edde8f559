"""Tokens for the HTTP API: made for a person with scopes, shown once, kept as their SHA-256 only,
listed, revoked; and the caller a presented token stands for.

A token is 32 random bytes (``secrets``), so a plain SHA-256 suffices to keep it: nobody can guess
one from its digest, and looking one up costs one index probe per request (a password hash such as
argon2 is for the low-entropy secrets people choose).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from revbridge.domain.api_access import SCOPES, Caller
from revbridge.domain.errors import InvalidInput, NotFound
from revbridge.services.lead_story import UnknownUser
from revbridge.store import api_tokens
from revbridge.store import lead_queries as q

PREFIX = "rb_"


@dataclass(frozen=True)
class MadeToken:
    id: int
    token: str  # shown once


def make_token(engine: Engine, *, email: str, name: str, scopes: Iterable[str] = SCOPES) -> MadeToken:
    """A new token for the person with ``email``."""
    chosen = sorted(set(scopes))
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown or not chosen:
        raise InvalidInput(f"scopes are {' and '.join(SCOPES)}; got {', '.join(unknown) or 'none'}")
    with engine.connect() as conn:
        person = q.find_user_by_email(conn, email)
    if person is None:
        raise UnknownUser(email)
    token = PREFIX + secrets.token_urlsafe(32)
    token_id = api_tokens.insert_token(engine, person.id, name, digest(token), " ".join(chosen))
    return MadeToken(token_id, token)


def caller_of(engine: Engine, token: str) -> Caller | None:
    """Who a presented token acts for, or None for a token that is unknown or revoked."""
    row = api_tokens.token_by_digest(engine, digest(token))
    if row is None:
        return None
    return Caller(row["id"], row["email"], row["role"], frozenset(row["scopes"].split()), bool(row["active"]))


def tokens(engine: Engine) -> list[dict[str, object]]:
    """Every token (never the token itself): id, name, person, scopes, made, revoked."""
    return api_tokens.token_rows(engine)


def revoke_token(engine: Engine, token_id: int) -> None:
    if not api_tokens.revoke(engine, token_id, datetime.now(UTC)):
        raise NotFound(f"no live token {token_id}: `revbridge token list` shows them")


def digest(token: str) -> str:
    """What is kept of a random secret (a token, a session's cookie): its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()
