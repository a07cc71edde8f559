"""What the lifecycle reads of leads: their state for ``domain.lifecycle`` and their facts for routing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.domain.lifecycle import LeadState, ObligationKind, OpenObligation
from revbridge.domain.routing import LeadFacts
from revbridge.store.repositories import chunks, id_in
from revbridge.store.tables import AccountRow, LeadRow, ObligationRow

READ_CHUNK = 10_000  # leads per query

LEAD_STATE_COLUMNS: tuple[Any, ...] = (
    LeadRow.id,
    LeadRow.stage,
    LeadRow.version,
    LeadRow.owner_id,
    LeadRow.recycle_count,
    LeadRow.stage_changed_at,
    LeadRow.nurture_until,
)


def lead_state_of(row: Any, open_obligations: tuple[OpenObligation, ...] = ()) -> LeadState:
    """A row selected with ``LEAD_STATE_COLUMNS`` as a lifecycle state, with the clocks given."""
    return LeadState(
        row.id,
        row.stage,
        row.version,
        row.owner_id,
        row.recycle_count,
        row.stage_changed_at,
        row.nurture_until,
        open_obligations,
    )


def read_states(conn: Connection, lead_ids: Sequence[int], *, lock: bool) -> dict[int, LeadState]:
    """The lifecycle state of many leads, with their open obligations, in two queries per 10,000 leads.

    The leads are read (and on PostgreSQL locked) before their obligations: whoever changes a lead's
    clocks changes the lead too, so once it is locked its clocks cannot change under us."""
    states: dict[int, LeadState] = {}
    dialect = conn.dialect.name
    for part in chunks(sorted(set(lead_ids)), READ_CHUNK):
        query = sa.select(*LEAD_STATE_COLUMNS).where(id_in(dialect, LeadRow.id, part))
        if lock and dialect == "postgresql":
            query = query.order_by(LeadRow.id).with_for_update()
        leads = conn.execute(query).all()
        found: dict[int, list[OpenObligation]] = {}
        open_rows = conn.execute(
            sa.select(
                ObligationRow.id,
                ObligationRow.lead_id,
                ObligationRow.kind,
                ObligationRow.due_at,
                ObligationRow.required_count,
                ObligationRow.done_count,
            )
            .where(id_in(dialect, ObligationRow.lead_id, part), ObligationRow.status == "open")
            .order_by(ObligationRow.id)
        )
        for oid, lead_id, kind, due_at, required, done in open_rows:
            found.setdefault(lead_id, []).append(
                OpenObligation(oid, cast(ObligationKind, kind), due_at, required, done)
            )
        for row in leads:
            states[row.id] = lead_state_of(row, tuple(found.get(row.id, ())))
    return states


# (id, version, owner_id), and with routing facts (country, region, industry, employees, account_owner_id)
BreachedLead = sa.Row[*tuple[Any, ...]]
FACT_COLUMNS: tuple[Any, ...] = (
    sa.func.coalesce(AccountRow.country, LeadRow.country).label("country"),
    sa.func.coalesce(AccountRow.region, LeadRow.region).label("region"),
    sa.func.coalesce(AccountRow.industry, LeadRow.industry).label("industry"),
    sa.func.coalesce(AccountRow.employees, LeadRow.employees).label("employees"),
    AccountRow.owner_id.label("account_owner_id"),
)


def breached_leads(conn: Connection, lead_ids: Sequence[int], *, facts: bool) -> dict[int, BreachedLead]:
    """What a batch of breaches needs of its leads, as plain rows by lead id: (id, version, owner_id),
    and with ``facts`` what routing looks at (country, region, industry, employees, account_owner_id, as
    ``lead_facts``). Locked on PostgreSQL (SQLite's write lock is held already)."""
    found: dict[int, BreachedLead] = {}
    dialect = conn.dialect.name
    columns = [LeadRow.id, LeadRow.version, LeadRow.owner_id, *(FACT_COLUMNS if facts else ())]
    for part in chunks(sorted(set(lead_ids)), READ_CHUNK):
        query = sa.select(*columns).where(id_in(dialect, LeadRow.id, part))
        if facts:
            query = query.select_from(LeadRow).outerjoin(AccountRow, AccountRow.id == LeadRow.account_id)
        if dialect == "postgresql":
            query = query.order_by(LeadRow.id).with_for_update(of=LeadRow)
        found.update((row[0], row) for row in conn.execute(query).all())
    return found


def lead_facts(conn: Connection, lead_ids: Sequence[int]) -> dict[int, LeadFacts]:
    """Where each lead's company is, what it does, how big it is and who owns it (the account's values
    where the lead is matched to one)."""
    facts: dict[int, LeadFacts] = {}
    for part in chunks(list(lead_ids), READ_CHUNK):
        rows = conn.execute(
            sa.select(LeadRow.id, *FACT_COLUMNS)
            .select_from(LeadRow)
            .outerjoin(AccountRow, AccountRow.id == LeadRow.account_id)
            .where(id_in(conn.dialect.name, LeadRow.id, part))
        ).all()
        for lead_id, country, region, industry, employees, owner_id in rows:
            facts[lead_id] = LeadFacts(country, region, industry, employees, owner_id)
    return facts


@dataclass(frozen=True)
class LeadLabel:
    """How a notification names a lead."""

    name: str  # "Ana Ruiz", else the e-mail, else "lead 42"
    email: str | None
    score: float


def lead_labels(conn: Connection, lead_ids: Sequence[int]) -> dict[int, LeadLabel]:
    labels: dict[int, LeadLabel] = {}
    for part in chunks(list(lead_ids), READ_CHUNK):
        rows = conn.execute(
            sa.select(LeadRow.id, LeadRow.first_name, LeadRow.last_name, LeadRow.email, LeadRow.score).where(
                id_in(conn.dialect.name, LeadRow.id, part)
            )
        )
        for row in rows:
            name = " ".join(p for p in (row.first_name, row.last_name) if p) or row.email or f"lead {row.id}"
            labels[row.id] = LeadLabel(name, row.email, float(row.score or 0.0))
    return labels
