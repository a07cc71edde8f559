"""The replay of stored touchpoints under an SLA: the vectorised path equals one touchpoint at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib.resources import files

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revbridge.domain.conditions import parse_condition
from revbridge.domain.scoring import fit_score
from revbridge.domain.sla import Sla, load_sla
from revbridge.domain.sla_replay import (
    Touches,
    exact_between_touches,
    first_moments,
    replay_one,
    rises_with_scores,
    touch_scores,
)
from revbridge.domain.threshold_sweep import with_threshold

SLA = load_sla(files("revbridge.examples").joinpath("sla.yaml").read_text(encoding="utf-8"))
KINDS = [*sorted(SLA.scoring.engagement.touchpoints), "form_fill"]  # type: ignore[union-attr]
START = datetime(2026, 1, 5, tzinfo=UTC)
PEOPLE = [
    {"industry": "software", "country": "US", "job_title": "VP Data", "email": "a@acme.com"},
    {"industry": "retail", "country": "BR", "email": "b@rivaldata.com"},
    {"industry": "fintech", "job_title": "student", "phone": "1"},
]

touch = st.tuples(st.integers(0, len(PEOPLE) - 1), st.integers(0, len(KINDS) - 1), st.integers(0, 90 * 24))
conditions = st.sampled_from(
    [
        "fit >= 30 and engagement >= 40",
        "engagement >= 25",
        "score > 50 or engagement >= 60",
        "fit >= 20 and p_convert >= 0.3",
        "engagement < 10",
        "not engagement >= 12",
    ]
)


def replay_both(sla: Sla, condition_text: str, rows: list[tuple[int, int, int]], p: list[float | None]) -> None:
    condition = parse_condition(condition_text)
    fits = np.array([fit_score(sla.scoring.fit, person)[0] for person in PEOPLE])
    penalty = np.array([-100.0 if "rival" in str(person.get("email")) else 0.0 for person in PEOPLE])
    p_convert = np.array([np.nan if v is None else v for v in p])
    moments = Touches(
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows], dtype=np.int64),
        np.array([(START + timedelta(hours=r[2])).timestamp() for r in rows]),
    )
    scored = touch_scores(sla.scoring, KINDS, moments, fits, penalty, p_convert)
    fast = first_moments(condition, scored, len(PEOPLE))
    for lead, person in enumerate(PEOPLE):
        mine = [(KINDS[k], START + timedelta(hours=h)) for who, k, h in rows if who == lead]
        slow = replay_one(sla.scoring, condition, person, None, mine, p[lead])
        assert (np.isnan(fast[lead]) and slow is None) or fast[lead] == (slow.timestamp() if slow else None)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(touch, max_size=40),
    conditions,
    st.lists(st.one_of(st.none(), st.floats(0, 1)), min_size=3, max_size=3),
)
def test_every_lead_at_once_equals_one_touchpoint_at_a_time(
    rows: list[tuple[int, int, int]], condition: str, p: list[float | None]
) -> None:
    replay_both(SLA, condition, rows, p)


@settings(max_examples=100, deadline=None)
@given(st.lists(touch, max_size=40), st.integers(0, 60), st.integers(0, 30))
def test_raising_an_engagement_threshold_never_adds_mqls_nor_makes_one_earlier(
    rows: list[tuple[int, int, int]], low: int, more: int
) -> None:
    fits = np.array([fit_score(SLA.scoring.fit, person)[0] for person in PEOPLE])
    moments = Touches(
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows], dtype=np.int64),
        np.array([float(r[2] * 3600) for r in rows]),
    )
    scored = touch_scores(SLA.scoring, KINDS, moments, fits, np.zeros(3), np.full(3, np.nan))
    base = parse_condition("fit >= 10 and engagement >= 1")
    lower = first_moments(with_threshold(base, "engagement", low), scored, 3)
    higher = first_moments(with_threshold(base, "engagement", low + more), scored, 3)
    assert not (np.isnan(lower) & ~np.isnan(higher)).any()  # no new MQL
    both = ~np.isnan(lower) & ~np.isnan(higher)
    assert (higher[both] >= lower[both]).all()  # never earlier


def test_a_cap_stops_points_within_its_window_and_the_engagement_decays_by_its_half_life() -> None:
    # Three pricing page views in one week earn 10 + 10 + 0 (cap 20 per 7d), then halve in 21 days.
    day = 86400.0
    monday = datetime(2026, 1, 5, tzinfo=UTC).timestamp()  # windows count from the epoch, a Thursday
    moments = Touches(
        np.zeros(4, dtype=np.int64),
        np.array([KINDS.index("pricing_page_view")] * 3 + [KINDS.index("form_fill")], dtype=np.int64),
        np.array([monday, monday, monday + day, monday + day + 21 * day]),
    )
    scored = touch_scores(SLA.scoring, KINDS, moments, np.zeros(1), np.zeros(1), np.full(1, np.nan))
    third = 20 * 2 ** (-1 / 21)  # the cap spent: the third view earns nothing, the 20 decay for a day
    assert scored.scores["engagement"].tolist() == pytest.approx([10.0, 20.0, third, third / 2])


def test_which_conditions_only_rise_with_the_scores() -> None:
    assert rises_with_scores(parse_condition("fit >= 30 and (engagement > 40 or score >= 70)"))
    assert not rises_with_scores(parse_condition("fit >= 30 and engagement < 10"))
    assert not rises_with_scores(parse_condition("not engagement >= 10"))
    assert exact_between_touches(SLA.scoring, SLA.qualification.mql) is None
    assert "fade" in (exact_between_touches(SLA.scoring, parse_condition("score >= 50")) or "")
    assert "fall" in (exact_between_touches(SLA.scoring, parse_condition("engagement <= 5")) or "")
