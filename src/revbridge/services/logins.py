"""Browser log-in: people's passwords (argon2id hashes), sessions that a cookie carries, log-out.

- A password is kept as an argon2id hash (``argon2-cffi``, RFC 9106's parameters); a hash made with
  older parameters is made again at the next successful log-in.
- A session's cookie holds 32 random bytes; the store keeps their SHA-256 only (as for API tokens: a
  random secret needs no slow hash), with the session's CSRF token, which every form of the session
  carries and every browser write must send back.
- A session lasts ``SESSION_HOURS`` and ends at log-out; a new password ends a person's sessions.
- A wrong e-mail and a wrong password get the same answer, and take the same time, so that the form
  does not tell which e-mails have an account.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine

from revbridge.domain.api_access import SCOPES, Caller
from revbridge.domain.errors import InvalidInput, Refused
from revbridge.domain.work_queue import works_own_queue
from revbridge.services.api_tokens import digest
from revbridge.services.lead_story import UnknownUser
from revbridge.store import logins

SESSION_HOURS = 12
MIN_PASSWORD = 10
_HASHER = PasswordHasher()
_NOBODY = _HASHER.hash("a password nobody has")  # checked against when the e-mail is unknown: the same time


class WrongCredentials(Refused):
    """The e-mail and password do not match a person who may log in."""


@dataclass(frozen=True)
class SessionUser:
    """Who a browser's session acts for: their caller (the same rules as a token with every scope),
    name and team, and the session's CSRF token."""

    caller: Caller
    name: str
    team: str | None
    csrf: str
    title: str | None = None  # "sales_manager": sees everyone's queue, as ``domain.work_queue`` says

    @property
    def works_own_queue(self) -> bool:
        """Whether their queue is "My queue" (``domain.work_queue.works_own_queue``)."""
        return works_own_queue(self.role, self.title)

    @property
    def role(self) -> str:
        return self.caller.role

    @property
    def email(self) -> str:
        return self.caller.email


@dataclass(frozen=True)
class Started:
    token: str  # for the cookie; only its digest is kept
    caller: Caller
    expires_at: datetime


def set_password(engine: Engine, email: str, password: str, *, now: datetime) -> None:
    """Give the person with ``email`` a password (at least ``MIN_PASSWORD`` characters); their open
    sessions end."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters; this one has {len(password)}")
    person = logins.credentials(engine, email)
    if person is None:
        raise UnknownUser(email)
    logins.set_password_hash(engine, person["id"], _HASHER.hash(password))
    logins.end_sessions(engine, now, user_id=person["id"])


def give_passwords(engine: Engine, emails: list[str], password: str) -> int:
    """Give ``password`` to each of these people who has none yet (a demo's accounts); how many got it.
    One hash serves them all: it is the same password."""
    hashed = _HASHER.hash(password)
    given = 0
    for email in emails:
        person = logins.credentials(engine, email)
        if person is not None and person["password_hash"] is None:
            logins.set_password_hash(engine, person["id"], hashed)
            given += 1
    return given


def log_in(engine: Engine, email: str, password: str, *, now: datetime) -> Started:
    """A new session for the person, if the password is theirs and they are active."""
    person = logins.credentials(engine, email)
    stored = person["password_hash"] if person is not None else None
    try:
        _HASHER.verify(stored or _NOBODY, password)
    except (VerificationError, InvalidHashError):
        raise WrongCredentials("that e-mail and password do not match: check both, or ask an admin") from None
    if person is None or stored is None:
        raise WrongCredentials("that e-mail and password do not match: check both, or ask an admin")
    if not person["active"]:
        raise WrongCredentials(f"{person['email']} is not active: ask an admin")
    if _HASHER.check_needs_rehash(stored):
        logins.set_password_hash(engine, person["id"], _HASHER.hash(password))
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + timedelta(hours=SESSION_HOURS)
    logins.insert_session(engine, person["id"], digest(token), csrf, expires)
    caller = Caller(person["id"], person["email"], person["role"], frozenset(SCOPES))
    return Started(token, caller, expires)


def session_user(engine: Engine, token: str, *, now: datetime) -> SessionUser | None:
    """Who the session of ``token`` acts for, or None when it is unknown, ended or expired."""
    row = logins.live_session(engine, digest(token), now)
    if row is None:
        return None
    caller = Caller(row["id"], row["email"], row["role"], frozenset(SCOPES), bool(row["active"]))
    return SessionUser(caller, row["name"], row["team"], row["csrf"], row["title"])


def log_out(engine: Engine, token: str, *, now: datetime) -> None:
    logins.end_sessions(engine, now, digest=digest(token))
