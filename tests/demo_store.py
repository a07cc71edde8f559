"""A small demo company (300 leads, its year ending this hour) on each database, built once per test
session (per worker) and copied for each test: ``demo`` (both databases), ``demo_sqlite`` (the file)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.services.demo import run_demo
from revbridge.store.engine import make_engine
from tests.conftest import fresh_postgres_url
from tests.pg_cluster import Cluster

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


SEEDS = range(5, 25)


def _has_customers(engine: Engine) -> bool:
    with engine.connect() as conn:
        won = conn.execute(sa.text("SELECT count(*) FROM opportunities WHERE stage = 'closed_won'")).scalar_one()
    return int(won) > 0


@pytest.fixture(scope="session")
def demo_built(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> tuple[int, Path]:
    """The demo company on SQLite, and its seed: the first from 5 whose year has a customer. A company of
    300 leads sometimes wins no deal in a year (on some days' calendars, none of ten to seventeen), and
    the number pages' tests need revenue to attribute; the same seed makes the same company on PostgreSQL."""
    for seed in SEEDS:
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        shutil.copyfile(sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
        run_demo(engine, leads=300, seed=seed, now=NOW)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        found = _has_customers(engine)
        engine.dispose()
        if found:
            return seed, path
    raise RuntimeError(f"no seed of {SEEDS} gives the demo company a customer in its year to {NOW}")


@pytest.fixture(scope="session")
def demo_sqlite(demo_built: tuple[int, Path]) -> Path:
    return demo_built[1]


@pytest.fixture(scope="session")
def demo_postgres(pg_cluster: Cluster, pg_template: str, demo_built: tuple[int, Path]) -> str:
    url = fresh_postgres_url(pg_cluster, pg_template)
    engine = make_engine(url)
    run_demo(engine, leads=300, seed=demo_built[0], now=NOW)
    engine.dispose()
    name = url.rsplit("/", 1)[1]
    admin = make_engine(pg_cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # a template may have no one connected
        conn.execute(sa.text(f'ALTER DATABASE "{name}" IS_TEMPLATE true'))
    admin.dispose()
    return name


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def demo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh copy of the demo company, on each database."""
    if request.param == "sqlite":
        target = tmp_path / "demo.db"
        shutil.copyfile(request.getfixturevalue("demo_sqlite"), target)
        url = f"sqlite:///{target}"
    else:
        url = fresh_postgres_url(request.getfixturevalue("pg_cluster"), request.getfixturevalue("demo_postgres"))
    engine = make_engine(url)
    yield engine
    engine.dispose()
