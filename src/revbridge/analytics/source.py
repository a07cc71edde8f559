"""Where the shared numbers are computed: the store itself, or the analytical mirror on DuckDB or Spark.

Every metric is written once, as Ibis expressions over the store's tables, and runs on any of:

- ``store``: the record store itself (SQLite or PostgreSQL), the default: nothing to set up;
- ``duckdb:PATH``: the mirror at PATH (``revbridge mirror sync PATH``) read by an embedded DuckDB;
- ``spark:PATH``: the same mirror read by Apache Spark (local mode unless ``SPARK_MASTER`` says where).

The mirror holds the same tables with the same columns (``store/mirror.py``), so a metric cannot tell
which it runs on. ``REVBRIDGE_ANALYTICS`` sets the default engine.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from revbridge.analytics.frames import frame_of
from revbridge.domain.errors import RevBridgeError
from revbridge.store import mirror

ENGINE_VARIABLE = "REVBRIDGE_ANALYTICS"
KINDS = ("store", "duckdb", "spark")


class EngineError(RevBridgeError):
    """An analytics engine that cannot be used as asked."""


@dataclass(frozen=True)
class EngineSpec:
    """``store``, ``duckdb:PATH`` or ``spark:PATH``."""

    kind: str
    path: Path | None = None

    @classmethod
    def parse(cls, text: str | None) -> EngineSpec:
        text = (text or os.environ.get(ENGINE_VARIABLE) or "store").strip()
        kind, _, path = text.partition(":")
        kind = kind.lower()
        if kind not in KINDS:
            raise EngineError(
                f"unknown analytics engine {text!r}: use store, duckdb:PATH or spark:PATH "
                "(PATH being a mirror made by `revbridge mirror sync PATH`)"
            )
        if kind == "store":
            if path:
                raise EngineError("the store engine takes no path: it reads the database itself")
            return cls("store")
        if not path:
            raise EngineError(f"{kind} needs the mirror's folder: {kind}:PATH")
        return cls(kind, Path(path))

    def __str__(self) -> str:
        return self.kind if self.path is None else f"{self.kind}:{self.path}"


@dataclass
class Source:
    """The store's tables on one engine, as Ibis tables."""

    backend: Any
    engine: str  # sqlite | postgres | duckdb | spark
    team: str | None = None  # only the leads owned by people of this team, their events and deals
    sqlite_file: str | None = None  # the store's file, when the engine is the store on SQLite
    _tables: dict[str, ir.Table] = field(default_factory=dict)
    _shared: dict[str, ir.Table] = field(default_factory=dict)

    def table(self, name: str) -> ir.Table:
        if name not in self._tables:
            table = self.backend.table(name)
            self._tables[name] = table if self.team is None else self._scoped(name, table)
        return self._tables[name]

    def _scoped(self, name: str, table: ir.Table) -> ir.Table:
        """``table`` cut to the team: its people's leads, the rows of those leads, their opportunities
        and quotas."""
        users, teams = self.backend.table("users"), self.backend.table("teams")
        named = teams.filter(teams.name == self.team)
        members = users.filter(users.team_id.isin(named.id)).id
        if name in ("leads", "opportunities"):
            return table.filter(table.owner_id.isin(members))
        if name == "quotas":
            return table.filter(table.user_id.isin(members))
        if "lead_id" in table.columns:
            leads = self.backend.table("leads")
            return table.filter(table.lead_id.isin(leads.filter(leads.owner_id.isin(members)).id))
        return table

    def shared(self, key: str, expr: ir.Table) -> ir.Table:
        """``expr``, computed once per source where that pays: on DuckDB, where the mirror is a snapshot
        and several metrics start from the same per-lead step (the stays, the funnel's per-lead
        aggregate), it becomes a temporary table the first time; elsewhere it stays an expression."""
        if self.engine != "duckdb":
            return expr
        if key not in self._shared:
            name = f"_shared_{len(self._shared)}"
            self._shared[key] = self.backend.create_table(name, expr, temp=True)
        return self._shared[key]

    def frame(self, expr: ir.Table, order: Sequence[str] = ()) -> pd.DataFrame:
        """Run ``expr`` on the engine; its (small) result as a data frame sorted by ``order``."""
        return frame_of(self.arrow(expr), order)

    def arrow(self, expr: ir.Table) -> pa.Table:
        if self.engine == "spark":  # straight to Arrow: Ibis would go through pandas
            return self.backend._session.sql(str(self.backend.compile(expr))).toArrow()
        with warnings.catch_warnings():
            # Ibis's SQLite backend asks pandas for an option pandas 3 deprecates: not ours to fix.
            warnings.filterwarnings("ignore", message="The 'future.infer_string' option is deprecated")
            return expr.to_pyarrow()


@contextmanager
def open_source(spec: EngineSpec, database_url: str, *, team: str | None = None) -> Iterator[Source]:
    """The tables on the engine ``spec`` names; ``database_url`` is the store's (for ``store``). With
    ``team``, only what concerns the leads owned by that team's people."""
    if spec.kind == "store":
        backend, name = _store_backend(database_url)
    elif spec.kind == "duckdb":
        assert spec.path is not None
        backend, name = _duckdb_backend(_mirror_root(spec.path)), "duckdb"
    else:
        assert spec.path is not None
        backend, name = _spark_backend(_mirror_root(spec.path)), "spark"
    try:
        sqlite_file = _sqlite_file(database_url) if name == "sqlite" else None
        source = Source(backend, name, team, sqlite_file)
        if team is not None:
            _check_team(source, team)
        yield source
    finally:
        if name != "spark":  # the Spark session is kept for the process: it takes seconds to start
            backend.disconnect()


def _check_team(source: Source, team: str) -> None:
    teams = source.backend.table("teams")
    names = sorted(source.frame(teams.select("name")).name.tolist())
    if team not in names:
        raise EngineError(f"no team named {team!r}; the teams are: {', '.join(names) or 'none yet'}")


def _store_backend(database_url: str) -> tuple[Any, str]:
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return ibis.sqlite.connect(url.database or ":memory:"), "sqlite"
    if url.get_backend_name() == "postgresql":
        return (
            ibis.postgres.connect(
                host=url.host or url.query.get("host"),
                user=url.username,
                password=url.password,
                port=url.port or 5432,
                database=url.database,
            ),
            "postgres",
        )
    raise EngineError(f"the store engine reads SQLite or PostgreSQL, not {url.get_backend_name()}")


def _sqlite_file(database_url: str) -> str | None:
    database = sa.engine.make_url(database_url).database
    return database if database and database != ":memory:" else None


def _mirror_root(path: Path) -> Path:
    if not (path / mirror.STATE_FILE).is_file():
        raise EngineError(f"{path} is not a mirror: make it with `revbridge mirror sync {path}`")
    return path


def mirror_files(root: Path) -> dict[str, tuple[list[str], Any]]:
    """Each mirrored table's Parquet files and its Arrow schema (an event table with no rows yet has none)."""
    out: dict[str, tuple[list[str], Any]] = {}
    for table in mirror.MIRRORED:
        files = [str(p) for p in mirror.files(root, table)]
        out[table] = (files, mirror.arrow_schema(table))
    return out


def _duckdb_backend(root: Path) -> Any:
    backend = ibis.duckdb.connect()
    for table, (files, schema) in mirror_files(root).items():
        if files:
            listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            columns = ", ".join(f'"{c}"' for c in schema.names)
            backend.raw_sql(
                f'CREATE VIEW "{table}" AS SELECT {columns} FROM read_parquet([{listed}], hive_partitioning = false)'
            )
        else:
            backend.con.register(table, pa.Table.from_batches([], schema=schema))
    return backend


def _spark_backend(root: Path) -> Any:
    from pyspark.sql import SparkSession

    master = os.environ.get("SPARK_MASTER", "local[2]")
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (
        SparkSession.builder.master(master)
        .appName("revbridge")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    for table, (files, schema) in mirror_files(root).items():
        if files:
            session.read.parquet(*files).createOrReplaceTempView(table)
        else:
            session.createDataFrame(session.sparkContext.emptyRDD(), _spark_schema(schema)).createOrReplaceTempView(
                table
            )
    return ibis.pyspark.connect(session)


def _spark_schema(schema: Any) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)
