"""The statements behind scoring one touchpoint, built once: on a hot path, building a statement costs more
than running it (SQLAlchemy's cache key for an ``.values(...)`` of eight columns is about 0.2 ms). Scoring
many new touchpoints runs the same statements for many leads at once (``executemany``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from revbridge.store.lifecycle_queries import LEAD_STATE_COLUMNS
from revbridge.store.repositories import chunks, id_in
from revbridge.store.tables import AccountRow, CampaignRow, LeadRow, table_of

_NUMBER_COLUMNS = "lead_id, fit_score, engagement_score, score, scored_at"
_NUMBERS_CONFLICT = (
    "ON CONFLICT (lead_id) DO UPDATE SET fit_score = excluded.fit_score, "
    "engagement_score = excluded.engagement_score, score = excluded.score, scored_at = excluded.scored_at"
)


def numbers_sql(rows: str) -> str:
    """Leads' numbers written beside their rows (``lead_scores``), over the ones there or the first time:
    ``rows`` gives (lead id, fit, engagement, combined, scored at), as ``VALUES (...)`` or a ``SELECT``."""
    return f"INSERT INTO lead_scores ({_NUMBER_COLUMNS}) {rows} {_NUMBERS_CONFLICT}"


_READ_MANY = sa.select(
    LeadRow.email,
    LeadRow.fit_score,
    LeadRow.score_reasons,
    LeadRow.engagement_state,
    LeadRow.predicted,
    *LEAD_STATE_COLUMNS,
)
_READ = _READ_MANY.where(LeadRow.id == sa.bindparam("lead"))
_READ_LOCKED = _READ.with_for_update()


_TOUCHPOINT_COLUMNS = ("lead_id", "source", "external_id", "type", "channel", "campaign_id", "occurred_at")
_INSERT_TOUCHPOINT_SQL = (
    f"INSERT INTO touchpoints ({', '.join(_TOUCHPOINT_COLUMNS)}, scored_on_arrival) "
    "VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {true}) ON CONFLICT DO NOTHING RETURNING source"
)


def insert_touchpoint(conn: Connection, values: dict[str, Any]) -> bool:
    """Store one touchpoint, marked ``scored_on_arrival`` (its scoring is in the same transaction); False
    when its (source, external_id) is already there. Through the driver, as the scores are written."""
    sqlite = conn.dialect.name == "sqlite"
    moment = _sqlite_moment if sqlite else _aware
    row = tuple(moment(values[c]) if c == "occurred_at" else values.get(c) for c in _TOUCHPOINT_COLUMNS)
    sql = _INSERT_TOUCHPOINT_SQL.format(p="?" if sqlite else "%s", true="1" if sqlite else "true")
    raw = conn.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.execute(sql, row)
        return cursor.fetchone() is not None  # RETURNING: psycopg's rowcount is -1 here
    finally:
        cursor.close()


def lead_for_scoring(conn: Connection, lead_id: int) -> Row[Any]:
    """The lead's scores, state and lifecycle columns; its row locked on PostgreSQL, so that two touchpoints
    of one lead at once add up instead of one overwriting the other."""
    query = _READ_LOCKED if conn.dialect.name == "postgresql" else _READ
    return conn.execute(query, {"lead": lead_id}).one()


def store_score(
    conn: Connection,
    lead_id: int,
    *,
    state: dict[str, Any],
    ref_at: datetime | None,
    digest: int,
    fit: float,
    engagement: float,
    p_convert: float | None,
    combined: float,
    reasons: list[list[Any]],
    history: list[list[Any]],
    now: datetime,
    cause: str,
) -> None:
    """The lead's new scores with the ``reasons`` kept beside its engagement state, and a snapshot of
    them for its score history with every reason (``history``): ``store_scores`` for one lead, through
    the driver (SQLAlchemy's own work on three statements was a fifth of scoring one touchpoint)."""
    score = {
        "lead": lead_id,
        "state": state,
        "ref_at": ref_at,
        "digest": digest,
        "fit": fit,
        "engagement": engagement,
        "p_convert": p_convert,
        "combined": combined,
        "reasons": reasons,
        "history": history,
    }
    store_scores(conn, [score], now, cause)


READ_CHUNK = 10_000  # leads per query


def leads_for_scoring(conn: Connection, lead_ids: Sequence[int]) -> dict[int, Row[Any]]:
    """``lead_for_scoring`` for many leads by id, a query per 10,000; locked on PostgreSQL in id order
    (two batches locking the same leads never wait for each other in a circle)."""
    found: dict[int, Row[Any]] = {}
    dialect = conn.dialect.name
    for part in chunks(sorted(set(lead_ids)), READ_CHUNK):
        query = _READ_MANY.where(id_in(dialect, LeadRow.id, part))
        if dialect == "postgresql":
            query = query.order_by(LeadRow.id).with_for_update()
        found.update((row.id, row) for row in conn.execute(query))
    return found


_SCORES_SQL = (
    "UPDATE leads SET engagement_state = {j}, engagement_ref_at = {p}, engagement_digest = {p}, "
    "score_reasons = {j} WHERE id = {p}"
)
_SNAPSHOTS_SQL = (
    "INSERT INTO score_snapshots (lead_id, at, fit, engagement, p_convert, score, reasons, cause) "
    "VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {j}, {p})"
)


def store_scores(conn: Connection, scores: Sequence[dict[str, Any]], now: datetime, cause: str) -> None:
    """``store_score`` for many leads, in the caller's transaction: each dict holds ``lead`` and the
    keyword arguments of ``store_score`` but ``now`` and ``cause``. One ``executemany`` of the driver's
    per statement, the JSON made by ``json.dumps`` as the JSON type makes it: binding the same rows
    through SQLAlchemy cost four times the writing."""
    if not scores:
        return
    sqlite = conn.dialect.name == "sqlite"
    p, j = ("?", "?") if sqlite else ("%s", "%s::jsonb")
    moment = _sqlite_moment if sqlite else _aware
    at = moment(now)
    leads = [
        (json.dumps(s["state"]), moment(s["ref_at"]), s["digest"], json.dumps(s["reasons"]), s["lead"]) for s in scores
    ]
    numbers = [(s["lead"], s["fit"], s["engagement"], s["combined"], at) for s in scores]
    history = [
        (s["lead"], at, s["fit"], s["engagement"], s["p_convert"], s["combined"], json.dumps(s["history"]), cause)
        for s in scores
    ]
    raw = conn.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.executemany(_SCORES_SQL.format(p=p, j=j), leads)
        cursor.executemany(numbers_sql(f"VALUES ({p}, {p}, {p}, {p}, {p})"), numbers)
        cursor.executemany(_SNAPSHOTS_SQL.format(p=p, j=j), history)
    finally:
        cursor.close()


def _sqlite_moment(at: datetime | None) -> str | None:
    """A moment as ``UtcDateTime`` keeps it on SQLite: naive UTC text."""
    return None if at is None else at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _aware(at: datetime | None) -> datetime | None:
    return None if at is None else at.astimezone(UTC)


def lead_fit_inputs(
    conn: Connection, lead_ids: Sequence[int], *, lock: bool = False
) -> dict[int, tuple[dict[str, Any], dict[str, Any] | None]]:
    """Each lead's fields as fit rules read them (with ``campaign`` as the campaign's name), and its
    account's; with ``lock``, the leads' rows locked on PostgreSQL in id order, as ``leads_for_scoring``."""
    leads = table_of(LeadRow)
    accounts = table_of(AccountRow).alias("account")
    out: dict[int, tuple[dict[str, Any], dict[str, Any] | None]] = {}
    for part in chunks(sorted(set(lead_ids)), READ_CHUNK):
        query = (
            sa.select(leads, CampaignRow.name.label("campaign_name"), *(c.label(f"a_{c.name}") for c in accounts.c))
            .select_from(leads)
            .outerjoin(CampaignRow, CampaignRow.id == leads.c.campaign_id)
            .outerjoin(accounts, accounts.c.id == leads.c.account_id)
            .where(id_in(conn.dialect.name, leads.c.id, part))
        )
        if lock and conn.dialect.name == "postgresql":
            query = query.order_by(leads.c.id).with_for_update(of=leads)
        for row in conn.execute(query).mappings():
            lead = {c.name: row[c.name] for c in leads.c}
            lead["campaign"] = row["campaign_name"]
            account = {c.name: row[f"a_{c.name}"] for c in accounts.c} if row["a_id"] is not None else None
            out[int(row["id"])] = (lead, account)
    return out


_FIRST_SQL = "UPDATE leads SET score_reasons = {j} WHERE id = {p}"


def store_first_scores(
    conn: Connection, scores: Sequence[tuple[int, float, float, float, list[list[Any]]]], now: datetime
) -> None:
    """New leads' first scores, as (lead id, fit, engagement, combined, reasons to store), scored at
    ``now``, in the caller's transaction: one ``executemany`` of the driver's."""
    if not scores:
        return
    sqlite = conn.dialect.name == "sqlite"
    p, j = ("?", "?") if sqlite else ("%s", "%s::jsonb")
    at = _sqlite_moment(now) if sqlite else _aware(now)
    raw = conn.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.executemany(_FIRST_SQL.format(p=p, j=j), [(json.dumps(reasons), lead) for lead, *_, reasons in scores])
        cursor.executemany(
            numbers_sql(f"VALUES ({p}, {p}, {p}, {p}, {p})"),
            [(lead, fit, engagement, combined, at) for lead, fit, engagement, combined, _ in scores],
        )
    finally:
        cursor.close()
