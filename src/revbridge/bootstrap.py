"""Wires settings to real parts: the database engine. Interfaces call this, then one service."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.engine import Engine

from revbridge.settings import Settings
from revbridge.store.engine import make_engine


def settings() -> Settings:
    return Settings()


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def engine(url: str | None = None) -> Engine:
    """The engine for ``url`` or REVBRIDGE_DATABASE_URL (default: revbridge.db here)."""
    return _engine_for(url or settings().database_url)
