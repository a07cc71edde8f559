"""A state's digest: the same from a batch as from one touchpoint at a time; blind to decay, not to change."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from revbridge.domain.durations import Duration
from revbridge.domain.score_digest import batch_digests, rules_key, state_digest
from revbridge.domain.scoring import EngagementState
from revbridge.domain.scoring_batch import batch_engagement
from tests.domain.example_sla import example_sla
from tests.domain.touch_rows import T0, touch_columns

KINDS = ["content_download", "demo_request", "email_click", "other", "page_view", "pricing_page_view", "unsubscribe"]


def _one_at_a_time(rows: list[tuple[int, int, int]], lead: int) -> EngagementState:
    engagement = example_sla().scoring.engagement
    assert engagement is not None
    state = EngagementState()
    for _, kind, minute in sorted((r for r in rows if r[0] == lead), key=lambda r: r[2]):
        state = state.add(engagement, KINDS[kind], T0 + timedelta(minutes=minute))
    return state


events = st.lists(
    st.tuples(st.integers(1, 5), st.integers(0, len(KINDS) - 1), st.integers(0, 60 * 24 * 60)), max_size=60
)


@settings(max_examples=200, deadline=None)
@given(events, st.integers(0, 30 * 24 * 60))
def test_a_batch_gives_every_lead_the_digest_of_its_state_one_touchpoint_at_a_time(
    rows: list[tuple[int, int, int]], wait: int
) -> None:
    engagement = example_sla().scoring.engagement
    assert engagement is not None
    now = T0 + timedelta(minutes=60 * 24 * 60 + wait)
    batch = batch_engagement(engagement, KINDS, *touch_columns(rows), now.timestamp())
    leads = np.arange(1, 7, dtype=np.int64)  # lead 6 has no touchpoints
    key = rules_key(engagement)
    got = batch_digests(leads, batch.lead, batch.kind, batch.count, batch.window, batch.earned_in_window, KINDS, key)
    assert got.dtype == np.int64
    assert (got >= 0).all()
    for i, lead in enumerate(leads.tolist()):
        assert int(got[i]) == state_digest(_one_at_a_time(rows, lead), key)


def test_decay_leaves_the_digest_be_and_a_touchpoint_or_a_rule_changes_it() -> None:
    engagement = example_sla().scoring.engagement
    assert engagement is not None
    key = rules_key(engagement)
    state = EngagementState().add(engagement, "page_view", T0).add(engagement, "email_click", T0)
    later = state.referenced(engagement, T0 + timedelta(days=30))
    assert later.by_type["page_view"].value < state.by_type["page_view"].value
    assert state_digest(later, key) == state_digest(state, key)
    assert state_digest(state.add(engagement, "page_view", T0 + timedelta(days=1)), key) != state_digest(state, key)
    assert state_digest(EngagementState(), key) == key
    changed = engagement.model_copy(update={"half_life": Duration(99, "d")})
    assert rules_key(changed) != key
    assert rules_key(engagement.model_copy(update={"competitors": None})) == key
