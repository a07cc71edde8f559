"""Importing a HubSpot export: idempotent, and an import killed half way then run again equals one clean import."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.services.importing import run_import
from revbridge.store.engine import make_engine

from ..connectors.exports import write_hubspot_export

DATA = Path(__file__).resolve().parents[1] / "data"


def _table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("leads", "accounts", "stage_transitions", "campaigns")
        }


def _plain(value: Any) -> Any:
    """Values as both databases agree on them: timestamps as UTC text (SQLite returns text here)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _content(engine: Engine) -> dict[str, Any]:
    """Everything an import writes, without ids and clock readings, for comparing two databases."""
    with engine.connect() as conn:
        leads = conn.execute(
            sa.text(
                "SELECT l.source, l.external_id, l.email, l.stage, l.company, l.country, l.lead_source, "
                "a.name AS account FROM leads l LEFT JOIN accounts a ON a.id = l.account_id"
            )
        ).all()
        transitions = conn.execute(
            sa.text(
                "SELECT l.external_id, t.from_stage, t.to_stage, t.at, t.reason FROM stage_transitions t "
                "JOIN leads l ON l.id = t.lead_id"
            )
        ).all()
        accounts = conn.execute(sa.text("SELECT name, domain FROM accounts")).all()
    return {
        name: sorted((tuple(map(_plain, row)) for row in rows), key=repr)
        for name, rows in (("leads", leads), ("transitions", transitions), ("accounts", accounts))
    }


def _copy(name: str, folder: Path) -> Path:
    target = folder / name
    target.write_bytes((DATA / name).read_bytes())
    return target


def test_importing_the_same_hubspot_export_twice_creates_nothing_the_second_time(
    engine: Engine, tmp_path: Path
) -> None:
    path = _copy("hubspot_contacts_all_properties.csv", tmp_path)
    first = run_import(engine, "hubspot", path)
    before = _table_counts(engine)
    second = run_import(engine, "hubspot", path)
    assert first.created > 0
    assert second.created == 0
    assert second.updated == 0
    assert second.duplicate == first.created + first.updated + first.duplicate
    assert second.rejected == first.rejected
    assert _table_counts(engine) == before


def test_labels_and_internal_names_exports_land_as_the_same_leads(engine: Engine, tmp_path: Path) -> None:
    run_import(engine, "hubspot", _copy("hubspot_contacts_all_properties.csv", tmp_path))
    again = run_import(engine, "hubspot", _copy("hubspot_contacts_internal_names.csv", tmp_path))
    assert again.created == 0


def test_an_impossible_stage_sequence_is_flagged_on_the_lead(engine: Engine, tmp_path: Path) -> None:
    run_import(engine, "hubspot", _copy("hubspot_contacts_all_properties.csv", tmp_path))
    with engine.connect() as conn:
        flags = [row.flags for row in conn.execute(sa.text("SELECT flags FROM leads"))]
    texts = [str(f) for f in flags if f and "before" in str(f)]
    assert texts, "the export holds a customer-before-MQL contact; its lead must carry a flag"


@pytest.fixture
def big_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "hubspot-crm-exports-all-contacts.csv"
    write_hubspot_export(path, 6000, seed=3)
    return path


def _cli(url: str, path: Path, batch_size: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REVBRIDGE_DATABASE_URL": url}
    with log.open("ab") as errors:
        return subprocess.Popen(
            [sys.executable, "-m", "revbridge", "import", "hubspot", str(path), "--batch-size", str(batch_size)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )


def test_an_import_killed_half_way_and_run_again_equals_one_clean_import(
    database_url: str, big_export: Path, tmp_path: Path, sqlite_template: Path
) -> None:
    engine = make_engine(database_url)
    log = tmp_path / "stderr.txt"
    process = _cli(database_url, big_export, batch_size=100, log=log)
    deadline = time.monotonic() + 120
    leads = 0
    while time.monotonic() < deadline and process.poll() is None:
        leads = _table_counts(engine)["leads"]
        if leads >= 1000:
            break
        time.sleep(0.02)
    assert process.poll() is None, "the import finished before it could be interrupted"
    process.send_signal(signal.SIGKILL)
    process.wait()
    interrupted = _table_counts(engine)["leads"]
    assert 1000 <= interrupted < 6000

    rerun = _cli(database_url, big_export, batch_size=100, log=log)
    assert rerun.wait(timeout=300) == 0, log.read_text()

    clean_path = tmp_path / "clean.db"
    clean_path.write_bytes(sqlite_template.read_bytes())
    clean = make_engine(f"sqlite:///{clean_path}")
    run_import(clean, "hubspot", big_export, batch_size=100)
    assert _content(engine) == _content(clean)
    assert _table_counts(engine)["leads"] == 6000
    engine.dispose()
    clean.dispose()
