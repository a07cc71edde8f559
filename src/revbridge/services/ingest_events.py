"""Adding touchpoints (marketing) and activities (sales): append-only, in bulk, idempotent.

Each event names its person by e-mail or by the lead's id in its source system. A new e-mail makes a
new lead (a form fill from someone we never met); an unknown lead id is refused, since it points at
a lead that has not been imported yet. Events travel as Arrow tables, so a batch of 100,000 is
resolved and written without a Python loop per row.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.engine import Connection, Engine

from revbridge.domain.records import ActivityRecord, LeadRecord, TouchpointRecord
from revbridge.services.ingest_leads import IngestCounts, LeadIngestor
from revbridge.services.known_ids import KnownIds
from revbridge.store import bulk
from revbridge.store import repositories as repo
from revbridge.store.engine import writing

EventRecord = TouchpointRecord | ActivityRecord

_COMMON = ("source", "external_id", "type", "occurred_at", "lead_email", "lead_external_id", "lead_source")
_FIELDS = {
    "touchpoints": (*_COMMON, "channel", "campaign"),
    "activities": (*_COMMON, "user", "outcome"),
}
_ARROW = {"occurred_at": pa.timestamp("us", "UTC")}


@dataclass
class EventResult:
    counts: IngestCounts = field(default_factory=IngestCounts)
    leads_created: int = 0
    unresolved: list[tuple[int, str]] = field(default_factory=list)  # (index in batch, reason)


def records_to_table(records: Sequence[Any], entity: str | None = None) -> tuple[str, pa.Table]:
    """The Arrow form of a list of event records (or of anything with their attributes, such as the
    API's validated models), and whether they are touchpoints or activities."""
    entity = entity or ("touchpoints" if isinstance(records[0], TouchpointRecord) else "activities")
    columns = {
        name: pa.array([getattr(r, name) for r in records], _ARROW.get(name, pa.string())) for name in _FIELDS[entity]
    }
    columns["properties"] = pa.array(
        [json.dumps(r.properties, separators=(",", ":")) if r.properties else None for r in records],
        pa.string(),
    )
    return entity, pa.table(columns)


def _column(table: pa.Table, name: str) -> pa.ChunkedArray:
    if name in table.column_names:
        return table.column(name)
    return pa.chunked_array([pa.nulls(table.num_rows, pa.string())])


@dataclass
class PreparedEvents:
    """A batch with its people resolved, ready to be written."""

    entity: str
    rows: pa.Table
    result: EventResult = field(default_factory=EventResult)


class EventIngestor:
    """Ingests batches of touchpoints or activities, look-ups kept warm: for one import run, or for the
    life of the API's process, where concurrent requests share one and their batches go one at a time
    (the store takes one writer at a time anyway, and the look-ups stay consistent)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.leads = LeadIngestor(engine)
        self._by_email = KnownIds()
        self._by_key = KnownIds()  # "source\x1fexternal_id" -> lead id
        self._campaigns = KnownIds()
        self._users: KnownIds | None = None
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="revbridge-bulk")
        self._one_at_a_time = threading.Lock()

    def ingest(self, records: Sequence[EventRecord], *, now: datetime) -> EventResult:
        if not records:
            return EventResult()
        entity, table = records_to_table(records)
        return self.ingest_table(entity, table, now=now)

    def ingest_table(self, entity: str, table: pa.Table, *, now: datetime) -> EventResult:
        """Store one batch: resolve its people, then write it in one transaction."""
        with self._one_at_a_time:
            return self.write(self.prepare(entity, table, now=now))

    def ingest_together(self, batches: Sequence[tuple[str, pa.Table]], *, now: datetime) -> list[EventResult]:
        """Store several batches, each prepared on its own, all written in one transaction: one commit
        for all (``GroupedIngest``), each batch's counts its own."""
        with self._one_at_a_time:
            prepared = [self.prepare(entity, table, now=now) for entity, table in batches]
            with writing(self.engine).begin() as conn:
                for one in prepared:
                    if one.rows.num_rows:
                        created = bulk.insert_new_rows(conn, one.entity, one.rows, conflict=("source", "external_id"))
                        one.result.counts.created = created
                        one.result.counts.duplicate = one.rows.num_rows - created
            return [one.result for one in prepared]

    def prepare(self, entity: str, table: pa.Table, *, now: datetime) -> PreparedEvents:
        """Everything but the write: new people become leads, people and campaigns become ids.

        Split from ``write`` so that an import can prepare the next batch while this one is written.
        """
        prepared = PreparedEvents(entity, pa.table({}))
        if table.num_rows == 0:
            return prepared
        emails = _column(table, "lead_email")
        prepared.result.leads_created = self._create_new_people(table, emails, now)
        # Read-only: on SQLite a write transaction here would wait for the batch being written.
        with self.engine.connect() as conn:
            keys = self._lead_keys(table, emails)
            lead_ids = self._resolve(conn, emails, keys)
            missing = pc.is_null(lead_ids)
            for index in pc.indices_nonzero(missing).to_pylist():
                ref = keys[index].as_py()
                source, external_id = ref.split("\x1f") if ref else (None, None)
                prepared.result.unresolved.append(
                    (index, f"no lead with id {external_id!r} from {source}; import the leads first")
                )
            rows = {
                "lead_id": lead_ids,
                "source": table.column("source"),
                "external_id": table.column("external_id"),
                "type": table.column("type"),
            }
            if entity == "touchpoints":
                rows["channel"] = _column(table, "channel")
                rows["campaign_id"] = self._campaign_ids(table)
            else:
                rows["user_id"] = self._user_ids(conn, table)
                rows["outcome"] = _column(table, "outcome")
        rows["occurred_at"] = table.column("occurred_at")
        rows["properties"] = _column(table, "properties")
        prepared.rows = pa.table(rows).filter(pc.invert(missing))
        return prepared

    def write(self, prepared: PreparedEvents) -> EventResult:
        """Insert the prepared rows whose (source, external_id) is new, in one transaction."""
        result = prepared.result
        if prepared.rows.num_rows:
            created = bulk.insert_new_rows_in_parallel(
                self.engine, prepared.entity, prepared.rows, conflict=("source", "external_id"), pool=self._pool
            )
            result.counts.created = created
            result.counts.duplicate = prepared.rows.num_rows - created
        return result

    # -- people --------------------------------------------------------------------------------
    def _create_new_people(self, table: pa.Table, emails: pa.ChunkedArray, now: datetime) -> int:
        unknown = self._by_email.unknown(emails)
        if not unknown:
            return 0
        with self.engine.connect() as conn:
            self._by_email.update(repo.find_lead_ids_by_email(conn, unknown))
        new = [e for e in unknown if e not in self._by_email]
        if not new:
            return 0
        subset = table.filter(pc.is_in(emails, value_set=pa.array(new, pa.string())))
        firsts = subset.group_by("lead_email").aggregate([("occurred_at", "min"), ("source", "min")])
        records = [
            LeadRecord(source=source, external_id=email, email=email, created_at=at, stage="lead")
            for email, at, source in zip(
                firsts.column("lead_email").to_pylist(),
                firsts.column("occurred_at_min").to_pylist(),
                firsts.column("source_min").to_pylist(),
                strict=True,
            )
        ]
        created = self.leads.ingest(records, now=now).created
        with self.engine.connect() as conn:
            self._by_email.update(repo.find_lead_ids_by_email(conn, new))
        return created

    def _lead_keys(self, table: pa.Table, emails: pa.ChunkedArray) -> pa.ChunkedArray:
        """ "source\x1fexternal_id" for events that name their lead by id (null for those with an e-mail)."""
        ids = _column(table, "lead_external_id")
        if ids.null_count == len(ids):
            return ids
        lead_source = pc.coalesce(_column(table, "lead_source"), table.column("source"))
        return pc.binary_join_element_wise(lead_source, ids, "\x1f")

    def _resolve(self, conn: Connection, emails: pa.ChunkedArray, keys: pa.ChunkedArray) -> pa.Array:
        wanted = self._by_key.unknown(keys)
        if wanted:
            pairs = [_split_key(k) for k in wanted]
            found = repo.find_lead_ids_by_external_id(conn, pairs)
            self._by_key.update({f"{s}\x1f{e}": i for (s, e), i in found.items()})
        by_email = self._by_email.lookup(emails)
        by_key = self._by_key.lookup(keys)
        return pc.if_else(pc.is_valid(emails), by_email, by_key)

    # -- campaigns and users -------------------------------------------------------------------
    def _campaign_ids(self, table: pa.Table) -> pa.Array:
        names = _column(table, "campaign")
        unique = self._campaigns.unknown(names)
        if unique:
            channels: dict[str, str | None] = {}
            if "channel" in table.column_names:
                firsts = table.filter(pc.is_valid(names)).group_by("campaign").aggregate([("channel", "min")])
                channels = dict(
                    zip(
                        firsts.column("campaign").to_pylist(),
                        firsts.column("channel_min").to_pylist(),
                        strict=True,
                    )
                )
            known = self._campaigns.as_dict()
            with writing(self.engine).begin() as conn:
                repo.get_or_create_campaigns(conn, {n: channels.get(n) for n in unique}, known)
            self._campaigns.update(known)
        return self._campaigns.lookup(names)

    def _user_ids(self, conn: Connection, table: pa.Table) -> pa.Array:
        if self._users is None:
            self._users = KnownIds()
            self._users.update(repo.find_users(conn))
        return self._users.lookup(pc.utf8_lower(_column(table, "user")))


def _split_key(key: str) -> tuple[str, str]:
    source, external_id = key.split("\x1f", 1)
    return source, external_id


class GroupedIngest:
    """Batches sent at the same moment (the API's concurrent requests) written in one transaction.

    A commit writes every page the batch touched to the write-ahead log, and a batch of events for
    random leads touches a page of the ``lead_id`` index per row: the commit is most of a batch's cost.
    Here the first request to arrive writes its batch at once; requests arriving meanwhile wait, and the
    next of them writes all their batches together, with one commit. Each request gets its own batch's
    counts; an error fails every batch of the group (the transaction stores none of them), and each
    request says so.
    """

    def __init__(self, ingestor: EventIngestor) -> None:
        self.ingestor = ingestor
        self._turn = threading.Condition()
        self._waiting: list[_Ticket] = []
        self._writing = False

    def ingest_table(self, entity: str, table: pa.Table, *, now: datetime) -> EventResult:
        ticket = _Ticket(entity, table)
        with self._turn:
            self._waiting.append(ticket)
            while self._writing and not ticket.done:
                self._turn.wait()
            if ticket.done:
                return ticket.answer()
            self._writing = True
            group, self._waiting = self._waiting, []
        try:
            results = self.ingestor.ingest_together([(t.entity, t.table) for t in group], now=now)
            for t, result in zip(group, results, strict=True):
                t.result = result
        except Exception as error:
            for t in group:
                t.error = error
        finally:
            with self._turn:
                for t in group:
                    t.done = True
                self._writing = False
                self._turn.notify_all()
        return ticket.answer()


@dataclass
class _Ticket:
    entity: str
    table: pa.Table
    done: bool = False
    result: EventResult | None = None
    error: Exception | None = None

    def answer(self) -> EventResult:
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result
