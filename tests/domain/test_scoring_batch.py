"""Batch scoring agrees with the definition, lead by lead, and with the O(1) state it hands over to."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from revbridge.domain.conditions import parse_condition
from revbridge.domain.scoring import EngagementState, engagement_from_touchpoints
from revbridge.domain.scoring_batch import (
    BatchEngagement,
    _engagement_in_order,
    batch_engagement,
    batch_engagement_in_parts,
    condition_mask,
)
from tests.domain.example_sla import example_sla
from tests.domain.touch_rows import T0, touch_columns

KINDS = ["demo_request", "pricing_page_view", "content_download", "email_click", "page_view", "unsubscribe", "other"]


events = st.lists(
    st.tuples(st.integers(1, 4), st.integers(0, len(KINDS) - 1), st.integers(0, 60 * 24 * 60)), max_size=60
)


@settings(max_examples=200, deadline=None)
@given(events, st.integers(0, 30 * 24 * 60))
def test_batch_engagement_is_the_definition_for_every_lead(rows: list[tuple[int, int, int]], wait: int) -> None:
    engagement = example_sla().scoring.engagement
    assert engagement is not None
    at = [T0 + timedelta(minutes=m) for _, _, m in rows]
    now = T0 + timedelta(minutes=60 * 24 * 60 + wait)
    batch = batch_engagement(engagement, KINDS, *touch_columns(rows), now.timestamp())
    got = {(int(lead), KINDS[int(kind)]): v for lead, kind, v in zip(batch.lead, batch.kind, batch.value, strict=True)}
    for lead in {r[0] for r in rows}:
        mine = [(KINDS[k], a) for (ld, k, _), a in zip(rows, at, strict=True) if ld == lead]
        for kind, value in engagement_from_touchpoints(engagement, mine, now).items():
            assert math.isclose(got.get((lead, kind), 0.0), value, rel_tol=1e-9, abs_tol=1e-9)
        # The cap windows carry on where one touchpoint at a time would have them.
        state = EngagementState()
        for kind, when in sorted(mine, key=lambda e: e[1]):
            state = state.add(engagement, kind, when)
        for kind, one in state.by_type.items():
            index = next(
                i
                for i, (ld, k) in enumerate(zip(batch.lead, batch.kind, strict=True))
                if ld == lead and KINDS[k] == kind
            )
            assert int(batch.count[index]) == one.count
            if one.window is not None:
                assert int(batch.window[index]) == one.window
                assert math.isclose(float(batch.earned_in_window[index]), one.earned_in_window)


def test_totals_put_each_lead_s_engagement_in_its_place() -> None:
    engagement = example_sla().scoring.engagement
    assert engagement is not None
    now = T0.timestamp()
    batch = batch_engagement(engagement, KINDS, np.array([7, 3]), np.array([0, 5]), np.array([now, now]), now)
    assert batch.totals(np.array([1, 3, 7], dtype=np.int64)).tolist() == [0.0, -25.0, 40.0]


def test_a_condition_holds_over_arrays_as_it_does_for_one_lead() -> None:
    condition = parse_condition("fit >= 30 and (engagement >= 40 or not p_convert < 0.5)")
    fit = np.array([35.0, 35.0, 10.0, 35.0])
    engagement = np.array([50.0, 10.0, 90.0, 10.0])
    p_convert = np.array([np.nan, 0.7, 0.9, np.nan])
    mask = condition_mask(condition, {"fit": fit, "engagement": engagement, "p_convert": p_convert}, 4)
    expected = [
        condition.holds({"fit": f, "engagement": e, "p_convert": None if math.isnan(p) else p})
        for f, e, p in zip(fit, engagement, p_convert, strict=True)
    ]
    assert mask.tolist() == expected


def _as_pairs(batch: BatchEngagement) -> dict[tuple[int, int], tuple[float, int, int, float]]:
    return {
        (int(ld), int(k)): (float(v), int(c), int(w), float(e))
        for ld, k, v, c, w, e in zip(
            batch.lead, batch.kind, batch.value, batch.count, batch.window, batch.earned_in_window, strict=True
        )
    }


def test_only_full_windows_need_order_and_the_result_is_the_fully_sorted_one() -> None:
    """Many leads, many windows past their cap, touchpoints in no order: the same per (lead, type) as
    sorting every touchpoint by lead, type and time."""
    engagement = example_sla().scoring.engagement
    assert engagement is not None
    rng = np.random.default_rng(7)
    size = 50_000
    lead = rng.integers(1, 40, size).astype(np.int64)
    kind = rng.integers(0, len(KINDS), size).astype(np.int64)
    now = T0.timestamp()
    seconds = now - rng.random(size) * 90 * 86400 + 3600  # some after now, which do not count
    fast = batch_engagement(engagement, KINDS, lead, kind, seconds, now)
    keep = (
        np.array([engagement.touchpoints[k].points if k in engagement.touchpoints else 0 for k in KINDS])[kind] != 0
    ) & (seconds <= now)
    ordered = _engagement_in_order(engagement, KINDS, lead[keep], kind[keep], seconds[keep], now)
    assert np.array_equal(fast.lead, ordered.lead)
    assert np.array_equal(fast.kind, ordered.kind)
    got, want = _as_pairs(fast), _as_pairs(ordered)
    assert got.keys() == want.keys()
    for pair, (value, count, window, earned) in want.items():
        assert got[pair][1:3] == (count, window)
        assert math.isclose(got[pair][0], value, rel_tol=1e-12, abs_tol=1e-12)
        assert math.isclose(got[pair][3], earned, rel_tol=1e-12, abs_tol=1e-12)
    page_view = KINDS.index("page_view")
    assert any(earned == 10.0 for (_, k), (_, _, _, earned) in want.items() if k == page_view)  # a full window


def test_ids_far_apart_take_the_sorting_path_and_give_the_same() -> None:
    engagement = example_sla().scoring.engagement
    assert engagement is not None
    now = T0.timestamp()
    lead = np.array([5, 10**15, 5, 5, 10**15], dtype=np.int64)
    kind = np.array([4, 4, 4, 0, 5], dtype=np.int64)  # page_view, demo_request, unsubscribe
    seconds = np.array([now - 10, now - 20, now - 30, now - 40, now - 50])
    batch = batch_engagement(engagement, KINDS, lead, kind, seconds, now)
    assert batch.lead.tolist() == [5, 5, 10**15, 10**15]
    assert batch.count.tolist() == [1, 2, 1, 1]
    near = batch_engagement(engagement, KINDS, np.where(lead == 5, 1, 2), kind, seconds, now)
    assert np.allclose(batch.value, near.value, rtol=1e-12)
    assert batch.window.tolist() == near.window.tolist()


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 40), st.integers(0, len(KINDS) - 1), st.integers(0, 60 * 24 * 60)), max_size=120),
    st.integers(1, 8),
)
def test_in_parts_the_result_is_exactly_one_pass_s(rows: list[tuple[int, int, int]], part_leads: int) -> None:
    """Split by ranges of lead ids (tiny ranges here, so that most examples make several parts) and run on a
    thread pool: every field equal to the single pass, in the same order."""
    engagement = example_sla().scoring.engagement
    assert engagement is not None
    lead, kind, seconds = touch_columns(rows)
    now = (T0 + timedelta(days=61)).timestamp()
    whole = batch_engagement(engagement, KINDS, lead, kind, seconds, now)
    with ThreadPoolExecutor(2) as pool:
        parts = batch_engagement_in_parts(
            engagement, KINDS, lead, kind, seconds, now, map_parts=pool.map, part_leads=part_leads, min_rows=1
        )
    for name in ("lead", "kind", "value", "count", "window", "earned_in_window"):
        assert np.array_equal(getattr(whole, name), getattr(parts, name)), name
