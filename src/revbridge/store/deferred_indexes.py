"""Bulk loading an SQLite event table: drop its secondary indexes, insert, build them again once.

Keeping the ``lead_id`` index up to date row by row is most of what a bulk insert costs on SQLite
(benchmarks/ingest.py: 1,000,000 touchpoints go in 2.5x faster without it), while building it from
scratch afterwards sorts the whole table once, about 0.4 s per million rows here. So a file that is
large next to the table it goes into is loaded without the index, and the index is rebuilt at the end.

Only SQLite does this. On PostgreSQL ``DROP INDEX`` would lock the table against every reader of a
multi-user server for the whole import, and its parallel COPY already meets the ingest goal.

If the import is killed before the rebuild, the index is simply missing (reads stay correct, only
slower); ``ensure_secondary_indexes`` puts it back, and every import and ``revbridge init`` call it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.store.engine import writing
from revbridge.store.tables import Base

# Defer when the file is at least this share of the rows already in the table: per-row index upkeep
# costs ~5 us a row here, a rebuild ~0.4 us per row of the whole table, so a quarter leaves a margin.
DEFER_SHARE = 0.25
DEFER_MIN_ROWS = 100_000


def _secondary(table: str) -> list[sa.Index]:
    return sorted((i for i in Base.metadata.tables[table].indexes if not i.unique), key=lambda i: str(i.name))


def should_defer(engine: Engine, table: str, expected_rows: int) -> bool:
    """Whether loading ``expected_rows`` more rows into ``table`` is faster with its indexes rebuilt after."""
    if engine.dialect.name != "sqlite" or expected_rows < DEFER_MIN_ROWS or not _secondary(table):
        return False
    with engine.connect() as conn:
        # max(rowid) is read from the b-tree's right edge; count(*) would scan the table.
        stored = conn.exec_driver_sql(f"SELECT coalesce(max(rowid), 0) FROM {table}").scalar_one()
    return expected_rows >= DEFER_SHARE * int(stored)


def drop_secondary_indexes(engine: Engine, table: str) -> None:
    with writing(engine).begin() as conn:
        for index in _secondary(table):
            index.drop(conn, checkfirst=True)


BULK_TABLES = ("touchpoints", "activities")  # the tables an import may load without their indexes


def ensure_secondary_indexes(engine: Engine, tables: tuple[str, ...] = BULK_TABLES) -> None:
    """Create any secondary index of ``tables`` that is missing (after an import killed mid-way)."""
    with writing(engine).begin() as conn:
        for name in tables:
            for index in _secondary(name):
                index.create(conn, checkfirst=True)
