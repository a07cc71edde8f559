"""Wires settings to real parts: the database engine and the analytics engine. Interfaces call this,
then one service or metric."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from revbridge.settings import Settings
from revbridge.store.engine import make_engine

if TYPE_CHECKING:
    from revbridge.analytics.source import Source


def settings() -> Settings:
    return Settings()


_engines: dict[str, Engine] = {}


def engine(url: str | None = None) -> Engine:
    """The engine for ``url`` or REVBRIDGE_DATABASE_URL (default: revbridge.db here), one per URL."""
    url = url or settings().database_url
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def dispose_engines() -> None:
    """Close every engine's connections (a process about to drop its databases: tests)."""
    while _engines:
        _engines.popitem()[1].dispose()


def source(database: str | None, engine_spec: str | None, team: str | None = None) -> AbstractContextManager[Source]:
    """The store's tables on the analytics engine ``engine_spec`` (``store``, ``duckdb:PATH`` or
    ``spark:PATH``; default REVBRIDGE_ANALYTICS, else ``store``), cut to ``team``'s leads if given."""
    from revbridge.analytics.source import EngineSpec, open_source  # Ibis and pandas: only when asked for

    url = database or settings().database_url
    return open_source(EngineSpec.parse(engine_spec), url, team=team)
