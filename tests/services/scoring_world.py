"""A small company for scoring tests: the packaged SLA in force, one rep, one big account, the given people."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.services.contract import Contract, contract_at
from revbridge.services.sla_versions import apply_sla
from revbridge.store import repositories as repo
from revbridge.store.engine import writing
from revbridge.store.tables import AccountRow, LeadRow, UserRow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sla.yaml"
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def seed_people(engine: Engine, people: Sequence[dict[str, str | None]]) -> Contract:
    """Leads 1..n from ``people``; lead 1 works at the account Big (1,200 employees). Returns the contract."""
    apply_sla(
        engine,
        EXAMPLE.read_text(),
        effective_from=NOW - timedelta(days=365),
        signed_by={"marketing": "maria", "sales": "sam"},
        now=NOW,
    )
    with writing(engine).begin() as conn:
        sdr = repo.get_or_create_team(conn, "sdr", "sales")
        conn.execute(sa.insert(UserRow).values(email="ana@nw.com", name="Ana Ruiz", role="sales", team_id=sdr))
        account = conn.execute(
            sa.insert(AccountRow).values(name="Big", domain="big.com", employees=1200).returning(AccountRow.id)
        ).scalar_one()
        for i, person in enumerate(people):
            conn.execute(
                sa.insert(LeadRow).values(
                    source="test", external_id=str(i), stage="lead", account_id=account if i == 0 else None, **person
                )
            )
    return contract_at(engine, NOW)
