"""Every model side by side, and at each milestone."""

from __future__ import annotations

import pytest

from revbridge.analytics.attribution import MODELS, first_touch, last_touch, markov
from revbridge.analytics.attribution.compare import at_milestones, credit_by_model, side_by_side
from revbridge.domain.errors import InvalidInput
from revbridge.domain.paths import Paths

JOURNEYS = Paths.of([["A", "B"], ["B"], ["A"]], conversions=[2, 1, 0], nulls=[1, 1, 3], value=[50, 10, 0])


def test_each_model_is_a_column_of_channel_shares() -> None:
    frame = side_by_side(JOURNEYS, MODELS)
    assert list(frame.index) == ["A", "B"]
    assert set(frame.columns) | set(frame.attrs["skipped"]) == set(MODELS)
    assert {"first_touch", "linear", "markov", "shapley"} <= set(frame.columns)
    assert frame.sum().tolist() == pytest.approx([1.0] * len(frame.columns))
    assert frame.loc["A", "first_touch"] == pytest.approx(2 / 3)
    assert frame.loc["A", "last_touch"] == pytest.approx(0)


def test_conversions_or_value_instead_of_shares() -> None:
    frame = side_by_side(JOURNEYS, {"first_touch": first_touch}, measure="value")
    assert frame["first_touch"].tolist() == [50, 10]
    with pytest.raises(InvalidInput, match="compare by share, conversions or value"):
        side_by_side(JOURNEYS, MODELS, measure="roi")


def test_a_model_the_journeys_cannot_feed_is_left_out_and_said_why() -> None:
    def needs_times(paths: Paths) -> object:
        raise InvalidInput("time decay needs the touches' times")

    frame = side_by_side(JOURNEYS, {"last_touch": last_touch, "time_decay": needs_times})  # type: ignore[dict-item]
    assert list(frame.columns) == ["last_touch"]
    assert frame.attrs["skipped"] == {"time_decay": "time decay needs the touches' times"}


def test_at_each_milestone_the_journeys_of_that_milestone() -> None:
    to_mql = Paths.of([["A"], ["B"]], conversions=[3, 1])
    by_milestone = {"mql": to_mql, "customer": JOURNEYS}
    frame = at_milestones(by_milestone.__getitem__, ["mql", "customer"], {"markov": markov})
    assert frame.columns.tolist() == ["milestone", "channel", "markov"]
    assert frame.milestone.tolist() == ["mql", "mql", "customer", "customer"]
    assert frame.markov.tolist()[:2] == pytest.approx([0.75, 0.25])


def test_credit_by_model_is_each_models_credit_one_row_a_channel() -> None:
    frame = credit_by_model(JOURNEYS, MODELS)
    compared = side_by_side(JOURNEYS, MODELS)
    assert list(dict.fromkeys(frame.model)) == list(compared.columns)
    for model, rows in frame.groupby("model", sort=False):
        assert rows.channel.tolist() == ["A", "B"]
        assert rows.share.tolist() == pytest.approx(compared[model].tolist())
        assert rows.conversions.sum() == pytest.approx(3)
    first = frame[frame.model == "first_touch"].set_index("channel")
    assert first.value.to_dict() == {"A": 50, "B": 10}


def test_credit_by_model_of_no_journeys_has_no_rows() -> None:
    frame = credit_by_model(Paths.of([], conversions=[]), MODELS)
    assert frame.empty
    assert frame.columns.tolist() == ["model", "channel", "conversions", "value", "share"]
