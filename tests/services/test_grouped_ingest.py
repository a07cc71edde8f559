"""Batches sent at once are written together, one commit for the group, each with its own counts."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pyarrow as pa
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.records import TouchpointRecord
from revbridge.services.ingest_events import EventIngestor, EventResult, GroupedIngest, records_to_table

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


class Counting(EventIngestor):
    """Counts the groups it writes; the first write is slow, so that the others pile up behind it."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.groups: list[int] = []
        self.lock = threading.Lock()

    def ingest_together(self, batches: Sequence[tuple[str, pa.Table]], *, now: datetime) -> list[EventResult]:
        with self.lock:
            first = not self.groups
            self.groups.append(len(batches))
        if first:
            time.sleep(0.3)
        return super().ingest_together(batches, now=now)


def batch(n: int, size: int = 20, *, again: int | None = None) -> pa.Table:
    records = [
        TouchpointRecord(
            source="api",
            external_id=f"b{n if again is None else again}-{i}",
            type="page_view",
            occurred_at=NOW,
            lead_email=f"p{i}@x.example",
            channel="email",
            campaign="Spring",
        )
        for i in range(size)
    ]
    return records_to_table(records, "touchpoints")[1]


def test_batches_sent_at_once_are_written_together_each_with_its_counts(engine: Engine) -> None:
    counting = Counting(engine)
    grouped = GroupedIngest(counting)
    tables = [batch(n) for n in range(8)] + [batch(99, again=0)]  # the last repeats the first batch
    with ThreadPoolExecutor(9) as pool:
        results = list(pool.map(lambda t: grouped.ingest_table("touchpoints", t, now=NOW), tables))
    assert sum(counting.groups) == 9
    assert max(counting.groups) > 1  # the ones that came during the first write went together
    assert len(counting.groups) < 9
    created = [r.counts.created for r in results]
    assert sum(created) == 8 * 20
    assert created[1:8] == [20] * 7
    assert results[8].counts.created + results[0].counts.created == 20  # the repeat was stored once
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM touchpoints")).scalar_one() == 160


def test_an_error_fails_every_batch_of_its_group_and_stores_none(engine: Engine) -> None:
    class Failing(Counting):
        def ingest_together(self, batches: Sequence[tuple[str, pa.Table]], *, now: datetime) -> list[EventResult]:
            with self.lock:
                self.groups.append(len(batches))
                first = len(self.groups) == 1
            if first:
                time.sleep(0.3)
                return EventIngestor.ingest_together(self, batches, now=now)
            raise RuntimeError("the store went away")

    grouped = GroupedIngest(Failing(engine))
    outcomes: list[str] = []

    def send(n: int) -> None:
        try:
            grouped.ingest_table("touchpoints", batch(n), now=NOW)
            outcomes.append("stored")
        except RuntimeError as error:
            outcomes.append(str(error))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(send, range(4)))
    assert outcomes.count("stored") == 1
    assert outcomes.count("the store went away") == 3
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM touchpoints")).scalar_one() == 20


@pytest.mark.parametrize("size", [1, 1000])
def test_one_batch_alone_is_written_at_once(engine: Engine, size: int) -> None:
    grouped = GroupedIngest(EventIngestor(engine))
    assert grouped.ingest_table("touchpoints", batch(1, size), now=NOW).counts.created == size
