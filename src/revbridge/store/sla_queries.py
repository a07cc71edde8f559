"""The stored versions of the SLA: the latest, the one in force at a moment, one by number, all."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from revbridge.store.tables import SlaVersionRow


def latest_version(session: Session) -> SlaVersionRow | None:
    return session.scalars(sa.select(SlaVersionRow).order_by(SlaVersionRow.version.desc()).limit(1)).first()


def version_in_force(session: Session, at: datetime) -> SlaVersionRow | None:
    """The latest version to take effect by ``at``."""
    return session.scalars(
        sa.select(SlaVersionRow)
        .where(SlaVersionRow.effective_from <= at)
        .order_by(SlaVersionRow.effective_from.desc(), SlaVersionRow.version.desc())
        .limit(1)
    ).first()


def version_numbered(session: Session, version: int) -> SlaVersionRow | None:
    return session.scalars(sa.select(SlaVersionRow).where(SlaVersionRow.version == version)).first()


def all_versions(session: Session) -> list[SlaVersionRow]:
    """Oldest first."""
    return list(session.scalars(sa.select(SlaVersionRow).order_by(SlaVersionRow.version)).all())
