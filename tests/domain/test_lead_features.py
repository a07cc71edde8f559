"""A lead's features as of a moment come from what it did by then, never after; its outcome only when known."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from revbridge.domain.lead_features import DAY, Touches, features_as_of, outcome_within

KINDS = ("email_click", "form_submit", "page_view")
CHANNELS = ("email", "organic_search", "paid_search")
touch = st.tuples(st.integers(0, 3), st.integers(0, 200 * DAY), st.integers(0, 2), st.integers(0, 2))


def _touches(rows: list[tuple[int, int, int, int]]) -> Touches:
    lead, moment, kind, channel = (np.array([r[i] for r in rows], dtype=np.int64) for i in range(4))
    return Touches(lead, moment, kind, channel)


def _same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(touch, max_size=40),
    st.lists(touch, max_size=20),
    st.lists(st.integers(0, 200 * DAY), min_size=4, max_size=4),
)
def test_no_touch_after_the_scoring_moment_changes_a_feature(
    before: list[tuple[int, int, int, int]], later: list[tuple[int, int, int, int]], moments: list[int]
) -> None:
    """Adding any touches after each lead's own moment changes nothing: no feature sees the future."""
    at = np.array(moments, dtype=np.int64)
    kept = [r for r in before if r[1] <= at[r[0]]]
    future = [(lead, at[lead] + 1 + moment, kind, channel) for lead, moment, kind, channel in later]
    alone = features_as_of(_touches(kept), at, KINDS, CHANNELS)
    with_future = features_as_of(_touches(kept + future), at, KINDS, CHANNELS)
    assert _same(alone, with_future)


@settings(max_examples=200, deadline=None)
@given(st.lists(touch, max_size=40), st.lists(st.integers(0, 200 * DAY), min_size=4, max_size=4))
def test_each_feature_is_what_a_walk_through_the_leads_touches_gives(
    rows: list[tuple[int, int, int, int]], moments: list[int]
) -> None:
    at = np.array(moments, dtype=np.int64)
    features = features_as_of(_touches(rows), at, KINDS, CHANNELS)
    for lead in range(4):
        ages = [(at[lead] - m, k, c) for who, m, k, c in rows if who == lead and m <= at[lead]]
        assert features["touches"][lead] == len(ages)
        for days in (7, 30, 90):
            assert features[f"touches_{days}d"][lead] == sum(age < days * DAY for age, _, _ in ages)
        for number, name in enumerate(KINDS):
            assert features[f"type:{name}"][lead] == sum(k == number for _, k, _ in ages)
            assert features[f"type:{name}_30d"][lead] == sum(k == number and a < 30 * DAY for a, k, _ in ages)
        for number, name in enumerate(CHANNELS):
            assert features[f"channel:{name}"][lead] == sum(c == number for _, _, c in ages)
        if ages:
            assert features["days_since_last"][lead] == min(a for a, _, _ in ages) / DAY
            assert features["days_since_first"][lead] == max(a for a, _, _ in ages) / DAY
        else:
            assert math.isnan(features["days_since_last"][lead])
        recent = sum(a < 30 * DAY for a, _, _ in ages)
        if recent:
            assert features["velocity"][lead] == sum(a < 7 * DAY for a, _, _ in ages) / recent
        else:
            assert math.isnan(features["velocity"][lead])


def test_an_outcome_counts_only_inside_the_horizon_and_only_once_known() -> None:
    horizon, end = 90 * DAY, 400 * DAY
    at = np.array([0, 0, 0, 350 * DAY, 100 * DAY], dtype=np.int64)
    reached = np.array([10 * DAY, 91 * DAY, -1, 360 * DAY, 100 * DAY], dtype=np.int64)
    converted, known = outcome_within(at, reached, horizon, end)
    assert known.tolist() == [True, True, True, False, True]  # the fourth's horizon ends after the data
    assert converted.tolist() == [True, False, False, False, True]
