"""Values too dear to make on every request, kept in the process for a while: the dashboard's shared
numbers (``numbers.py``) and its weekly check-ins (``checkin_reports.py``).

The first request for a key makes its value while the others asking for that key wait for the result;
later ones get the kept value at once. Once it is stale (older than ``fresh_for`` by the moment it was
made) the first request to notice starts making it again in a thread of its own and, like everyone else
meanwhile, is served the stale value: fifty people opening a page never start fifty computations, and
after the first, nobody waits for one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Kept(Generic[K, V]):
    def __init__(self, make: Callable[[K], V], made_at: Callable[[V], datetime], fresh_for: timedelta) -> None:
        self._make = make
        self._made_at = made_at
        self.fresh_for = fresh_for
        self._values: dict[K, V] = {}
        self._locks: dict[K, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: K) -> V:
        """The value of ``key``, fresh or being made again."""
        kept = self._values.get(key)
        if kept is not None and self._fresh(kept):
            return kept
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        if kept is not None:
            if lock.acquire(blocking=False):  # nobody is making it again yet: this request starts it
                threading.Thread(target=self._remake, args=(key, lock), daemon=True).start()
            return kept  # the stale one meanwhile
        with lock:
            again = self._values.get(key)
            if again is not None:
                return again  # made by the one this request waited for
            self._values[key] = made = self._make(key)
            return made

    def _remake(self, key: K, lock: threading.Lock) -> None:
        try:
            self._values[key] = self._make(key)
        finally:
            lock.release()

    def forget(self) -> None:
        """Drop every kept value (after a change that should show at once)."""
        self._values.clear()

    def _fresh(self, value: V) -> bool:
        return datetime.now(UTC) - self._made_at(value) < self.fresh_for
