"""Fixtures: a database ``engine`` on SQLite and on a real PostgreSQL, each test on a fresh copy.

Each test gets its own database cloned from a migrated template (a file copy on SQLite,
``CREATE DATABASE ... TEMPLATE`` on PostgreSQL), so services commit for real and tests never share state.
With ``CI=true`` a PostgreSQL that cannot start fails the run; elsewhere its tests skip with the reason.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge import bootstrap
from revbridge.store import migrate
from revbridge.store.engine import make_engine

from .pg_cluster import Cluster, ClusterUnavailable, start_cluster

pytest_plugins = ["tests.demo_store"]

IN_CI = os.environ.get("CI", "").lower() == "true"
_counter = itertools.count()


def datasets_dir() -> Path | None:
    """Where the shared public data sets are: REVBRIDGE_DATASETS or ../shared/datasets."""
    configured = os.environ.get("REVBRIDGE_DATASETS")
    path = Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared" / "datasets"
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def datasets() -> Path:
    path = datasets_dir()
    if path is None:
        if IN_CI:
            pytest.fail("the shared data sets are required in CI: set REVBRIDGE_DATASETS or add ../shared")
        pytest.skip("shared data sets not found (set REVBRIDGE_DATASETS to their folder)")
    return path


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    try:
        cluster = start_cluster()
    except ClusterUnavailable as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL must run in CI: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_cluster: Cluster) -> str:
    admin = make_engine(pg_cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("CREATE DATABASE revbridge_template"))
    admin.dispose()
    engine = make_engine(pg_cluster.url("revbridge_template"))
    migrate.upgrade(engine)
    engine.dispose()
    return "revbridge_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def fresh_postgres_url(cluster: Cluster, template: str) -> str:
    name = f"t{os.getpid()}_{next(_counter)}"
    admin = make_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE {template}'))
    admin.dispose()
    return cluster.url(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a fresh, migrated database on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "revbridge.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return fresh_postgres_url(cluster, request.getfixturevalue("pg_template"))


@pytest.fixture(autouse=True)
def _close_cli_engines() -> Iterator[None]:
    """Commands under test open engines through ``bootstrap``; close them before the test's database goes."""
    yield
    bootstrap.dispose_engines()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    target = tmp_path / "revbridge.db"
    shutil.copyfile(sqlite_template, target)
    eng = make_engine(f"sqlite:///{target}")
    yield eng
    eng.dispose()
