"""Alembic environment: the engine comes from the caller (store.migrate) or REVBRIDGE_DATABASE_URL."""

from __future__ import annotations

from typing import Any

from alembic import context

from revbridge.store.engine import make_engine
from revbridge.store.tables import metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from revbridge.settings import Settings

    engine = make_engine(Settings().database_url)


def _include(item: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
    """An index made on one database only (``Index(...).ddl_if(dialect=...)``) is compared there only."""
    only = getattr(item, "_ddl_if", None)  # where SQLAlchemy keeps what ddl_if() was given
    return only is None or only.dialect in (None, dialect)


dialect = engine.dialect.name
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=True,
        include_object=_include,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
