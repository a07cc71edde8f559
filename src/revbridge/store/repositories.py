"""Queries named for what they find. SQL in, plain values out; no side effects beyond the rows named."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.orm import QueryableAttribute

from revbridge.store.tables import (
    AccountRow,
    CampaignRow,
    LeadRow,
    StageTransitionRow,
    TeamRow,
    UserRow,
    table_of,
)

CHUNK = 900  # bind parameters per IN list: well under SQLite's limit


def id_in(
    dialect: str, column: sa.ColumnElement[int] | QueryableAttribute[int], ids: Sequence[int]
) -> sa.ColumnElement[bool]:
    """``column IN (ids)`` with the ids bound as one value: a JSON array read by ``json_each`` on SQLite,
    an array with ``= ANY`` on PostgreSQL. For thousands of ids this is one statement, and compiling it
    does not cost a bound parameter per id (which made the IN lists of a tick a tenth of its time)."""
    values = [int(i) for i in ids]
    if dialect == "postgresql":
        return column == sa.any_(sa.bindparam(None, values, type_=ARRAY(sa.Integer())))
    listed = sa.func.json_each(sa.bindparam(None, json.dumps(values), type_=sa.String())).table_valued("value")
    return column.in_(sa.select(listed.c.value))


def bound_rows(dialect: str, rows: Sequence[Sequence[int | str | None]], types: Sequence[Any]) -> list[Any]:
    """The columns of a derived table holding ``rows`` (integers and texts), bound as one value per column
    on PostgreSQL (``unnest`` of arrays) and as one JSON text on SQLite (``json_each``): thousands of rows
    in one statement, without a bound parameter each."""
    if dialect == "postgresql":
        names = [f"c{i}" for i in range(len(types))]
        arrays = [sa.literal([row[i] for row in rows], ARRAY(t)) for i, t in enumerate(types)]
        derived = sa.func.unnest(*arrays).table_valued(*names).render_derived()
        return [derived.c[name] for name in names]
    listed = sa.func.json_each(sa.literal(json.dumps(rows), sa.String())).table_valued("value")
    return [sa.func.json_extract(listed.c.value, f"$[{i}]") for i in range(len(types))]


def picked(dialect: str, options: Sequence[str], number: Any) -> Any:
    """The ``number``-th of ``options`` (counted from 0), for each row of a statement: the options bound
    once, as one value, and each row naming its own by number (a routing reason that thousands of leads
    share is sent once, not once a row; on SQLite, a few options: finding one walks the list)."""
    if dialect == "postgresql":
        return sa.Grouping(sa.literal(list(options), ARRAY(sa.Text())))[number + 1]
    path = sa.literal("$[", sa.String()).concat(number).concat("]")
    return sa.func.json_extract(sa.literal(json.dumps(list(options)), sa.String()), path)


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def insert_ignoring_conflicts(conn: Connection, table: sa.Table) -> sa.Insert:
    """An INSERT that skips rows colliding with a unique key: another import may create the same row."""
    return insert_ignoring_conflicts_in(conn.dialect.name, table)


def insert_ignoring_conflicts_in(dialect: str, table: sa.Table) -> sa.Insert:
    """``insert_ignoring_conflicts`` for a dialect named ``postgresql`` or ``sqlite``."""
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def get_or_create_campaigns(
    conn: Connection, channels_by_name: dict[str, str | None], known: dict[str, int]
) -> dict[str, int]:
    """Ids of the named campaigns, creating those that do not exist; ``known`` is a cache, updated."""
    missing = [n for n in channels_by_name if n not in known]
    for part in chunks(missing):
        for row in conn.execute(sa.select(CampaignRow.id, CampaignRow.name).where(CampaignRow.name.in_(part))):
            known[row.name] = row.id
    new = [n for n in missing if n not in known]
    if new:
        table = table_of(CampaignRow)
        conn.execute(
            insert_ignoring_conflicts(conn, table),
            [{"name": n, "channel": channels_by_name[n]} for n in new],
        )
        for part in chunks(new):
            for row in conn.execute(sa.select(CampaignRow.id, CampaignRow.name).where(CampaignRow.name.in_(part))):
                known[row.name] = row.id
    return known


def list_account_keys(conn: Connection) -> list[tuple[int, str | None, str | None]]:
    """(id, name, domain) of every account, for matching people to companies."""
    return [
        (r.id, r.name, r.domain) for r in conn.execute(sa.select(AccountRow.id, AccountRow.name, AccountRow.domain))
    ]


def insert_account(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(sa.insert(AccountRow).returning(AccountRow.id), values)
    return int(result.scalar_one())


def find_leads_by_keys(conn: Connection, emails: Sequence[str], keys: Sequence[tuple[str, str]]) -> list[sa.Row[Any]]:
    """Stored leads whose e-mail is in ``emails`` or whose (source, external_id) is in ``keys``."""
    rows: dict[int, sa.Row[Any]] = {}
    table = table_of(LeadRow)
    for part in chunks(list(emails)):
        for row in conn.execute(sa.select(table).where(table.c.email.in_(part))):
            rows[row.id] = row
    for part_keys in chunks(list(keys), CHUNK // 2):
        condition = sa.tuple_(table.c.source, table.c.external_id).in_(list(part_keys))
        for row in conn.execute(sa.select(table).where(condition)):
            rows[row.id] = row
    return list(rows.values())


def find_lead_ids_by_email(conn: Connection, emails: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    if conn.dialect.name == "postgresql":  # one round trip with an array, however many addresses
        wanted = sa.bindparam("emails", list(emails), type_=ARRAY(sa.String()))
        query = sa.select(LeadRow.id, LeadRow.email).where(LeadRow.email == sa.any_(wanted))
        return {row.email: row.id for row in conn.execute(query)}
    for part in chunks(list(emails)):
        for row in conn.execute(sa.select(LeadRow.id, LeadRow.email).where(LeadRow.email.in_(part))):
            out[row.email] = row.id
    return out


def find_lead_ids_by_external_id(conn: Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    if conn.dialect.name == "postgresql" and keys:  # one round trip: join on two unnested arrays
        query = sa.text(
            "SELECT l.id, l.source, l.external_id FROM leads l "
            "JOIN unnest(CAST(:sources AS text[]), CAST(:ids AS text[])) AS k(source, external_id) "
            "ON l.source = k.source AND l.external_id = k.external_id"
        )
        rows = conn.execute(query, {"sources": [k[0] for k in keys], "ids": [k[1] for k in keys]})
        return {(r.source, r.external_id): r.id for r in rows}
    for part in chunks(list(keys), CHUNK // 2):
        condition = sa.tuple_(LeadRow.source, LeadRow.external_id).in_(list(part))
        for row in conn.execute(sa.select(LeadRow.id, LeadRow.source, LeadRow.external_id).where(condition)):
            out[(row.source, row.external_id)] = row.id
    return out


def recorded_transitions(conn: Connection, lead_ids: Sequence[int]) -> set[tuple[int, str, datetime]]:
    """(lead, to_stage, at) of every transition already recorded for these leads."""
    out: set[tuple[int, str, datetime]] = set()
    for part in chunks(list(lead_ids)):
        query = sa.select(StageTransitionRow.lead_id, StageTransitionRow.to_stage, StageTransitionRow.at).where(
            StageTransitionRow.lead_id.in_(part)
        )
        out.update((r.lead_id, r.to_stage, r.at) for r in conn.execute(query))
    return out


def find_users(conn: Connection) -> dict[str, int]:
    """User ids keyed by lower-cased e-mail and by lower-cased name."""
    out: dict[str, int] = {}
    for row in conn.execute(sa.select(UserRow.id, UserRow.email, UserRow.name)):
        out[row.email.lower()] = row.id
        out.setdefault(row.name.lower(), row.id)
    return out


def get_or_create_team(conn: Connection, name: str, kind: str) -> int:
    conn.execute(insert_ignoring_conflicts(conn, table_of(TeamRow)), {"name": name, "kind": kind})
    return int(conn.execute(sa.select(TeamRow.id).where(TeamRow.name == name)).scalar_one())


def update_lead(conn: Connection, lead_id: int, changes: dict[str, Any]) -> None:
    conn.execute(sa.update(LeadRow).where(LeadRow.id == lead_id).values(**changes))


def insert_leads(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """A plain executemany (find the ids by natural key after: RETURNING in parameter order made SQLite
    run one INSERT per row)."""
    conn.execute(sa.insert(LeadRow), rows)


def insert_transitions(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    conn.execute(sa.insert(StageTransitionRow), rows)
