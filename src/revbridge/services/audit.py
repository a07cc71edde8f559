"""The audit log: every write through the API, the browser or a person's command, who made it, when, what,
and how it ended.

The app records one entry per write request after it is answered (``revbridge.api.audit``), so that no
route can forget to; a route may name the write's subject and add details. The command line records its
writes for a person the same way (``revbridge.cli._audit``). Entries are never changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

from revbridge.services.paging import Page, page_of
from revbridge.store import audit


@dataclass(frozen=True)
class Entry:
    at: datetime
    user_id: int | None
    via: str  # api | web | cli
    action: str  # the method and the route's path: POST /api/leads/{lead_id}/accept
    status: int
    subject: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def record(engine: Engine, entry: Entry) -> None:
    audit.insert_entry(engine, {**entry.__dict__})


def record_command(engine: Engine, *, email: str | None, action: str, status: int, subject: str | None) -> None:
    """A command line's write, made for the person with ``email`` (none if RevBridge does not know them)."""
    user = audit.user_id(engine, email) if email else None
    detail = {} if user is not None or not email else {"as": email}  # who it claimed to be, if unknown
    record(engine, Entry(datetime.now(UTC), user, "cli", action, status, subject, detail))


@dataclass(frozen=True)
class AuditLine:
    id: int
    at: datetime
    email: str | None  # who: none for a request that carried no live token or session
    via: str
    action: str
    subject: str | None
    status: int
    detail: dict[str, Any]


def entries(
    engine: Engine, *, limit: int = 100, before_id: int | None = None, email: str | None = None
) -> list[dict[str, Any]]:
    """The newest entries first, with each person's e-mail; ``before_id`` pages on."""
    return audit.entries(engine, limit=limit, before_id=before_id, email=email)


def audit_page(
    engine: Engine, *, limit: int, after: tuple[Any, ...] | None = None, email: str | None = None
) -> Page[AuditLine]:
    """A page of the log, the newest first; ``after`` is the key (the id) of the last entry seen."""
    rows = entries(engine, limit=limit + 1, before_id=after[0] if after else None, email=email)
    return page_of(rows, limit, lambda r: (r["id"],), _line)


def _line(row: dict[str, Any]) -> AuditLine:
    return AuditLine(
        row["id"], row["at"], row["email"], row["via"], row["action"], row["subject"], row["status"], row["detail"]
    )
