"""What the lifecycle reads of leads: their state for ``domain.lifecycle`` and their facts for routing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.domain.lifecycle import LeadState, OpenObligation
from revbridge.domain.routing import LeadFacts
from revbridge.store.repositories import chunks
from revbridge.store.tables import AccountRow, LeadRow, ObligationRow

LEAD_STATE_COLUMNS: tuple[Any, ...] = (
    LeadRow.id,
    LeadRow.stage,
    LeadRow.version,
    LeadRow.owner_id,
    LeadRow.recycle_count,
    LeadRow.stage_changed_at,
    LeadRow.nurture_until,
)


def lead_state_of(row: Any) -> LeadState:
    """A row selected with ``LEAD_STATE_COLUMNS`` as a lifecycle state, without its clocks."""
    return LeadState(
        row.id, row.stage, row.version, row.owner_id, row.recycle_count, row.stage_changed_at, row.nurture_until
    )


def read_states(conn: Connection, lead_ids: Sequence[int], *, lock: bool) -> dict[int, LeadState]:
    """The lifecycle state of many leads, with their open obligations, in two queries per 500 leads."""
    states: dict[int, LeadState] = {}
    for part in chunks(sorted(set(lead_ids)), 500):
        query = sa.select(*LEAD_STATE_COLUMNS).where(LeadRow.id.in_(part))
        if lock and conn.dialect.name == "postgresql":
            query = query.order_by(LeadRow.id).with_for_update()
        for row in conn.execute(query):
            states[row.id] = lead_state_of(row)
        open_rows = conn.execute(
            sa.select(ObligationRow)
            .where(ObligationRow.lead_id.in_(part), ObligationRow.status == "open")
            .order_by(ObligationRow.id)
        ).mappings()
        found: dict[int, list[OpenObligation]] = {}
        for o in open_rows:
            found.setdefault(o["lead_id"], []).append(
                OpenObligation(o["id"], o["kind"], o["due_at"], o["required_count"], o["done_count"])
            )
        for lead_id, obligations in found.items():
            if lead_id in states:
                states[lead_id] = replace(states[lead_id], open_obligations=tuple(obligations))
    return states


def lead_facts(conn: Connection, lead_ids: Sequence[int]) -> dict[int, LeadFacts]:
    """Where each lead's company is, what it does, how big it is and who owns it (the account's values
    where the lead is matched to one)."""
    facts: dict[int, LeadFacts] = {}
    for part in chunks(list(lead_ids), 500):
        rows = conn.execute(
            sa.select(
                LeadRow.id,
                sa.func.coalesce(AccountRow.country, LeadRow.country).label("country"),
                sa.func.coalesce(AccountRow.region, LeadRow.region).label("region"),
                sa.func.coalesce(AccountRow.industry, LeadRow.industry).label("industry"),
                sa.func.coalesce(AccountRow.employees, LeadRow.employees).label("employees"),
                AccountRow.owner_id.label("account_owner_id"),
            )
            .select_from(LeadRow)
            .outerjoin(AccountRow, AccountRow.id == LeadRow.account_id)
            .where(LeadRow.id.in_(part))
        )
        for row in rows:
            facts[row.id] = LeadFacts(row.country, row.region, row.industry, row.employees, row.account_owner_id)
    return facts


@dataclass(frozen=True)
class LeadLabel:
    """How a notification names a lead."""

    name: str  # "Ana Ruiz", else the e-mail, else "lead 42"
    email: str | None
    score: float


def lead_labels(conn: Connection, lead_ids: Sequence[int]) -> dict[int, LeadLabel]:
    labels: dict[int, LeadLabel] = {}
    for part in chunks(list(lead_ids), 500):
        rows = conn.execute(
            sa.select(LeadRow.id, LeadRow.first_name, LeadRow.last_name, LeadRow.email, LeadRow.score).where(
                LeadRow.id.in_(part)
            )
        )
        for row in rows:
            name = " ".join(p for p in (row.first_name, row.last_name) if p) or row.email or f"lead {row.id}"
            labels[row.id] = LeadLabel(name, row.email, float(row.score or 0.0))
    return labels
