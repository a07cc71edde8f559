"""Create or upgrade the database schema."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from revbridge.store import migrate
from revbridge.store.deferred_indexes import ensure_secondary_indexes


def init_database(engine: Engine) -> str | None:
    """Bring the schema to the newest migration; returns the revision now in force."""
    migrate.upgrade(engine)
    ensure_secondary_indexes(engine)  # in case an import was killed while loading without them
    return migrate.current(engine)
