"""Running an import: stream a file's batches into the store, one transaction per batch.

Interrupt it at any point and run it again: committed batches come back as duplicates, the batch in
flight is redone, so the end state is exactly that of one clean import. Rejected rows go to
``FILE.rejects.csv`` with file, row, field and reason; the good rows land.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.connectors.batches import DEFAULT_BATCH_SIZE, RejectWriter, rejects_path
from revbridge.connectors.columnar_csv import ColumnBatch, read_mapped_csv_columns
from revbridge.connectors.csv_rows import csv_header
from revbridge.connectors.generic_csv import read_mapped_csv
from revbridge.connectors.mapping import load_mapping
from revbridge.domain.records import Reject
from revbridge.services.ingest_crm import OpportunityIngestor, ingest_accounts, ingest_spend, ingest_users
from revbridge.services.ingest_events import EventIngestor
from revbridge.services.ingest_leads import IngestCounts, LeadIngestor
from revbridge.store.tables import ImportRunRow

Progress = Callable[[int], None]  # bytes read so far


@dataclass
class ImportSummary:
    read: int = 0
    created: int = 0
    updated: int = 0
    duplicate: int = 0
    rejected: int = 0
    leads_created: int = 0
    rejects_file: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _reader(kind: str, path: Path, mapping: Path | None, batch_size: int) -> tuple[str, Iterator[Any]]:
    if kind == "hubspot":
        from revbridge.connectors.hubspot import read_hubspot_contacts

        return "leads", read_hubspot_contacts(path, batch_size=batch_size)
    if kind == "salesforce":
        from revbridge.connectors.salesforce import read_salesforce_leads

        return "leads", read_salesforce_leads(path, batch_size=batch_size)
    if kind == "salesforce-opportunities":
        from revbridge.connectors.salesforce import read_salesforce_opportunities

        return "opportunities", read_salesforce_opportunities(path, batch_size=batch_size)
    if kind == "csv":
        if mapping is None:
            raise ValueError("a generic CSV import needs --mapping")
        loaded = load_mapping(mapping, header=csv_header(path))
        if loaded.entity in ("touchpoints", "activities") and loaded.properties == "none":
            return f"{loaded.entity}:columns", read_mapped_csv_columns(path, loaded, batch_size=max(batch_size, 50_000))
        return loaded.entity, read_mapped_csv(path, loaded, batch_size=batch_size)
    raise ValueError(f"unknown import kind {kind!r}")


Stored = tuple[IngestCounts, list[tuple[int, str]], int]  # counts, unresolved (index, reason), leads made


def _sink(entity: str, engine: Engine) -> Callable[[Any, datetime], Stored]:
    """A function that stores one batch of ``entity``."""
    if entity == "leads":
        leads = LeadIngestor(engine)
        return lambda batch, now: (leads.ingest(batch.records, now=now), [], 0)
    if entity in ("touchpoints", "activities", "touchpoints:columns", "activities:columns"):
        events = EventIngestor(engine)
        name = entity.split(":")[0]

        def store_events(batch: Any, now: datetime) -> Stored:
            if isinstance(batch, ColumnBatch):
                result = events.ingest_table(name, batch.table, now=now)
            else:
                result = events.ingest(batch.records, now=now)
            return result.counts, result.unresolved, result.leads_created

        return store_events
    if entity == "opportunities":
        opportunities = OpportunityIngestor(engine)
        return lambda batch, now: (opportunities.ingest(batch.records, now=now), [], 0)
    if entity == "accounts":
        return lambda batch, now: (ingest_accounts(engine, batch.records, now=now), [], 0)
    if entity == "users":
        return lambda batch, now: (ingest_users(engine, batch.records, now=now), [], 0)
    if entity == "spend":
        campaigns: dict[str, int] = {}
        return lambda batch, now: (ingest_spend(engine, batch.records, campaigns=campaigns), [], 0)
    raise ValueError(f"unknown entity {entity!r}")


def run_import(
    engine: Engine,
    kind: str,
    path: Path,
    *,
    mapping: Path | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ImportSummary:
    """Import ``path`` (hubspot | salesforce | salesforce-opportunities | csv) into the store."""
    entity, batches = _reader(kind, path, mapping, batch_size)
    summary = ImportSummary()
    rejected_rows: set[int] = set()
    writer = RejectWriter(rejects_path(path))
    with engine.begin() as conn:
        run_id = conn.execute(
            sa.insert(ImportRunRow).returning(ImportRunRow.id),
            {"kind": kind, "file": str(path), "started_at": clock(), "counts": {}, "status": "running"},
        ).scalar_one()
    sink = _sink(entity, engine)
    try:
        for batch in batches:
            counts, unresolved, leads_created = sink(batch, clock())
            summary.read += batch.rows_read
            summary.created += counts.created
            summary.updated += counts.updated
            summary.duplicate += counts.duplicate
            summary.leads_created += leads_created
            rejects = list(batch.rejects)
            for index, reason in unresolved:
                row = batch.numbers[index] if batch.numbers else 0
                rejects.append(Reject(str(path), row, "lead", reason))
            rejected_rows.update(r.row for r in rejects)
            writer.write(rejects)
            if progress is not None:
                progress(batch.bytes_read)
    finally:
        writer.close()
    summary.rejected = len(rejected_rows)
    summary.rejects_file = str(writer.path) if writer.count else None
    with engine.begin() as conn:
        conn.execute(
            sa.update(ImportRunRow)
            .where(ImportRunRow.id == run_id)
            .values(finished_at=clock(), counts=summary.as_dict(), status="done")
        )
    return summary
