"""What persisting lifecycle decisions writes, for one lead or thousands: one statement per group of
equal changes, not one per row.

A tick after an outage may breach tens of thousands of obligations, and a rescoring hands off thousands of
new MQLs; most changes repeat (the same status and moment for every closed clock, the same escalation
target for a rep's leads), so they are written as ``UPDATE … WHERE id IN (…)`` per group, and what differs
per row (a lead's new stage and version, its owner and why) as one ``executemany``.
``services/lifecycle_batch.py`` decides what to write and in which order; one decision is a batch of one.
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

from revbridge.domain.lifecycle import Closing, Transition
from revbridge.store.repositories import chunks, id_in
from revbridge.store.tables import (
    FeedbackRow,
    LeadRow,
    ObligationRow,
    StageTransitionRow,
    UserRow,
    UtcDateTime,
    table_of,
)

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


def assign_owners(conn: Connection, owners: Mapping[int, tuple[int | None, str]], at: datetime) -> None:
    """lead id -> (new owner, why them), routed at ``at``, and the owners' turn in the round robin taken
    then. Where nobody could take a lead (owner None) only the reason is written: it keeps the owner it
    had (none, for a new MQL, which then waits for the tick to route it) and is not counted as routed."""
    leads = table_of(LeadRow)
    placed = [{"lid": lid, "owner": owner, "why": why} for lid, (owner, why) in owners.items() if owner is not None]
    unplaced = [{"lid": lid, "why": why} for lid, (owner, why) in owners.items() if owner is None]
    if placed:
        conn.execute(
            leads.update()
            .where(leads.c.id == sa.bindparam("lid"))
            .values(owner_id=sa.bindparam("owner"), routed_at=at, routing_reason=sa.bindparam("why")),
            placed,
        )
    if unplaced:
        conn.execute(
            leads.update().where(leads.c.id == sa.bindparam("lid")).values(routing_reason=sa.bindparam("why")),
            unplaced,
        )
    users = table_of(UserRow)
    for part in chunks(sorted({row["owner"] for row in placed}), IN_CHUNK):
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


def record_transitions(conn: Connection, transitions: Sequence[tuple[int, Transition]], sla_version: int) -> None:
    """(lead id, transition): appended to the log, made by the engine under ``sla_version``."""
    if not transitions:
        return
    conn.execute(
        sa.insert(StageTransitionRow),
        [
            {
                "lead_id": lead_id,
                "from_stage": t.from_stage,
                "to_stage": t.to_stage,
                "at": t.at,
                "actor": t.actor,
                "reason": t.reason,
                "sla_version": sla_version,
                "source": "engine",
            }
            for lead_id, t in transitions
        ],
    )


def update_leads_if_unchanged(conn: Connection, updates: Sequence[tuple[int, int, dict[str, Any]]]) -> list[int]:
    """(lead id, version read, values with its new ``version``): written onto each lead still at the
    version read, one ``executemany`` per set of columns. Returns the leads that had moved meanwhile
    (empty when all were written); the caller then rolls back."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for lead_id, version, values in updates:
        shapes.setdefault(tuple(sorted(values)), []).append({"_id": lead_id, "_version": version, **values})
    leads = table_of(LeadRow)
    written = 0
    for columns, rows in shapes.items():
        query = (
            leads.update()
            .where(leads.c.id == sa.bindparam("_id"), leads.c.version == sa.bindparam("_version"))
            .values({c: sa.bindparam(c) for c in columns})
        )
        written += conn.execute(query, rows).rowcount
    if written == len(updates):
        return []
    ids = [lead_id for lead_id, _, _ in updates]
    now_at = conn.execute(sa.select(leads.c.id, leads.c.version).where(id_in(conn.dialect.name, leads.c.id, ids)))
    current = {int(lead_id): int(version) for lead_id, version in now_at}
    # A lead that moved meanwhile may have reached the very version it would have been given (another
    # writer's one change): then which one it was cannot be told, and the first lead stands for them.
    moved = [lead_id for lead_id, _, values in updates if current.get(lead_id) != values["version"]]
    return moved or ids[:1]


def progress_obligations(conn: Connection, progress: Sequence[tuple[int, int]]) -> None:
    """(obligation id, done so far) of obligations that stay open."""
    if progress:
        table = table_of(ObligationRow)
        conn.execute(
            table.update().where(table.c.id == sa.bindparam("oid")).values(done_count=sa.bindparam("done")),
            [{"oid": oid, "done": done} for oid, done in progress],
        )


def record_feedback(conn: Connection, lead_id: int, feedback: dict[str, Any], at: datetime, version: int) -> None:
    conn.execute(sa.insert(FeedbackRow).values(lead_id=lead_id, at=at, sla_version=version, **feedback))
