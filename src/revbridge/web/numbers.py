"""The shared numbers as the dashboard shows them: each metric of ``analytics.overview`` computed at most
once per ``FRESH_FOR`` and kept in the process, with the moment it was computed (every page says "as of").

A metric over the whole store takes a second or more; fifty people opening the home page must not each
start one. The first request for a metric computes it while the others wait for that result; later
ones get the kept result at once, and the first request after it goes stale computes it again while
the others are served the stale one. Lists that people act on (the SLA queue, a lead) are never kept:
they are read from the store on every request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from revbridge import bootstrap
from revbridge.services.contract import contract_at, stage_order

if TYPE_CHECKING:
    import pandas as pd

FRESH_FOR = timedelta(minutes=2)


@dataclass(frozen=True)
class Computed:
    frame: pd.DataFrame
    at: datetime


class SharedNumbers:
    def __init__(self, engine: Engine, fresh_for: timedelta = FRESH_FOR) -> None:
        self.engine = engine
        self.fresh_for = fresh_for
        self._kept: dict[str, Computed] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, name: str) -> Computed:
        """The metric ``name`` (a key of ``analytics.overview.metrics``), fresh or being refreshed."""
        kept = self._kept.get(name)
        now = datetime.now(UTC)
        if kept is not None and now - kept.at < self.fresh_for:
            return kept
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        if kept is not None and not lock.acquire(blocking=False):
            return kept  # someone is refreshing it: the stale one meanwhile
        if kept is None:
            lock.acquire()
        try:
            again = self._kept.get(name)
            if again is not None and datetime.now(UTC) - again.at < self.fresh_for:
                return again
            self._kept[name] = Computed(self._compute(name, datetime.now(UTC)), datetime.now(UTC))
            return self._kept[name]
        finally:
            lock.release()

    def forget(self) -> None:
        """Drop every kept number (after a change that should show at once)."""
        self._kept.clear()

    def _compute(self, name: str, now: datetime) -> pd.DataFrame:
        from revbridge.analytics.overview import metrics  # Ibis and pandas: only when a number is asked for

        commitments = contract_at(self.engine, now).sla.commitments
        url = self.engine.url.render_as_string(hide_password=False)
        with bootstrap.source(url, "store") as source:
            return metrics(stage_order(self.engine, now), commitments, now=now)[name](source)
