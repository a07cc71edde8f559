"""A page of a listing, and where the next one starts.

A listing reads one row more than it shows: if that row exists there is a next page, which starts
after the last row shown. ``next_key`` is that row's place in the listing's order (the values the
store's keyset condition takes), or None on the last page; an interface turns it into a cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

R = TypeVar("R")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_key: tuple[Any, ...] | None


def page_of(rows: Sequence[R], limit: int, key: Callable[[R], tuple[Any, ...]], item: Callable[[R], T]) -> Page[T]:
    """The first ``limit`` of ``rows`` (read with one more) as items, and the key of the last one shown
    if more follow."""
    shown = rows[:limit]
    more = len(rows) > limit and bool(shown)
    return Page([item(row) for row in shown], key(shown[-1]) if more else None)
