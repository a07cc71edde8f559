"""Reading whole columns out of the store as Arrow tables, through ADBC: the fast path for batch work.

A million rows come back in about 0.3 s on SQLite (the ``sqlite3`` cursor takes about 4x as long,
../shared/ENGINES.md). Used by batch rescoring, the analytical mirror's sync and the journeys read
straight from SQLite (a part of the touchpoints per core, read at the same time).

On SQLite the read runs in a child process. The ADBC driver links its own copy of SQLite, and two copies
of SQLite in one process must never open the same file: POSIX locks belong to the process, so when the
driver's copy closed the database it dropped the locks of Python's ``sqlite3`` connections too, took
itself for the last user, checkpointed and deleted the write-ahead log under them, and their next
writes went to a log no other process could see (found by tests/store/test_arrow_reads.py; the SQLite
documentation warns of exactly this under "multiple copies of SQLite linked into the same
application"). In a child process the two copies meet only through the file locks, as two processes
always do. Each table comes back as an Arrow stream in a temporary file (a pipe took 3-4x as long:
the two processes took turns over its 64 KiB). The child uses the driver manager
itself, not its DB-API module, which imports pandas and Polars, and nanoarrow, not pyarrow, which
imports numpy: it starts in 0.02 s, not 0.6 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Generator, Iterator, Sequence
from typing import Any

import pyarrow as pa
from sqlalchemy.engine import Engine

_CHILD = """
import json, sys
import adbc_driver_manager as adbc
import adbc_driver_sqlite
import nanoarrow as na
from nanoarrow.ipc import StreamWriter
TYPES = {int: na.int64(), float: na.float64(), str: na.string(), bool: na.bool_(), type(None): na.int64()}
database, batch_rows, queries, folder = json.loads(sys.stdin.readline())
db = adbc_driver_sqlite.connect(database)
conn = adbc.AdbcConnection(db)
conn.set_autocommit(False)  # the queries read one snapshot
try:
    for number, (sql, parameters) in enumerate(queries):
        statement = adbc.AdbcStatement(conn)
        try:
            statement.set_options(**{"adbc.sqlite.query.batch_rows": str(batch_rows)})
            statement.set_sql_query(sql)
            if parameters:
                kinds = [TYPES[type(p)] for p in parameters]
                columns = [na.c_array([p], kind) for p, kind in zip(parameters, kinds)]
                schema = na.struct({str(i): kind for i, kind in enumerate(kinds)})
                row = na.c_array_from_buffers(schema, 1, buffers=[], children=columns)
                schema_capsule, array_capsule = row.__arrow_c_array__()
                statement.bind(array_capsule, schema_capsule)
            stream, _ = statement.execute_query()
            path = f"{folder}/{number}.arrows"
            with StreamWriter.from_path(path) as writer:
                writer.write_stream(na.c_array_stream(stream))
        finally:
            statement.close()
        print(path, flush=True)
finally:
    conn.rollback()
    conn.close()
    db.close()
"""

Query = tuple[str, tuple[Any, ...]]

# The SQLite driver infers each column's type from the first batch of rows: a column that is empty in
# the first 1,024 rows (its default) and text later fails the read ("expected INT64 but got STRING"),
# and one that mixes storage classes is read as text only if the batch shows it. So by default one
# batch holds the whole result. A read of columns that are never empty and of one type (a rescoring's
# touchpoints) may stream in small batches instead, to keep the reading process small.
WHOLE_RESULT = 1 << 30
STREAMED = 1 << 16


class ArrowReadFailed(RuntimeError):
    """The child process that reads SQLite failed; the message carries its error."""


def read_arrow(
    engine: Engine, sql: str, parameters: tuple[Any, ...] = (), *, batch_rows: int = WHOLE_RESULT
) -> pa.Table:
    """The result of ``sql`` (written for the engine's dialect) as an Arrow table."""
    return next(read_arrow_each(engine, [(sql, parameters)], batch_rows=batch_rows))


def read_arrow_each(
    engine: Engine, queries: Sequence[Query], *, batch_rows: int = WHOLE_RESULT
) -> Generator[pa.Table, None, None]:
    """The result of each query in turn, read over one connection (on SQLite, one child process)."""
    if engine.dialect.name == "sqlite":
        yield from _read_sqlite(engine.url.database or ":memory:", queries, batch_rows)
        return
    import adbc_driver_postgresql.dbapi as postgres_adbc

    conn = postgres_adbc.connect(engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        for sql, parameters in queries:
            cursor = conn.cursor()
            cursor.execute(sql, parameters or None)
            table: pa.Table = cursor.fetch_arrow_table()
            cursor.close()
            yield table
    finally:
        conn.close()


def _read_sqlite(database: str, queries: Sequence[Query], batch_rows: int) -> Iterator[pa.Table]:
    if database == ":memory:":
        raise ValueError("an in-memory SQLite database cannot be read from another process")
    with (
        tempfile.TemporaryDirectory(prefix="revbridge-read-") as folder,
        subprocess.Popen(
            [sys.executable, "-c", _CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        ) as child,
    ):
        assert child.stdin is not None
        assert child.stdout is not None
        assert child.stderr is not None
        request = [database, batch_rows, [[sql, list(p)] for sql, p in queries], folder]
        child.stdin.write((json.dumps(request) + "\n").encode())
        child.stdin.close()
        for _ in queries:
            path = child.stdout.readline().decode().strip()
            if not path:
                error = child.stderr.read().decode(errors="replace")
                child.wait()
                raise ArrowReadFailed(f"reading {database} failed: {error.strip()[-2000:]}")
            with pa.OSFile(path) as source:
                table = pa.ipc.open_stream(source).read_all()
            os.unlink(path)  # the table is in memory: the file's room is given back at once
            yield table
        error = child.stderr.read().decode(errors="replace")
        if child.wait() != 0:
            raise ArrowReadFailed(f"reading {database} failed: {error.strip()[-2000:]}")
