"""What a batch of breaches writes: one statement per group of equal changes, not one per obligation.

A tick after an outage may breach tens of thousands of obligations; most changes repeat (the same status
and moment for every closed clock, the same escalation target for a rep's leads), so they are written as
``UPDATE … WHERE id IN (…)`` per group. Only what differs per lead (its new owner and the reason) is
written row by row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from revbridge.domain.lifecycle import Closing
from revbridge.store.repositories import chunks, id_in
from revbridge.store.tables import LeadRow, ObligationRow, UserRow, UtcDateTime, table_of

IN_CHUNK = 10_000  # ids per statement


def _grouped(pairs: Iterable[tuple[Any, int]]) -> dict[Any, list[int]]:
    groups: dict[Any, list[int]] = {}
    for key, row_id in pairs:
        groups.setdefault(key, []).append(row_id)
    return groups


def close_obligations(conn: Connection, closings: Iterable[Closing]) -> None:
    """Close the obligations still open, with their status and moment (and their final count, where the
    closing says it; otherwise the count stays as it is)."""
    table = table_of(ObligationRow)
    for (status, at, done), ids in _grouped(
        ((c.status, c.at, c.done_count), c.obligation_id) for c in closings
    ).items():
        values: dict[str, Any] = {"status": status, "closed_at": at}
        if done is not None:
            values["done_count"] = done
        for part in chunks(ids, IN_CHUNK):
            conn.execute(
                table.update()
                .where(id_in(conn.dialect.name, table.c.id, part), table.c.status == "open")
                .values(**values)
            )


def escalate_obligations(conn: Connection, escalations: Iterable[tuple[int, str]], at: datetime) -> None:
    """(obligation id, escalated to): one more escalation level each."""
    table = table_of(ObligationRow)
    for to, ids in _grouped(((to, oid) for oid, to in escalations)).items():
        for part in chunks(ids, IN_CHUNK):
            conn.execute(
                table.update()
                .where(id_in(conn.dialect.name, table.c.id, part))
                .values(escalated_at=at, escalated_to=to, escalation_level=table.c.escalation_level + 1)
            )


def touch_leads(conn: Connection, lead_ids: Sequence[int], at: datetime) -> None:
    """A new version of each lead (optimistic locking: a writer holding the old one will fail)."""
    table = table_of(LeadRow)
    for part in chunks(list(lead_ids), IN_CHUNK):
        conn.execute(
            table.update()
            .where(id_in(conn.dialect.name, table.c.id, part))
            .values(version=table.c.version + 1, updated_at=at)
        )


def assign_owners(conn: Connection, owners: Mapping[int, tuple[int, str]], at: datetime) -> None:
    """lead id -> (new owner, why them); the owners' turn in the round robin is taken at ``at``."""
    if not owners:
        return
    leads = table_of(LeadRow)
    conn.execute(
        leads.update()
        .where(leads.c.id == sa.bindparam("lid"))
        .values(owner_id=sa.bindparam("owner"), routed_at=at, routing_reason=sa.bindparam("why")),
        [{"lid": lead_id, "owner": owner, "why": why} for lead_id, (owner, why) in owners.items()],
    )
    users = table_of(UserRow)
    for part in chunks(sorted({owner for owner, _ in owners.values()}), IN_CHUNK):
        conn.execute(users.update().where(id_in(conn.dialect.name, users.c.id, part)).values(last_assigned_at=at))


@dataclass(frozen=True)
class FreshClock:
    """What the new obligations of a group share; each also has its lead and owner."""

    kind: str
    team: str
    opened_at: datetime
    due_at: datetime
    required_count: int
    sla_version: int


def open_obligations(conn: Connection, clocks: Iterable[tuple[FreshClock, int, int | None]]) -> None:
    """(clock, lead id, owner id): one ``INSERT … SELECT`` per group of equal clocks, the leads and owners
    bound as two arrays (``json_each`` on SQLite, ``unnest`` on PostgreSQL)."""
    table = table_of(ObligationRow)
    groups: dict[FreshClock, list[tuple[int, int | None]]] = {}
    for clock, lead_id, owner_id in clocks:
        groups.setdefault(clock, []).append((lead_id, owner_id))
    for clock, pairs in groups.items():
        for part in chunks(pairs, IN_CHUNK):
            leads, owners = _pairs(conn.dialect.name, part)
            constants = {
                "kind": sa.literal(clock.kind, sa.String()),
                "team": sa.literal(clock.team, sa.String()),
                "opened_at": sa.literal(clock.opened_at, UtcDateTime()),
                "due_at": sa.literal(clock.due_at, UtcDateTime()),
                "required_count": sa.literal(clock.required_count, sa.Integer()),
                "done_count": sa.literal(0, sa.Integer()),
                "status": sa.literal("open", sa.String()),
                "escalation_level": sa.literal(0, sa.Integer()),
                "sla_version": sa.literal(clock.sla_version, sa.Integer()),
            }
            select = sa.select(leads, owners, *constants.values())
            conn.execute(sa.insert(table).from_select(["lead_id", "owner_id", *constants], select))


def _pairs(dialect: str, pairs: Sequence[tuple[int, int | None]]) -> tuple[Any, Any]:
    """Two columns (lead id, owner id) of a derived table holding ``pairs``."""
    if dialect == "postgresql":
        rows = (
            sa.func.unnest(
                sa.literal([p[0] for p in pairs], ARRAY(sa.Integer())),
                sa.literal([p[1] for p in pairs], ARRAY(sa.Integer())),
            )
            .table_valued("lead_id", "owner_id")
            .render_derived()
        )
        return rows.c.lead_id, rows.c.owner_id
    rows = sa.func.json_each(sa.literal(json.dumps(pairs), sa.String())).table_valued("value")
    return (
        sa.func.json_extract(rows.c.value, "$[0]").label("lead_id"),
        sa.func.json_extract(rows.c.value, "$[1]").label("owner_id"),
    )
