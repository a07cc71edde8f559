"""The analytical mirror: each event row exported once, incrementally, whatever stops a sync half way."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.services.importing import run_import
from revbridge.store import mirror
from revbridge.store.engine import make_engine
from tests.conftest import fresh_postgres_url
from tests.pg_cluster import Cluster

MAPPING = Path(__file__).resolve().parents[2] / "examples" / "mappings" / "touchpoints.yaml"


def _events(path: Path, ids: range, month: str = "2025-03") -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["event_id", "email", "event_type", "channel", "campaign", "occurred_at"])
        for i in ids:
            day = 1 + i % 28
            writer.writerow(
                [f"e{i}", f"p{i % 7}@acme.com", "page_view", "email", "spring", f"{month}-{day:02d}T10:00:00Z"]
            )
    return path


def _mirrored(root: Path, table: str = "touchpoints") -> list[str]:
    files = list(mirror.parts(root, table))
    return sorted(v for f in files for v in pq.read_table(f).column("external_id").to_pylist())


def test_a_sync_exports_new_events_once_partitioned_by_month(engine: Engine, tmp_path: Path) -> None:
    run_import(engine, "csv", _events(tmp_path / "march.csv", range(30)), mapping=MAPPING)
    root = tmp_path / "mirror"
    first = mirror.sync(engine, root)
    assert first.appended["touchpoints"] == 30
    assert first.snapshots["leads"] == 7
    run_import(engine, "csv", _events(tmp_path / "april.csv", range(30, 45), "2025-04"), mapping=MAPPING)
    second = mirror.sync(engine, root)
    assert second.appended["touchpoints"] == 15
    assert mirror.sync(engine, root).appended["touchpoints"] == 0
    assert _mirrored(root) == sorted(f"e{i}" for i in range(45))
    assert sorted(p.name for p in (root / "touchpoints").iterdir()) == ["month=2025-03", "month=2025-04"]
    table = pq.read_table(next(mirror.parts(root, "touchpoints")))
    assert str(table.schema.field("occurred_at").type) == "timestamp[us, tz=UTC]"
    assert "seq" not in table.column_names


def test_a_sync_killed_after_writing_files_is_redone_without_duplicates(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_import(engine, "csv", _events(tmp_path / "some.csv", range(20)), mapping=MAPPING)
    root = tmp_path / "mirror"
    mirror.sync(engine, root)
    run_import(engine, "csv", _events(tmp_path / "more.csv", range(20, 50)), mapping=MAPPING)

    def killed(_root: Path, _state: dict[str, int]) -> None:
        raise KeyboardInterrupt  # the files are written, the watermark is not

    monkeypatch.setattr(mirror, "_write_state", killed)
    with pytest.raises(KeyboardInterrupt):
        mirror.sync(engine, root)
    assert len(_mirrored(root)) > 20  # the killed sync's files are there...
    monkeypatch.undo()
    run_import(engine, "csv", _events(tmp_path / "late.csv", range(50, 55)), mapping=MAPPING)
    mirror.sync(engine, root)
    assert _mirrored(root) == sorted(f"e{i}" for i in range(55))  # ...and each row ends up there once


def test_the_same_rows_give_the_same_files_on_either_database(engine: Engine, tmp_path: Path) -> None:
    run_import(engine, "csv", _events(tmp_path / "march.csv", range(10)), mapping=MAPPING)
    root = tmp_path / "mirror"
    mirror.sync(engine, root)
    table = pq.read_table(next(mirror.parts(root, "touchpoints")))
    leads = pq.read_table(root / "leads.parquet")
    assert {f.name: str(f.type) for f in table.schema} == {
        "lead_id": "int64",
        "source": "string",
        "external_id": "string",
        "type": "string",
        "channel": "string",
        "campaign_id": "int64",
        "occurred_at": "timestamp[us, tz=UTC]",
        "properties": "string",
    }
    assert str(leads.schema.field("created_at").type) == "timestamp[us, tz=UTC]"
    assert str(leads.schema.field("annual_revenue").type) == "double"


@pytest.fixture
def pg_engine(pg_cluster: Cluster, pg_template: str) -> Iterator[Engine]:
    engine = make_engine(fresh_postgres_url(pg_cluster, pg_template))
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_on_postgres_rows_of_a_transaction_still_open_are_not_skipped(pg_engine: Engine, tmp_path: Path) -> None:
    """A row numbered before the sync's high mark but committed after it must not be lost: the sync
    waits for the inserting transaction before it reads the mark (commit order differs from key order
    only on PostgreSQL; SQLite has one writer at a time)."""
    engine = pg_engine
    run_import(engine, "csv", _events(tmp_path / "some.csv", range(5)), mapping=MAPPING)
    root = tmp_path / "mirror"
    mirror.sync(engine, root)
    with engine.connect() as open_tx:
        open_tx.execute(
            sa.text(
                "INSERT INTO touchpoints (lead_id, source, external_id, type, occurred_at) "
                "VALUES (1, 'csv', 'slow', 'page_view', '2025-03-09T10:00:00Z')"
            )
        )
        run_import(engine, "csv", _events(tmp_path / "fast.csv", range(5, 8)), mapping=MAPPING)
        done = threading.Event()
        worker = threading.Thread(target=lambda: (mirror.sync(engine, root), done.set()))
        worker.start()
        assert not done.wait(1.0)  # the sync waits for the open transaction
        open_tx.commit()
    worker.join(30)
    assert _mirrored(root) == sorted([*(f"e{i}" for i in range(8)), "slow"])


def test_a_large_delta_is_read_in_chunks_each_row_once(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL an imported batch shares one arrival number, so chunks are cut by counted rows."""
    monkeypatch.setattr(mirror, "CHUNK_ROWS", 7)
    for n in range(3):
        run_import(engine, "csv", _events(tmp_path / f"f{n}.csv", range(n * 10, n * 10 + 10)), mapping=MAPPING)
    root = tmp_path / "mirror"
    assert mirror.sync(engine, root).appended["touchpoints"] == 30
    assert _mirrored(root) == sorted(f"e{i}" for i in range(30))
    assert len(list(mirror.parts(root, "touchpoints"))) >= 3
