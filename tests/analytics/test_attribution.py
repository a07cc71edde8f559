"""Attribution models on journeys small enough to work out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revbridge.analytics.attribution import (
    first_touch,
    last_non_direct,
    last_touch,
    linear,
    markov,
    removal_effects,
    u_shaped,
)
from revbridge.domain.errors import InvalidInput
from revbridge.domain.paths import Paths

# A > B > C: 2 conversions worth 100; B: 1 worth 10; C > direct: 1; direct: 1 and 3 without.
JOURNEYS = Paths.of(
    [["A", "B", "C"], ["B"], ["C", "direct"], ["direct"]],
    conversions=[2, 1, 1, 1],
    nulls=[0, 0, 0, 3],
    value=[100, 10, 0, 0],
)


def _by_channel(credit: object) -> dict[str, float]:
    rows = credit.as_rows()  # type: ignore[attr-defined]
    return {r["channel"]: pytest.approx(r["conversions"]) for r in rows}


def test_first_and_last_touch() -> None:
    assert _by_channel(first_touch(JOURNEYS)) == {"A": 2, "B": 1, "C": 1, "direct": 1}
    assert _by_channel(last_touch(JOURNEYS)) == {"A": 0, "B": 1, "C": 2, "direct": 2}
    assert first_touch(JOURNEYS).value.tolist() == [100, 10, 0, 0]


def test_last_non_direct_passes_over_direct_unless_it_is_all_there_is() -> None:
    assert _by_channel(last_non_direct(JOURNEYS)) == {"A": 0, "B": 1, "C": 3, "direct": 1}


def test_linear_and_u_shaped() -> None:
    assert _by_channel(linear(JOURNEYS)) == {"A": 2 / 3, "B": 2 / 3 + 1, "C": 2 / 3 + 0.5, "direct": 0.5 + 1}
    # A > B > C: 40/20/40; B alone: all; C > direct: half each; direct alone: all.
    assert _by_channel(u_shaped(JOURNEYS)) == {"A": 0.8, "B": 0.4 + 1, "C": 0.8 + 0.5, "direct": 0.5 + 1}


# A > B: 1 converts. A: 1 does not. B: 1 converts, 1 does not. By hand (order 1): from the start half go to
# A, half to B; from A half go on to B, half are lost; from B two in three convert. P(conversion) = 1/2.
# Without A: 1/2 x 2/3 = 1/3, a removal effect of 1/3; without B nothing converts, an effect of 1.
CHAIN = Paths.of([["A", "B"], ["A"], ["B"]], conversions=[1, 0, 1], nulls=[0, 1, 1], value=[30, 0, 10])


def test_markov_order_1_removal_effects_solved_by_hand() -> None:
    assert removal_effects(CHAIN, order=1).tolist() == pytest.approx([1 / 3, 1.0], abs=1e-12)
    credit = markov(CHAIN, order=1)
    assert credit.conversions.tolist() == pytest.approx([0.5, 1.5], abs=1e-12)  # shares 1/4 and 3/4 of 2
    assert credit.value.tolist() == pytest.approx([10, 30], abs=1e-12)


def test_markov_order_2_remembers_where_a_journey_came_from() -> None:
    # States: (A), (B) from the start, (A, B) after A. P(conversion) = 1/2 x 1/2 x 1 + 1/2 x 1/2 = 1/2.
    # Without A (states (A) and (A, B)): 1/4, an effect of 1/2; without B: nothing, an effect of 1.
    assert removal_effects(CHAIN, order=2).tolist() == pytest.approx([0.5, 1.0], abs=1e-12)


def test_a_chain_with_nothing_converting_credits_nothing_and_order_0_is_refused() -> None:
    none = Paths.of([["A"], ["B"]], conversions=[0, 0], nulls=[2, 1])
    assert markov(none).conversions.tolist() == [0, 0]
    with pytest.raises(InvalidInput, match="order must be 1 or more"):
        markov(CHAIN, order=0)


paths_strategy = st.lists(
    st.tuples(
        st.lists(st.sampled_from(["A", "B", "C", "direct"]), min_size=1, max_size=6),
        st.integers(0, 5),
        st.integers(0, 5),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=100, deadline=None)
@given(paths_strategy, st.sampled_from([first_touch, last_touch, last_non_direct, linear, u_shaped]))
def test_every_heuristic_hands_out_exactly_the_conversions(journeys: list, model: object) -> None:
    paths = Paths.of([p for p, _, _ in journeys], [c for _, c, _ in journeys], [n for _, _, n in journeys])
    credit = model(paths)  # type: ignore[operator]
    assert credit.conversions.sum() == pytest.approx(paths.conversions.sum())
    assert (credit.conversions >= -1e-12).all()


@settings(max_examples=60, deadline=None)
@given(paths_strategy, st.integers(1, 3))
def test_markov_credit_adds_up_and_is_never_negative(journeys: list, order: int) -> None:
    paths = Paths.of([p for p, _, _ in journeys], [c for _, c, _ in journeys], [n for _, _, n in journeys])
    credit = markov(paths, order=order)
    if paths.conversions.sum() > 0:
        assert credit.conversions.sum() == pytest.approx(paths.conversions.sum())
    assert (removal_effects(paths, order) >= -1e-9).all()
    assert (np.asarray(credit.conversions) >= -1e-9).all()


def test_bootstrap_intervals_hold_the_share_and_narrow_with_more_journeys() -> None:
    from revbridge.analytics.attribution import intervals

    small = intervals(CHAIN, "markov", order=1, replicates=300, seed=1)
    assert small.share.tolist() == pytest.approx([0.25, 0.75])
    assert ((small.low <= small.share) & (small.share <= small.high)).all()
    # The same journeys a hundred times over: the same shares, known far better.
    large = Paths.of([["A", "B"], ["A"], ["B"]], conversions=[100, 0, 100], nulls=[0, 100, 100])
    wide = intervals(large, "markov", order=1, replicates=300, seed=1)
    assert wide.share.tolist() == pytest.approx([0.25, 0.75])
    assert (wide.high - wide.low < small.high - small.low).all()
    assert (wide.high - wide.low)[0] < 0.1


def test_markov_shares_value_by_each_channels_removal_effect_on_the_expected_value() -> None:
    # start -> A (2 journeys), start -> B (2); each converts one of two, A's worth 100 and B's 10.
    # Conversion chance 0.5; without A 0.25, without B 0.25: half the conversions each.
    # Expected value 0.5 * 0.5 * 100 + 0.5 * 0.5 * 10 = 27.5; without A 2.5 (effect 25 / 27.5), without
    # B 25 (2.5 / 27.5): A takes 100 of the 110, B 10.
    paths = Paths.of([["A"], ["B"]], conversions=[1, 1], nulls=[1, 1], value=[100, 10])
    credit = markov(paths)
    assert credit.conversions.tolist() == pytest.approx([1, 1])
    assert credit.value.tolist() == pytest.approx([100, 10])


@pytest.mark.parametrize("limit", [2000, 3])  # the fixed point to the end, or cut short and LU instead
def test_large_chains_are_solved_as_exactly_as_small_ones(monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    from revbridge.analytics.attribution import markov_chain
    from revbridge.domain.simulation.channel_effects import synthetic_journeys

    journeys = synthetic_journeys(20_000, seed=5).paths
    dense = markov_chain.removal_effects(journeys, 2)
    monkeypatch.setattr(markov_chain, "DENSE_LIMIT", 0)
    monkeypatch.setattr(markov_chain, "FIXED_POINT_LIMIT", limit)
    assert markov_chain.removal_effects(journeys, 2) == pytest.approx(dense, abs=1e-12)


@pytest.mark.parametrize("model", ["markov", "shapley"])
def test_intervals_of_the_value_shares_hold_the_revenue_weighted_estimate(model: str) -> None:
    from revbridge.analytics.attribution import intervals, shapley
    from revbridge.domain.simulation.channel_effects import synthetic_journeys

    journeys = synthetic_journeys(30_000, seed=4).paths
    if model == "markov":
        spread, credit = intervals(journeys, "markov", measure="value", replicates=40), markov(journeys)
    else:
        spread, credit = intervals(journeys, "shapley", measure="value", replicates=40), shapley(journeys)
    assert spread.share == pytest.approx(credit.value / credit.value.sum())
    assert (spread.low <= spread.share + 1e-12).all()
    assert (spread.share <= spread.high + 1e-12).all()
    assert not np.allclose(spread.share, credit.shares)  # the value shares are not the conversion shares


def test_the_bootstrap_reports_each_replicate() -> None:
    from revbridge.analytics.attribution import intervals

    seen: list[tuple[int, int]] = []
    intervals(JOURNEYS, "markov", replicates=5, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
