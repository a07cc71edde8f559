"""Running an import: stream a file's batches into the store, one transaction per batch.

Interrupt it at any point and run it again: committed batches come back as duplicates, the batch in
flight is redone, so the end state is exactly that of one clean import. Rejected rows go to
``FILE.rejects.csv`` with file, row, field and reason; the good rows land.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from revbridge.connectors.batches import DEFAULT_BATCH_SIZE, RejectWriter, rejects_path
from revbridge.connectors.columnar_csv import ColumnBatch, read_mapped_csv_columns
from revbridge.connectors.csv_rows import csv_header, estimate_rows
from revbridge.connectors.generic_csv import read_mapped_csv
from revbridge.connectors.mapping import load_mapping
from revbridge.connectors.prefetch import prefetch
from revbridge.domain.records import Reject
from revbridge.services.ingest_crm import OpportunityIngestor, ingest_accounts, ingest_spend, ingest_users
from revbridge.services.ingest_events import EventIngestor, records_to_table
from revbridge.services.ingest_leads import IngestCounts, LeadIngestor
from revbridge.store import deferred_indexes, import_runs
from revbridge.store.engine import writing

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
            columns = read_mapped_csv_columns(path, loaded, batch_size=max(batch_size, 50_000))
            return f"{loaded.entity}:columns", prefetch(columns)
        return loaded.entity, read_mapped_csv(path, loaded, batch_size=batch_size)
    raise ValueError(f"unknown import kind {kind!r}")


Stored = tuple[IngestCounts, list[tuple[int, str]], int]  # counts, unresolved (index, reason), leads made
Pending = Callable[[], Stored]  # the outcome of a batch, once its write has finished


def _done(stored: Stored) -> Pending:
    return lambda: stored


class _Sink:
    """Stores batches of one entity. Event batches are written on a second thread while the next batch
    is prepared, so that the database and Python work at the same time; at most one write is in flight."""

    def __init__(self, entity: str, engine: Engine, *, expected_rows: int = 0) -> None:
        self.entity = entity.split(":")[0]
        self.engine = engine
        self._expected_rows = expected_rows
        self._writer: ThreadPoolExecutor | None = None
        self._leads = LeadIngestor(engine) if self.entity == "leads" else None
        self._events = EventIngestor(engine) if self.entity in ("touchpoints", "activities") else None
        self._opportunities = OpportunityIngestor(engine) if self.entity == "opportunities" else None
        self._campaigns: dict[str, int] = {}

    def __enter__(self) -> _Sink:
        if self._events is not None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="revbridge-writer")
            # A big file next to the table: load it without the secondary indexes, rebuild them on exit.
            if deferred_indexes.should_defer(self.engine, self.entity, self._expected_rows):
                deferred_indexes.drop_secondary_indexes(self.engine, self.entity)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)
        if self._events is not None:
            # Also after a failure: a missing index only slows reads, but there is no reason to leave it.
            deferred_indexes.ensure_secondary_indexes(self.engine, (self.entity,))

    def store(self, batch: Any, now: datetime) -> Pending:
        if self._events is not None and self._writer is not None:
            events = self._events
            if not isinstance(batch, ColumnBatch) and not batch.records:
                return _done((IngestCounts(), [], 0))
            if isinstance(batch, ColumnBatch):
                prepared = events.prepare(self.entity, batch.table, now=now)
            else:
                prepared = events.prepare(*records_to_table(batch.records), now=now)
            future = self._writer.submit(events.write, prepared)

            def outcome() -> Stored:
                result = future.result()
                return result.counts, result.unresolved, result.leads_created

            return outcome
        records = batch.records
        if self._leads is not None:
            return _done((self._leads.ingest(records, now=now), [], 0))
        if self._opportunities is not None:
            return _done((self._opportunities.ingest(records, now=now), [], 0))
        if self.entity == "accounts":
            return _done((ingest_accounts(self.engine, records, now=now), [], 0))
        if self.entity == "users":
            return _done((ingest_users(self.engine, records, now=now), [], 0))
        if self.entity == "spend":
            return _done((ingest_spend(self.engine, records, campaigns=self._campaigns), [], 0))
        raise ValueError(f"unknown entity {self.entity!r}")


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
    with writing(engine).begin() as conn:
        run_id = import_runs.start_run(conn, kind, str(path), clock())

    def settle(batch: Any, pending: Pending) -> None:
        counts, unresolved, leads_created = pending()
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

    in_flight: tuple[Any, Pending] | None = None
    try:
        with _Sink(entity, engine, expected_rows=estimate_rows(path)) as sink:
            for batch in batches:
                pending = sink.store(batch, clock())
                if in_flight is not None:
                    settle(*in_flight)
                in_flight = (batch, pending)
            if in_flight is not None:
                settle(*in_flight)
    finally:
        writer.close()
    summary.rejected = len(rejected_rows)
    summary.rejects_file = str(writer.path) if writer.count else None
    with writing(engine).begin() as conn:
        import_runs.finish_run(conn, run_id, summary.as_dict(), clock())
    return summary
