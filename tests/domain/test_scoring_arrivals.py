"""A lead's new touchpoints scored together end exactly where scoring them one at a time ends."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from revbridge.domain.business_time import BusinessClock
from revbridge.domain.lifecycle import Decision, LeadState, Scored, decide
from revbridge.domain.scoring import EngagementState, ScoreReason, competitor_points, engagement_score, engagement_value
from revbridge.domain.scoring_arrivals import StoredScore, after_touchpoint, score_arrivals
from tests.domain.example_sla import example_sla

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
KINDS = ["demo_request", "pricing_page_view", "webinar_attended", "content_download", "email_click", "unsubscribe"]


def _moved(lead: LeadState, decision: Decision) -> LeadState:
    """The lead as the decision leaves it (what the store would read back for the next touchpoint)."""
    assert decision.transition is not None
    return replace(
        lead,
        stage=decision.transition.to_stage,
        version=lead.version + 1,
        stage_changed_at=decision.transition.at,
        recycle_count=lead.recycle_count + int(decision.recycled),
    )


leads = st.builds(
    lambda stage, rested, loops: LeadState(1, stage, 3, None, loops, NOW - timedelta(days=rested)),
    st.sampled_from(["subscriber", "lead", "lead", "nurture", "nurture", "mql", "sal", "disqualified"]),
    st.integers(0, 90),
    st.integers(0, 3),
)
stored_scores = st.builds(
    lambda fit, email, p: StoredScore(EngagementState(), fit, (ScoreReason("fit: something", fit),), email, p),
    st.sampled_from([0.0, 25.0, 30.0, 47.0, 47.0]),
    st.sampled_from(["a@b.com", "spy@rivaldata.com", None]),
    st.none() | st.floats(0, 1),
)
# Demo requests often, and often this very moment: hand-offs and re-entries come up in most examples.
touchpoints = st.lists(
    st.tuples(
        st.sampled_from([*KINDS, "demo_request", "demo_request"]),
        st.sampled_from([0, 0, 0, 1, 24, 72, 240, 720]).map(lambda h: NOW - timedelta(hours=h)),
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(lead=leads, stored=stored_scores, touches=touchpoints)
def test_scoring_touchpoints_together_equals_one_at_a_time_with_the_lead_moved_by_each_decision(
    lead: LeadState, stored: StoredScore, touches: list[tuple[str, datetime]]
) -> None:
    """One at a time (``after_touchpoint``, then ``decide`` on the lead as the decisions before left it);
    together, with every reason made once at the end and the lifecycle asked only where a score could
    move the lead: the same one decision comes out (a score moves a lead only into MQL, which a score
    never leaves), on the same score, state and reasons."""
    sla = example_sla()
    clock = BusinessClock.from_clocks(sla.clocks)
    together = score_arrivals(sla, clock, lead, stored, touches, NOW)

    decisions: list[Decision] = []
    row, last = stored, None
    for kind, at in touches:
        last, row = after_touchpoint(sla.scoring, row, kind, at, NOW)
        decided = decide(lead, Scored(last, NOW), sla, clock)
        if decided.changes_anything:
            decisions.append(decided)
            lead = _moved(lead, decided)

    if not touches:
        assert together is None
        return
    assert together is not None
    assert len(decisions) <= 1
    assert together.decision == (decisions[0] if decisions else None)
    assert (together.score, together.stored, together.counted) == (last, row, len(touches))


@settings(max_examples=300, deadline=None)
@given(touches=touchpoints, email=st.sampled_from(["a@b.com", "spy@rivaldata.com", None]), hours=st.integers(0, 500))
def test_the_engagement_value_is_exactly_the_engagement_scores_number(
    touches: list[tuple[str, datetime]], email: str | None, hours: int
) -> None:
    engagement = example_sla().scoring.engagement
    assert engagement is not None
    state = EngagementState()
    for kind, at in touches:
        state = state.add(engagement, kind, at)
    later = NOW + timedelta(hours=hours)
    value = engagement_value(engagement, state, competitor_points(engagement, email), later)
    assert value == engagement_score(engagement, state, email, later)[0]
