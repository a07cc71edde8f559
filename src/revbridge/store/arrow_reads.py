"""Reading whole columns out of the store as Arrow tables, through ADBC: the fast path for batch work.

A million rows come back in about 0.3 s on SQLite (the ``sqlite3`` cursor takes about 4x as long,
../shared/ENGINES.md). Used by batch rescoring and the analytical mirror's sync.

On SQLite the read runs in a child process. The ADBC driver links its own copy of SQLite, and two copies
of SQLite in one process must never open the same file: POSIX locks belong to the process, so when the
driver's copy closed the database it dropped the locks of Python's ``sqlite3`` connections too, took
itself for the last user, checkpointed and deleted the write-ahead log under them, and their next
writes went to a log no other process could see (found by tests/store/test_arrow_reads.py; the SQLite
documentation warns of exactly this under "multiple copies of SQLite linked into the same
application"). In a child process the two copies meet only through the file locks, as two processes
always do. The table comes back as an Arrow stream over a pipe.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
from sqlalchemy.engine import Engine

_CHILD = """
import json, sys
import adbc_driver_sqlite.dbapi as adbc
import pyarrow as pa
database, queries = json.loads(sys.stdin.readline())
conn = adbc.connect(database)
try:
    for sql, parameters in queries:
        cursor = conn.cursor()
        cursor.execute(sql, tuple(parameters) or None)
        reader = cursor.fetch_record_batch()
        with pa.ipc.new_stream(sys.stdout.buffer, reader.schema) as out:
            for batch in reader:
                out.write_batch(batch)
        cursor.close()
        sys.stdout.buffer.flush()
finally:
    conn.close()
"""

Query = tuple[str, tuple[Any, ...]]


class ArrowReadFailed(RuntimeError):
    """The child process that reads SQLite failed; the message carries its error."""


def read_arrow(engine: Engine, sql: str, parameters: tuple[Any, ...] = ()) -> pa.Table:
    """The result of ``sql`` (written for the engine's dialect) as an Arrow table."""
    return next(read_arrow_each(engine, [(sql, parameters)]))


def read_arrow_each(engine: Engine, queries: Sequence[Query]) -> Iterator[pa.Table]:
    """The result of each query in turn, read over one connection (on SQLite, one child process)."""
    if engine.dialect.name == "sqlite":
        yield from _read_sqlite(engine.url.database or ":memory:", queries)
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


def _read_sqlite(database: str, queries: Sequence[Query]) -> Iterator[pa.Table]:
    if database == ":memory:":
        raise ValueError("an in-memory SQLite database cannot be read from another process")
    with subprocess.Popen(
        [sys.executable, "-c", _CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as child:
        assert child.stdin is not None
        assert child.stdout is not None
        assert child.stderr is not None
        child.stdin.write((json.dumps([database, [[sql, list(p)] for sql, p in queries]]) + "\n").encode())
        child.stdin.close()
        for _ in queries:
            try:
                table = pa.ipc.open_stream(child.stdout).read_all()
            except (pa.ArrowInvalid, OSError):
                error = child.stderr.read().decode(errors="replace")
                child.wait()
                raise ArrowReadFailed(f"reading {database} failed: {error.strip()[-2000:]}") from None
            yield table
        error = child.stderr.read().decode(errors="replace")
        if child.wait() != 0:
            raise ArrowReadFailed(f"reading {database} failed: {error.strip()[-2000:]}")
