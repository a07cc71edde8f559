"""A big event file goes into SQLite without the lead_id index, which is rebuilt once at the end."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.services import importing
from revbridge.services.importing import run_import
from revbridge.services.schema import init_database
from revbridge.store import deferred_indexes

MAPPING = Path(__file__).resolve().parents[2] / "examples" / "mappings" / "touchpoints.yaml"


def _events(path: Path, count: int, prefix: str = "e") -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["event_id", "email", "event_type", "channel", "campaign", "occurred_at"])
        for i in range(count):
            writer.writerow([f"{prefix}{i}", f"p{i % 9}@acme.com", "page_view", "email", "", "2025-03-01T10:00:00Z"])
    return path


def _indexes(engine: Engine) -> set[str]:
    return {str(i["name"]) for i in sa.inspect(engine).get_indexes("touchpoints")}


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deferred_indexes, "DEFER_MIN_ROWS", 100)


@pytest.mark.usefixtures("small_threshold")
def test_a_big_file_loads_without_the_index_and_ends_with_it(sqlite_engine: Engine, tmp_path: Path) -> None:
    seen: list[set[str]] = []
    summary = run_import(
        sqlite_engine,
        "csv",
        _events(tmp_path / "big.csv", 600),
        mapping=MAPPING,
        batch_size=100,
        progress=lambda _bytes: seen.append(_indexes(sqlite_engine)),
    )
    assert summary.created == 600
    assert seen
    assert all("ix_touchpoints_lead_id" not in names for names in seen)
    assert "ix_touchpoints_lead_id" in _indexes(sqlite_engine)
    with sqlite_engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN SELECT * FROM touchpoints WHERE lead_id = 1").all()
    assert "ix_touchpoints_lead_id" in str(plan)


@pytest.mark.usefixtures("small_threshold")
def test_a_small_file_next_to_a_big_table_keeps_the_index_up(sqlite_engine: Engine, tmp_path: Path) -> None:
    run_import(sqlite_engine, "csv", _events(tmp_path / "big.csv", 1000), mapping=MAPPING)
    seen: list[set[str]] = []
    run_import(
        sqlite_engine,
        "csv",
        _events(tmp_path / "more.csv", 200, prefix="m"),
        mapping=MAPPING,
        batch_size=50,
        progress=lambda _bytes: seen.append(_indexes(sqlite_engine)),
    )
    assert seen
    assert all("ix_touchpoints_lead_id" in names for names in seen)


@pytest.mark.usefixtures("small_threshold")
def test_an_import_that_fails_half_way_still_leaves_the_index(sqlite_engine: Engine, tmp_path: Path) -> None:
    def crash(_bytes: int) -> None:
        assert "ix_touchpoints_lead_id" not in _indexes(sqlite_engine)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_import(
            sqlite_engine, "csv", _events(tmp_path / "big.csv", 600), mapping=MAPPING, batch_size=100, progress=crash
        )
    assert "ix_touchpoints_lead_id" in _indexes(sqlite_engine)


def test_init_puts_back_an_index_a_killed_import_left_out(sqlite_engine: Engine) -> None:
    deferred_indexes.drop_secondary_indexes(sqlite_engine, "touchpoints")  # what a SIGKILL mid-import leaves
    assert "ix_touchpoints_lead_id" not in _indexes(sqlite_engine)
    init_database(sqlite_engine)
    assert "ix_touchpoints_lead_id" in _indexes(sqlite_engine)


@pytest.mark.usefixtures("small_threshold")
def test_postgres_never_drops_an_index_during_an_import(engine: Engine) -> None:
    expected = engine.dialect.name == "sqlite"
    assert deferred_indexes.should_defer(engine, "touchpoints", 10_000) is expected


def test_the_row_estimate_is_close_without_reading_the_file(tmp_path: Path) -> None:
    path = _events(tmp_path / "events.csv", 60_000)
    estimate = importing.estimate_rows(path)
    assert 54_000 <= estimate <= 66_000
    assert importing.estimate_rows(_events(tmp_path / "tiny.csv", 5)) == 5
