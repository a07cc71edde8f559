"""One place that makes database engines: SQLite gets WAL and sane pragmas, PostgreSQL psycopg 3."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite files run in WAL mode with foreign keys enforced."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (needed for SAVEPOINTs), and let a
        # writer take the write lock up front (see ``writing``).
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def writing(engine: Engine) -> Engine:
    """The engine for a transaction that will write: ``with writing(engine).begin() as conn``.

    On SQLite it begins with ``BEGIN IMMEDIATE``. A deferred transaction that reads and then writes
    while another writer is active fails at once with "database is locked" (SQLite cannot wait there
    without risking a deadlock); taking the write lock up front makes it wait its turn instead. Reads keep
    plain deferred transactions, so in WAL mode they never wait for a writer.
    """
    if engine.dialect.name != "sqlite":
        return engine
    # Made once per engine: ``execution_options`` builds a new engine each call, a tenth of a millisecond,
    # and one touchpoint's whole scoring is about one millisecond.
    found = _writers.get(engine)
    if found is None:
        found = _writers[engine] = engine.execution_options(revbridge_writes=True)
    return found


_writers: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


@contextmanager
def driver_cursor(engine: Engine) -> Iterator[Any]:
    """A cursor of the database driver itself (``executemany``, PostgreSQL's ``COPY``) in one writing
    transaction, committed when the block ends and closed."""
    with writing(engine).begin() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            yield cursor
        finally:
            cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get("revbridge_writes", False)
    # Straight to the driver: SQLAlchemy's execution of a statement with no result costs more than SQLite's.
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # 16 KiB pages: index inserts during bulk ingest touch fewer pages (1.2x faster, benchmarks/ingest.py).
    # Takes effect only when the file is created; existing databases keep their page size.
    cursor.execute("PRAGMA page_size=16384")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: index inserts during bulk ingest
    cursor.close()
