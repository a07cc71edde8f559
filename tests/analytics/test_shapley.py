"""Shapley attribution on games small enough to solve by hand, and against the synthetic truth."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revbridge.analytics.attribution import intervals, linear, shapley
from revbridge.domain.paths import Paths
from revbridge.domain.simulation.channel_effects import synthetic_journeys


def _credit(paths: Paths, **options: int) -> dict[str, float]:
    credit = shapley(paths, **options)
    return {c: pytest.approx(v) for c, v in zip(credit.channels, credit.conversions.tolist(), strict=True)}


def test_two_channels_worked_by_hand() -> None:
    # Rates: {A} 0.1, {B} 0.2, {A, B} 0.4 (100 journeys each).
    # In {A, B}: A = (0.1 - 0)/2 + (0.4 - 0.2)/2 = 0.15, B = (0.2 - 0)/2 + (0.4 - 0.1)/2 = 0.25.
    paths = Paths.of([["A"], ["B"], ["A", "B"]], conversions=[10, 20, 40], nulls=[90, 80, 60])
    assert _credit(paths) == {"A": 10 + 15, "B": 20 + 25}


def test_order_and_repeats_do_not_matter_only_the_set() -> None:
    once = Paths.of([["A"], ["B"], ["A", "B"]], conversions=[10, 20, 40], nulls=[90, 80, 60])
    shuffled = Paths.of(
        [["A", "A"], ["B"], ["B", "A"], ["A", "B", "A"]], conversions=[10, 20, 15, 25], nulls=[90, 80, 35, 25]
    )
    assert _credit(shuffled) == _credit(once)


def test_the_journeys_that_went_nowhere_matter_so_shapley_is_not_linear() -> None:
    paths = Paths.of([["A"], ["B"], ["A", "B"]], conversions=[10, 20, 40], nulls=[90, 80, 60])
    assert linear(paths).conversions.tolist() == [30, 40]
    assert shapley(paths).conversions.tolist() == pytest.approx([25, 45])


def test_a_set_converting_worse_than_a_set_within_it_takes_the_better_rate_no_negative_credit() -> None:
    # {A} 0.1, {B} 0.3, {A, B} 0.2: the game of {A, B} is 0.3, so A's rise there is 0 and B's 0.2.
    # In {A, B}: A = 0.1/2 + 0/2 = 0.05, B = 0.3/2 + 0.2/2 = 0.25, scaled to the set's 0.2 rate.
    paths = Paths.of([["A"], ["B"], ["A", "B"]], conversions=[10, 30, 20], nulls=[90, 70, 80])
    assert _credit(paths) == {"A": 10 + 20 * 0.05 / 0.3, "B": 30 + 20 * 0.25 / 0.3}


def test_a_set_no_journey_met_is_worth_the_best_set_within_it() -> None:
    # {B} never met alone: worth 0. In {A, B}: A = 0.1/2 + (0.4 - 0)/2 = 0.25, B = 0/2 + (0.4 - 0.1)/2.
    paths = Paths.of([["A"], ["A", "B"]], conversions=[10, 40], nulls=[90, 60])
    assert _credit(paths) == {"A": 10 + 25, "B": 15}


def test_three_channels_worked_by_hand() -> None:
    # Rates: A 0.1, B 0.2, C 0.3, AB 0.3, AC 0.4, BC 0.4, ABC 0.6 (10 journeys each set).
    sets = [["A"], ["B"], ["C"], ["A", "B"], ["A", "C"], ["B", "C"], ["A", "B", "C"]]
    rates = [0.1, 0.2, 0.3, 0.3, 0.4, 0.4, 0.6]
    conversions = [10 * r for r in rates]
    paths = Paths.of(sets, conversions=conversions, nulls=[10 - c for c in conversions])
    v = {frozenset(s): r for s, r in zip(sets, rates, strict=True)} | {frozenset(): 0.0}

    def phi(player: str, members: list[str]) -> float:
        from itertools import permutations

        orders = list(permutations(members))
        total = 0.0
        for order in orders:
            before = frozenset(order[: order.index(player)])
            total += v[before | {player}] - v[before]
        return total / len(orders)

    expected = {c: sum(10 * phi(c, s) for s in sets if c in s) for c in "ABC"}
    assert _credit(paths) == {c: pytest.approx(x) for c, x in expected.items()}


def test_sampled_orders_agree_with_the_exact_values() -> None:
    journeys = synthetic_journeys(20_000, seed=3).paths
    exact = shapley(journeys).shares
    sampled = shapley(journeys, exact_up_to=2, samples=5000).shares
    assert np.abs(exact - sampled).max() < 0.01
    assert not np.allclose(exact, sampled, atol=1e-12)  # the sampled path did run


def test_more_channels_than_a_machine_word_holds() -> None:
    names = [f"c{i:02d}" for i in range(70)]
    paths = Paths.of([names, [names[0]]], conversions=[7, 1], nulls=[3, 9])
    credit = shapley(paths, samples=400)
    assert credit.conversions.sum() == pytest.approx(8)
    assert (credit.conversions >= 0).all()
    # c00 alone converts 0.1; every other channel only ever together with all the rest.
    assert credit.conversions[0] == credit.conversions.max()
    assert credit.conversions[1:].std() < credit.conversions[1:].mean()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from("ABCDE"), min_size=1, max_size=6),
            st.integers(0, 20),
            st.integers(0, 20),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_credit_adds_up_to_the_conversions_and_is_never_negative(rows: list[tuple[list[str], int, int]]) -> None:
    paths = Paths.of([r[0] for r in rows], conversions=[r[1] for r in rows], nulls=[r[2] for r in rows])
    credit = shapley(paths)
    assert credit.conversions.sum() == pytest.approx(paths.conversions.sum())
    assert (credit.conversions >= -1e-12).all()


def test_recovers_the_true_channel_effects_of_a_million_journeys() -> None:
    world = synthetic_journeys(1_000_000, seed=0)
    assert np.abs(shapley(world.paths).shares - world.truth).max() < 0.01


def test_intervals_hold_the_estimate_and_narrow_with_more_journeys() -> None:
    small = intervals(synthetic_journeys(5_000, seed=2).paths, "shapley", replicates=60)
    large = intervals(synthetic_journeys(200_000, seed=2).paths, "shapley", replicates=60)
    for spread in (small, large):
        assert (spread.low <= spread.share + 1e-12).all()
        assert (spread.share <= spread.high + 1e-12).all()
    assert (large.high - large.low).mean() < (small.high - small.low).mean() / 3
