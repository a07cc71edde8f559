"""Journeys' touches in time order by one packed sort, checked against the plain three-column sort."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from revbridge.analytics.journey_steps import time_sorted

rows = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 50), st.integers(0, 3)),
    min_size=1,
    max_size=60,
)


def _rows(key: np.ndarray, moment: np.ndarray, code: np.ndarray) -> list[tuple[int, int, int]]:
    return list(zip(key.tolist(), moment.tolist(), code.tolist(), strict=True))


@settings(max_examples=200, deadline=None)
@given(rows, st.sampled_from([0, 1, 40, 55, 62]))
def test_the_packed_order_is_the_order_of_the_three_columns(triples: list[tuple[int, int, int]], spread: int) -> None:
    # ``spread`` pushes the keys and times apart until the time must be coarsened to fit (or cannot fit).
    key = np.array([t[0] for t in triples], dtype=np.int64) << min(spread, 40)
    moment = np.array([t[1] for t in triples], dtype=np.int64) << (spread // 3)
    code = np.array([t[2] for t in triples], dtype=np.int64)
    order = np.lexsort((code, moment, key))
    assert _rows(*time_sorted(key, moment, code)) == _rows(key[order], moment[order], code[order])


def test_a_tie_that_the_coarse_time_hides_is_put_right() -> None:
    # Keys 40 bits apart leave the times 20 bits: 1 and 2 microseconds share a coarse step, and code 1 sorts
    # before code 0 there. The check at full precision catches it.
    key = np.array([0, 0, 1 << 40], dtype=np.int64)
    moment = np.array([2, 1, 1 << 42], dtype=np.int64)
    code = np.array([0, 1, 0], dtype=np.int64)
    assert _rows(*time_sorted(key, moment, code)) == [(0, 1, 1), (0, 2, 0), (1 << 40, 1 << 42, 0)]
