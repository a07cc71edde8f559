"""Shapley attribution: each channel's fair share of what the channels of a journey achieve together.

The **game** of a set of channels ``S`` is the conversion rate of the journeys that met exactly those
channels (in any order, any number of times): converting journeys ÷ all journeys with that set. The
journeys that went nowhere count here: a game of conversions alone would credit every touch alike
(Shapley would equal linear). A set is worth the best rate among the sets within it that journeys met
(itself included; nothing when there are none), so the game never falls as channels are added and no
channel gets negative credit from noise or a gap in the data.

Each set of channels ``S`` that journeys met gives its conversions to its channels by their Shapley
values in the game restricted to ``S``, scaled to add up to the set's own conversions: computed
**exactly** over every subset for sets of up to ``exact_up_to`` channels (15: 245,760 terms), and from
``samples`` random orders of the channels beyond that. Value is shared the same way in the game of
value per journey.

Pure numpy. ``ShapleyGame`` keeps the coalitions and weights, so re-running it on other counts of the
same paths (a bootstrap replicate) costs only the sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial

import numpy as np

from revbridge.analytics.attribution.credit import Credit
from revbridge.domain.paths import Paths

Floats = np.ndarray
Ints = np.ndarray
EXACT_UP_TO = 15
SAMPLES = 2000
WIDE = 62  # more channels than this need Python integers as bit masks
CHUNK = 4096  # coalitions compared with every set at once when finding the sets within each


def set_masks(paths: Paths) -> np.ndarray:
    """Per path, the channels it met as a bit mask (``int64``, or Python integers past ``WIDE``)."""
    if len(paths.steps) == 0:
        return np.zeros(0, dtype=np.int64)
    if len(paths.channels) <= WIDE:
        bits = np.left_shift(np.int64(1), paths.steps.astype(np.int64))
    else:
        bits = np.array([1 << int(s) for s in paths.steps], dtype=object)
    return np.bitwise_or.reduceat(bits, paths.starts[:-1])


@dataclass(frozen=True)
class ShapleyGame:
    """The terms of the Shapley values of every channel set the paths met, whatever their counts.

    Each term is a channel (``player``) joining a coalition of its set's other channels: the game's
    rise from ``lower`` to ``upper`` (coalition numbers), times ``weight``, credited ``owner``'s
    journeys. ``within`` pairs each coalition with the sets inside it (itself, when journeys met it):
    a coalition is worth the best of their rates."""

    channels: tuple[str, ...]
    set_of: Ints  # per path, its set
    coalitions: int
    within_coalition: Ints
    within_set: Ints
    owner: Ints
    player: Ints
    lower: Ints
    upper: Ints
    weight: Floats

    @classmethod
    def of(cls, paths: Paths, *, exact_up_to: int = EXACT_UP_TO, samples: int = SAMPLES, seed: int = 0) -> ShapleyGame:
        masks = set_masks(paths)
        sets, set_of = np.unique(masks, return_inverse=True)
        rng = np.random.default_rng(seed)
        terms = [_terms(int(s), len(paths.channels), exact_up_to, samples, rng) for s in sets.tolist()]
        owner = np.repeat(np.arange(len(sets)), [len(t[0]) for t in terms])
        player, lower, upper, weight = (
            np.concatenate([t[i] for t in terms]) if terms else np.zeros(0) for i in range(4)
        )
        if sets.dtype != object:
            lower, upper = lower.astype(np.int64), upper.astype(np.int64)
        coalitions, inverse = np.unique(np.concatenate([lower, upper]), return_inverse=True)
        within_coalition, within_set = _within(coalitions, sets)
        return cls(
            paths.channels,
            set_of.reshape(-1),
            len(coalitions),
            within_coalition,
            within_set,
            owner,
            player.astype(np.int64),
            inverse[: len(lower)].reshape(-1),
            inverse[len(lower) :].reshape(-1),
            weight.astype(float),
        )

    def credit(self, conversions: Floats, nulls: Floats, value: Floats) -> tuple[Floats, Floats]:
        """Each channel's credited conversions and value, for these counts of the paths."""
        size = int(self.set_of.max()) + 1 if len(self.set_of) else 0
        journeys = np.bincount(self.set_of, weights=conversions + nulls, minlength=size)
        converted = np.bincount(self.set_of, weights=conversions, minlength=size)
        worth = np.bincount(self.set_of, weights=value, minlength=size)
        m = len(self.channels)
        return self._shared(journeys, converted, m), self._shared(journeys, worth, m)

    def shares(self, conversions: Floats, nulls: Floats) -> Floats:
        credited, _ = self.credit(conversions, nulls, conversions)
        total = credited.sum()
        return credited / total if total > 0 else np.zeros(len(self.channels))

    def _shared(self, journeys: Floats, amount: Floats, m: int) -> Floats:
        seen = journeys > 0
        rate = np.divide(amount, journeys, out=np.zeros_like(amount), where=seen)
        game = _game(rate, seen, self.within_coalition, self.within_set, self.coalitions)
        rise = (game[self.upper] - game[self.lower]) * self.weight
        per_set = np.bincount(self.owner, weights=rise, minlength=len(journeys))
        # Scaled to each set's own total (the game of the whole set is at least its own rate).
        scale = np.divide(amount, per_set, out=np.zeros_like(amount), where=per_set > 0)
        return np.bincount(self.player, weights=rise * scale[self.owner], minlength=m)


def shapley(paths: Paths, *, exact_up_to: int = EXACT_UP_TO, samples: int = SAMPLES, seed: int = 0) -> Credit:
    """Conversions and value shared by the channels' Shapley values in the conversion-rate game."""
    game = ShapleyGame.of(paths, exact_up_to=exact_up_to, samples=samples, seed=seed)
    conversions, value = game.credit(paths.conversions, paths.nulls, paths.value)
    return Credit(paths.channels, conversions, value)


def _terms(
    mask: int, m: int, exact_up_to: int, samples: int, rng: np.random.Generator
) -> tuple[Ints, np.ndarray, np.ndarray, Floats]:
    """The (player, coalition, coalition with the player, weight) terms of one set's Shapley values."""
    members = [c for c in range(m) if mask >> c & 1]
    n = len(members)
    wide = m > WIDE
    bit = np.array([1 << c for c in members], dtype=object if wide else np.int64)
    if n <= exact_up_to:
        local = np.arange(1 << n)
        coalition = np.zeros(1 << n, dtype=object if wide else np.int64)
        for i in range(n):
            coalition = coalition | np.where((local >> i) & 1 == 1, bit[i], 0)
        size = np.bitwise_count(local)
        factorials = np.array([factorial(k) for k in range(n + 1)], dtype=float)
        players, lowers, uppers, weights = [], [], [], []
        for i in range(n):
            without = local[(local >> i) & 1 == 0]
            players.append(np.full(len(without), members[i]))
            lowers.append(coalition[without])
            uppers.append(coalition[without | (1 << i)])
            k = size[without]
            weights.append(factorials[k] * factorials[n - k - 1] / factorials[n])
        return np.concatenate(players), np.concatenate(lowers), np.concatenate(uppers), np.concatenate(weights)
    orders = np.argsort(rng.random((samples, n)), axis=1)
    upper = np.bitwise_or.accumulate(bit[orders], axis=1)
    lower = np.concatenate([np.zeros((samples, 1), dtype=upper.dtype), upper[:, :-1]], axis=1)
    player = np.asarray(members)[orders]
    return player.ravel(), lower.ravel(), upper.ravel(), np.full(samples * n, 1.0 / samples)


def _within(coalitions: np.ndarray, sets: np.ndarray) -> tuple[Ints, Ints]:
    """Every (coalition, set) pair where the set lies within the coalition."""
    found_coalition, found_set = [], []
    for start in range(0, len(coalitions), CHUNK):
        chunk = coalitions[start : start + CHUNK]
        inside = (sets[None, :] & ~chunk[:, None]) == 0
        row, column = np.nonzero(inside)
        found_coalition.append(row + start)
        found_set.append(column)
    if not found_coalition:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(found_coalition), np.concatenate(found_set)


def _game(rate: Floats, seen: np.ndarray, within_coalition: Ints, within_set: Ints, size: int) -> Floats:
    """Per coalition, the best rate of the sets journeys met within it (itself included), else 0."""
    game = np.zeros(size)
    usable = seen[within_set]
    np.maximum.at(game, within_coalition[usable], rate[within_set[usable]])
    return game
