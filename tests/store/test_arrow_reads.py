"""Batch reads through ADBC see everything committed and leave the store's own connections intact."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.store.arrow_reads import ArrowReadFailed, read_arrow
from revbridge.store.engine import make_engine, writing


def _teams(engine: Engine) -> int:
    return int(read_arrow(engine, "SELECT count(*) AS n FROM teams").column("n")[0].as_py())


def _add_team(engine: Engine, name: str) -> None:
    with writing(engine).begin() as conn:
        conn.execute(sa.text("INSERT INTO teams (name, kind) VALUES (:n, 'sales')"), {"n": name})


def test_reads_see_every_commit_made_before_them_and_writes_go_on_after(engine: Engine) -> None:
    """With ADBC's own SQLite in this process, its close deleted the write-ahead log under our
    connections: the second read below saw 1 team, and the rows after it were lost to other processes."""
    _add_team(engine, "a")
    assert _teams(engine) == 1
    _add_team(engine, "b")
    assert _teams(engine) == 2
    _add_team(engine, "c")
    if engine.dialect.name == "sqlite":
        database = Path(str(engine.url.database))
        assert Path(f"{database}-wal").exists()  # still there while our connections use it
        other = make_engine(f"sqlite:///{database}")  # a fresh connection, as another process would open
        with other.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM teams")).scalar_one() == 3
        other.dispose()


def test_a_bad_query_says_what_went_wrong(engine: Engine) -> None:
    with pytest.raises((ArrowReadFailed, Exception), match=r"no_such_table|no such table|does not exist"):
        read_arrow(engine, "SELECT * FROM no_such_table")


def test_parameters_are_bound(engine: Engine) -> None:
    for name in ("a", "b", "c"):
        _add_team(engine, name)
    mark = "?" if engine.dialect.name == "sqlite" else "$1"
    rows = read_arrow(engine, f"SELECT name FROM teams WHERE id > {mark} ORDER BY id", (1,))
    assert rows.column("name").to_pylist() == ["b", "c"]


def test_a_column_empty_for_its_first_thousand_rows_is_still_read_as_text(engine: Engine) -> None:
    """SQLite's driver guesses a column's type from the first batch; one batch holds the whole result."""
    rows = [{"s": "t", "e": str(i), "m": f"p{i}@x.com", "i": None} for i in range(1500)]
    rows.append({"s": "t", "e": "last", "m": "last@x.com", "i": "software"})
    with writing(engine).begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO leads (source, external_id, email, industry, stage, "
                "recycle_count, flags, properties, created_at, updated_at, version, engagement_state, "
                "score_reasons) VALUES (:s, :e, :m, :i, 'lead', 0, '{}', '{}', '2026-01-01', '2026-01-01', "
                "1, '{}', '[]')"
            ),
            rows,
        )
    table = read_arrow(engine, "SELECT industry FROM leads ORDER BY id")
    assert table.column("industry").to_pylist()[-1] == "software"
    assert table.column("industry").null_count == 1500


def test_each_kind_of_parameter_is_bound_on_sqlite(sqlite_engine: Engine) -> None:
    row = read_arrow(sqlite_engine, "SELECT ? AS i, ? AS f, ? AS s, ? AS b, ? AS n", (7, 2.5, "x", True, None))
    assert row.to_pylist() == [{"i": 7, "f": 2.5, "s": "x", "b": 1, "n": None}]
