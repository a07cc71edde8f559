"""Cursors: a page's ``next`` gives back exactly the key it was made from, and nothing else passes for one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.exceptions import RequestValidationError
from hypothesis import given
from hypothesis import strategies as st

from revbridge.api.pagination import cursor_of, key_of
from revbridge.api.params import MAX_ID
from revbridge.services.paging import page_of

moments = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2999, 12, 31), timezones=st.just(UTC))
ids = st.integers(min_value=0, max_value=MAX_ID)


@given(moment=moments, text=st.text(), number=ids)
def test_a_cursor_holds_its_key_exactly(moment: datetime, text: str, number: int) -> None:
    assert key_of(cursor_of((moment, text, number)), datetime, str, int) == (moment, text, number)
    assert key_of(cursor_of((moment.date(), number)), date, int) == (moment.date(), number)


@given(junk=st.text(max_size=60))
def test_anything_else_is_refused_as_a_cursor_or_read_as_a_key_of_the_right_types(junk: str) -> None:
    refused: list[Any] = []
    try:
        key = key_of(junk, datetime, int)
    except RequestValidationError as error:
        refused, key = error.errors(), None
    if key is None:
        assert [e["loc"] for e in refused] == [("query", "cursor")]
    else:
        assert isinstance(key[0], datetime)
        assert key[0].tzinfo is not None
        assert type(key[1]) is int


@pytest.mark.parametrize(
    "key",
    [("2026-03-02T10:00:00", 1), ("2026-03-02T10:00:00+00:00", -1), ("2026-03-02T10:00:00+00:00", True), [1, 2]],
)
def test_a_key_of_the_wrong_shape_is_refused(key: Any) -> None:
    forged = cursor_of(tuple(key))
    with pytest.raises(RequestValidationError):
        key_of(forged, datetime, int)
    with pytest.raises(RequestValidationError):
        key_of(cursor_of((1, 2, 3)), datetime, int)


@given(rows=st.lists(st.integers(), max_size=30), limit=st.integers(min_value=1, max_value=10))
def test_pages_read_one_row_more_cover_the_listing_once(rows: list[int], limit: int) -> None:
    seen: list[int] = []
    start = 0
    for _ in range(len(rows) + 1):
        page = page_of(rows[start : start + limit + 1], limit, lambda r: (r,), lambda r: r)
        seen += page.items
        if page.next_key is None:
            break
        assert len(page.items) == limit
        start += limit
    assert seen == rows
