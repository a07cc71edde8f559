"""MQLs handed to sales in the demo company at a chosen moment, so that a queue has leads waiting whatever
the hour the tests run at (the demo's reps work their queue in business hours: on a weekend it is empty)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.lifecycle import Scored
from revbridge.domain.scoring import Score
from revbridge.services.contract import contract_at
from revbridge.services.lifecycle import handle


def hand_off(engine: Engine, count: int, *, at: datetime) -> list[tuple[int, str]]:
    """Make ``count`` of the demo's plain leads MQLs at ``at``, scored fit 35 and engagement 50 (the SLA's
    MQL condition holds); each is routed as the SLA says and its accept clock starts. Their ids and the
    e-mail of the rep each went to."""
    contract = contract_at(engine, at)
    with engine.connect() as conn:
        query = sa.text("SELECT id FROM leads WHERE stage = 'lead' ORDER BY id LIMIT :n")
        ids = [int(i) for i in conn.execute(query, {"n": count}).scalars()]
    for lead_id in ids:
        handle(engine, lead_id, lambda _: Scored(Score(35, 50, None, 70, ()), at), contract)
    return [(lead_id, owner_of(engine, lead_id)) for lead_id in ids]


def owner_of(engine: Engine, lead_id: int) -> str:
    query = sa.text("SELECT u.email FROM leads l JOIN users u ON u.id = l.owner_id WHERE l.id = :id")
    with engine.connect() as conn:
        return str(conn.execute(query, {"id": lead_id}).scalar_one())


def stage_of(engine: Engine, lead_id: int) -> str:
    with engine.connect() as conn:
        return str(conn.execute(sa.text("SELECT stage FROM leads WHERE id = :id"), {"id": lead_id}).scalar_one())
