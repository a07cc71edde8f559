"""The databases' own fast paths for append-only rows: one executemany on SQLite, COPY on PostgreSQL.

Rows come as an Arrow table. Those that collide with an existing (source, external_id) are skipped by
the database itself (``ON CONFLICT DO NOTHING``), so a replayed batch adds nothing and the count of
rows created is exact.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from sqlalchemy.engine import Connection


def insert_new_rows(conn: Connection, table: str, rows: pa.Table, *, conflict: Sequence[str]) -> int:
    """Insert ``rows`` (columns named as the table's), skipping conflicts on ``conflict``; returns rows created.

    Timestamp columns must be UTC; JSON columns come as text.
    """
    if rows.num_rows == 0:
        return 0
    if conn.dialect.name == "sqlite":
        return _sqlite_insert(conn, table, rows, conflict)
    return _postgres_copy(conn, table, rows, conflict)


def _sqlite_insert(conn: Connection, table: str, rows: pa.Table, conflict: Sequence[str]) -> int:
    columns = []
    for column in rows.columns:
        if pa.types.is_timestamp(column.type):
            # The text SQLAlchemy's SQLite DateTime type reads back: naive UTC with microseconds.
            column = pc.strftime(pc.cast(column, pa.timestamp("us", "UTC")), format="%Y-%m-%d %H:%M:%S")
        columns.append(column.to_pylist())
    names = rows.column_names
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
        f"ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    )
    raw = conn.connection.driver_connection
    assert raw is not None
    before = raw.total_changes
    cursor = raw.cursor()
    cursor.executemany(sql, zip(*columns, strict=True))
    cursor.close()
    return int(raw.total_changes - before)


def _postgres_copy(conn: Connection, table: str, rows: pa.Table, conflict: Sequence[str]) -> int:
    raw = conn.connection.driver_connection
    assert raw is not None
    names = rows.column_names
    staging = f"_staging_{table}_{zlib.crc32(','.join(names).encode()):08x}"
    buffer = io.BytesIO()
    pcsv.write_csv(rows, buffer, pcsv.WriteOptions(include_header=False))
    cursor = raw.cursor()
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "
        f"SELECT {', '.join(names)} FROM {table} WITH NO DATA"
    )
    with cursor.copy(f"COPY {staging} ({', '.join(names)}) FROM STDIN (FORMAT csv)") as copy:
        copy.write(buffer.getbuffer())
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(names)} FROM {staging} "
        f"ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    )
    created = cursor.rowcount
    cursor.execute(f"TRUNCATE {staging}")
    cursor.close()
    return int(created)
