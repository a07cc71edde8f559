"""Setting a lead's stored scores in a test, as a rescoring would leave them (``lead_scores``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.store.score_queries import numbers_sql
from revbridge.store.tables import LeadRow, UtcDateTime


def set_scores(
    conn: Connection,
    *,
    at: datetime,
    lead_ids: list[int] | None = None,
    fit: float = 0.0,
    engagement: float = 0.0,
    score: float = 0.0,
) -> None:
    """Give the leads (every lead when ``lead_ids`` is None) these scores, scored at ``at``."""
    ids = lead_ids if lead_ids is not None else list(conn.execute(sa.select(LeadRow.id)).scalars())
    statement = sa.text(numbers_sql("VALUES (:lead, :fit, :engagement, :score, :at)")).bindparams(
        sa.bindparam("at", type_=UtcDateTime())
    )
    conn.execute(statement, [{"lead": i, "fit": fit, "engagement": engagement, "score": score, "at": at} for i in ids])
