"""Journeys whose channels have a known true effect, to check attribution models against the truth.

Each journey is a run of touches; each touch's channel is drawn by the channels' popularity. A journey
converts with the chance that at least one of the distinct channels it met persuaded the buyer, each
channel ``c`` doing so with its own chance ``effect[c]`` (a *noisy OR*; no touch, no conversion):

    p(S) = 1 - prod(1 - effect[c] for c in S)

The **true credit** of a channel is what it adds to the conversions, fairly shared where channels
overlap: per journey the Shapley value of ``c`` in the game ``p`` over the journey's channels (the
only allocation that is efficient, symmetric and gives nothing to a channel that adds nothing), summed
over journeys with the expected conversions ``p``, not the drawn ones. Its ``shares`` are the truth.
A converting journey is worth a log-normal amount, whatever its channels.

Pure numpy, seeded: the same arguments give the same journeys.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial

import numpy as np

from revbridge.domain.paths import Paths

CHANNELS = ("direct", "display", "email", "organic_search", "paid_search", "paid_social", "referral", "webinar")
POPULARITY = (0.12, 0.10, 0.16, 0.18, 0.22, 0.12, 0.06, 0.04)
EFFECT = (0.015, 0.006, 0.045, 0.022, 0.030, 0.012, 0.060, 0.090)
MEAN_TOUCHES = 3.2
MAX_TOUCHES = 14  # journeys longer than this are cut (a path key must fit 64 bits)


@dataclass(frozen=True)
class SyntheticJourneys:
    paths: Paths
    truth: np.ndarray  # each channel's true share of the conversions, in ``paths.channels`` order


def synthetic_journeys(journeys: int, *, seed: int = 0) -> SyntheticJourneys:
    """``journeys`` journeys aggregated by path, and the true share of each channel."""
    rng = np.random.default_rng(seed)
    m = len(CHANNELS)
    lengths = np.minimum(rng.geometric(1 / MEAN_TOUCHES, size=journeys), MAX_TOUCHES)
    steps = rng.choice(m, size=int(lengths.sum()), p=np.asarray(POPULARITY) / sum(POPULARITY))
    starts = np.concatenate([[0], np.cumsum(lengths)])
    owner = np.repeat(np.arange(journeys), lengths)
    sets = np.bitwise_or.reduceat(np.left_shift(1, steps).astype(np.int64), starts[:-1])
    chance = _noisy_or(m)[sets]
    converted = rng.random(journeys) < chance
    worth = np.where(converted, rng.lognormal(mean=9.0, sigma=0.8, size=journeys), 0.0)
    # A path's key: its channels as digits in base m + 1 (0 marks "no touch").
    position = np.arange(len(steps)) - starts[:-1][owner]
    key = np.zeros(journeys, dtype=np.int64)
    np.add.at(key, owner, (steps + 1) * (m + 1) ** position.astype(np.int64))
    keys, path_of, taken = np.unique(key, return_inverse=True, return_counts=True)
    conversions = np.bincount(path_of, weights=converted, minlength=len(keys))
    value = np.bincount(path_of, weights=worth, minlength=len(keys))
    paths = _decode(keys, m, conversions, value, taken - conversions)
    expected = np.bincount(sets, minlength=1 << m).astype(float)
    return SyntheticJourneys(paths, _true_shares(expected, m))


def _noisy_or(m: int) -> np.ndarray:
    """Per set of channels (a bit mask), the chance a journey meeting exactly them converts."""
    masks = np.arange(1 << m)
    stay = np.ones(1 << m)
    for c in range(m):
        stay = np.where(masks & (1 << c), stay * (1 - EFFECT[c]), stay)
    chance = 1 - stay
    chance[0] = 0.0
    return chance


def _true_shares(journeys_per_set: np.ndarray, m: int) -> np.ndarray:
    """Shapley credit of each channel in ``p``, over every journey's channel set, as shares."""
    chance = _noisy_or(m)
    credit = np.zeros(m)
    for mask in np.flatnonzero(journeys_per_set):
        members = [c for c in range(m) if mask >> c & 1]
        n = len(members)
        for c in members:
            others = [d for d in members if d != c]
            for subset in range(1 << len(others)):
                coalition = sum(1 << others[i] for i in range(len(others)) if subset >> i & 1)
                size = bin(subset).count("1")
                weight = factorial(size) * factorial(n - size - 1) / factorial(n)
                gain = chance[coalition | 1 << c] - chance[coalition]
                credit[c] += journeys_per_set[mask] * weight * gain
    shares: np.ndarray = credit / credit.sum()
    return shares


def _decode(keys: np.ndarray, m: int, conversions: np.ndarray, value: np.ndarray, nulls: np.ndarray) -> Paths:
    digits = []
    rest = keys.copy()
    while rest.any():
        digits.append(rest % (m + 1))
        rest //= m + 1
    grid = np.stack(digits, axis=1)  # one row per path, its channels + 1 then zeros
    lengths = (grid > 0).sum(axis=1)
    steps = grid[grid > 0] - 1
    return Paths(
        CHANNELS,
        steps.astype(np.int64),
        np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        conversions,
        value,
        nulls.astype(float),
    )
