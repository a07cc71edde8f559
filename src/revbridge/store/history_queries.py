"""Queries for historical records: sales verdicts, quotas, campaigns, and the demo's run log.

Named for what they find or write; SQL in, plain values out (the same manners as ``repositories.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.store.repositories import CHUNK, chunks
from revbridge.store.tables import (
    ActivityRow,
    CampaignRow,
    FeedbackRow,
    ImportRunRow,
    LeadRow,
    ObligationRow,
    QuotaRow,
    SlaVersionRow,
    StageTransitionRow,
    UserRow,
    metadata,
    table_of,
)

DEMO_RUN_KIND = "demo"


# --- feedback (sales verdicts) ----------------------------------------------------------------------------


def find_feedback_keys(conn: Connection, lead_ids: Sequence[int]) -> set[tuple[int, datetime, str]]:
    """(lead, at, verdict) of every verdict already stored for these leads."""
    out: set[tuple[int, datetime, str]] = set()
    for part in chunks(sorted(set(lead_ids)), CHUNK):
        query = sa.select(FeedbackRow.lead_id, FeedbackRow.at, FeedbackRow.verdict).where(FeedbackRow.lead_id.in_(part))
        out.update((r.lead_id, r.at, r.verdict) for r in conn.execute(query))
    return out


def insert_feedback(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(sa.insert(FeedbackRow), list(rows))


def list_sla_texts(conn: Connection) -> list[tuple[int, datetime, str]]:
    """(version, effective from, text) of every SLA version, in the order they take effect."""
    query = sa.select(SlaVersionRow.version, SlaVersionRow.effective_from, SlaVersionRow.text).order_by(
        SlaVersionRow.effective_from, SlaVersionRow.version
    )
    return [(r.version, r.effective_from, r.text) for r in conn.execute(query)]


# --- quotas -------------------------------------------------------------------------------------------


def find_quotas(conn: Connection, user_ids: Sequence[int]) -> dict[tuple[int, date], dict[str, Any]]:
    """Stored quotas of these users, by (user, period start)."""
    out: dict[tuple[int, date], dict[str, Any]] = {}
    for part in chunks(sorted(set(user_ids)), CHUNK):
        for row in conn.execute(sa.select(QuotaRow.__table__).where(QuotaRow.user_id.in_(part))):
            out[(row.user_id, row.period_start)] = dict(row._mapping)
    return out


def insert_quotas(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(sa.insert(QuotaRow), list(rows))


def update_quota(conn: Connection, quota_id: int, values: dict[str, Any]) -> None:
    conn.execute(sa.update(QuotaRow).where(QuotaRow.id == quota_id).values(**values))


# --- campaigns ----------------------------------------------------------------------------------------


def find_campaigns(conn: Connection, names: Sequence[str]) -> dict[str, tuple[int, str | None]]:
    """(id, channel) of the named campaigns that exist."""
    out: dict[str, tuple[int, str | None]] = {}
    for part in chunks(list(names), CHUNK):
        query = sa.select(CampaignRow.id, CampaignRow.name, CampaignRow.channel).where(CampaignRow.name.in_(part))
        out.update({r.name: (r.id, r.channel) for r in conn.execute(query)})
    return out


def set_campaign_channel(conn: Connection, campaign_id: int, channel: str) -> None:
    conn.execute(sa.update(CampaignRow).where(CampaignRow.id == campaign_id).values(channel=channel))


# --- the demo's run log (import_runs, kind "demo") --------------------------------------------------------


def first_demo_run(conn: Connection) -> dict[str, Any] | None:
    """The counts of the earliest demo run recorded, which hold the end of its simulated year."""
    query = sa.select(ImportRunRow.counts).where(ImportRunRow.kind == DEMO_RUN_KIND).order_by(ImportRunRow.id).limit(1)
    counts = conn.execute(query).scalar_one_or_none()
    return dict(counts) if counts is not None else None


def find_demo_run(conn: Connection, label: str) -> int | None:
    query = sa.select(ImportRunRow.id).where((ImportRunRow.kind == DEMO_RUN_KIND) & (ImportRunRow.file == label))
    found = conn.execute(query.order_by(ImportRunRow.id).limit(1)).scalar_one_or_none()
    return int(found) if found is not None else None


def start_demo_run(conn: Connection, label: str, started_at: datetime, counts: dict[str, Any]) -> int:
    """Record a demo run as started (or restarted), keeping one row per label; returns its id."""
    run_id = find_demo_run(conn, label)
    values = {"started_at": started_at, "finished_at": None, "counts": counts, "status": "running"}
    if run_id is not None:
        conn.execute(sa.update(ImportRunRow).where(ImportRunRow.id == run_id).values(**values))
        return run_id
    query = sa.insert(ImportRunRow).returning(ImportRunRow.id)
    return int(conn.execute(query, {"kind": DEMO_RUN_KIND, "file": label, **values}).scalar_one())


def finish_demo_run(conn: Connection, run_id: int, finished_at: datetime, counts: dict[str, Any]) -> None:
    conn.execute(
        sa.update(ImportRunRow)
        .where(ImportRunRow.id == run_id)
        .values(finished_at=finished_at, counts=counts, status="done")
    )


# --- sizes ---------------------------------------------------------------------------------------------


def count_rows(conn: Connection, tables: Iterable[str]) -> dict[str, int]:
    """Rows in each named table."""
    return {
        name: int(conn.execute(sa.select(sa.func.count()).select_from(metadata.tables[name])).scalar_one())
        for name in tables
    }


def verdicts_without_clocks(conn: Connection) -> list[sa.Row[Any]]:
    """Every verdict with the moment its lead last became an MQL before it, where that MQL has no accept
    clock yet (imported history): lead_id, user_id, at, sla_version, mql_at."""
    t = StageTransitionRow.__table__
    f = FeedbackRow.__table__
    o = ObligationRow.__table__
    mql_at = (
        sa.select(sa.func.max(t.c.at))
        .where(t.c.lead_id == f.c.lead_id, t.c.to_stage == "mql", t.c.at <= f.c.at)
        .scalar_subquery()
    )
    rows = sa.select(f.c.lead_id, f.c.user_id, f.c.at, f.c.sla_version, mql_at.label("mql_at")).subquery()
    clocked = sa.exists().where(o.c.lead_id == rows.c.lead_id, o.c.kind == "accept", o.c.opened_at == rows.c.mql_at)
    query = sa.select(rows).where(rows.c.mql_at.is_not(None), ~clocked).order_by(rows.c.lead_id, rows.c.at)
    return list(conn.execute(query).all())


def acceptances_without_touch_clocks(conn: Connection) -> list[sa.Row[Any]]:
    """Every acceptance with the lead's first sales activity at or after it (or none), where that
    acceptance opened no first-touch clock yet: lead_id, user_id, at, sla_version, touched_at."""
    f = FeedbackRow.__table__
    a = ActivityRow.__table__
    o = ObligationRow.__table__
    touched = (
        sa.select(sa.func.min(a.c.occurred_at)).where(a.c.lead_id == f.c.lead_id, a.c.occurred_at >= f.c.at)
    ).scalar_subquery()
    rows = (
        sa.select(f.c.lead_id, f.c.user_id, f.c.at, f.c.sla_version, touched.label("touched_at"))
        .where(f.c.verdict == "accept")
        .subquery()
    )
    clocked = sa.exists().where(o.c.lead_id == rows.c.lead_id, o.c.kind == "first_touch", o.c.opened_at == rows.c.at)
    return list(conn.execute(sa.select(rows).where(~clocked).order_by(rows.c.lead_id, rows.c.at)).all())


def insert_obligations(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    for part in chunks(list(rows), CHUNK):
        conn.execute(sa.insert(ObligationRow), part)


def demo_people(conn: Connection) -> list[dict[str, Any]]:
    """Every person with a password: e-mail, role, title, manager, and how many MQLs wait on them."""
    users, leads = table_of(UserRow), table_of(LeadRow)
    waiting = (
        sa.select(sa.func.count())
        .where(leads.c.owner_id == users.c.id, leads.c.stage == "mql")
        .scalar_subquery()
        .label("waiting")
    )
    query = (
        sa.select(users.c.email, users.c.role, users.c.title, users.c.manager_id, waiting)
        .where(users.c.password_hash.is_not(None), users.c.active.is_(True))
        .order_by(users.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]
