"""Touchpoints and activities: bulk, idempotent, new people become leads, bad rows are explained."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.records import ActivityRecord, LeadRecord, TouchpointRecord, UserRecord
from revbridge.services.importing import run_import
from revbridge.services.ingest_crm import ingest_users
from revbridge.services.ingest_events import EventIngestor
from revbridge.services.ingest_leads import LeadIngestor
from revbridge.store.tables import ActivityRow, TouchpointRow

MAPPINGS = Path(__file__).resolve().parents[2] / "examples" / "mappings"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
HEADER = ["event_id", "email", "event_type", "channel", "campaign", "occurred_at"]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _scalar(engine: Engine, sql: str) -> object:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


def test_a_touchpoint_log_lands_once_however_often_it_is_replayed(engine: Engine, tmp_path: Path) -> None:
    rows = [
        [f"e{i}", f"p{i % 7}@acme.com", "page_view", "email", "spring-launch", f"2025-03-0{1 + i % 9}T10:00:00Z"]
        for i in range(50)
    ]
    path = _write(tmp_path / "events.csv", rows)
    first = run_import(engine, "csv", path, mapping=MAPPINGS / "touchpoints.yaml")
    second = run_import(engine, "csv", path, mapping=MAPPINGS / "touchpoints.yaml")
    assert (first.read, first.created, first.leads_created) == (50, 50, 7)
    assert (second.created, second.duplicate, second.leads_created) == (0, 50, 0)
    assert _scalar(engine, "SELECT count(*) FROM touchpoints") == 50
    assert _scalar(engine, "SELECT count(*) FROM leads") == 7
    assert _scalar(engine, "SELECT count(*) FROM campaigns WHERE name = 'spring-launch' AND channel = 'email'") == 1


def test_a_log_that_overlaps_what_is_stored_adds_only_the_new_events(engine: Engine, tmp_path: Path) -> None:
    """Stored events in the middle and at the end of a batch: the fast path must not give up the new ones."""
    rows = [[f"e{i}", f"p{i % 5}@acme.com", "page_view", "email", "", "2025-03-01T10:00:00Z"] for i in range(40)]
    mapping = MAPPINGS / "touchpoints.yaml"
    run_import(engine, "csv", _write(tmp_path / "some.csv", rows[10:20] + rows[39:]), mapping=mapping)
    again = run_import(engine, "csv", _write(tmp_path / "all.csv", rows), mapping=mapping)
    assert (again.created, again.duplicate) == (29, 11)
    assert _scalar(engine, "SELECT count(*) FROM touchpoints") == 40
    assert _scalar(engine, "SELECT count(DISTINCT external_id) FROM touchpoints") == 40


def test_no_touchpoint_is_ever_orphaned(engine: Engine, tmp_path: Path) -> None:
    rows = [[f"e{i}", f"p{i}@acme.com", "form_fill", "paid_search", "", "2025-03-01 10:00"] for i in range(30)]
    run_import(engine, "csv", _write(tmp_path / "events.csv", rows), mapping=MAPPINGS / "touchpoints.yaml")
    orphans = _scalar(
        engine, "SELECT count(*) FROM touchpoints t LEFT JOIN leads l ON l.id = t.lead_id WHERE l.id IS NULL"
    )
    assert orphans == 0


def test_bad_rows_go_to_the_rejects_file_with_row_field_and_reason_and_the_good_ones_land(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [
        ["e1", "ann@acme.com", "page_view", "email", "", "2025-03-01T10:00:00Z"],
        ["e2", "not-an-address", "page_view", "email", "", "2025-03-01T10:00:00Z"],
        ["e3", "bob@acme.com", "page_view", "email", "", "yesterday"],
        ["", "cat@acme.com", "page_view", "email", "", "2025-03-01T10:00:00Z"],
        ["e5", "dan@acme.com", "page_view", "email", "", "2025-03-02T10:00:00Z"],
    ]
    path = _write(tmp_path / "events.csv", rows)
    summary = run_import(engine, "csv", path, mapping=MAPPINGS / "touchpoints.yaml")
    assert (summary.created, summary.rejected) == (2, 3)
    with open(str(summary.rejects_file), newline="") as handle:
        rejects = list(csv.DictReader(handle))
    assert sorted((r["row"], r["field"]) for r in rejects) == [("3", "email"), ("4", "occurred_at"), ("5", "event_id")]
    by_row = {r["row"]: r for r in rejects}
    assert by_row["3"]["reason"] == "not an e-mail address"
    assert "expected a date or date-time" in by_row["4"]["reason"]
    assert by_row["5"]["reason"] == "required but empty"
    assert all(r["file"] == str(path) for r in rejects)


def test_an_event_for_an_unknown_lead_id_is_refused_with_a_hint(engine: Engine) -> None:
    LeadIngestor(engine).ingest([LeadRecord(source="crm", external_id="L1", email="ann@acme.com")], now=NOW)
    events = EventIngestor(engine)
    result = events.ingest(
        [
            TouchpointRecord(source="crm", external_id="t1", type="call", occurred_at=NOW, lead_external_id="L1"),
            TouchpointRecord(source="crm", external_id="t2", type="call", occurred_at=NOW, lead_external_id="L9"),
        ],
        now=NOW,
    )
    assert result.counts.created == 1
    assert result.unresolved == [(1, "no lead with id 'L9' from crm; import the leads first")]


def test_the_same_event_twice_in_one_file_is_stored_once(engine: Engine, tmp_path: Path) -> None:
    row = ["e1", "ann@acme.com", "page_view", "email", "", "2025-03-01T10:00:00Z"]
    summary = run_import(engine, "csv", _write(tmp_path / "e.csv", [row, row]), mapping=MAPPINGS / "touchpoints.yaml")
    assert (summary.created, summary.duplicate) == (1, 1)
    assert _scalar(engine, "SELECT count(*) FROM touchpoints") == 1


def test_two_imports_of_the_same_large_log_at_once_store_each_event_once(engine: Engine, tmp_path: Path) -> None:
    """Large batches are written by two connections at once on PostgreSQL; racing imports still agree."""
    from concurrent.futures import ThreadPoolExecutor

    rows = [
        [f"e{i}", f"p{i % 500}@acme.com", "page_view", "email", "", f"2025-03-01T{i % 24:02d}:00:00Z"]
        for i in range(30_000)
    ]
    path = _write(tmp_path / "events.csv", rows)
    run_import(engine, "csv", _write(tmp_path / "first.csv", rows[:10]), mapping=MAPPINGS / "touchpoints.yaml")
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda _: run_import(engine, "csv", path, mapping=MAPPINGS / "touchpoints.yaml"), [1, 2]))
    assert sum(r.created for r in runs) == 30_000 - 10
    assert all(r.created + r.duplicate == 30_000 for r in runs)
    assert _scalar(engine, "SELECT count(*) FROM touchpoints") == 30_000
    assert _scalar(engine, "SELECT count(DISTINCT external_id) FROM touchpoints") == 30_000


def test_every_field_of_a_touchpoint_and_an_activity_lands_as_sent(engine: Engine) -> None:
    """Through the bulk path of each database (PostgreSQL's binary COPY): text, numbers, an instant given
    in another zone, JSON properties, and the nulls of what was not given."""
    ingest_users(engine, [UserRecord(name="Ana Ruiz", email="ana@nw.com", team="sdr", team_kind="sales")], now=NOW)
    at = datetime(2025, 3, 1, 10, 0, 0, 123_456, tzinfo=timezone(timedelta(hours=-5)))
    ingestor = EventIngestor(engine)
    ingestor.ingest(
        [
            TouchpointRecord(
                source="web",
                external_id="t1",
                type="form_fill",
                occurred_at=at,
                lead_email="zoë@acme.com",
                channel="paid_search",
                campaign="spring",
                properties={"utm": {"term": "crm"}, "n": 2, "ok": True},
            ),
            TouchpointRecord(
                source="web", external_id="t2", type="page_view", occurred_at=at, lead_email="zoë@acme.com"
            ),
        ],
        now=NOW,
    )
    ingestor.ingest(
        [
            ActivityRecord(
                source="crm",
                external_id="a1",
                type="call",
                occurred_at=at,
                lead_email="zoë@acme.com",
                user="ANA@nw.com",
                outcome="connected",
                properties={"minutes": 12.5},
            )
        ],
        now=NOW,
    )
    with engine.connect() as conn:
        touchpoints = conn.execute(
            sa.select(
                TouchpointRow.external_id,
                TouchpointRow.type,
                TouchpointRow.channel,
                TouchpointRow.occurred_at,
                TouchpointRow.properties,
                TouchpointRow.campaign_id.is_not(None),
                TouchpointRow.lead_id.is_not(None),
            ).order_by(TouchpointRow.external_id)
        ).all()
        activity = conn.execute(
            sa.select(
                ActivityRow.type,
                ActivityRow.outcome,
                ActivityRow.occurred_at,
                ActivityRow.properties,
                ActivityRow.user_id.is_not(None),
            )
        ).one()
    assert [tuple(t) for t in touchpoints] == [
        ("t1", "form_fill", "paid_search", at, {"utm": {"term": "crm"}, "n": 2, "ok": True}, True, True),
        ("t2", "page_view", None, at, None, False, True),
    ]
    assert tuple(activity) == ("call", "connected", at, {"minutes": 12.5}, True)
    assert touchpoints[0].occurred_at.tzinfo == UTC
