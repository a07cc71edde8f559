"""Rows bound as one value, and texts many rows share bound once and picked by number, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.store.repositories import bound_rows, picked


def test_each_row_picks_its_shared_text_by_number(engine: Engine) -> None:
    options = ["nobody can take it: Ana <away>", 'Bo said "later"; it\'s 100% full', "é ü 日本"]
    rows = [(1, 2), (2, 0), (3, 1), (4, 0), (5, 2)]
    with engine.connect() as conn:
        ids, numbers = bound_rows(conn.dialect.name, rows, (sa.Integer(), sa.Integer()))
        got = conn.execute(
            sa.select(ids.label("id"), picked(conn.dialect.name, options, numbers).label("text")).order_by("id")
        ).all()
    assert [(int(i), text) for i, text in got] == [(i, options[n]) for i, n in rows]
