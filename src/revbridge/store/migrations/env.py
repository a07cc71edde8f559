"""Alembic environment: the engine comes from the caller (store.migrate) or REVBRIDGE_DATABASE_URL."""

from __future__ import annotations

from alembic import context

from revbridge.store.engine import make_engine
from revbridge.store.tables import metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from revbridge.settings import Settings

    engine = make_engine(Settings().database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
