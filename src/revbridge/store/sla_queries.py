"""The stored versions of the SLA: the latest, the one in force at a moment, one by number, all."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from revbridge.store.tables import SlaVersionRow


def latest_version(session: Session) -> SlaVersionRow | None:
    return session.scalars(sa.select(SlaVersionRow).order_by(SlaVersionRow.version.desc()).limit(1)).first()


def text_in_force(conn: Connection, at: datetime) -> tuple[int, str] | None:
    """The number and text of the latest version to take effect by ``at``: what a decision needs, read
    without mapping a row to an object (every page, tick and verdict asks for it)."""
    table = SlaVersionRow.__table__
    query = (
        sa.select(table.c.version, table.c.text)
        .where(table.c.effective_from <= at)
        .order_by(table.c.effective_from.desc(), table.c.version.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    return (int(row.version), str(row.text)) if row is not None else None


def version_numbered(session: Session, version: int) -> SlaVersionRow | None:
    return session.scalars(sa.select(SlaVersionRow).where(SlaVersionRow.version == version)).first()


def all_versions(session: Session) -> list[SlaVersionRow]:
    """Oldest first."""
    return list(session.scalars(sa.select(SlaVersionRow).order_by(SlaVersionRow.version)).all())
