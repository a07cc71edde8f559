"""Datetimes go in aware and come out aware UTC on both databases, whatever shape SQLite's text has."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from revbridge.store.tables import UtcDateTime

TABLE = sa.Table(
    "moments", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), sa.Column("at", UtcDateTime())
)
READ = UtcDateTime().dialect_impl(sqlite.dialect()).result_processor(sqlite.dialect(), None)


def test_a_moment_comes_back_as_the_same_instant_in_utc(engine: sa.Engine) -> None:
    berlin = timezone(timedelta(hours=1))
    written = [datetime(2026, 3, 29, 1, 59, 59, 999_999, tzinfo=berlin), datetime(1999, 12, 31, 23, 0, tzinfo=UTC)]
    with engine.begin() as conn:
        TABLE.create(conn)
        conn.execute(sa.insert(TABLE), [{"at": at} for at in written])
        read = conn.execute(sa.select(TABLE.c.at).order_by(TABLE.c.id)).scalars().all()
        TABLE.drop(conn)
    assert read == written
    assert all(at.tzinfo == UTC for at in read)


def test_a_naive_moment_is_refused(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        TABLE.create(conn)
        with pytest.raises(sa.exc.StatementError, match="naive datetime"):
            conn.execute(sa.insert(TABLE).values(at=datetime(2026, 3, 2, 15, 0)))


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("2026-03-02 16:00:00.000000", datetime(2026, 3, 2, 16, tzinfo=UTC)),  # as SQLAlchemy writes it
        ("2026-03-02 16:00:00", datetime(2026, 3, 2, 16, tzinfo=UTC)),  # as a bulk import may
        ("2026-03-02T16:00:00.5", datetime(2026, 3, 2, 16, 0, 0, 500_000, tzinfo=UTC)),
        ("2026-03-02 16:00:00+02:00", datetime(2026, 3, 2, 14, tzinfo=UTC)),  # text with its own offset
        ("2026-03-02", datetime(2026, 3, 2, tzinfo=UTC)),  # a date alone: midnight UTC
        (None, None),
    ],
)
def test_sqlite_text_of_any_shape_reads_as_utc(stored: str | None, expected: datetime | None) -> None:
    assert READ is not None
    read = READ(stored)
    assert read == expected
    assert read is None or read.tzinfo == UTC


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2999, 12, 31)))
def test_the_fast_read_agrees_with_the_general_one(moment: datetime) -> None:
    general = sa.DateTime().dialect_impl(sqlite.dialect()).result_processor(sqlite.dialect(), None)
    assert READ is not None
    assert general is not None
    stored = moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    assert READ(stored) == general(stored).replace(tzinfo=UTC)
