"""The scorecard, the measures behind it and the misalignment signals, on hand-made data, on every engine."""

from __future__ import annotations

import pytest

from revbridge.analytics.measures import UnknownMeasure, measure
from revbridge.analytics.scorecard import scorecard, status
from revbridge.analytics.signals import signals
from revbridge.domain.sla_sections import Commitments
from tests.analytics import tiny
from tests.analytics.conftest import On

NOW = tiny.at("03-01")
COMMITMENTS = Commitments.model_validate(
    {
        "marketing": {"mql_volume": {"target": 25, "per": "month"}, "sal_acceptance_rate": {"target": 0.7}},
        "sales": {"acceptance_speed": {"target": 0.9}},
    }
)


def test_the_scorecard_sets_each_commitment_against_last_months_actual(on: On) -> None:
    with on(tiny.drift) as source:
        card = scorecard(source, COMMITMENTS, now=NOW).set_index("commitment")
    volume, accepted, speed = card.loc["mql_volume"], card.loc["sal_acceptance_rate"], card.loc["acceptance_speed"]
    assert (volume.team, volume.actual, volume.previous, volume.trend, volume.status) == (
        "marketing",
        30,
        20,
        10,
        "green",
    )
    assert volume.period == tiny.at("02-01", 0)
    assert accepted.actual == pytest.approx(15 / 25)
    assert accepted.previous == pytest.approx(30 / 40)
    assert accepted.status == "red"  # 0.6 is more than 10% under 0.7
    assert (speed.team, speed.status) == ("sales", "grey")  # no clocks: nothing to measure


def test_status_colours() -> None:
    assert [status(a, 100) for a in (100, 95, 89, None)] == ["green", "amber", "red", "grey"]
    assert [status(a, 4, higher_is_better=False) for a in (3, 4.4, 6)] == ["green", "amber", "red"]


def test_measures_by_name(on: On) -> None:
    with on(tiny.drift) as source:
        assert measure(source, "mqls", since=tiny.at("02-01", 0), until=NOW, now=NOW) == 30
        assert measure(source, "sal_acceptance_rate", since=tiny.at("02-01", 0), until=NOW, now=NOW) == 0.6
        assert measure(source, "win_rate", since=tiny.at("02-01", 0), until=NOW, now=NOW) is None
        with pytest.raises(UnknownMeasure, match="unknown measure 'leads'"):
            measure(source, "leads", since=NOW, until=NOW, now=NOW)


def test_signals_find_volume_against_quality_a_rejected_campaign_and_a_score_that_does_not_rank(on: On) -> None:
    with on(tiny.drift) as source:
        found = {s.kind: s for s in signals(source, now=NOW)}
    assert set(found) == {"volume_against_quality", "campaign_rejected", "score_does_not_rank"}
    assert found["volume_against_quality"].message == "MQLs +50% while acceptance -20% over 4 weeks"
    assert found["campaign_rejected"].message == "campaign Search ads: 58% rejected as bad_fit"
    assert found["score_does_not_rank"].message == (
        "score band 80–100 converts no better than 60–80 (50% against 78% accepted)"
    )
    assert found["campaign_rejected"].evidence == {
        "campaign": "Search ads", "reason": "bad_fit", "rejected": 7, "verdicts": 12,
    }  # fmt: skip


def test_mqls_slipping_through_the_cracks_are_a_critical_signal(on: On) -> None:
    with on(tiny.clocks) as source:
        found = signals(source, now=tiny.at("01-10"))
    assert [(s.kind, s.severity, s.message) for s in found] == [
        ("slipping", "critical", "1 MQL untouched past its deadline")
    ]
    assert found[0].evidence == {"leads": [3], "longest_overdue_hours": 88.0}
