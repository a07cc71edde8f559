"""Create or upgrade the database schema."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from revbridge.store import migrate


def init_database(engine: Engine) -> str | None:
    """Bring the schema to the newest migration; returns the revision now in force."""
    migrate.upgrade(engine)
    return migrate.current(engine)
