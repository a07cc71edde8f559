"""A small world for the tests of people acting on leads: the example SLA, a sales team, marketing, leads.

Mia manages sales and is away, so new MQLs go round robin to Ana, then Bo. Maria is marketing, Vic a
viewer, Ada an admin. Leads start at stage ``lead`` in Brazil, where no territory matches.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.lifecycle import Scored
from revbridge.domain.scoring import Score
from revbridge.services.contract import Contract, contract_at
from revbridge.services.lifecycle import handle
from revbridge.services.sla_versions import apply_sla
from revbridge.store import repositories as repo
from revbridge.store.engine import writing
from revbridge.store.tables import Base, LeadRow, UserRow
from tests.stored_scores import set_scores

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sla.yaml"
MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York
MIA, ANA, BO = "mia@nw.com", "ana@nw.com", "bo@nw.com"
MARIA, VIC, ADA = "maria@nw.com", "vic@nw.com", "ada@nw.com"
REASONS = [["fit: industry in software, fintech, healthcare it", 15.0], ["engagement: 1 × demo_request", 40.0]]


def build(engine: Engine, *, leads: int = 2, sla_text: str | None = None) -> Contract:
    """Apply the SLA, add the people and ``leads`` leads; the contract in force on MONDAY."""
    apply_sla(
        engine,
        sla_text or EXAMPLE.read_text(encoding="utf-8"),
        effective_from=MONDAY - timedelta(days=30),
        signed_by={"marketing": "Maria Lopez", "sales": "Sam Okafor"},
        now=MONDAY - timedelta(days=30),
    )
    with writing(engine).begin() as conn:
        sdr = repo.get_or_create_team(conn, "sdr", "sales")
        growth = repo.get_or_create_team(conn, "growth", "marketing")
        people = [
            (MIA, "Mia Manager", "sales", "sales_manager", sdr),
            (ANA, "Ana Ruiz", "sales", None, sdr),
            (BO, "Bo Chen", "sales", None, sdr),
            (MARIA, "Maria Lopez", "marketing", None, growth),
            (VIC, "Vic Viewer", "viewer", None, None),
            (ADA, "Ada Admin", "admin", None, None),
        ]
        conn.execute(
            sa.insert(UserRow),
            [{"email": e, "name": n, "role": r, "title": t, "team_id": team} for e, n, r, t, team in people],
        )
        conn.execute(sa.update(UserRow).where(UserRow.email == MIA).values(away=True))
        conn.execute(
            sa.insert(LeadRow),
            [
                {
                    "source": "test",
                    "external_id": str(i),
                    "email": f"p{i}@acme.com",
                    "first_name": "Pat",
                    "last_name": f"Number{i}",
                    "company": "Acme",
                    "stage": "lead",
                    "country": "BR",
                    "score_reasons": REASONS,
                }
                for i in range(1, leads + 1)
            ],
        )
        set_scores(conn, at=MONDAY, fit=35.0, engagement=50.0, score=70.0)
    return contract_at(engine, MONDAY)


def make_mql(engine: Engine, lead_id: int, contract: Contract, at: datetime = MONDAY) -> str:
    """Hand the lead to sales as an MQL; the e-mail of the rep it was routed to."""
    handle(engine, lead_id, lambda _: Scored(Score(35, 50, None, 70, ()), at), contract)
    with engine.connect() as conn:
        owner = conn.execute(
            sa.select(UserRow.email).join(LeadRow, LeadRow.owner_id == UserRow.id).where(LeadRow.id == lead_id)
        ).scalar_one()
    return str(owner)


def other_rep(owner: str) -> str:
    return BO if owner == ANA else ANA


def count(engine: Engine, table: type[Base]) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def lead_version(engine: Engine, lead_id: int) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(LeadRow.version).where(LeadRow.id == lead_id)).scalar_one())
