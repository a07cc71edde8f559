"""Wires settings to real parts: the database engine. Interfaces call this, then one service."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from revbridge.settings import Settings
from revbridge.store.engine import make_engine


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
