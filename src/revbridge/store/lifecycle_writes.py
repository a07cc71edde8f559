"""What persisting lifecycle decisions writes, for one lead or thousands: one statement per group of
equal changes, not one per row.

A tick after an outage may breach tens of thousands of obligations, and a rescoring hands off thousands of
new MQLs; most changes repeat (the same status and moment for every closed clock, the same escalation
target for a rep's leads), so they are written as ``UPDATE … WHERE id IN (…)`` per group, and what differs
per row (a lead's new stage and version, its owner and why) as one ``executemany``.
``services/lifecycle_batch.py`` decides what to write and in which order; one decision is a batch of one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.domain.lifecycle import Closing, Transition
from revbridge.store.repositories import bound_rows, chunks, id_in, picked
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


ClosingGroup = tuple[str, datetime, int | None, str | None]  # status, at, final count, escalated to


def close_obligations(
    conn: Connection, closings: Iterable[Closing], escalated_to: Mapping[int, str] | None = None
) -> None:
    """Close the obligations still open, with their status and moment (and their final count, where the
    closing says it; otherwise the count stays as it is). Those in ``escalated_to`` (obligation id ->
    who hears of it) are escalated in the same statement, at the closing's moment, one level more."""
    escalated_to = escalated_to or {}
    close_obligation_groups(
        conn,
        _grouped(
            ((c.status, c.at, c.done_count, escalated_to.get(c.obligation_id)), c.obligation_id) for c in closings
        ),
    )


def close_obligation_groups(conn: Connection, groups: Mapping[ClosingGroup, Sequence[int]]) -> None:
    """``close_obligations`` for obligations already grouped by (status, at, final count or None,
    escalated to or None): one statement per group."""
    table = table_of(ObligationRow)
    for (status, at, done, to), ids in groups.items():
        values: dict[str, Any] = {"status": status, "closed_at": at}
        if done is not None:
            values["done_count"] = done
        if to is not None:
            values.update(escalated_at=at, escalated_to=to, escalation_level=table.c.escalation_level + 1)
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
    dialect = conn.dialect.name
    placed = [(lid, owner, why) for lid, (owner, why) in owners.items() if owner is not None]
    unplaced = [(lid, why) for lid, (owner, why) in owners.items() if owner is None]
    for part in chunks(placed, IN_CHUNK):
        ids, owner_ids, whys = bound_rows(dialect, part, (sa.Integer(), sa.Integer(), sa.String()))
        conn.execute(
            leads.update().where(leads.c.id == ids).values(owner_id=owner_ids, routed_at=at, routing_reason=whys)
        )
    for part in chunks(unplaced, IN_CHUNK):
        ids, whys = bound_rows(dialect, part, (sa.Integer(), sa.String()))
        conn.execute(leads.update().where(leads.c.id == ids).values(routing_reason=whys))
    take_turns(conn, {owner for _, owner, _ in placed}, at)


def take_turns(conn: Connection, rep_ids: Iterable[int], at: datetime) -> None:
    """The reps given a lead at ``at`` have had their turn in the round robin then."""
    users = table_of(UserRow)
    for part in chunks(sorted(rep_ids), IN_CHUNK):
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
    groups: dict[FreshClock, list[tuple[int, int | None]]] = {}
    for clock, lead_id, owner_id in clocks:
        groups.setdefault(clock, []).append((lead_id, owner_id))
    open_obligation_groups(conn, groups)


def open_obligation_groups(conn: Connection, groups: Mapping[FreshClock, Sequence[tuple[int, int | None]]]) -> None:
    """``open_obligations`` for clocks already grouped: each clock with its (lead id, owner id) pairs."""
    table = table_of(ObligationRow)
    for clock, pairs in groups.items():
        for part in chunks(pairs, IN_CHUNK):
            leads, owners = bound_rows(conn.dialect.name, part, (sa.Integer(), sa.Integer()))
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
            select = sa.select(leads.label("lead_id"), owners.label("owner_id"), *constants.values())
            conn.execute(sa.insert(table).from_select(["lead_id", "owner_id", *constants], select))


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


@dataclass(frozen=True)
class LeadChange:
    """What a group of leads' rows get alike: ``steps`` more versions (one per decision), ``recycled``
    more loops, and ``values`` (stage, stage_changed_at, nurture_until, updated_at); ``own`` names the
    columns each lead has a value of its own for (a new owner and why), and ``picks`` the text columns
    each lead picks its value for by number among a few that many share (why nobody could take them)."""

    steps: int
    recycled: int
    values: tuple[tuple[str, Any], ...]
    own: tuple[str, ...] = ()
    picks: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (column, its options)


def update_leads_if_unchanged(conn: Connection, changes: Mapping[LeadChange, Sequence[Sequence[Any]]]) -> list[int]:
    """Write each group's change onto its leads, given as rows of (lead id, version read, *values of
    ``own``, *numbers of ``picks``), where a lead is still at the version read: one ``UPDATE … FROM`` per
    group, the rows bound as one value. Returns the leads that had moved meanwhile (empty when all were
    written); the caller then rolls back."""
    leads = table_of(LeadRow)
    dialect = conn.dialect.name
    written = 0
    for change, rows in changes.items():
        types = [sa.Integer(), sa.Integer(), *(leads.c[name].type for name in change.own)]
        types += [sa.Integer()] * len(change.picks)
        for part in chunks(rows, IN_CHUNK):
            ids, versions, *rest = bound_rows(dialect, part, types)
            own, numbers = rest[: len(change.own)], rest[len(change.own) :]
            query = (
                leads.update()
                .where(leads.c.id == ids, leads.c.version == versions)
                .values(
                    {
                        **dict(change.values),
                        **dict(zip(change.own, own, strict=True)),
                        **{
                            name: picked(dialect, options, number)
                            for (name, options), number in zip(change.picks, numbers, strict=True)
                        },
                        "version": leads.c.version + change.steps,
                        "recycle_count": leads.c.recycle_count + change.recycled,
                    }
                )
            )
            written += conn.execute(query).rowcount
    if written == sum(len(rows) for rows in changes.values()):
        return []
    expected = {row[0]: row[1] + change.steps for change, rows in changes.items() for row in rows}
    lead_ids = list(expected)
    now_at = conn.execute(sa.select(leads.c.id, leads.c.version).where(id_in(conn.dialect.name, leads.c.id, lead_ids)))
    current = {int(lead_id): int(version) for lead_id, version in now_at}
    # A lead that moved meanwhile may have reached the very version it would have been given (another
    # writer's one change): then which one it was cannot be told, and the first lead stands for them.
    moved = [lead_id for lead_id, version in expected.items() if current.get(lead_id) != version]
    return moved or lead_ids[:1]


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
