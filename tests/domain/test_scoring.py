"""Scoring: fit rules, engagement with caps and decay, O(1) updates that agree with the definition."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from revbridge.domain.scoring import (
    EngagementState,
    TypeState,
    account_columns_read,
    combined_score,
    engagement_from_touchpoints,
    fit_score,
    lead_columns_read,
    reasons_to_store,
    score_lead,
    stored_reasons,
)
from revbridge.domain.sla import Sla
from revbridge.domain.sla_sections import LEAD_FIELDS, FitRule
from tests.domain.example_sla import example_sla

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def sla() -> Sla:
    return example_sla()


def test_fit_adds_the_points_of_every_rule_that_holds_and_says_which(sla: Sla) -> None:
    lead = {"industry": "Software", "country": "US", "job_title": "VP Data", "phone": "+1 555 0100"}
    account = {"employees": 1200}
    fit, reasons = fit_score(sla.scoring.fit, lead, account)
    assert fit == 15 + 15 + 5 + 10 + 2
    assert [r.points for r in reasons] == [15, 15, 5, 10, 2]
    assert reasons[0].rule.startswith("fit: industry in [software")


def test_a_student_loses_fit_points_and_a_missing_field_matches_nothing(sla: Sla) -> None:
    fit, reasons = fit_score(sla.scoring.fit, {"job_title": "Student of data science"}, None)
    assert fit == -20
    assert len(reasons) == 1


def test_engagement_halves_every_half_life(sla: Sla) -> None:
    engagement = sla.scoring.engagement
    assert engagement is not None
    state = EngagementState().add(engagement, "demo_request", T0)
    assert state.at(engagement, T0)["demo_request"] == 40
    assert state.at(engagement, T0 + timedelta(days=21))["demo_request"] == pytest.approx(20)
    assert state.at(engagement, T0 + timedelta(days=42))["demo_request"] == pytest.approx(10)


def test_a_cap_stops_points_within_its_window_and_a_new_window_starts_afresh(sla: Sla) -> None:
    engagement = sla.scoring.engagement
    assert engagement is not None
    state = EngagementState()
    for minute in range(15):  # page_view: 1 point, at most 10 per 7d
        state = state.add(engagement, "page_view", T0 + timedelta(minutes=minute))
    assert state.at(engagement, T0 + timedelta(minutes=15))["page_view"] == pytest.approx(10, rel=1e-3)
    later = T0 + timedelta(days=8)
    state = state.add(engagement, "page_view", later)
    assert state.by_type["page_view"].earned_in_window == 1


def test_negative_points_are_not_capped_and_competitors_lose_points(sla: Sla) -> None:
    scored = score_lead(
        sla.scoring,
        {"email": "spy@rivaldata.com"},
        None,
        EngagementState().add(sla.scoring.engagement, "unsubscribe", T0),  # type: ignore[arg-type]
        T0,
    )
    assert scored.engagement == -125
    assert any("competitor" in r.rule for r in scored.reasons)


def test_types_the_sla_does_not_score_change_nothing(sla: Sla) -> None:
    engagement = sla.scoring.engagement
    assert engagement is not None
    assert EngagementState().add(engagement, "tweet_liked", T0) == EngagementState()


def test_the_model_weighs_in_only_when_the_sla_gives_it_a_weight(sla: Sla) -> None:
    assert combined_score(sla.scoring, 30, 40, None) == 70
    assert combined_score(sla.scoring, 30, 40, 0.5) == pytest.approx(0.7 * 70 + 0.3 * 50)


def test_the_state_survives_a_round_trip_through_json(sla: Sla) -> None:
    engagement = sla.scoring.engagement
    assert engagement is not None
    state = EngagementState().add(engagement, "page_view", T0).add(engagement, "demo_request", T0 + timedelta(hours=1))
    assert EngagementState.from_json(state.to_json()) == state


KINDS = ["demo_request", "pricing_page_view", "webinar_attended", "content_download", "email_click", "page_view"]
touchpoints = st.lists(
    st.tuples(st.sampled_from([*KINDS, "unsubscribe", "not_scored"]), st.integers(0, 90 * 24 * 60)),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(touchpoints, st.integers(0, 60 * 24 * 60))
def test_one_touchpoint_at_a_time_in_time_order_gives_the_definition(events: list[tuple[str, int]], wait: int) -> None:
    engagement = example_sla().scoring.engagement
    assert engagement is not None
    timed = sorted(((k, T0 + timedelta(minutes=m)) for k, m in events), key=lambda e: e[1])
    state = EngagementState()
    for kind, at in timed:
        state = state.add(engagement, kind, at)
    now = (timed[-1][1] if timed else T0) + timedelta(minutes=wait)
    expected = engagement_from_touchpoints(engagement, timed, now)
    got = state.at(engagement, now)
    assert set(got) == set(expected)
    for kind, value in expected.items():
        assert math.isclose(got[kind], value, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["demo_request", "webinar_attended", "unsubscribe"]), st.integers(0, 10**5))))
def test_without_caps_the_order_of_arrival_does_not_matter(events: list[tuple[str, int]]) -> None:
    engagement = example_sla().scoring.engagement
    assert engagement is not None
    state = EngagementState()
    for kind, minute in events:  # as imported: any order
        state = state.add(engagement, kind, T0 + timedelta(minutes=minute))
    now = T0 + timedelta(minutes=10**5 + 1)
    expected = engagement_from_touchpoints(engagement, [(k, T0 + timedelta(minutes=m)) for k, m in events], now)
    got = state.at(engagement, now)
    for kind, value in expected.items():
        assert math.isclose(got[kind], value, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=200, deadline=None)
@given(touchpoints, st.integers(0, 60 * 24 * 60), st.integers(0, 60 * 24 * 60), st.booleans())
def test_the_stored_reasons_and_the_state_referenced_to_the_scoring_moment_give_every_reason_back(
    events: list[tuple[str, int]], scored_after: int, later: int, competitor: bool
) -> None:
    """What is stored (the reasons without the types' lines, and the state referenced to the scoring
    moment) reads back as every reason; adding touchpoints to the referenced state gives what adding them
    to the state before would, older touchpoints included."""
    sla = example_sla()
    engagement = sla.scoring.engagement
    assert engagement is not None
    timed = sorted(((k, T0 + timedelta(minutes=m)) for k, m in events), key=lambda e: e[1])
    state = EngagementState()
    for kind, at in timed:
        state = state.add(engagement, kind, at)
    now = (timed[-1][1] if timed else T0) + timedelta(minutes=scored_after)
    lead = {"email": "a@rivaldata.com" if competitor else "a@acme.example", "country": "DE", "job_title": "CTO"}
    score = score_lead(sla.scoring, lead, None, state, now)
    stored = reasons_to_store(score.reasons)
    assert not any(" × " in str(rule) for rule, _ in stored)
    referenced = state.referenced(engagement, now)
    assert referenced.ref_at == (None if state.ref_at is None else now)
    back = stored_reasons(stored, EngagementState.from_json(referenced.to_json()))
    assert [r.rule for r in back] == [r.rule for r in score.reasons]
    for got, want in zip(back, score.reasons, strict=True):
        assert math.isclose(got.points, want.points, rel_tol=1e-9, abs_tol=1e-9)
    # The state goes on from the scoring moment as it would have from its own reference time.
    extra = [("demo_request", T0 + timedelta(minutes=m)) for m in (0, scored_after + later)]
    before, after = state, referenced
    for kind, at in extra:
        before, after = before.add(engagement, kind, at), after.add(engagement, kind, at)
    end = now + timedelta(minutes=later + 1)
    for kind, value in before.at(engagement, end).items():
        assert math.isclose(after.at(engagement, end)[kind], value, rel_tol=1e-9, abs_tol=1e-9)


def test_reasons_stored_with_the_types_lines_are_read_as_they_are() -> None:
    stored = [["fit: country in DE", 10.0], ["engagement: 2 × webinar_attended, decayed", 14.5]]
    state = EngagementState(T0, {"page_view": TypeState(3.0, 3)})  # not what the lines were scored from
    assert [(r.rule, r.points) for r in stored_reasons(stored, state)] == [(r, p) for r, p in stored]


def test_a_score_reads_the_columns_its_fit_rules_name_the_email_and_the_model(sla: Sla) -> None:
    expected = {"email", "predicted", "industry", "account_id", "country", "job_title", "phone"}
    assert lead_columns_read(sla.scoring) == expected
    rules = [FitRule(field="properties.plan", op="exists", points=1), FitRule(field="campaign", op="exists", points=1)]
    others = sla.scoring.model_copy(update={"fit": rules})
    assert lead_columns_read(others) == {"email", "predicted", "properties", "campaign_id"}
    assert account_columns_read(sla.scoring) == {"employees"}
    assert account_columns_read(others) == set()


@settings(max_examples=200)
@given(column=st.sampled_from(LEAD_FIELDS), value=st.none() | st.text(max_size=12) | st.integers(0, 10**6))
def test_a_change_to_a_column_the_score_does_not_read_moves_no_score(sla: Sla, column: str, value: object) -> None:
    assume(column not in lead_columns_read(sla.scoring))
    lead = {"industry": "Software", "country": "US", "job_title": "VP Data", "phone": "1", "email": "vp@big.com"}
    account = {"employees": 1200}
    before = score_lead(sla.scoring, lead, account, EngagementState(), T0)
    assert score_lead(sla.scoring, {**lead, column: value}, account, EngagementState(), T0) == before
