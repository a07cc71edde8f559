"""The touchpoints that arrived since the leads' scores last counted them, and the mark of how far they did.

Touchpoints are numbered in the order they arrive: SQLite's ``rowid`` (one writer at a time, so rowids
commit in order), PostgreSQL's ``seq`` (one number per imported batch or per row added alone, drawn from
a sequence; migration 0003). ``score_marks`` keeps, under the name ``touchpoints``, the highest number
whose touchpoints are in the scores; the scoring of new touchpoints reads past it and moves it in the
transaction that writes the scores, and a full rescoring sets it to the highest number it read.

On PostgreSQL a row with a lower number can commit after one with a higher: two imports draw 7 and 8,
and 8 commits first. A mark moved to 8 would step over 7 for ever. So ``settled_arrival`` reads the
highest number drawn so far under ``LOCK TABLE touchpoints IN SHARE MODE``, as the mirror's sync does:
the lock waits for the transactions inserting at that moment and keeps new ones out for as long as one
read of the sequence takes, so every row numbered up to it has committed, and every later row gets a
higher number. The read is of the sequence itself (every number is drawn under the table's insert lock),
not ``max(seq)``, which would scan the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import OperationalError

from revbridge.store.bulk import ARRIVAL_SEQUENCES
from revbridge.store.tables import ScoreMarkRow, TouchpointRow

MARK = "touchpoints"
_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's code for a lock_timeout that ran out


def arrival_key(dialect: str) -> sa.ColumnElement[Any]:
    """The column whose order is the order touchpoints arrived in."""
    if dialect == "postgresql":
        return TouchpointRow.seq.expression
    return sa.literal_column("touchpoints.rowid")


def settled_arrival(engine: Engine, *, wait_seconds: float | None = None) -> int | None:
    """The highest arrival number below which every touchpoint has committed. On PostgreSQL the table's
    SHARE lock is waited for ``wait_seconds`` at most (None: as long as it takes); None if it was not
    had in that time (a long import is writing: ask again later)."""
    if engine.dialect.name != "postgresql":
        with engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM touchpoints").scalar_one())
    with engine.connect() as conn:  # the lock is held only until this read ends
        if wait_seconds is not None:
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{max(1, round(wait_seconds * 1000))}ms'")
        try:
            conn.exec_driver_sql("LOCK TABLE touchpoints IN SHARE MODE")
        except OperationalError as exc:
            conn.rollback()
            if getattr(exc.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
                return None
            raise
        sequence = ARRIVAL_SEQUENCES["touchpoints"]
        drawn = conn.exec_driver_sql(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence}")
        settled = int(drawn.scalar_one())
        conn.commit()
        return settled


def locked_mark(conn: Connection) -> int:
    """The mark, its row locked until the transaction ends (on SQLite the write lock is held already):
    two scorings of new touchpoints, or one and a full rescoring, take turns."""
    query = sa.select(ScoreMarkRow.last_arrival).where(ScoreMarkRow.name == MARK)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    found = conn.execute(query).scalar_one_or_none()
    if found is None:  # made by migration 0009; put back if someone deleted it
        conn.execute(sa.insert(ScoreMarkRow).values(name=MARK, last_arrival=0))
        return 0
    return int(found)


def move_mark(conn: Connection, to: int, at: datetime) -> None:
    """Set the mark to arrival ``to`` (a full rescoring may move it back: see ``services/scoring``)."""
    moved = conn.execute(
        sa.update(ScoreMarkRow).where(ScoreMarkRow.name == MARK).values(last_arrival=to, moved_at=at)
    ).rowcount
    if not moved:
        conn.execute(sa.insert(ScoreMarkRow).values(name=MARK, last_arrival=to, moved_at=at))


def batch_end(conn: Connection, mark: int, settled: int, limit: int) -> int:
    """Where a batch of about ``limit`` touchpoints past ``mark`` ends (at most ``settled``). On SQLite
    rowids are dense, so it is ``mark + limit``; on PostgreSQL the rows of one imported batch share a
    number and a batch ends with the number of its ``limit``-th row, taking every row of that number."""
    if settled <= mark:
        return mark
    if conn.dialect.name != "postgresql":
        return min(settled, mark + limit)
    key = TouchpointRow.seq
    nth = conn.execute(
        sa.select(key).where(key > mark, key <= settled).order_by(key).offset(max(0, limit - 1)).limit(1)
    ).scalar_one_or_none()
    return settled if nth is None else int(nth)


def new_touchpoints(
    conn: Connection, after: int, through: int, kinds: Sequence[str]
) -> Sequence[Row[int, str, datetime]]:
    """``(lead_id, type, occurred_at)`` of the touchpoints of the given types that arrived after ``after``
    and up to ``through``, but those scored as they arrived, in arrival order (on PostgreSQL the rows of
    one imported batch, which arrived together, in the order they happened)."""
    if through <= after or not kinds:
        return []
    key = arrival_key(conn.dialect.name)
    order: list[Any] = [key]
    if conn.dialect.name == "postgresql":
        order += [TouchpointRow.occurred_at, TouchpointRow.source, TouchpointRow.external_id]
    query = (
        sa.select(TouchpointRow.lead_id, TouchpointRow.type, TouchpointRow.occurred_at)
        .where(
            key > after,
            key <= through,
            TouchpointRow.type.in_(sorted(set(kinds))),
            TouchpointRow.scored_on_arrival.is_(None),
        )
        .order_by(*order)
    )
    return conn.execute(query).all()
