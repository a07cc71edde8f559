"""Values too dear to make on every request, kept in the process for a while: the dashboard's shared
numbers (``numbers.py``) and its weekly check-ins (``checkin_reports.py``).

The first request for a key makes its value while the others asking for that key wait for the result;
later ones get the kept value at once. The first request after it goes stale (older than ``fresh_for``
by the moment it was made) makes it again while the others are served the stale one: fifty people
opening a page never start fifty computations.
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
        if kept is not None and not lock.acquire(blocking=False):
            return kept  # someone is making it again: the stale one meanwhile
        if kept is None:
            lock.acquire()
        try:
            again = self._values.get(key)
            if again is not None and self._fresh(again):
                return again
            self._values[key] = made = self._make(key)
            return made
        finally:
            lock.release()

    def forget(self) -> None:
        """Drop every kept value (after a change that should show at once)."""
        self._values.clear()

    def _fresh(self, value: V) -> bool:
        return datetime.now(UTC) - self._made_at(value) < self.fresh_for
