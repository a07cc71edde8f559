"""Rows written in PostgreSQL's binary COPY format come back from the server as they went in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revbridge.store import pg_binary
from tests.pg_cluster import Cluster

pytestmark = pytest.mark.postgres

COLUMNS = {
    "n": ("integer", pa.int64()),
    "big": ("bigint", pa.int64()),
    "flag": ("boolean", pa.bool_()),
    "label": ("varchar(40)", pa.string()),
    "note": ("text", pa.string()),
    "at": ("timestamptz", pa.timestamp("us", "UTC")),
    "naive": ("timestamp", pa.timestamp("us")),
    "props": ("jsonb", pa.string()),
}
TEXT = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")  # what PostgreSQL's text can hold
MOMENTS = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1))
VALUES = {
    "n": st.integers(-(2**31), 2**31 - 1),
    "big": st.integers(-(2**63), 2**63 - 1),
    "flag": st.booleans(),
    "label": st.text(TEXT, max_size=40),
    "note": st.text(TEXT),
    "at": MOMENTS.map(lambda moment: moment.replace(tzinfo=UTC)),
    "naive": MOMENTS,
    "props": st.dictionaries(st.text(TEXT, max_size=5), st.integers() | st.text(TEXT, max_size=5), max_size=3),
}
ROW = st.fixed_dictionaries({name: st.none() | values for name, values in VALUES.items()})


@pytest.fixture(scope="module")
def conn(pg_cluster: Cluster) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(pg_cluster.url().replace("postgresql+psycopg", "postgresql")) as connection:
        connection.execute("SET TIME ZONE 'UTC'")
        connection.execute(f"CREATE TEMP TABLE kinds ({', '.join(f'{n} {t}' for n, (t, _) in COLUMNS.items())})")
        connection.commit()
        yield connection


def copy_rows(conn: psycopg.Connection[Any], rows: pa.Table) -> list[tuple[Any, ...]]:
    cursor = conn.cursor()
    stream = pg_binary.encode(rows, pg_binary.column_types(cursor, "kinds", rows.column_names))
    with cursor.copy(f"COPY kinds ({', '.join(rows.column_names)}) FROM STDIN (FORMAT binary)") as copy:
        for part in stream:
            copy.write(part)
    read = cursor.execute(f"SELECT {', '.join(rows.column_names)} FROM kinds").fetchall()
    conn.rollback()
    return read


def as_arrow(rows: list[dict[str, Any]]) -> pa.Table:
    columns = {name: [row[name] for row in rows] for name in COLUMNS}
    columns["props"] = [None if p is None else json.dumps(p) for p in columns["props"]]
    return pa.table({name: pa.array(values, COLUMNS[name][1]) for name, values in columns.items()})


@settings(max_examples=60, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=20))
def test_every_type_and_null_comes_back_as_written(conn: psycopg.Connection[Any], rows: list[dict[str, Any]]) -> None:
    read = copy_rows(conn, as_arrow(rows))
    assert [dict(zip(COLUMNS, values, strict=True)) for values in read] == rows


def test_a_value_too_big_for_the_column_is_refused_rather_than_wrapped(conn: psycopg.Connection[Any]) -> None:
    with pytest.raises(pa.ArrowInvalid, match=r"column n \(integer\): Integer value 2147483648 not in range"):
        copy_rows(conn, pa.table({"n": pa.array([2**31], pa.int64())}))


def test_a_column_of_an_unknown_type_is_named(conn: psycopg.Connection[Any]) -> None:
    with pytest.raises(TypeError, match="column x: no binary COPY encoding for PostgreSQL type 'numeric'"):
        pg_binary.encode(pa.table({"x": [1]}), ["numeric"])
    with pytest.raises(ValueError, match="kinds has no column nope"):
        pg_binary.column_types(conn.cursor(), "kinds", ["n", "nope"])
    conn.rollback()


def test_timestamps_must_come_as_timestamps(conn: psycopg.Connection[Any]) -> None:
    with pytest.raises(TypeError, match=r"column at .*Arrow timestamps, not string"):
        copy_rows(conn, pa.table({"at": ["2026-01-01 00:00:00"]}))
