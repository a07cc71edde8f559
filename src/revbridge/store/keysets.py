"""Keyset pagination: a listing's next page starts after the last row seen, found through the listing's
own order (an index), not by counting rows to skip, so a page costs the same however deep it is and a
row added meanwhile neither repeats nor hides one."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def before_in_order(columns: tuple[Any, ...], key: tuple[Any, ...]) -> sa.ColumnElement[bool]:
    """Rows that come after ``key`` in a listing ordered by ``columns``, each descending: the condition
    ``(a, b, …) < (x, y, …)``, spelled out so that each value binds with its own column's type."""
    first, *rest = columns
    if not rest:
        return sa.and_(first < key[0])
    return sa.or_(first < key[0], sa.and_(first == key[0], before_in_order(tuple(rest), key[1:])))


def after_in_order(columns: tuple[Any, ...], key: tuple[Any, ...]) -> sa.ColumnElement[bool]:
    """The same for a listing ordered by ``columns`` ascending: ``(a, b, …) > (x, y, …)``."""
    first, *rest = columns
    if not rest:
        return sa.and_(first > key[0])
    return sa.or_(first > key[0], sa.and_(first == key[0], after_in_order(tuple(rest), key[1:])))
