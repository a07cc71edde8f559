"""Migrations build exactly the tables in code, on both databases, and come down again."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.store import migrate
from revbridge.store.tables import metadata


def test_migrations_reach_head_without_drift(engine: Engine) -> None:
    migrate.check(engine)  # raises alembic.util.exc.CommandError on any drift
    assert migrate.current(engine) is not None


def test_every_table_in_code_exists_after_upgrade(engine: Engine) -> None:
    names = set(sa.inspect(engine).get_table_names())
    assert set(metadata.tables) <= names


def test_downgrade_removes_every_table_and_upgrade_restores_them(engine: Engine) -> None:
    migrate.downgrade(engine, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert set(metadata.tables) <= set(sa.inspect(engine).get_table_names())
