"""The same metric on every engine: ``on`` fills a real database and opens it as the metric will read it.

Parameters: the store itself on SQLite and on PostgreSQL, and the mirror made from it (``mirror sync``)
read by DuckDB and by Spark in local mode (slow: a JVM starts once per test process).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from revbridge.analytics.source import EngineSpec, Source, open_source
from revbridge.store import mirror
from revbridge.store.engine import make_engine
from tests.conftest import fresh_postgres_url

Fill = Callable[[Engine], None]
On = Callable[..., AbstractContextManager[Source]]  # on(fill, team=None)
ENGINES = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    "duckdb",
    # py4j leaves the sockets of its gateway to the garbage collector.
    pytest.param(
        "spark",
        marks=[
            pytest.mark.slow,
            pytest.mark.filterwarnings(
                "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning"
            ),
        ],
    ),
]


@pytest.fixture(params=ENGINES)
def on(request: pytest.FixtureRequest, tmp_path: Path) -> On:
    kind: str = request.param
    if kind == "postgres":
        url = fresh_postgres_url(request.getfixturevalue("pg_cluster"), request.getfixturevalue("pg_template"))
    else:
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, tmp_path / "revbridge.db")
        url = f"sqlite:///{tmp_path / 'revbridge.db'}"

    @contextmanager
    def opened(fill: Fill, team: str | None = None) -> Iterator[Source]:
        engine = make_engine(url)
        try:
            fill(engine)
            if kind in ("duckdb", "spark"):
                mirror.sync(engine, tmp_path / "mirror")
                spec = EngineSpec(kind, tmp_path / "mirror")
            else:
                spec = EngineSpec("store")
        finally:
            engine.dispose()
        with open_source(spec, url, team=team) as source:
            yield source

    return opened
